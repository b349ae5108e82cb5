"""The background worker's stop request, as seen by long jobs.

`vanphong worker` binds huey's stop flag here; a job that works through many items (the exchange
outbox sweep) asks `stopping()` between items, so a graceful stop does not wait for the whole
batch: the current item finishes and the rest is left to the next worker. Outside the worker
(web processes, tests, management commands) nothing is bound and `stopping()` is False.
"""

from __future__ import annotations

import threading

_flag: threading.Event | None = None


def bind(flag: threading.Event | None) -> None:
    global _flag
    _flag = flag


def stopping() -> bool:
    return _flag is not None and _flag.is_set()
