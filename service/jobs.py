"""Writes that the API accepts (uploads, deletions) run as jobs: one process each, outside every serving process.

A job is a folder `HOME/jobs/ID/` with the files received and `status.json`, which any serving process reads to
answer `GET /api/jobs/ID`. The job process takes the store's write lock (writers queue), ingests, embeds, and marks
the store indexed; the serving processes then pick the new state up between two searches. Searches never wait for
a job, and a serving process never holds an uploaded file in memory nor parses it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from index.kb import KnowledgeBase
from index.vectors import write_atomic
from service.settings import Settings

JOBS = "jobs"
UPLOADS = "uploads"
FINISHED = ("done", "failed")
KEEP = 200  # finished jobs kept for polling; older ones are removed when a new one starts


class Job:
    def __init__(self, home: Path, job_id: str) -> None:
        self.home = home
        self.id = job_id
        self.folder = home / JOBS / job_id
        self.files = self.folder / "files"

    @classmethod
    def create(cls, home: Path, kind: str, **fields: Any) -> Job:
        job = cls(home, uuid.uuid4().hex[:16])
        job.files.mkdir(parents=True)
        job.write(kind=kind, state="receiving", created=time.time(), **fields)
        return job

    @classmethod
    def find(cls, home: Path, job_id: str) -> Job | None:
        job = cls(home, job_id)
        return job if job_id.isalnum() and (job.folder / "status.json").exists() else None

    def status(self) -> dict[str, Any]:
        try:
            return json.loads((self.folder / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"state": "unknown"}

    def write(self, **fields: Any) -> None:
        status = {**self.status(), **fields, "id": self.id} if (self.folder / "status.json").exists() else fields
        write_atomic(self.folder / "status.json", json.dumps({**status, "id": self.id}, ensure_ascii=False).encode())

    def _reap(self, process: subprocess.Popen[bytes]) -> None:
        """Wait for the job's process (no zombie); a process that died without saying so fails its job."""
        code = process.wait()
        if self.status().get("state") not in FINISHED:
            self.write(state="failed", finished=time.time(), message=f"the job's process stopped (exit code {code})")

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self, settings: Settings) -> None:
        """Run the job in its own process (it outlives the request, and a crash there loses no request)."""
        self.write(state="queued")
        fields = settings.model_dump(mode="json", exclude={"api_key", "llm_api_key"})
        (self.folder / "settings.json").write_text(json.dumps(fields), encoding="utf-8")
        with open(self.folder / "log.txt", "wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own module, no shell
                [sys.executable, "-m", "service.jobs", str(self.home), self.id],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        self.write(pid=process.pid)
        threading.Thread(target=self._reap, args=(process,), daemon=True).start()
        _tidy(self.home)


def run(home: Path, job_id: str) -> None:
    job = Job(home, job_id)
    os.nice(10)  # searches go first
    settings = Settings.model_validate(json.loads((job.folder / "settings.json").read_text(encoding="utf-8")))
    kb = KnowledgeBase.open(home, settings.index_config())
    status = job.status()
    try:
        job.write(state="running", started=time.time())
        if status["kind"] == "upload":
            files = [_ingest_upload(kb, home / UPLOADS, staged) for staged in sorted(job.files.iterdir())]
            job.write(files=files)
        else:
            job.write(deleted=_delete(kb, home, status["doc_id"]))
        kb.sync()
        job.write(state="done", finished=time.time())
    except Exception as exc:
        job.write(state="failed", finished=time.time(), message=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        shutil.rmtree(job.files, ignore_errors=True)
        kb.close()


def _ingest_upload(kb: KnowledgeBase, folder: Path, staged: Path) -> dict[str, Any]:
    """Move one received file into the uploads folder and ingest it; when it fails, the previous file of that
    name is put back."""
    name = staged.name.split("-", 1)[1]  # received as NNN-name
    target = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    previous = folder / f".{name}.previous"
    if target.exists():
        target.replace(previous)
    staged.replace(target)
    report = kb.ingest([target], index=False)
    result = report.files[0] if report.files else None
    if result is None or result.status == "failed":
        target.unlink(missing_ok=True)
        if previous.exists():
            previous.replace(target)
        message = (result.message if result else "not read").replace(
            str(folder.resolve()) + os.sep, ""
        )  # no server path
        return {"filename": name, "status": "failed", "message": message, "documents": []}
    previous.unlink(missing_ok=True)
    return {"filename": name, "status": result.status, "message": result.message, "documents": result.documents}


def _delete(kb: KnowledgeBase, home: Path, doc_id: str) -> list[str]:
    doc = kb.store.document(doc_id)
    if doc is None:
        return []
    gone = [d.id for d in kb.store.documents() if d.path == doc.path]
    kb.delete(doc.path, index=False)
    uploaded = Path(doc.path)
    if uploaded.parent == (home / UPLOADS).resolve() and uploaded.exists():
        uploaded.unlink()
    return [i for i in gone if kb.store.document(i) is None]  # not those another file still holds


def _tidy(home: Path) -> None:
    """Remove the oldest finished jobs beyond KEEP."""
    folders = sorted((home / JOBS).iterdir(), key=lambda p: p.stat().st_mtime)
    for folder in folders[:-KEEP]:
        if Job(home, folder.name).status().get("state") in ("done", "failed"):
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    run(Path(sys.argv[1]), sys.argv[2])
