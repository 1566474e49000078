"""`humus serve` with several processes: connections spread evenly, each process sees what another wrote, and one
that dies is replaced."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from conftest import API_KEY, SEEDS

from eval.load import served, spawned_children
from index.kb import KnowledgeBase
from service.serving import _hand_out, _listen, _Pool


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`humus serve` with 2 processes over the seeds, once both are up: its base URL."""
    home = tmp_path_factory.mktemp("serve") / "home"
    kb = KnowledgeBase.open(home)
    assert kb.ingest([SEEDS]).count("failed") == 0
    kb.close()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HUMUS_WORKERS", "2")
        env.setenv("HUMUS_API_KEY", API_KEY)
        with served(home) as base:
            started = time.monotonic()
            while httpx.get(f"{base}/health", timeout=60).json()["processes_up"] < 2:  # the second still loads
                assert time.monotonic() - started < 120
                time.sleep(0.1)
            yield base


def test_every_serving_process_finds_a_document_uploaded_through_another(two_processes: str) -> None:
    base = two_processes
    text = b"# Kelp compost trial\n\nComposted kelp from the Humusland coast raised soil organic carbon in dunes."
    response = httpx.post(
        f"{base}/api/documents",
        params={"wait": 120},
        files=[("files", ("kelp.md", text, "text/markdown"))],
        headers={"X-API-Key": API_KEY},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    doc_id = response.json()["files"][0]["documents"][0]
    answered: list[int] = []
    for _ in range(4):  # a new connection each time: the parent hands them to the processes in turn
        with httpx.Client(base_url=base, timeout=120) as client:
            health = client.get("/health").json()
            hits = client.get("/api/search", params={"q": "Humusland kelp"}).json()["results"]
        assert health["status"] == "ok" and health["documents"] == 6
        assert hits and hits[0]["doc_id"] == doc_id
        answered.append(health["process"])
    assert sorted(Counter(answered).values()) == [2, 2], f"4 connections went to processes {answered}"
    # each loaded at a low priority and took the normal one back with its first connection, in every thread (Linux
    # keeps nice values per thread: the libraries' threads started while loading would keep the low one)
    for pid in set(answered):
        tasks = Path(f"/proc/{pid}/task").iterdir()
        nice = {int((t / "stat").read_text().rsplit(")", 1)[1].split()[16]) for t in tasks}
        assert nice == {os.getpriority(os.PRIO_PROCESS, 0)}, f"process {pid}: nice values {nice}"


def test_a_killed_serving_process_is_replaced(two_processes: str) -> None:
    """kill -9 one of 2 serving processes: the spare serves at once, and a new spare is started."""

    def health() -> dict:
        return httpx.get(f"{two_processes}/health", timeout=60).json()  # a new connection: the next process

    killed, survivor = {health()["process"] for _ in range(4)}
    parent = int(Path(f"/proc/{killed}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert len(spawned_children(parent)) == 3  # two serving, one spare
    os.kill(killed, signal.SIGKILL)
    killed_at = time.monotonic()
    while Path(f"/proc/{killed}").exists():  # until reaped (no zombie); until then, what it was handed is lost
        assert time.monotonic() - killed_at < 10, "the killed process was not reaped"
        time.sleep(0.01)
    seen: list[dict] = []
    while not (seen and seen[-1]["processes_up"] == 2 and seen[-1]["process"] not in (killed, survivor)):
        assert time.monotonic() - killed_at < 10, f"the spare did not take over: {seen[-3:]}"
        seen.append(health())
        time.sleep(0.1)
    print(f"taken over in {time.monotonic() - killed_at:.1f} s, {len(seen)} health requests")
    assert seen[-1]["status"] == "ok" and seen[-1]["processes"] == 2 and killed not in {h["process"] for h in seen}
    assert len(spawned_children(parent)) == 3  # the replacement, loading as the next spare


class _FakeProcess:
    """A serving process for `_Pool` that loads nothing: its sentinel is a pipe, readable once it "dies"."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.exitcode: int | None = None
        self.joined = False
        self.sentinel, self._alive = os.pipe()

    def is_alive(self) -> bool:
        return self.exitcode is None

    def terminate(self) -> None:
        self.die(-signal.SIGTERM)

    def join(self, timeout: float | None = None) -> None:
        self.joined = True

    def die(self, code: int) -> None:
        self.exitcode = code
        os.close(self._alive)


class _Stop(Exception):  # noqa: N818 - ends `_hand_out` in a test
    pass


class _Fakes:
    """Starts fake serving processes; `ends[i]` is the i-th process's end of its channel."""

    def __init__(self) -> None:
        self.processes: list[_FakeProcess] = []
        self.ends: list[socket.socket] = []
        self.stopping = False

    def start(self) -> tuple[_FakeProcess, socket.socket]:
        if self.stopping:
            raise _Stop
        ours, theirs = socket.socketpair()
        theirs.settimeout(5)
        self.processes.append(_FakeProcess(1000 + len(self.processes)))
        self.ends.append(theirs)
        return self.processes[-1], ours


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_serving_process_that_dies_is_replaced_and_connections_go_to_those_up(capfd) -> None:
    fakes, counts = _Fakes(), [0, 2]
    pool = _Pool(fakes.start, 2, counts)  # type: ignore[arg-type]
    pool.fill()
    listener = _listen("127.0.0.1", 0)

    def hand_out() -> None:
        with contextlib.suppress(_Stop):
            _hand_out(listener, pool)

    thread = threading.Thread(target=hand_out, daemon=True)
    thread.start()
    clients: list[socket.socket] = []

    def connect(n: int, *to: int) -> None:
        """`n` connections, handed to the processes `to` in turn."""
        clients.extend(socket.create_connection(listener.getsockname(), timeout=5) for _ in range(n))
        for i in range(n):
            _, fds, _, _ = socket.recv_fds(fakes.ends[to[i % len(to)]], 64, 1)
            os.close(fds[0])

    fakes.ends[0].send(b"r")  # the first is up: it gets every connection until the second is
    _until(lambda: counts[0] == 1)
    connect(2, 0)
    fakes.ends[1].send(b"r")
    _until(lambda: counts[0] == 2)
    connect(2, 0, 1)  # (in either order)
    fakes.processes[0].die(-signal.SIGKILL)
    _until(lambda: len(fakes.processes) == 3 and counts[0] == 1)
    assert fakes.processes[0].joined
    assert "serving process 1000 died (killed by signal 9); replacing it now" in capfd.readouterr().err
    connect(2, 1)  # the replacement is not up yet
    fakes.ends[2].send(b"r")
    _until(lambda: counts[0] == 2)
    connect(2, 2, 1)
    fakes.stopping = True
    fakes.processes[1].die(0)
    thread.join(timeout=5)
    assert not thread.is_alive()
    for sock in [*clients, *fakes.ends, listener]:
        sock.close()
    pool.stop()


def test_restarts_back_off_when_processes_keep_dying_on_start_and_stop_if_none_ever_came_up(capfd) -> None:
    fakes, counts = _Fakes(), [0, 2]
    pool = _Pool(fakes.start, 2, counts)  # type: ignore[arg-type]
    pool.fill()
    fakes.ends[0].send(b"r")
    pool.handle(pool.serving[0].channel)
    assert counts[0] == 1 and pool.came_up
    delays = []
    for _ in range(4):  # the second process, then each replacement, dies at once
        fakes.processes[-1].die(1)
        pool.handle(fakes.processes[-1].sentinel)
        delays.append(round(pool.due[-1] - time.monotonic()))
        pool.restart_due()
    fakes.processes[0].die(-signal.SIGKILL)  # up a moment only: a crash too
    pool.handle(fakes.processes[0].sentinel)
    delays.append(round(pool.due[-1] - time.monotonic()))
    assert delays == [0, 0, 0, 2, 4] and len(fakes.processes) == 5
    assert pool.running() and not pool.serving and counts[0] == 0  # waiting to restart
    assert 1 < (pool.timeout() or 0) <= 2
    assert "replacing it in 4 s (5 died on start in a row)" in capfd.readouterr().err

    fakes, counts = _Fakes(), [0, 2]  # a start-up that fails: nothing is replaced, and serving stops
    pool = _Pool(fakes.start, 2, counts)  # type: ignore[arg-type]
    pool.fill()
    for process in fakes.processes:
        process.die(2)
        pool.handle(process.sentinel)
    assert not pool.running() and len(fakes.processes) == 2
    for sock in fakes.ends:
        sock.close()


def test_the_load_client_counts_answers_and_errors() -> None:
    """eval/load.py's lean client: kept-alive connections, a non-200 answer counted as an error."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlparse

    from eval.load import load_run

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn

        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)["q"][0]
            body = f'{{"query": "{query}"}}'.encode()
            self.send_response(200 if query == "good" else 500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        run = load_run(f"http://{host}:{port}", ["good", "bad", "good", "good"], 2, 0.5)
    finally:
        server.shutdown()
    assert run["requests"] > 8 and run["clients"] == 2
    assert 0.15 < run["errors"] / run["requests"] < 0.35  # one query in four is answered 500
    assert run["p95_ms"] >= run["p50_ms"] > 0
