"""`humus serve`: uvicorn in one process, or several serving processes fed by one that accepts connections.

With several processes, the parent listens on the port, accepts each connection and hands it (its file
descriptor, over a Unix socket) to the serving processes in turn, so that N clients are spread N/processes
each. The alternatives measured worse: uvicorn's own workers share one listening socket, and the event loop
that wakes first accepts every waiting connection (a burst of 4 clients got 60 req/s from 2 processes, as
from one); and that socket is bound with protocol 0, so asyncio leaves Nagle's algorithm on (~40 ms per
keep-alive request, Kludex/uvicorn#3149). One SO_REUSEPORT socket per process lets the kernel hash
connections onto the processes: 4 clients all landed on one process one run in eight.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import socket
import sys
from multiprocessing.connection import wait

import uvicorn

APP = "service.api:create_app"


def serve(host: str, port: int, processes: int) -> None:
    listener = _listen(host, port)
    if processes <= 1:
        uvicorn.Server(_config()).run(sockets=[listener])
        return
    ctx = multiprocessing.get_context("spawn")
    pairs = [socket.socketpair() for _ in range(processes)]
    children = [ctx.Process(target=_child, args=(theirs,), name=f"humus-{i}") for i, (_, theirs) in enumerate(pairs)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the clean-up below on `kill` too
    try:
        for child, (_, theirs) in zip(children, pairs, strict=True):
            child.start()
            theirs.close()  # the child's end: held here too, a dead child's channel would never fail
        _hand_out(listener, {child.sentinel: ours for child, (ours, _) in zip(children, pairs, strict=True)})
        sys.exit("humus serve: every serving process has stopped")
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
        for child in children:
            if child.is_alive():
                child.terminate()
        for child in children:
            child.join(timeout=30)


def _hand_out(listener: socket.socket, channels: dict[int, socket.socket]) -> None:
    """Accept connections and pass each to the next serving process, until none is left.

    `channels`: each serving process's sentinel (readable once it has exited) and the socket that reaches it.
    """
    live = dict(channels)
    turn = 0
    while live:
        for ready in wait([listener, *live]):
            if ready is not listener:  # that process has exited: the others carry on
                live.pop(ready, None)
                continue
            conn, _ = listener.accept()
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                while live:
                    sentinel = list(live)[turn % len(live)]
                    turn += 1
                    try:
                        socket.send_fds(live[sentinel], [b"c"], [conn.fileno()])
                        break
                    except OSError:  # exiting: skip it
                        live.pop(sentinel)


class _HandedServer(uvicorn.Server):
    """uvicorn serving the connections that arrive as file descriptors on `channel` (no listening socket)."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel
        self.adopting: set[asyncio.Task[None]] = set()  # connections being set up (a reference keeps the task)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        self.channel.setblocking(False)
        asyncio.get_running_loop().add_reader(self.channel.fileno(), self._receive)

    def _receive(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            message, fds, _, _ = socket.recv_fds(self.channel, 64, 64)
        except BlockingIOError:
            return
        if not message:  # the accepting process is gone: finish what is open, then stop
            loop.remove_reader(self.channel.fileno())
            self.should_exit = True
            return
        for fd in fds:
            task = loop.create_task(self._adopt(socket.socket(fileno=fd)))
            self.adopting.add(task)
            task.add_done_callback(self.adopting.discard)

    async def _adopt(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        conn.setblocking(False)
        # the same protocol uvicorn builds for a connection it accepted itself
        protocol = self.config.http_protocol_class(
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state, _loop=loop
        )
        try:
            await loop.connect_accepted_socket(lambda: protocol, conn)
        except OSError:  # the client left before we got to it
            conn.close()


def _child(channel: socket.socket) -> None:
    _HandedServer(_config(), channel).run()


def _config() -> uvicorn.Config:
    return uvicorn.Config(APP, factory=True, log_level="info")


def _listen(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP (not 0) so that asyncio sets TCP_NODELAY on the connections
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock
