"""The one place where the kata's random seeds come from.

Every graded test starts from ``seed_for(test_key)``: the base seed (``KATA_SEED``, its
default in ``kata.core.settings``) moved by a stable hash of the test's own name, so a test
sees the same Python, NumPy and Keras random numbers whether it runs alone, in its
exercise, or in the whole suite. A correct implementation passes under every base
seed.

TensorFlow's own global seed (used by stateful ``tf.random.*`` ops) is set once
per process, from the base seed: resetting it clears TensorFlow's kernel cache,
which made every test recompile its kernels (about an eighth of the suite's
time). Runs stay reproducible; only learner code calling stateful ``tf.random``
ops may draw other numbers alone than in the whole suite, which the calibrated
statistics accept like any other seed.
"""

from __future__ import annotations

import contextlib
import zlib

from kata.core import settings
from kata.core.i18n import _


def base_seed() -> int:
    """The base seed: ``KATA_SEED`` (an int; ``kata.core.settings``)."""
    raw = settings.get("KATA_SEED")
    try:
        return int(raw)
    except ValueError:
        raise ValueError(
            _("{var} must be an integer, got {raw}").format(var="KATA_SEED", raw=repr(raw))
        ) from None


def seed_for(key: str, base: int | None = None) -> int:
    """A seed for one test, derived from the base seed and the test's stable key."""
    base = base_seed() if base is None else base
    return (base + zlib.crc32(key.encode())) % (2**31 - 1)


_tf_seeded = False


def _keras_globals():
    """Keras's global seed and seed generator slots (private names), or None when
    this Keras lays them out differently."""
    try:
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
    except ImportError:
        return None
    return global_state, (GLOBAL_RANDOM_SEED, GLOBAL_SEED_GENERATOR)


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and Keras's global generator; TensorFlow once."""
    global _tf_seeded
    keras_globals = _keras_globals() if _tf_seeded else None
    if keras_globals is None:  # first call, or another Keras layout: the full reset
        import keras  # late: importing this module must stay cheap

        keras.utils.set_random_seed(seed)  # all of them, TensorFlow included
        _tf_seeded = True
        return
    import random

    import numpy as np

    # what keras.utils.set_random_seed does, less tf.random.set_seed
    global_state, (seed_slot, generator_slot) = keras_globals
    global_state.set_global_attribute(seed_slot, seed)
    global_state.set_global_attribute(generator_slot, None)  # recreated from the seed
    random.seed(seed)
    np.random.seed(seed)


@contextlib.contextmanager
def isolated(key: str):
    """Run a block seeded from ``seed_for(key)``, then give Python, NumPy and Keras
    back the random state they had: an object made in the block (a learner's model
    shared by several tests) is the same whichever test made it, and that test's
    own random numbers do not depend on it."""
    import random

    import numpy as np

    keras_globals = _keras_globals()
    saved_keras = None
    if keras_globals is not None:
        global_state, slots = keras_globals
        saved_keras = [global_state.get_global_attribute(slot) for slot in slots]
    saved = random.getstate(), np.random.get_state()
    seed_everything(seed_for(key))
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        if saved_keras is not None:
            for slot, value in zip(slots, saved_keras):
                global_state.set_global_attribute(slot, value)
