"""The one place where the kata's random seeds come from.

Every graded test starts from ``seed_for(test_key)``: the base seed (``KATA_SEED``,
default ``DEFAULT_SEED``) moved by a stable hash of the test's own name, so a test
sees the same random numbers whether it runs alone, in its exercise, or in the
whole suite. A correct implementation passes under every base seed.
"""

from __future__ import annotations

import os
import zlib

DEFAULT_SEED = 20260
ENV_VAR = "KATA_SEED"


def base_seed() -> int:
    """The base seed: ``KATA_SEED`` when set (an int), else ``DEFAULT_SEED``."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_SEED
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{ENV_VAR} must be an integer, got {raw!r}") from None


def seed_for(key: str, base: int | None = None) -> int:
    """A seed for one test, derived from the base seed and the test's stable key."""
    base = base_seed() if base is None else base
    return (base + zlib.crc32(key.encode())) % (2**31 - 1)


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy, TensorFlow and Keras's global generator."""
    import keras  # late: importing this module must stay cheap

    keras.utils.set_random_seed(seed)
