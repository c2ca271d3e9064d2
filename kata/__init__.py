"""Tooling of tf-params-kata: the catalogue, the loader, the test plugin and the CLIs."""

import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Keep TensorFlow's C++ start-up chatter out of the learner's terminal (set before
# any TensorFlow import: every tool and the test plugin import this package first).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def import_quietly() -> None:
    """Import TensorFlow, Keras and pytest with the C++ start-up lines (written to
    file descriptor 2 before any Python logging exists) sent to /dev/null."""
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras  # noqa: F401
        import pytest  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def write_json(path: Path, data) -> None:
    """Write ``data`` as JSON atomically: a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)
