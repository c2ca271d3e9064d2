"""Graded suite for ex03_custom_init: custom initializers."""

import math

import keras
import numpy as np
import pytest
from pytest_check import check
from scipy import stats

from kata.core.i18n import N_, _
from kata.testing.shaping import looks_like
from kata.testing.stats import (
    ALPHA,
    as_array,
    assert_distribution,
    assert_fraction,
    assert_independent,
    assert_normal,
    describe,
)
from tests.helpers import NOT_STARTED, kind_of

task = pytest.mark.task

TOL = 1e-5  # float32 rounding at the edges of [5, 10]


def dtype_of(x) -> str:
    """The dtype of a tensor or array as a Keras string ("float32", "float64", ...)."""
    return keras.backend.standardize_dtype(x.dtype)


def built_dense(units, inputs, initializer, dtype="float32", use_bias=True):
    """A Dense layer built by the test, with the learner's kernel initializer."""
    layer = keras.layers.Dense(
        units, kernel_initializer=initializer, dtype=dtype, use_bias=use_bias
    )
    layer.build((None, inputs))
    return layer


def fresh_seed() -> int:
    """A seed that moves with KATA_SEED (the plugin seeds NumPy before each test)."""
    return int(np.random.randint(1, 2**20))


# -------------------------------------------------------------------- my_init


@task("my_init")
def test_my_init_fills_ones(ex):
    init = ex.my_init()
    for shape in [(3, 4), (2, 3, 5), (7,)]:
        w = init(shape, dtype="float32")
        x = as_array(w)
        with check:
            assert tuple(w.shape) == shape, _("init({shape}) has shape {shape2}").format(
                shape=shape, shape2=tuple(w.shape)
            )
        with check:
            assert np.all(x == 1.0), _("init({shape}) should be all ones, got {describe}").format(
                shape=shape, describe=describe(x)
            )
        with check:
            assert dtype_of(w) == "float32", _("asked for float32, got {dtype_of}").format(
                dtype_of=dtype_of(w)
            )


@task("my_init")
def test_my_init_honours_float64(ex):
    w = ex.my_init()((4, 3), dtype="float64")
    with check:
        assert dtype_of(w) == "float64", _(
            "asked for float64, got {dtype_of}: pass dtype on"
        ).format(dtype_of=dtype_of(w))
    with check:
        assert np.all(as_array(w) == 1.0), _("all ones in float64 too")


@task("my_init")
def test_my_init_in_dense(ex):
    layer = built_dense(64, 20, ex.my_init())
    kernel = as_array(layer.kernel)
    with check:
        assert tuple(layer.kernel.shape) == (20, 64)
    with check:
        assert np.all(kernel == 1.0), _(
            "Dense(64, kernel_initializer=my_init()) kernel: {describe}, expected all ones"
        ).format(describe=describe(kernel))
    with check:
        assert np.all(as_array(layer.bias) == 0.0), _(
            "only the kernel uses my_init; the bias keeps its zeros"
        )


# -------------------------------------------------------------- scaled_normal


@task("scaled_normal")
def test_scaled_normal_shape_and_default_dtype(ex):
    for shape in [(20, 30), (3, 3, 4, 8)]:
        w = ex.scaled_normal(shape)
        with check:
            assert tuple(w.shape) == shape, _("scaled_normal({shape}) has shape {shape2}").format(
                shape=shape, shape2=tuple(w.shape)
            )
        with check:
            assert dtype_of(w) == "float32", _("dtype=None means float32, got {dtype_of}").format(
                dtype_of=dtype_of(w)
            )


@task("scaled_normal")
def test_scaled_normal_honours_float64(ex):
    w = ex.scaled_normal((20, 30), dtype="float64")
    with check:
        assert dtype_of(w) == "float64", _(
            "asked for float64, got {dtype_of}: pass dtype to the sampler"
        ).format(dtype_of=dtype_of(w))
    with check:
        assert tuple(w.shape) == (20, 30)


