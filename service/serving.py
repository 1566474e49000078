"""`humus serve`: uvicorn in one process, or several serving processes fed by one that accepts connections.

With several processes, the parent listens on the port, accepts each connection and hands it (its file
descriptor, over a Unix socket) to the serving processes in turn, so that N clients are spread N/processes
each. The alternatives measured worse: uvicorn's own workers share one listening socket, and the event loop
that wakes first accepts every waiting connection (a burst of 4 clients got 60 req/s from 2 processes, as
from one); and that socket is bound with protocol 0, so asyncio leaves Nagle's algorithm on (~40 ms per
keep-alive request, Kludex/uvicorn#3149). One SO_REUSEPORT socket per process lets the kernel hash
connections onto the processes: 4 clients all landed on one process one run in eight.

Self-healing: a serving process that dies is reaped and replaced by a new one, which gets connections once it
has loaded the model and said so; the others serve meanwhile, and restarts back off when processes keep dying
soon after starting. Each process can read how many are up (`process_counts`, shown by `/health`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import os
import resource
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Protocol

import uvicorn

APP = "service.api:create_app"
STABLE_S = 5.0  # a process that dies before serving this long counts as a crash on start
CRASHES = 3  # crashes on start in a row before restarts back off
MAX_DELAY_S = 30.0
LOADING_NICE = 10

_counts: ctypes.Array[ctypes.c_int] | None = None  # in a serving process: (up, configured), kept by the parent


def process_counts() -> tuple[int, int] | None:
    """Serving processes up (serving) and configured; None outside `humus serve` with several processes."""
    if _counts is None:
        return None
    up, configured = _counts[:]
    return up, configured


def serve(host: str, port: int, processes: int, spares: int = 1) -> None:
    """`processes` serving processes (one: uvicorn alone), plus `spares` loaded and idle, each taking over at once
    from one that dies (its clients reconnect to it, and capacity is back while the replacement loads)."""
    listener = _listen(host, port)
    if processes <= 1:
        uvicorn.Server(_config()).run(sockets=[listener])
        return
    ctx = multiprocessing.get_context("spawn")
    counts = ctx.Array("i", [0, processes], lock=False)  # no lock: one held by a process killed would block all

    def start() -> tuple[_Process, socket.socket]:
        ours, theirs = socket.socketpair()
        process = ctx.Process(target=_child, args=(theirs, counts), name="humus-serving")
        process.start()
        theirs.close()  # the child's end: held here too, a dead child's channel would never fail
        return process, ours

    pool = _Pool(start, processes, counts, spares)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the clean-up below on `kill` too
    try:
        pool.fill()
        _hand_out(listener, pool)
        sys.exit("humus serve: every serving process has stopped")
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
        pool.stop()


class _Process(Protocol):
    """What the pool uses of a `multiprocessing.Process`."""

    @property
    def pid(self) -> int | None: ...
    @property
    def exitcode(self) -> int | None: ...
    @property
    def sentinel(self) -> int: ...
    def is_alive(self) -> bool: ...
    def terminate(self) -> None: ...
    def join(self, timeout: float | None = None) -> None: ...


@dataclass(eq=False)
class _Serving:
    process: _Process
    channel: socket.socket  # our end: connections go out, the ready byte comes back
    up_since: float | None = None  # when it said it serves


class _Pool:
    """The serving processes: each that dies is replaced, and connections go in turn to those that are up.

    Until one process has come up, none is replaced (a failing start-up stops the server once none is left).
    """

    def __init__(
        self,
        start: Callable[[], tuple[_Process, socket.socket]],
        size: int,
        counts: ctypes.Array[ctypes.c_int],
        spares: int = 0,
    ) -> None:
        self.start = start
        self.size = size  # processes that get connections; those up beyond it are spares
        self.spares = spares
        self.counts = counts  # (up, configured), shared with the serving processes
        self.serving: list[_Serving] = []
        self.due: list[float] = []  # when each replacement may start
        self.crashes = 0  # processes in a row that died before serving STABLE_S
        self.came_up = False
        self.turn = 0

    def fill(self) -> None:
        for _ in range(self.size + self.spares):
            self._start_one()

    def running(self) -> bool:
        return bool(self.serving) or (self.came_up and bool(self.due))

    def up(self) -> list[_Serving]:
        return [s for s in self.serving if s.up_since is not None]

    def active(self) -> list[_Serving]:
        """The processes up that get connections: the first `size` to have started (a replacement joins the end,
        as a spare, and a spare moves up when an active one dies)."""
        return self.up()[: self.size]

    def waitables(self) -> list[int | socket.socket]:
        """Each process's sentinel (readable once it has exited), and the channels of those not up yet."""
        return [s.process.sentinel for s in self.serving] + [s.channel for s in self.serving if s.up_since is None]

    def timeout(self) -> float | None:
        """Seconds until the next replacement is due (None: no replacement waiting)."""
        return max(0.0, min(self.due) - time.monotonic()) if self.came_up and self.due else None

    def handle(self, ready: int | socket.socket) -> None:
        """A sentinel or a channel from `waitables` is readable: a process exited, or said it serves."""
        for s in self.serving:
            if ready == s.process.sentinel:
                return self._died(s)
            if ready is s.channel:
                try:
                    said = s.channel.recv(64)
                except OSError:
                    said = b""
                if not said:  # its end closed: it is exiting
                    return self._died(s)
                s.up_since = time.monotonic()
                self.came_up = True
                return self._count()
        return None  # a process already gone (its sentinel and channel were both readable)

    def restart_due(self) -> None:
        now = time.monotonic()
        while self.came_up and self.due and min(self.due) <= now:
            self.due.remove(min(self.due))
            self._start_one()

    def hand(self, conn: socket.socket) -> None:
        """Pass `conn` to the next active process; one whose channel fails is skipped (it is exiting); none: dropped."""
        up = self.active()
        for i in range(len(up)):
            target = up[(self.turn + i) % len(up)]
            try:
                socket.send_fds(target.channel, [b"c"], [conn.fileno()])
            except OSError:
                continue
            self.turn += i + 1
            return

    def stop(self) -> None:
        self.due.clear()
        for s in self.serving:
            if s.process.is_alive():
                s.process.terminate()
        for s in self.serving:
            s.process.join(timeout=30)
            s.channel.close()

    def _start_one(self) -> None:
        process, channel = self.start()
        self.serving.append(_Serving(process, channel))

    def _died(self, s: _Serving) -> None:
        self.serving.remove(s)
        s.process.join()  # no zombie
        s.channel.close()
        self._count()
        now = time.monotonic()
        stable = s.up_since is not None and now - s.up_since >= STABLE_S
        self.crashes = 0 if stable else self.crashes + 1
        delay = 0.0 if self.crashes <= CRASHES else min(MAX_DELAY_S, 2.0 ** (self.crashes - CRASHES))
        self.due.append(now + delay)
        code = s.process.exitcode or 0
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        when = f"in {delay:.0f} s ({self.crashes} died on start in a row)" if delay else "now"
        if not self.came_up:
            when = "once another is up"
        print(f"humus serve: serving process {s.process.pid} died ({how}); replacing it {when}", file=sys.stderr)

    def _count(self) -> None:
        self.counts[0] = len(self.active())


