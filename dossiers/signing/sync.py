"""pyHanko's synchronous calls wrap ``asyncio.run``, which refuses to run inside a thread that
already has a running event loop (an async server, or Playwright's sync API in the tests). Such
calls go to a short-lived worker thread instead."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
