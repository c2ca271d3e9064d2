"""The one place the kata's random seeds come from: every graded test starts from
``seed_for(its key)``, the base seed (``KATA_SEED``) moved by a stable hash of the test's
name, so it draws the same numbers alone or in the whole suite."""

import contextlib
import random
import zlib

from kata.core import settings
from kata.core.i18n import _


def base_seed() -> int:
    """The base seed: ``KATA_SEED`` (an int)."""
    raw = settings.get("KATA_SEED")
    try:
        return int(raw)
    except ValueError:
        said = _("{var} must be an integer, got {raw}")
        raise ValueError(said.format(var="KATA_SEED", raw=repr(raw))) from None


def seed_for(key: str) -> int:
    """A seed for one test, derived from the base seed and the test's stable key."""
    return (base_seed() + zlib.crc32(key.encode())) % (2**31 - 1)


_tf_seeded = False


def _keras_globals():
    """Keras's global state and its (private) seed slots; None if this Keras differs."""
    try:
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
    except ImportError:
        return None
    return global_state, (GLOBAL_RANDOM_SEED, GLOBAL_SEED_GENERATOR)


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and Keras's global generator; TensorFlow's global
    seed only once per process (resetting it clears TensorFlow's kernel cache)."""
    global _tf_seeded
    keras_globals = _keras_globals() if _tf_seeded else None
    if keras_globals is None:  # first call, or another Keras layout: the full reset
        import keras  # late: importing this module must stay cheap

        keras.utils.set_random_seed(seed)
        _tf_seeded = True
        return
    import numpy as np

    global_state, (seed_slot, generator_slot) = keras_globals
    global_state.set_global_attribute(seed_slot, seed)
    global_state.set_global_attribute(generator_slot, None)  # recreated from the seed
    random.seed(seed)
    np.random.seed(seed)


@contextlib.contextmanager
def isolated(key: str):
    """Run a block seeded from ``seed_for(key)``, then give Python, NumPy and Keras back
    their random state: what the block makes does not depend on which test made it."""
    import numpy as np

    global_state, slots = _keras_globals() or (None, ())
    saved_keras = [global_state.get_global_attribute(slot) for slot in slots]
    saved = random.getstate(), np.random.get_state()
    seed_everything(seed_for(key))
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        for slot, value in zip(slots, saved_keras):
            global_state.set_global_attribute(slot, value)