def _hand_out(listener: socket.socket, pool: _Pool) -> None:
    """Accept connections and pass each to the next serving process up, replacing those that die, until none is
    left (only when none ever came up)."""
    while pool.running():
        listening = [listener] if pool.up() else []  # none up: connections wait in the backlog
        for ready in wait([*listening, *pool.waitables()], pool.timeout()):
            if ready is not listener:
                pool.handle(ready)  # type: ignore[arg-type]  # a sentinel or channel from `waitables`
            elif pool.up():  # (one may have died in this same round)
                conn, _ = listener.accept()
                with conn:
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    pool.hand(conn)
        pool.restart_due()


class _HandedServer(uvicorn.Server):
    """uvicorn serving the connections that arrive as file descriptors on `channel` (no listening socket)."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket, priority: int | None = None) -> None:
        super().__init__(config)
        self.channel = channel
        self.priority = priority  # to take back with the first connection
        self.adopting: set[asyncio.Task[None]] = set()  # connections being set up (a reference keeps the task)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the app's start-up loads the model (exits if that fails)
        with contextlib.suppress(OSError):  # the parent is gone: _receive stops us
            self.channel.send(b"r")  # up: the parent may send connections
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
        if fds and self.priority is not None:
            _restore_priority(self.priority)
            self.priority = None
        for fd in fds:
            task = loop.create_task(self._adopt(socket.socket(fileno=fd)))
            self.adopting.add(task)
            task.add_done_callback(self.adopting.discard)

    async def _adopt(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        conn.setblocking(False)
        # the same protocol uvicorn builds for a connection it accepted itself
        protocol = self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state, _loop=loop
        )
        try:
            await loop.connect_accepted_socket(lambda: protocol, conn)
        except OSError:  # the client left before we got to it
            conn.close()


def _child(channel: socket.socket, counts: ctypes.Array[ctypes.c_int]) -> None:
    global _counts  # read by /health in this process
    _counts = counts
    priority = os.getpriority(os.PRIO_PROCESS, 0)
    # Load at a low priority (a replacement must not slow the processes that serve meanwhile), and take the normal
    # one back with the first connection: only where this process may raise its priority again.
    may_restore = os.geteuid() == 0 or resource.getrlimit(resource.RLIMIT_NICE)[0] >= 20 - priority
    if may_restore:
        os.setpriority(os.PRIO_PROCESS, 0, min(priority + LOADING_NICE, 19))
    _HandedServer(_config(), channel, priority if may_restore else None).run()


def _restore_priority(priority: int) -> None:
    """Every thread back to the normal nice value. Linux keeps it per thread: the threads that the libraries
    started while the process loaded kept the loading one, and a serving process answered about 10 % fewer
    searches than with all of them restored (2 processes, 20 clients: 266 → 290 req/s)."""
    threads = Path("/proc/self/task")
    for tid in [int(t.name) for t in threads.iterdir()] if threads.is_dir() else [0]:
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            os.setpriority(os.PRIO_PROCESS, tid, priority)


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
