"""`humus serve` with several processes: connections spread evenly, and each process sees what another wrote."""

from __future__ import annotations

import os
import socket
import threading
from collections import Counter

import httpx
from conftest import API_KEY, SEEDS

from eval.load import served
from index.kb import KnowledgeBase
from service.serving import _hand_out, _listen


def test_every_serving_process_finds_a_document_uploaded_through_another(tmp_path, monkeypatch) -> None:
    home = tmp_path / "home"
    kb = KnowledgeBase.open(home)
    assert kb.ingest([SEEDS]).count("failed") == 0
    kb.close()
    monkeypatch.setenv("HUMUS_WORKERS", "2")
    monkeypatch.setenv("HUMUS_API_KEY", API_KEY)
    with served(home) as base:
        text = b"# Kelp compost trial\n\nComposted kelp from the Humusland coast raised soil organic carbon in dunes."
        response = httpx.post(
            f"{base}/api/documents",
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


def test_connections_skip_serving_processes_that_have_gone_and_stop_with_the_last() -> None:
    listener = _listen("127.0.0.1", 0)
    (alive, alive_child), (dying, dying_child), (gone, _) = (socket.socketpair() for _ in range(3))
    dying_child.close()  # this process died a moment ago: its channel fails
    sentinels = {name: os.pipe() for name in ("alive", "dying", "gone")}  # readable once the "process" exits
    os.close(sentinels["gone"][1])  # this one has exited
    channels = {sentinels["dying"][0]: dying, sentinels["gone"][0]: gone, sentinels["alive"][0]: alive}
    thread = threading.Thread(target=_hand_out, args=(listener, channels), daemon=True)
    thread.start()
    clients = [socket.create_connection(listener.getsockname(), timeout=5) for _ in range(3)]
    alive_child.settimeout(5)
    received: list[int] = []
    while len(received) < 3:
        _, fds, _, _ = socket.recv_fds(alive_child, 64, 64)
        received += fds
    os.close(sentinels["alive"][1])  # the last process exits: handing out stops
    thread.join(timeout=5)
    assert not thread.is_alive()
    for fd in [*received, *(r for r, _ in sentinels.values()), sentinels["dying"][1]]:
        os.close(fd)
    for sock in [*clients, alive, alive_child, dying, gone, listener]:
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