def fan_mistakes(shape) -> list[tuple[float, float, str]]:
    """The wrong fan_in of a kernel of ``shape``, as ``assert_normal``'s ``mistakes``:
    N(0, 2 / wrong) named, for each wrong fan_in that differs from the right one."""
    fan_in, rank = math.prod(shape[:-1]), len(shape)
    formula = "*".join(str(d) for d in shape[:-1]) if rank > 2 else "shape[0]"
    wrongs = (
        (
            shape[-1],
            N_(
                "fan_out used as fan_in: the spread of N(0, 2 / {wrong}), where {wrong} is the "
                "last dimension of the kernel, its fan_out; fan_in is the product of all the "
                "others ({formula} = {fan_in})"
            ),
        ),
        (
            shape[0],
            N_(
                "fan_in taken as shape[0] = {wrong}: for a kernel of rank {rank}, fan_in is the "
                "product of all dimensions but the last ({formula} = {fan_in})"
            ),
        ),
        (
            math.prod(shape),
            N_(
                "fan_in taken as the product of every dimension ({wrong}): the last one is "
                "fan_out, leave it out ({formula} = {fan_in})"
            ),
        ),
    )
    out, seen = [], {fan_in}
    for wrong, text in wrongs:
        if wrong not in seen:
            seen.add(wrong)
            named = _(text).format(wrong=wrong, rank=rank, formula=formula, fan_in=fan_in)
            out.append((0.0, math.sqrt(2 / wrong), named.replace("{", "{{").replace("}", "}}")))
    return out


@task("scaled_normal")
def test_scaled_normal_dense_kernel_distribution(ex):
    # fan_in = shape[0] = 512 (the last dimension, 128, is fan_out).
    w = ex.scaled_normal((512, 128))
    with check:
        assert_normal(
            w,
            0.0,
            math.sqrt(2 / 512),
            what=_("values of scaled_normal((512, 128))"),
            mistakes=fan_mistakes((512, 128)),
        )


@task("scaled_normal")
def test_scaled_normal_conv_kernel_fan_in(ex):
    # A (3, 3, 64, 128) conv kernel: fan_in = 3 * 3 * 64 = 576, not 3 and not 128.
    w = ex.scaled_normal((3, 3, 64, 128))
    with check:
        assert_normal(
            w,
            0.0,
            math.sqrt(2 / 576),
            what=_("values of scaled_normal((3, 3, 64, 128)) (fan_in = 3*3*64 = 576)"),
            mistakes=fan_mistakes((3, 3, 64, 128)),
        )


@task("scaled_normal")
def test_scaled_normal_calls_are_independent(ex):
    a = ex.scaled_normal((128, 128))
    b = ex.scaled_normal((128, 128))
    with check:
        assert_independent(a, b, what=_("two calls of scaled_normal((128, 128))"))


@task("scaled_normal")
def test_scaled_normal_in_dense(ex):
    # No bias: only the kernels are checked, and each variable costs milliseconds.
    first = built_dense(128, 256, ex.scaled_normal, use_bias=False)
    second = built_dense(128, 256, ex.scaled_normal, use_bias=False)
    with check:
        assert tuple(first.kernel.shape) == (256, 128)
    with check:
        assert_normal(
            first.kernel, 0.0, math.sqrt(2 / 256), what=_("Dense(128) kernel for 256 inputs")
        )
    with check:
        assert_independent(
            first.kernel, second.kernel, what=_("the kernels of two same-shaped Dense layers")
        )


# ------------------------------------------------------------------ WeirdInit


def weird_mistakes(x) -> list[str]:
    """The book's two slips in WeirdInit's mask, named when a sample shows one."""
    nonzero = x[x != 0]
    if nonzero.size == 0:
        return []
    mags = np.abs(nonzero)
    if mags.max() < 5 - TOL and stats.kstest(mags, stats.uniform(0, 5).cdf).pvalue >= ALPHA:
        return [
            looks_like(
                _(
                    "the mask kept the wrong half: the values with |x| < 5 survive and those "
                    "with |x| >= 5 became 0; keep the data where |x| >= 5 and zero the rest"
                )
            )
        ]
    if nonzero.min() >= 5 - TOL and nonzero.max() <= 10 + TOL:
        return [
            looks_like(
                _(
                    "the absolute value forgotten: data >= 5 keeps only the values from 5 to 10; "
                    "|data| >= 5 keeps those from -10 to -5 too"
                )
            )
        ]
    return []


