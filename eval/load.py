"""A bounded HTTP load run on loopback: `humus serve` in a subprocess, N concurrent clients on /api/search.

Used by `make bench`; also `python -m eval.load HOME [--clients 20] [--seconds 30]`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Server:
    """A server started by `serving`: its address and its process id."""

    base: str
    pid: int

    def serving_rss_mb(self) -> list[float]:
        """Resident memory (VmRSS, MB) of each process that answers requests: the processes `humus serve` spawned,
        or the server's own process when it runs in one."""
        return [rss_mb(pid) for pid in spawned_children(self.pid) or [self.pid]]


def spawned_children(pid: int) -> list[int]:
    """Child processes of `pid` started by multiprocessing's `spawn` (not its resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            spawned = ppid == pid and b"spawn_main" in (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):  # a process that ended meanwhile
            continue
        if spawned:
            found.append(int(stat.parent.name))
    return sorted(found)


def rss_mb(pid: int) -> float:
    """VmRSS of a process, in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


@contextmanager
def served(
    home: Path, workers: int | None = None, peer: bool = False, cached: bool = True, model: str | None = None
) -> Iterator[str]:
    """`humus serve` on a free loopback port, for the duration of the block: its base URL (see `serving`)."""
    with serving(home, workers, peer, cached, model) as server:
        yield server.base


@contextmanager
def serving(
    home: Path,
    workers: int | None = None,
    peer: bool = False,
    cached: bool = True,
    model: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`humus serve` on a free loopback port, for the duration of the block (`workers`: its processes).

    `cached=False`: no cache of repeated queries (HUMUS_QUERY_CACHE=0), so every request is searched in full.
    `peer`: the LangChain FAISS app of eval/peer_server.py over the same store instead (it caches nothing).
    `model`: the embedding model (HUMUS_EMBED_MODEL; the peer's too); unset: what `humus serve` would use.
    `env`: more environment variables for the server.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HUMUS_HOME": str(home), **(env or {})}
    if not cached:
        env["HUMUS_QUERY_CACHE"] = "0"
    if model:
        env["HUMUS_EMBED_MODEL"] = model
    cmd = [str(Path(sys.executable).parent / "humus"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers)] if workers else []
    if peer:
        cmd = [sys.executable, "-m", "eval.peer_server", str(home), str(port), *([model] if model else [])]
    with tempfile.TemporaryFile() as log:  # what the server says, for the error when it does not start
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603
        try:
            yield Server(_wait_until_up(proc, port, log), proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _wait_until_up(proc: subprocess.Popen, port: int, log: IO[bytes]) -> str:
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while True:
        try:
            health = httpx.get(f"{base}/health", timeout=2)
            if health.status_code == 200 and health.json().get("processes_up") == health.json().get("processes"):
                return base  # every serving process up (the fields are null with one process, or the peer)
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            log.seek(0)
            said = log.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{proc.args!r} did not start:\n{said}")
        time.sleep(0.3)


async def _run(base: str, queries: list[str], clients: int, seconds: float, busy: Callable[[], bool]) -> dict:
    latencies: list[float] = []
    timeline: list[tuple[float, float, bool]] = []  # (seconds since the start at the answer, latency, ok)
    errors = 0
    counter = 0
    url = httpx.URL(base)
    began = time.perf_counter()
    stop = began + seconds

    async def worker() -> None:
        nonlocal errors, counter
        reader, writer = await asyncio.open_connection(url.host, url.port)
        try:
            while time.perf_counter() < stop or busy():
                counter += 1
                target = httpx.URL("/api/search", params={"q": queries[counter % len(queries)], "k": 10})
                request = f"GET {target.raw_path.decode()} HTTP/1.1\r\nHost: {url.host}\r\n\r\n".encode()
                start = time.perf_counter()
                try:
                    ok = await _exchange(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                latencies.append(time.perf_counter() - start)
                timeline.append((time.perf_counter() - began, latencies[-1], ok))
                errors += 0 if ok else 1
                if not ok:  # the connection may be unusable: open another
                    writer.close()
                    reader, writer = await asyncio.open_connection(url.host, url.port)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * cuts[49],
        "p95_ms": 1000 * cuts[94],
        "max_ms": 1000 * max(latencies, default=0.0),
        "timeline": timeline,
    }


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bool:
    """One request on a kept-alive connection; True when a complete 200 response came back."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    length = headers.get("content-length")
    if length is None:
        raise ValueError("response without Content-Length")
    await reader.readexactly(int(length))
    return lines[0].split(" ")[1] == "200"


def load_run(
    base: str,
    queries: list[str],
    clients: int,
    seconds: float,
    timeline: bool = False,
    busy: Callable[[], bool] = lambda: False,
) -> dict:
    """`clients` concurrent clients cycling through `queries` for `seconds` (and while `busy()`); throughput and
    latency percentiles.

    Each client holds one kept-alive HTTP/1.1 connection and waits for each response before sending the next
    request. The client is kept lean (plain asyncio streams on uvloop, about a quarter of httpx's CPU per
    request) because it shares the machine's cores with the server it measures.
    """
    import uvloop

    run = uvloop.run(_run(base, queries, clients, seconds, busy))
    return run if timeline else {k: v for k, v in run.items() if k != "timeline"}


if __name__ == "__main__":
    from eval.harness import load_labelled

    home = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".humus"
    texts = [q.text for q in load_labelled()[0]]
    for cached in (True, False):
        with served(home, cached=cached) as url:
            print({"cached": cached, **load_run(url, texts, 20, 30)})
