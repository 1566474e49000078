"""Faults at CI size (eval/faults.py; `make bench` runs them at full size and records the figures): crafted files,
a writer during a search load, a serving process killed under load, oversized uploads."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path

import pytest

from eval.faults import (
    SMALL,
    anonymous_upload,
    authenticated_upload,
    crafted_file_run,
    killed_under_load,
    writer_during_load,
)
from index.store import DB_NAME
from service.settings import Settings

SIZE = dataclasses.replace(SMALL, html_mb=1)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, served: Settings) -> Path:
    """A copy of the session's served store (the faults write into it). The database is copied through SQLite's
    backup, never as a file: this process serves that store (`live_server`), and opening and closing its files
    here would drop the process's locks on them, after which a job process that closes last deletes the WAL under
    the serving connection ("database disk image is malformed" for the rest of the session)."""
    home = tmp_path_factory.mktemp("faults") / "home"
    shutil.copytree(served.home, home, ignore=shutil.ignore_patterns("jobs", "uploads", "write.lock", f"{DB_NAME}*"))
    source, target = sqlite3.connect(served.home / DB_NAME), sqlite3.connect(home / DB_NAME)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return home


def test_every_crafted_file_is_one_line_within_its_budgets() -> None:
    rows = {row["file"].split(" ", 1)[0]: row for row in crafted_file_run(SIZE)}
    for row in rows.values():
        assert row["seconds"] < 60 and row["peak_mb"] < 2048, row
    refused = [row for row in rows.values() if "nested HTML" not in row["file"] and "folder holding" not in row["file"]]
    assert all(row["outcome"].count("failed:") == 1 for row in refused), refused
    for budget in ("anchors/aliases", "HUMUS_MAX_FILE_MB", "nested more than", "HUMUS_MAX_PAGES", "HUMUS_MAX_CHUNKS"):
        assert any(budget in row["outcome"] for row in refused), budget
    names = next(row["outcome"] for row in rows.values() if "folder holding" in row["file"])
    assert "not valid UTF-8" in names and "symbolic link loop" in names and "leads outside" in names


def test_searches_during_a_concurrent_ingest_all_succeed(home: Path) -> None:
    run = writer_during_load(home, SIZE)
    assert run["writer_exit"] == 0 and run["requests"] > 0
    assert run["errors"] == 0, run
    assert run["new_found"], "the serving processes did not pick up what the writer added"


def test_uploads_refused_early_and_streamed(home: Path) -> None:
    anonymous = anonymous_upload(home, SIZE)
    assert anonymous["status"] == 401 and anonymous["disk_mb"] < 1 and anonymous["mb_sent_before_answer"] < 10
    upload = authenticated_upload(home, SIZE)
    assert upload["status"] == 200 and upload["results"] == ["failed"]  # not PDFs: refused by the job, one by one
    assert upload["ram_added_mb"] < SIZE.upload_mb * SIZE.upload_files / 2, upload


def test_a_killed_serving_process_is_taken_over(home: Path) -> None:
    """Outcomes only (no timing: `make bench` reports how soon the throughput is back): the searches go on, a
    replacement comes up, and only the requests in flight on the killed process fail."""
    run = killed_under_load(home, SIZE)
    assert run["processes_up"] == run["processes"] == 2
    assert run["errors"] <= SIZE.clients, run
    after = [ok for t, _, ok in run["timeline"] if t > SIZE.seconds / 3 + 1]
    assert after and sum(after) > 0.99 * len(after), run  # searches answered after the kill
