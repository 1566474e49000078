"""`humus serve`: uvicorn in one process, or in several that each accept their own share of the connections.

uvicorn's own multi-process mode hands one listening socket to every worker. Each worker's event loop then
accepts every connection waiting when it wakes, so a burst of clients lands on one process while the others
idle (measured: 4 clients got 60 req/s from 2 processes, as from one); and that socket is bound with protocol 0,
so asyncio leaves Nagle's algorithm on and each keep-alive request waits ~40 ms for a delayed ACK
(Kludex/uvicorn#3149). Here every process binds its own TCP socket to the port with SO_REUSEPORT, and the
kernel spreads new connections over them.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys

import uvicorn

APP = "service.api:create_app"


def serve(host: str, port: int, processes: int) -> None:
    if processes <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.Server(_config()).run(sockets=[_listen(host, port, shared=False)])
        return
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=_child, args=(host, port), name=f"humus-{i}") for i in range(processes)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the clean-up below on `kill` too
    try:
        for child in children:
            child.start()
        for child in children:
            child.join()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
        for child in children:
            child.join(timeout=30)


def _child(host: str, port: int) -> None:
    uvicorn.Server(_config()).run(sockets=[_listen(host, port, shared=True)])


def _config() -> uvicorn.Config:
    return uvicorn.Config(APP, factory=True, log_level="info")


def _listen(host: str, port: int, *, shared: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock
