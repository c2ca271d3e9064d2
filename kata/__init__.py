"""tf-params-kata's tooling: ``kata.core`` (shared), ``kata.testing`` (a graded pytest run),
``kata.learner``, ``kata.grading`` and ``kata.dev``; ``kata.cli`` is the ``kata`` command."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Keep TensorFlow's C++ start-up chatter out of the terminal (set before any TensorFlow
# import: every tool and the test plugin import this package first).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class _NoPlotsInKeras:
    """Keras 3 imports matplotlib.pyplot, when it is installed (the notebook extra), for
    ``keras.visualization``, which no exercise uses: a tenth of every cold start of a
    graded run. This finder fails that one import (Keras then leaves its plots out, and
    keras.visualization cannot draw in that process); matplotlib imported by anything
    else, such as kata.check's histograms, is untouched."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] != "matplotlib":
            return None
        frame = sys._getframe(1)
        while frame and frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen")):
            frame = frame.f_back
        if frame and frame.f_globals.get("__name__", "").startswith("keras.src.visualization"):
            raise ModuleNotFoundError(f"{name} is left out of Keras here (kata)", name=name)
        return None


def leave_keras_plots_out() -> None:
    """Install ``_NoPlotsInKeras`` (once): what grades does, before Keras is imported
    (``kata.testing``, ``import_quietly``); a notebook's own ``import kata`` does not."""
    if not any(isinstance(finder, _NoPlotsInKeras) for finder in sys.meta_path):
        sys.meta_path.insert(0, _NoPlotsInKeras())


def import_quietly() -> None:
    """Import Keras (TensorFlow) and pytest with the C++ start-up lines they write to file
    descriptor 2, before any Python logging exists, sent to /dev/null."""
    import importlib

    leave_keras_plots_out()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        for module in ("keras", "pytest"):
            importlib.import_module(module)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def check(exercise: str, task: str | None = None):
    """Grade ``exercise`` (e.g. ``"ex03"``), or one ``task``, as this notebook's kernel
    defines it now (``kata.learner.notebook``, loaded on the first check)."""
    from kata.learner import notebook

    return notebook.check(exercise, task, frame=sys._getframe(1))
