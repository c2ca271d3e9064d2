"""Import TensorFlow without its C++ start-up chatter in the terminal."""

import os


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