def check_weird_sample(x) -> None:
    """Check a large WeirdInit sample, each property in its own soft check (a mistake
    the lesson warns about named first)."""
    x = as_array(x)
    named = weird_mistakes(x)
    if named:  # the mistake's name first, the failed properties after it
        with check:
            raise AssertionError("\n".join(named))
    nonzero = x[x != 0]
    pos, neg = x[x > 0], x[x < 0]
    with check:
        assert_fraction(
            int(np.sum(x == 0)),
            x.size,
            0.5,
            what=_("zeros (each element is 0 with probability 1/2)"),
        )
    with check:
        assert_fraction(
            pos.size,
            max(nonzero.size, 1),
            0.5,
            what=_("positives among the non-zeros (each sign has probability 1/4)"),
        )
    mags = np.abs(nonzero)
    with check:
        assert mags.size == 0 or (mags.min() >= 5 - TOL and mags.max() <= 10 + TOL), _(
            "non-zero values must have 5 <= |x| <= 10; got |x| from {mags_min:.4g} to {mags_max:.4g}"
        ).format(mags_min=mags.min(), mags_max=mags.max())
    for part, lo, name in ((pos, 5.0, "U(5, 10)"), (neg, -10.0, "U(-10, -5)")):
        if part.size >= 100:  # otherwise the fractions above already failed
            with check:
                assert_distribution(
                    part,
                    stats.uniform(lo, 5.0),
                    what=_("positive values") if lo > 0 else _("negative values"),
                    name=name,
                )


def float64_call(fn, *args):
    """``fn(*args, dtype="float64")``; an error other than NotImplementedError fails with a lesson."""
    try:
        return fn(*args, dtype="float64")
    except NOT_STARTED:
        raise
    except Exception as exc:
        pytest.fail(
            _(
                "calling it with dtype='float64' raised {exc_type}: {exc}\nTensorFlow does not mix float32 and float64: keep every step in the requested dtype (e.g. cast a mask to data.dtype, not tf.float32)"
            ).format(exc_type=type(exc).__name__, exc=str(exc)[:200])
        )


@task("WeirdInit")
def test_weird_init_is_an_initializer(ex):
    init = ex.WeirdInit()
    with check:
        assert isinstance(init, keras.initializers.Initializer), _(
            "WeirdInit must subclass keras.initializers.Initializer; its bases are {mro}"
        ).format(mro=type(init).__mro__[1:])


@task("WeirdInit")
@pytest.mark.parametrize("seeded", [False, True], ids=["unseeded", "seeded"])
def test_weird_init_distribution(ex, seeded):
    init = ex.WeirdInit(seed=fresh_seed()) if seeded else ex.WeirdInit()
    w = init((256, 256), dtype="float32")
    with check:
        assert tuple(w.shape) == (256, 256) and dtype_of(w) == "float32", _(
            "expected shape (256, 256) float32, got {shape} {dtype_of}"
        ).format(shape=tuple(w.shape), dtype_of=dtype_of(w))
    check_weird_sample(w)


@task("WeirdInit")
def test_weird_init_default_dtype_float32(ex):
    w = ex.WeirdInit()((8, 8))
    with check:
        assert dtype_of(w) == "float32", _("dtype=None means float32, got {dtype_of}").format(
            dtype_of=dtype_of(w)
        )


@task("WeirdInit")
def test_weird_init_honours_float64(ex):
    w = float64_call(ex.WeirdInit(), (256, 256))
    with check:
        assert dtype_of(w) == "float64", _(
            "asked for float64, got {dtype_of}: keep every step in the requested dtype"
        ).format(dtype_of=dtype_of(w))
    check_weird_sample(w)


