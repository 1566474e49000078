"""Parsing and chunking under a budget: one worker process, reused from file to file, replaced when a file overruns.

The parent watches the worker every 20 ms: when it has taken longer than `Limits.parse_seconds`, or holds more
resident memory than `Limits.parse_memory_mb` (its own ~430 MB at rest included), it is killed. The worker also
caps its address space, so that a sudden huge allocation fails at once. Either way the file gets one ParseError
naming the budget, and the next file gets a fresh worker.
"""

from __future__ import annotations

import atexit
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.limits import Limits, set_limits
from ingest.records import Document, ParseError

WATCH_S = 0.02  # how often the parent checks the worker's time and resident memory
PAGE = os.sysconf("SC_PAGE_SIZE")
RETIRE_GROWTH = 256 * 2**20  # a worker that grew by more than this after a file is replaced


@dataclass(frozen=True, slots=True)
class Job:
    path: str
    data: bytes
    model_dir: str  # the chunker counts this model's word pieces
    overlap: int
    doc_type: str | None
    limits: Limits


class ParseWorker:
    """Parses files in a child process (spawned on first use, respawned after a failure)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # one file at a time through the one worker

    def parse(self, path: Path, data: bytes, model_dir: str, overlap: int, doc_type: str | None,
              limits: Limits) -> list[Document]:  # fmt: skip
        """The file's documents, chunked; ParseError when it cannot be read or overruns a budget."""
        with self._lock:
            conn = self._start()
            try:
                conn.send(Job(str(path), data, model_dir, overlap, doc_type, limits))
                self._watch(conn, limits)
                ok, value, retire = conn.recv()
                if retire:  # it kept the memory of a large file: the next file gets a fresh worker
                    self.stop()
            except (EOFError, OSError, BrokenPipeError) as exc:
                self.stop()
                raise ParseError(
                    f"reading needed more than {limits.parse_memory_mb} MB of memory (HUMUS_PARSE_MEMORY_MB) "
                    "or crashed the parser"
                ) from exc
        if not ok:
            raise ParseError(value)
        return value

    def _watch(self, conn: Connection, limits: Limits) -> None:
        """Wait for the answer, killing the worker when it runs out of time or holds more memory than allowed."""
        deadline = time.monotonic() + limits.parse_seconds
        assert self._process is not None
        statm = Path(f"/proc/{self._process.pid}/statm")
        while not conn.poll(WATCH_S):
            over = None
            if time.monotonic() > deadline:
                over = f"took longer than {limits.parse_seconds:g} s (HUMUS_PARSE_SECONDS)"
            elif int(statm.read_text().split()[1]) * PAGE > limits.parse_memory_mb * 2**20:
                over = f"needed more than {limits.parse_memory_mb} MB of memory (HUMUS_PARSE_MEMORY_MB)"
            if over:
                self.stop()
                raise ParseError("reading " + over)

    def _start(self) -> Connection:
        if self._process is not None and self._process.poll() is None and self._conn is not None:
            return self._conn
        self.stop()
        ours, theirs = socket.socketpair()
        # its own interpreter (no fork of a process with threads, no re-import of the caller's main module); few
        # malloc arenas and no tokenizer thread pool, so that the address-space limit measures the parse itself
        env = {**os.environ, "MALLOC_ARENA_MAX": "2", "TOKENIZERS_PARALLELISM": "false"}
        self._process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [sys.executable, "-m", "ingest.worker", str(theirs.fileno())], pass_fds=[theirs.fileno()], env=env
        )
        theirs.close()
        self._conn = Connection(ours.detach())
        return self._conn

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(timeout=10)
            self._process = None


_worker: ParseWorker | None = None


def parse_worker() -> ParseWorker:
    """The process-wide worker (one per ingesting process)."""
    global _worker
    if _worker is None:
        _worker = ParseWorker()
        atexit.register(_worker.stop)
    return _worker


# --- in the worker process -----------------------------------------------------------------------


def _serve(conn: Connection) -> None:
    from ingest.chunking import spec_for_model
    from ingest.pipeline import parse_file

    os.nice(5)  # serving processes go first
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resident: int | None = None  # after the first file (the tokenizer loaded): what a fresh worker holds
    while True:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        set_limits(job.limits)
        try:
            spec = spec_for_model(job.model_dir, job.overlap)
            # a backstop for sudden allocations; the parent watches the resident memory itself
            budget = _address_space() + job.limits.parse_memory_mb * 2**20
            resource.setrlimit(
                resource.RLIMIT_AS, (budget if hard == resource.RLIM_INFINITY else min(budget, hard), hard)
            )
            reply: tuple[bool, object] = (True, parse_file(Path(job.path), job.data, spec, job.doc_type))
        except ParseError as exc:
            reply = (False, str(exc))
        except MemoryError:
            reply = (
                False,
                f"reading needed more than {job.limits.parse_memory_mb} MB of memory (HUMUS_PARSE_MEMORY_MB)",
            )
        except RecursionError:
            reply = (False, "too deeply nested to read")
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
            reply = (False, f"unexpected error: {type(exc).__name__}: {exc}")
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        del job
        resident = resident or _status("VmRSS")
        conn.send((*reply, _status("VmRSS") > resident + RETIRE_GROWTH))


def _address_space() -> int:
    return _status("VmSize")


def _status(field: str) -> int:
    """A size from /proc/self/status (VmSize: virtual, VmRSS: resident), in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
