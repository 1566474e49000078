"""SIGKILL in the middle of an ingest leaves the previous store intact and loadable."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from index.kb import KnowledgeBase
from index.store import DB_NAME

pytestmark = pytest.mark.slow


def _files_in_store(home: Path) -> int:
    try:
        with sqlite3.connect(home / DB_NAME, timeout=1) as db:
            return db.execute("SELECT count(*) FROM files").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_keeps_previous_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    kb = KnowledgeBase.open(home)
    kb.ingest([FIXTURES])
    before = {d.id: (d.content_hash, len(kb.store.chunks(d.id))) for d in kb.store.documents()}
    files_before = _files_in_store(home)
    kb.close()

    big = tmp_path / "big"
    big.mkdir()
    for i in range(60):  # enough work that the kill lands in the middle
        src = FIXTURES / ("consortium-8-1-report.pdf" if i % 2 else "roadmap-2021.docx")
        shutil.copy(src, big / f"copy-{i:03d}{src.suffix}")

    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "ingest", str(big), "--home", str(home), "--json"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _files_in_store(home) < files_before + 3:
        assert proc.poll() is None, "ingest ended before it could be killed"
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(home / DB_NAME) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # every file the store lists has its documents, every document its chunks: no half-written file
        assert (
            db.execute(
                "SELECT count(*) FROM files f WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.path = f.path)"
            ).fetchone()[0]
            == 0
        )
        assert (
            db.execute(
                "SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.id)"
            ).fetchone()[0]
            == 0
        )

    kb = KnowledgeBase.open(home)
    after = {d.id: (d.content_hash, len(kb.store.chunks(d.id))) for d in kb.store.documents()}
    assert {k: after[k] for k in before} == before
    done = kb.store.counts()["files"] - files_before
    assert 3 <= done < 60
    report = kb.ingest([big])  # the interrupted run can simply be started again
    assert report.count("unchanged") == done and report.count("ingested") == 60 - done
