"""Pause the garbage collector while a run imports and collects, then freeze.

TensorFlow's import and Keras's models allocate millions of objects, and each
full collection walks them all (a tenth of a second each, six of them while
TensorFlow imports). So in the first run of a process the collector is paused
from configure to the end of collection (imports included), and everything
alive then is frozen: later collections skip it and cost milliseconds. Later
runs in the same process (watch, verify's workers) leave it alone: freezing
again would keep each run's pytest objects, which form cycles, forever.
"""

from __future__ import annotations

import gc

_WAS_ENABLED: list[bool] = []
_FROZEN: list[bool] = []  # gc.get_freeze_count() walks the whole frozen heap


def pause() -> None:
    """Pause collection, unless this process already froze its big heap."""
    if _FROZEN or gc.get_freeze_count():
        return
    _WAS_ENABLED[:] = [gc.isenabled()]
    gc.disable()


def resume(freeze: bool) -> None:
    """Resume collection paused by ``pause``, freezing what is alive first if asked."""
    if not _WAS_ENABLED:
        return
    if freeze:
        gc.freeze()
        _FROZEN.append(True)
    if _WAS_ENABLED.pop():
        gc.enable()