@task("WeirdInit")
def test_weird_init_in_dense_float64(ex):
    init = ex.WeirdInit()
    layer = float64_call(built_dense, 16, 32, init)
    k = as_array(layer.kernel)
    with check:
        assert dtype_of(layer.kernel) == "float64" and tuple(layer.kernel.shape) == (32, 16)
    with check:
        assert np.all((k == 0) | ((np.abs(k) >= 5 - TOL) & (np.abs(k) <= 10 + TOL))), _(
            "kernel values must be 0 or 5 <= |x| <= 10; {describe}"
        ).format(describe=describe(k))


@task("WeirdInit")
def test_weird_init_seed_repeats(ex):
    for seed in (0, fresh_seed()):
        init = ex.WeirdInit(seed=seed)
        a = as_array(init((32, 16)))
        b = as_array(init((32, 16)))
        c = as_array(ex.WeirdInit(seed=seed)((32, 16)))
        with check:
            assert np.array_equal(a, b), _(
                "WeirdInit(seed={seed}) gave different values on two calls: with an int seed use a stateless draw (keras.random.uniform(..., seed=int)); a SeedGenerator or tf.random's op seed moves on at every call (and seed=0 is a seed, not None)"
            ).format(seed=seed)
        with check:
            assert np.array_equal(a, c), _(
                "two WeirdInit(seed={seed}) instances should give the same values"
            ).format(seed=seed)


@task("WeirdInit")
def test_weird_init_different_seeds_differ(ex):
    s = fresh_seed()
    a = ex.WeirdInit(seed=s)((128, 128))
    b = ex.WeirdInit(seed=s + 1)((128, 128))
    with check:
        assert_independent(
            a, b, what=_("WeirdInit(seed={s}) and WeirdInit(seed={value})").format(s=s, value=s + 1)
        )


@task("WeirdInit")
def test_weird_init_get_config(ex):
    for seed in (7, None):
        config = ex.WeirdInit(seed=seed).get_config()
        with check:
            assert config == {"seed": seed}, _(
                "WeirdInit(seed={seed}).get_config() is {config!r}"
            ).format(seed=seed, config=config)
    clone = ex.WeirdInit.from_config(ex.WeirdInit(seed=11).get_config())
    with check:
        assert np.array_equal(as_array(clone((8, 8))), as_array(ex.WeirdInit(seed=11)((8, 8)))), _(
            "WeirdInit.from_config(init.get_config()) should give the same values as init"
        )


@task("WeirdInit")
def test_weird_init_is_registered(ex):
    init = ex.WeirdInit(seed=3)
    registered = keras.saving.get_registered_object(keras.saving.get_registered_name(ex.WeirdInit))
    with check:
        assert registered is not None and registered is ex.WeirdInit, _(
            "Keras does not know WeirdInit: decorate the class with @keras.saving.register_keras_serializable(package=...)"
        )
    config = keras.saving.serialize_keras_object(init)
    try:
        again = keras.saving.deserialize_keras_object(config)
    except (TypeError, ValueError) as exc:
        pytest.fail(
            _("Keras could not rebuild WeirdInit from {config!r}: {exc_type}: {exc}").format(
                config=config, exc_type=type(exc).__name__, exc=str(exc)[:300]
            )
        )
    with check:
        assert isinstance(again, ex.WeirdInit) and again.get_config() == {"seed": 3}, _(
            "serialize then deserialize gave {again!r} with config {value!r}"
        ).format(again=again, value=getattr(again, "get_config", dict)())


