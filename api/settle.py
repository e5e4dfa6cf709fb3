"""Settling a level's awaitables on the executing task itself (api.lean)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any


class Fallback(Exception):
    """graphql-core must run this operation: it has an error to report, or a shape only it handles."""


async def settle(awaitables: list[Awaitable[Any]]) -> list[Any]:
    """Each awaitable's value (or exception), like `asyncio.gather(..., return_exceptions=True)`
    but without a Task per coroutine.

    A page's level holds a coroutine per email and field (`events`, `recipients`: two hundred),
    each waiting on a DataLoader future. gather wraps each in a Task: a creation, two loop
    callbacks and a wake-up each, a tenth of the page's CPU. Here the coroutines are stepped in
    turn until each waits on a future of this loop; this task then sleeps until any of those
    futures is done (a batch resolves all of its own at once), resumes the coroutines whose
    futures are done, and so on until all have returned. Every coroutine makes its loads before
    anything is awaited, so DataLoaders batch exactly as under gather; one coroutine waiting on
    another (a lock) is resumed as soon as its future is done, as a Task would be. Anything but a
    coroutine goes to gather as before; a coroutine that yields something other than a future of
    this loop is closed and reported as an error (the operation is then run by graphql-core).
    """
    results: list[Any] = [None] * len(awaitables)
    running: list[tuple[int, Any]] = []
    others: list[tuple[int, Awaitable[Any]]] = []
    for index, awaitable in enumerate(awaitables):
        if asyncio.iscoroutine(awaitable):
            running.append((index, awaitable))
        else:
            others.append((index, awaitable))
    gathered = asyncio.gather(*(awaitable for _, awaitable in others), return_exceptions=True) if others else None
    loop = asyncio.get_running_loop()
    waiting: list[tuple[int, Any, asyncio.Future[Any]]] = []
    wake: list[asyncio.Future[None]] = []

    def ready(_future: asyncio.Future[Any]) -> None:
        if wake and not wake[-1].done():
            wake[-1].set_result(None)

    try:
        while running or waiting:
            for index, coroutine in running:
                try:
                    future = coroutine.send(None)
                except StopIteration as stop:
                    results[index] = stop.value
                    continue
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as error:  # reported like gather's return_exceptions
                    results[index] = error
                    continue
                if future is None:  # a bare yield (`asyncio.sleep(0)`): resumed after one turn of the loop
                    future = loop.create_future()
                    loop.call_soon(future.set_result, None)
                elif not (asyncio.isfuture(future) and future.get_loop() is loop):
                    coroutine.close()
                    results[index] = Fallback(f"awaited {type(future).__name__}, not a future of this loop")
                    continue
                future._asyncio_future_blocking = False
                if not future.done():
                    future.add_done_callback(ready)
                waiting.append((index, coroutine, future))
            if waiting and not any(future.done() for _, _, future in waiting):
                wake.append(loop.create_future())
                await wake[-1]
            running = [(index, coroutine) for index, coroutine, future in waiting if future.done()]
            waiting = [entry for entry in waiting if not entry[2].done()]
    except BaseException:
        for _, coroutine, _future in waiting:
            coroutine.close()
        for _, coroutine in running:
            coroutine.close()
        if gathered is not None:
            gathered.cancel()
        raise
    if gathered is not None:
        for (index, _), value in zip(others, await gathered, strict=True):
            results[index] = value
    return results
