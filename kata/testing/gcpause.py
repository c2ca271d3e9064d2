"""Pause the garbage collector while a run imports and collects, then freeze.

TensorFlow's import and Keras's models allocate millions of objects that each full
collection walks. So in a process's first run the collector is paused from configure
to the end of collection, and everything alive then is frozen: later collections skip
it. Later runs in the same process (watch, verify's workers) leave it alone: freezing
again would keep each run's pytest objects, which form cycles, forever.
"""

from __future__ import annotations

import gc

_WAS_ENABLED: list[bool] = []
_FROZEN: list[bool] = []  # gc.get_freeze_count() walks the whole frozen heap


def pause() -> None:
    """Pause collection, unless this process already froze its big heap."""
    if not (_FROZEN or gc.get_freeze_count()):
        _WAS_ENABLED[:] = [gc.isenabled()]
        gc.disable()


def resume(freeze: bool) -> None:
    """Resume collection paused by ``pause``, freezing what is alive first if asked."""
    if freeze and _WAS_ENABLED:
        gc.freeze()
        _FROZEN.append(True)
    if _WAS_ENABLED and _WAS_ENABLED.pop():
        gc.enable()