@task("WeirdInit")
def test_weird_init_survives_save_and_load(ex, tmp_path):
    init = ex.WeirdInit(seed=7)
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, kernel_initializer=init)])
    path = tmp_path / "weird.keras"
    net.save(path)
    try:
        loaded = keras.models.load_model(path)
    except (TypeError, ValueError) as exc:
        pytest.fail(
            _(
                "Keras could not load a model that uses WeirdInit(seed=7): register the class with @keras.saving.register_keras_serializable(package=...).\n{exc_type}: {exc}"
            ).format(exc_type=type(exc).__name__, exc=str(exc)[:300])
        )
    again = loaded.layers[0].kernel_initializer
    with check:
        assert isinstance(again, ex.WeirdInit), _(
            "after loading, the kernel initializer is {again_type}"
        ).format(again_type=kind_of(again))
    if isinstance(again, ex.WeirdInit):
        with check:
            assert again.get_config().get("seed") == 7, _(
                "the seed was lost: get_config() is {again_get_config!r}"
            ).format(again_get_config=again.get_config())
        with check:
            assert np.array_equal(as_array(again((5, 5))), as_array(init((5, 5)))), _(
                "the loaded WeirdInit(seed=7) should draw the same values as the original"
            )


# ------------------------------------------------- awkward shapes and repeated draws (issue 15)


@task("scaled_normal")
def test_scaled_normal_conv1d_and_conv3d_kernels(ex):
    # fan_in is the product of all dimensions but the last, whatever the rank.
    for shape, fan_in, formula in (
        ((5, 64, 128), 320, "5*64"),  # a Conv1D kernel: (width, c_in, c_out)
        ((3, 3, 3, 8, 16), 216, "3*3*3*8"),  # a Conv3D kernel
    ):
        w = ex.scaled_normal(shape)
        with check:
            assert tuple(w.shape) == shape, _("scaled_normal({shape}) has shape {shape2}").format(
                shape=shape, shape2=tuple(w.shape)
            )
        with check:
            assert_normal(
                w,
                0.0,
                math.sqrt(2 / fan_in),
                what=_(
                    "values of scaled_normal({shape}) (a {n_shape}-D kernel: fan_in = {formula} = {fan_in}, the product of all dimensions but the last)"
                ).format(shape=shape, n_shape=len(shape), formula=formula, fan_in=fan_in),
                mistakes=fan_mistakes(shape),
            )


@task("WeirdInit")
def test_weird_init_unseeded_draws_are_fresh(ex):
    init = ex.WeirdInit()
    first, again = init((128, 128)), init((128, 128))
    other = ex.WeirdInit()((128, 128))
    with check:
        assert_independent(
            first,
            again,
            what=_(
                "two calls of one WeirdInit() (unseeded: each call draws fresh values from Keras's global random state; a seed picked once, or seed=self.seed or 0, repeats them)"
            ),
        )
    with check:
        assert_independent(
            first,
            other,
            what=_(
                "two unseeded WeirdInit() instances (seed=None is not seed 0: draw from the global random state)"
            ),
        )


# ------------------------------------------------- more wrong answers (issue 24)


@task("scaled_normal")
def test_scaled_normal_honours_half_precision(ex):
    for dtype in ("float16", "bfloat16"):
        w = ex.scaled_normal((16, 8), dtype=dtype)
        with check:
            assert dtype_of(w) == dtype and tuple(w.shape) == (16, 8), _(
                "scaled_normal((16, 8), dtype={dtype!r}) gave {got} of shape {shape}: honour "
                "every dtype Keras asks for (a layer with a mixed-precision policy asks for "
                "float16 or bfloat16), not only float32 and float64"
            ).format(dtype=dtype, got=dtype_of(w), shape=tuple(w.shape))


@task("WeirdInit")
def test_weird_init_seeded_calls_leave_the_global_random_state(ex):
    shape = (64, 64)
    ex.WeirdInit(seed=5)(shape)
    first = as_array(ex.WeirdInit()(shape))
    ex.WeirdInit(seed=5)(shape)
    second = as_array(ex.WeirdInit()(shape))
    what = _(
        "two unseeded WeirdInit() draws, each after a WeirdInit(seed=5) call (a seeded call "
        "must not reset the global random state: pass the seed to the draw itself, "
        "keras.random.uniform(..., seed=self.seed), instead of tf.random.set_seed or "
        "keras.utils.set_random_seed)"
    )
    repeated = bool(np.array_equal(first, second))
    with check:
        assert not repeated, _("{what}: the same values twice").format(what=what)
    if not repeated:  # else the line above says it all
        with check:
            assert_independent(first, second, what=what)
