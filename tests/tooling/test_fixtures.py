"""What the plugin shares between tests (seeding.isolated, Once, ModelCache), the paused
GC, and what keeps a long watch session lean."""

from __future__ import annotations

import gc
import random

import keras
import numpy as np
import pytest

from kata.core import seeding
from kata.testing import fixtures as pytest_plugin
from kata.testing import plugin


def draws():
    """One number from each generator a test may use: Python, NumPy and Keras."""
    return (
        random.random(),
        float(np.random.random()),
        float(keras.random.uniform(()).numpy()),
    )


def test_isolated_leaves_the_callers_random_state_as_it_was():
    seeding.seed_everything(1)
    expected = draws()
    seeding.seed_everything(1)
    with seeding.isolated("some key"):
        draws()
    assert draws() == expected


def test_isolated_draws_depend_on_the_key_only():
    seeding.seed_everything(1)
    with seeding.isolated("k"):
        first = draws()
    seeding.seed_everything(2)
    random.random()  # whatever the caller drew before
    with seeding.isolated("k"):
        again = draws()
    with seeding.isolated("another key"):
        other = draws()
    assert again == first
    assert other != first


def test_kata_seed_moves_every_tests_random_numbers(monkeypatch):
    """A test's seed comes from KATA_SEED and its name: the same base, the same numbers;
    another base, other numbers (ignoring it would grade everyone on the public seed)."""
    seen = {}
    for base in ("", "1", "2", "1"):
        monkeypatch.setenv("KATA_SEED", base)
        seeding.seed_everything(seeding.seed_for("ex01_access_params::test_x"))
        seen.setdefault(base, []).append(draws())
    assert seen["1"][0] == seen["1"][1]
    assert len({seen[""][0], seen["1"][0], seen["2"][0]}) == 3


def test_once_calls_make_once_per_key_and_exercise():
    made: dict = {}
    calls = []

    def make():
        calls.append(1)
        return object()

    once = pytest_plugin.Once("ex01_access_params", made)
    a, b = once("net", make), once("net", make)
    other = pytest_plugin.Once("ex02_builtin_init", made)("net", make)
    assert a is b
    assert other is not a
    assert len(calls) == 2


def test_once_raises_makes_error_again_for_every_test():
    once = pytest_plugin.Once("ex01_access_params", {})
    calls = []

    def stub():
        calls.append(1)
        raise NotImplementedError

    for _ in range(3):
        with pytest.raises(NotImplementedError) as info:
            once("stub", stub)
        # the traceback is the original one, not one that grows with every raise
        assert sum(entry.name == "stub" for entry in info.traceback) == 1
    assert len(calls) == 1


def dense_net():
    net = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(1)])
    net.build((None, 3))
    return net


def test_model_cache_reuses_an_untouched_model_and_rebuilds_a_changed_one():
    cache = pytest_plugin.ModelCache()
    net = cache.get("net", dense_net)
    net.weights[0].assign(np.ones((3, 2), "float32"))  # values are not guarded
    assert cache.get("net", dense_net) is net
    net.layers[0].trainable = False
    assert cache.get("net", dense_net) is not net


def test_model_cache_building_leaves_the_callers_random_state_as_it_was():
    seeding.seed_everything(3)
    expected = draws()
    seeding.seed_everything(3)
    pytest_plugin.ModelCache().get("net", dense_net)  # its initializers draw numbers
    assert draws() == expected


def test_model_cache_rebuilds_a_model_whose_kernel_was_rebound():
    cache = pytest_plugin.ModelCache()
    net = cache.get("net", dense_net)
    other = dense_net()
    # what a copy_params that shares src's variables does (Keras's own setattr refuses)
    object.__setattr__(net.layers[1], "_kernel", other.layers[1].kernel)
    assert cache.get("net", dense_net) is not net


def test_scratch_is_a_fresh_empty_directory_removed_after_its_test(request):
    given = []

    def removed():
        assert not given[0].exists(), "the scratch directory outlived its test"

    request.addfinalizer(removed)  # last in, first out: after the scratch fixture's teardown
    scratch = request.getfixturevalue("scratch")
    given.append(scratch)
    assert scratch.is_dir() and not any(scratch.iterdir())
    (scratch / "sub").mkdir()
    (scratch / "sub" / "a.npy").write_bytes(b"x")


@pytest.fixture
def first_run(monkeypatch):
    """As in a process's first run (nothing frozen yet); records freezes instead."""
    frozen = []
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 0)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(plugin, "_GC_FROZEN", [])
    return frozen


def test_gc_is_paused_until_collection_then_frozen_and_resumed(first_run):
    assert gc.isenabled()
    plugin.pause_gc()
    assert not gc.isenabled()
    plugin.resume_gc(freeze=True)
    assert gc.isenabled()
    assert first_run == [1]
    plugin.resume_gc(freeze=False)  # unconfigure after collection: nothing more
    assert gc.isenabled()
    assert first_run == [1]


def test_gc_a_caller_had_disabled_stays_disabled(first_run):
    gc.disable()
    try:
        plugin.pause_gc()
        plugin.resume_gc(freeze=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_is_left_alone_in_a_later_run(monkeypatch):
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 1000)
    monkeypatch.setattr(gc, "freeze", lambda: pytest.fail("froze again"))
    plugin.pause_gc()
    assert gc.isenabled()
    plugin.resume_gc(freeze=True)
    assert gc.isenabled()


def test_watch_clears_tensorflows_kernel_cache(monkeypatch):
    """The clearing really reaches TensorFlow's eager context (a no-op would leak)."""
    from tensorflow.python.eager import context

    from kata.learner import watch

    calls = []
    ctx = context.context()
    real = ctx.clear_kernel_cache
    monkeypatch.setattr(ctx, "clear_kernel_cache", lambda: (calls.append(1), real())[1])
    watch._clear_tensorflow_caches()
    assert calls == [1]


def test_watch_can_clear_tensorflows_kernel_cache():
    """kata.watch clears it every CLEAR_EVERY runs through a private TensorFlow API:
    this fails if that API moves."""
    from kata.learner import watch

    watch._clear_tensorflow_caches()
    v = keras.Variable(np.ones(3, "float32"), name="after_the_clear")
    assert float(v.numpy().sum()) == 3.0


def test_a_collection_error_is_reported_not_raised():
    """A graded test module that fails to import gives pytest a CollectReport, which has
    no user_properties: the kata's status hook leaves it to pytest."""
    import pytest

    from kata.testing.plugin import KataPlugin

    report = pytest.CollectReport("tests/test_x.py", "failed", "ImportError: x", result=[])
    assert KataPlugin.pytest_report_teststatus(None, report, None) is None
