"""Opportunistic batching: the requests that arrive while a batch runs are answered together by the next one.

A lone request starts at once (no waiting window); under load, batches grow by themselves. Searches use it so
that concurrent queries take one trip to the worker thread, and with the model itself as query encoder (on a GPU)
one forward pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """`await batcher(item)`: runs `run(items)` in a worker thread, one batch at a time, at most `limit` items.

    `run` returns one result per item, in order; an exception in place of a result is raised to that item's
    caller only, and an exception from `run` itself to every caller of the batch.
    """

    def __init__(self, run: Callable[[list[T]], Sequence[R | Exception]], limit: int = 16) -> None:
        self.run, self.limit = run, limit
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.limit], self._waiting[self.limit :]
                live = [(item, future) for item, future in batch if not future.done()]  # a cancelled request
                if not live:
                    continue
                try:
                    results: Sequence[R | Exception] = await run_in_threadpool(self.run, [item for item, _ in live])
                    if len(results) != len(live):
                        raise RuntimeError(f"a batch of {len(live)} gave {len(results)} results")
                except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
                    results = [exc] * len(live)
                for (_, future), result in zip(live, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._draining = None
