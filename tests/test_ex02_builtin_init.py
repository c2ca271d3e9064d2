"""Graded suite for ex02_builtin_init: built-in initializers."""

import math
from itertools import combinations

import keras
import numpy as np
import pytest
from pytest_check import check

from kata.core.i18n import N_, _
from kata.testing.stats import assert_independent, assert_normal, assert_uniform
from tests.helpers import (
    NOT_STARTED,
    assert_same_variables,
    assert_unchanged,
    awkward,
    described,
    fresh_values,
    kind_of,
    must_raise,
    naming_swapped_variables,
    put,
    scramble,
    shared_objects,
    snapshot,
    values,
)

task = pytest.mark.task

Dense = keras.layers.Dense


def dense_layers(net):
    """Every Dense layer of ``net`` (nested models included), each once, in order."""
    out, stack = [], [net]
    while stack:
        layer = stack.pop(0)
        if isinstance(layer, Dense) and all(layer is not d for d in out):
            out.append(layer)
        stack[:0] = getattr(layer, "layers", [])
    return out


def built(layers, width):
    """A ``Sequential`` of ``layers`` built for inputs of width ``width``."""
    net = keras.Sequential(layers)
    net.build((None, width))
    return net


def square_net(units=128, n=3):
    """``n`` Dense layers of the same shape ``(units, units)``: 16384 kernel values each for 128."""
    return built([Dense(units) for _ in range(n)], units)


def nested_net(units=64):
    """Dense layers at three depths: inside an inner-inner model, an inner model, and on top."""
    inner = keras.Sequential(
        [keras.Sequential([Dense(units)], name="deep"), Dense(units)], name="inner"
    )
    return built([inner, Dense(units)], units)


def renew(net):
    """Give every Dense layer of ``net`` the values of a fresh build: a Glorot-uniform
    kernel (numpy draws, seeded per test) and a zero bias. A shared reference net
    then starts every test in the same state, whatever earlier tests left in it."""
    fresh_values(v for layer in dense_layers(net) for v in layer.weights)
    return net


def reference(models, key, build):
    """The session's built net ``key`` (see ``ModelCache``) with fresh values (``renew``)."""
    return renew(models.get(f"ex02_builtin_init:{key}", build))


def square(models):
    """3 Dense(128) layers of kernel shape (128, 128), shared by the session, fresh values."""
    return reference(models, "square_net", square_net)


def nested(models):
    """``nested_net()`` shared by the session, with fresh values."""
    return reference(models, "nested_net", nested_net)


def unbuilt(models):
    """An unbuilt ``Sequential([Dense(4), Dense(2)])`` (a new one once anything built it)."""
    return models.get("ex02_builtin_init:unbuilt", lambda: keras.Sequential([Dense(4), Dense(2)]))


def describe(result):
    """How a wrong return value reads in a message."""
    if isinstance(result, keras.Model):
        return _("another object")
    return kind_of(result)


def spoil_biases(net):
    """Give every bias non-zero values, so that "bias becomes zeros" is really tested."""
    for layer in dense_layers(net):
        put(layer.bias, np.random.uniform(0.5, 1.5, layer.bias.shape).astype("float32"))


def bad_biases(net):
    """The paths of the biases that are not all zeros."""
    return [layer.bias.path for layer in dense_layers(net) if np.any(values(layer.bias) != 0)]


# ----------------------------------------------------------------- init_normal


def normal_square(ex, once, models):
    """``init_normal(net)`` called once on a net of 3 Dense(128) layers with fresh
    kernels and non-zero biases, shared by the tests below: they only read it.
    Returns the net, its variables before the call, and what the call returned."""

    def make():
        net = reference(models, "square_net_for_reading", square_net)
        spoil_biases(net)
        before = list(net.weights)
        with naming_swapped_variables(N_("init_normal(net)")):
            return net, before, ex.init_normal(net)

    return once("init_normal(net) on 3 x Dense(128)", make)


@task("init_normal")
def test_init_normal_in_place_returns_net(ex, once, models):
    net, before, result = normal_square(ex, once, models)
    with check:
        assert result is net, _(
            "change the net in place and return that same object; got {describe}"
        ).format(describe=describe(result))
    with check:
        assert_same_variables(net.weights, before, _("the variables after init_normal"))
    with check:
        assert net.layers[0].kernel is before[0], _(
            "layer.kernel must stay the same object: assign new values with kernel.assign(...), do not create new variables or a new model"
        )


@task("init_normal")
def test_init_normal_kernels_are_normal_001(ex, once, models):
    net, _before, _result = normal_square(ex, once, models)
    for layer in net.layers:
        with check:
            assert_normal(
                layer.kernel,
                0.0,
                0.01,
                what=_("{path} values after init_normal(net)").format(path=layer.kernel.path),
            )


@task("init_normal")
def test_init_normal_biases_become_zero(ex, once, models):
    net, _before, _result = normal_square(ex, once, models)
    with check:
        assert not bad_biases(net), _(
            "every bias must become zeros; still non-zero: {bad_biases} (the bias keeps its old values unless you assign zeros to it)"
        ).format(bad_biases=bad_biases(net))


@task("init_normal")
def test_init_normal_layers_get_independent_samples(ex, models):
    net = square(models)
    ex.init_normal(net)
    first = [values(layer.kernel) for layer in net.layers]
    for (i, a), (j, b) in combinations(enumerate(first), 2):
        with check:
            assert_independent(
                a, b, what=_("the kernels of layers {i} and {j} (same shape)").format(i=i, j=j)
            )
    ex.init_normal(net)
    with check:
        assert_independent(
            first[0],
            net.layers[0].kernel,
            what=_("layer 0's kernel after a first and a second init_normal"),
        )


@task("init_normal")
def test_init_normal_mean_and_stddev_arguments(ex, models):
    net = square(models)
    spoil_biases(net)
    ex.init_normal(net, mean=1.0, stddev=0.5)
    with check:
        assert_normal(
            net.layers[0].kernel,
            1.0,
            0.5,
            what=_("kernel values after init_normal(net, mean=1.0, stddev=0.5)"),
        )
    with check:
        assert not bad_biases(net), _(
            "after init_normal(net, mean=1.0, stddev=0.5) every bias must be zeros (the mean is "
            "for the kernels only); still non-zero: {bad_biases}"
        ).format(bad_biases=bad_biases(net))


@task("init_normal")
def test_init_normal_reaches_nested_models(ex, models):
    net = nested(models)
    spoil_biases(net)
    before = {id(layer): values(layer.kernel) for layer in dense_layers(net)}
    ex.init_normal(net)
    for layer in dense_layers(net):
        if np.array_equal(values(layer.kernel), before[id(layer)]):
            with check:  # say that, not what the untouched Glorot-uniform values look like
                raise AssertionError(
                    _(
                        "nested models left out: {path} was not changed, and it belongs to a "
                        "model nested inside net; init_normal must reach the Dense layers of "
                        "nested models too (look inside every layer that has .layers, at any depth)"
                    ).format(path=layer.kernel.path)
                )
            continue
        with check:
            assert_normal(
                layer.kernel,
                0.0,
                0.01,
                what=_("{path} values (Dense layers of nested models count too)").format(
                    path=layer.kernel.path
                ),
            )
    with check:
        assert not bad_biases(net), _(
            "biases of nested models must become zeros too; non-zero: {bad_biases}"
        ).format(bad_biases=bad_biases(net))


@task("init_normal")
@pytest.mark.parametrize("stddev", [0.0, -0.01])
def test_init_normal_bad_stddev_raises_and_changes_nothing(ex, models, stddev):
    net = square(models)
    spoil_biases(net)
    before = snapshot(net)
    with must_raise(ValueError, f"init_normal(net, stddev={stddev})"):
        ex.init_normal(net, stddev=stddev)
    with check:
        assert_unchanged(net, before)  # check every argument before assigning anything


@task("init_normal")
def test_init_normal_unbuilt_raises(ex, models):
    net = unbuilt(models)
    with must_raise(ValueError, N_("init_normal(net) on an unbuilt net")):
        ex.init_normal(net)
    with check:
        assert net.weights == [], _("an unbuilt net must stay unbuilt")


# --------------------------------------------------------------- init_constant


@task("init_constant")
def test_init_constant_values(ex, models):
    net = nested(models)
    spoil_biases(net)
    with naming_swapped_variables(N_("init_constant(net, 3.5)")):
        ex.init_constant(net, 3.5)
    for layer in dense_layers(net):
        kernel = values(layer.kernel)
        with check:
            assert np.all(kernel == 3.5), _(
                "{path} should be all 3.5 (the value argument; nested models count too), got values from {kernel_min:g} to {kernel_max:g}"
            ).format(path=layer.kernel.path, kernel_min=kernel.min(), kernel_max=kernel.max())
    with check:
        assert not bad_biases(net), _(
            "every bias must become zeros; still non-zero: {bad_biases}"
        ).format(bad_biases=bad_biases(net))


@task("init_constant")
def test_init_constant_in_place_returns_net(ex, models):
    net = square(models)
    before = list(net.weights)
    result = ex.init_constant(net, -1.0)
    with check:
        assert result is net, _(
            "change the net in place and return that same object; got {describe}"
        ).format(describe=describe(result))
    with check:
        assert_same_variables(net.weights, before, _("the variables after init_constant"))
    with check:
        assert np.all(values(net.layers[0].kernel) == -1.0), _("kernels should be all -1.0")


@task("init_constant")
def test_init_constant_unbuilt_raises(ex, models):
    net = unbuilt(models)
    with must_raise(ValueError, N_("init_constant(net, 1.0) on an unbuilt net")):
        ex.init_constant(net, 1.0)
    with check:
        assert net.weights == [], _("an unbuilt net must stay unbuilt")


# ---------------------------------------------------------------------- Linear


@task("Linear")
def test_linear_is_a_model_with_two_dense_layers(ex):
    net = ex.Linear()
    with check:
        assert isinstance(net, keras.Model), _("Linear must subclass keras.Model")
    d1, d2 = getattr(net, "d1", None), getattr(net, "d2", None)
    with check:
        assert isinstance(d1, Dense) and d1.units == 10, _(
            "self.d1 should be Dense(10), got {d1!r}"
        ).format(d1=d1)
    with check:
        assert isinstance(d2, Dense) and d2.units == 1, _(
            "self.d2 should be Dense(1), got {d2!r}"
        ).format(d2=d2)


def built_linear(ex, once):
    """The learner's ``Linear()`` called once on 2048 features (so d1.kernel holds
    2048 x 10 values), shared by the tests below: they only read its values."""

    def make():
        net = ex.Linear()
        net(np.zeros((1, 2048), dtype="float32"))
        return net

    return once("Linear() on 2048 features", make)


@task("Linear")
def test_linear_d1_kernel_is_normal_001(ex, once):
    net = built_linear(ex, once)
    with check:
        assert_normal(
            net.d1.kernel,
            0.0,
            0.01,
            what=_("d1.kernel values (RandomNormal(0, 0.01), not truncated)"),
        )


@task("Linear")
def test_linear_d1_bias_is_zero(ex, once):
    net = built_linear(ex, once)
    bias = values(net.d1.bias)
    with check:
        assert bias.shape == (10,) and np.all(bias == 0), _(
            "d1.bias should be 10 zeros, got {bias}"
        ).format(bias=bias)


@task("Linear")
def test_linear_d2_is_all_ones(ex, once):
    net = built_linear(ex, once)
    kernel, bias = values(net.d2.kernel), values(net.d2.bias)
    with check:
        assert kernel.shape == (10, 1) and np.all(kernel == 1), _(
            "d2.kernel should be all ones (10, 1), got {kernel}"
        ).format(kernel=kernel.ravel())
    with check:
        assert bias.shape == (1,) and np.all(bias == 1), _(
            "d2.bias should be [1.], got {bias}"
        ).format(bias=bias)


@task("Linear")
def test_linear_call_is_d2_of_d1_without_activation(ex, once):
    net = built_linear(ex, once)  # its values are given back below: other tests read them
    x = np.random.normal(size=(4, 2048)).astype("float32")
    weights = (net.d1.kernel, net.d1.bias, net.d2.kernel, net.d2.bias)
    kept = snapshot(weights)
    try:
        # Known weights of both signs, so that an activation or a skipped layer shows.
        for v in weights:
            put(v, np.random.normal(size=v.shape).astype("float32"))
        w1, b1, w2, b2 = (values(v) for v in weights)
        expected = (x @ w1 + b1) @ w2 + b2
        y = keras.ops.convert_to_numpy(net(x))
    finally:
        for v, value in kept:
            put(v, value)
    with check:
        assert y.shape == (4, 1), _("output shape {y_shape}, expected (4, 1)").format(
            y_shape=y.shape
        )
    with check:
        assert y.shape == expected.shape and np.allclose(y, expected, rtol=1e-4, atol=1e-5), _(
            "call(x) should be d2(d1(x)) with no activation in between: got {y}, expected {expected}"
        ).format(y=y.ravel(), expected=expected.ravel())


# -------------------------------------------------------- xavier_then_constant


@task("xavier_then_constant")
def test_xavier_then_constant_is_unbuilt_sequential(ex):
    net = ex.xavier_then_constant()
    with check:
        assert isinstance(net, keras.Sequential), _(
            "expected a keras.Sequential, got {net_type}"
        ).format(net_type=type(net).__name__)
    with check:
        assert net.weights == [], _(
            "do not build the net: no keras.Input, no call (net.weights should be [])"
        )
    units = [layer.units for layer in dense_layers(net)]
    with check:
        assert units == [8, 1], _(
            "Dense layers with units {units}, expected [8, 1] (hidden_units, outputs)"
        ).format(units=units)


def glorot_mistakes(fan_in, fan_out):
    """The wrong bounds of a "Xavier uniform" kernel, each with what it is."""
    return [
        (
            math.sqrt(2 / (fan_in + fan_out)),
            _(
                "a uniform on ±sqrt(2 / (fan_in + fan_out)): that is the standard deviation of "
                "Glorot's normal; Glorot uniform's bound is sqrt(6 / (fan_in + fan_out))"
            ),
        ),
        (
            math.sqrt(6 / fan_in),
            _("He uniform (HeUniform, bound sqrt(6 / fan_in)) instead of Glorot uniform"),
        ),
        (
            math.sqrt(3 / fan_in),
            _("LeCun uniform (bound sqrt(3 / fan_in)) instead of Glorot uniform"),
        ),
        (
            0.05,
            _(
                "RandomUniform() with its default bounds ±0.05 instead of GlorotUniform, "
                "whose bound is sqrt(6 / (fan_in + fan_out))"
            ),
        ),
    ]


def wide_xavier(ex, once):
    """The learner's ``xavier_then_constant(hidden_units=256, outputs=3, constant=3.0)``
    called on 2 rows of 64 features (so the first kernel holds 64 x 256 values), and
    its output; shared by the tests below: they only read them."""

    def make():
        net = ex.xavier_then_constant(hidden_units=256, outputs=3, constant=3.0)
        return net, net(np.zeros((2, 64), dtype="float32"))

    return once("xavier_then_constant(256, 3, 3.0) on 64 features", make)


@task("xavier_then_constant")
def test_xavier_then_constant_first_kernel_is_glorot_uniform(ex, once):
    net, _y = wide_xavier(ex, once)
    kernel = values(dense_layers(net)[0].kernel)
    fan_in, fan_out = kernel.shape
    limit = math.sqrt(6 / (fan_in + fan_out))
    with check:
        assert kernel.shape == (64, 256), _(
            "first kernel shape {kernel_shape}, expected (64, 256)"
        ).format(kernel_shape=kernel.shape)
    with check:  # the bounds the lesson warns about, named when the values fit one of them
        assert_uniform(
            kernel,
            -limit,
            limit,
            what=_("first kernel values"),
            name=_("U(-{limit:.4f}, {limit:.4f}) (Glorot uniform, not Glorot normal)").format(
                limit=limit
            ),
            mistakes=glorot_mistakes(fan_in, fan_out),
        )


def built_xavier(ex, once):
    """The learner's ``xavier_then_constant()`` (the defaults) built for 3 features,
    shared by the tests below: they only read its values."""

    def make():
        net = ex.xavier_then_constant()
        net.build((None, 3))
        return net

    return once("xavier_then_constant() on 3 features", make)


@task("xavier_then_constant")
def test_xavier_then_constant_second_kernel_is_42(ex, once):
    net = built_xavier(ex, once)
    kernel = values(dense_layers(net)[-1].kernel)
    with check:
        assert kernel.shape == (8, 1) and np.all(kernel == 42.0), _(
            "second kernel should be all 42 (8, 1), got {kernel}"
        ).format(kernel=kernel.ravel())


@task("xavier_then_constant")
def test_xavier_then_constant_arguments(ex, once):
    net, y = wide_xavier(ex, once)
    dense = dense_layers(net)
    with check:
        assert tuple(y.shape) == (2, 3), _(
            "output shape {y_shape}, expected (2, 3) for outputs=3"
        ).format(y_shape=tuple(y.shape))
    with check:
        assert [tuple(d.kernel.shape) for d in dense] == [(64, 256), (256, 3)], _(
            "kernel shapes {value}, expected [(64, 256), (256, 3)] for hidden_units=256 and outputs=3 on 64 features"
        ).format(value=[tuple(d.kernel.shape) for d in dense])
    kernel = values(dense[-1].kernel)
    with check:
        assert np.all(kernel == 3.0), _(
            "constant=3.0: the second kernel should be all 3.0, got {unique}"
        ).format(unique=np.unique(kernel))


@task("xavier_then_constant")
def test_xavier_then_constant_biases_are_zero(ex, once):
    net = built_xavier(ex, once)
    with check:
        assert not bad_biases(net), _(
            "both biases should be zeros (Constant is for the kernel only); non-zero: {bad_biases}"
        ).format(bad_biases=bad_biases(net))


# ------------------------------------------------- awkward nets (issue 15)
#
# Only the Dense layers are re-initialized: a Conv2D, an Embedding and a
# BatchNormalization (gamma, beta and its statistics) keep their values; a frozen
# Dense layer is still a Dense layer; a Dense layer may have no bias; a float64
# net keeps float64 precision; a partly built net is not built.

OTHER_KINDS = ("conv", "embedding", "batchnorm", "frozen")


def not_dense_variables(net):
    """The variables of ``net`` that no Dense layer owns."""
    owned = {id(v) for layer in dense_layers(net) for v in layer.weights}
    return [v for v in net.weights if id(v) not in owned]


def changed(before):
    """Paths of the variables of a ``snapshot`` whose values are not the same any more."""
    return [v.path for v, old in before if not np.array_equal(values(v), old)]


def dense_biases_not_zero(net):
    return [
        layer.bias.path
        for layer in dense_layers(net)
        if layer.bias is not None and np.any(values(layer.bias) != 0)
    ]


@task("init_normal")
def test_init_normal_changes_dense_layers_only(ex, models):
    for key in OTHER_KINDS:
        net = scramble(awkward(models, key))
        others = snapshot(not_dense_variables(net))
        ex.init_normal(net)
        with check:
            assert not changed(others), _(
                "for {described}, init_normal(net) changed {changed}; only the Dense layers are re-initialized: walk the Dense layers (isinstance), not net.weights by name or by rank"
            ).format(described=described(key), changed=changed(others))
        for layer in dense_layers(net):
            with check:
                assert_normal(
                    layer.kernel,
                    0.0,
                    0.01,
                    what=_(
                        "for {described}: {path} values after init_normal(net) (every Dense layer, a frozen one too)"
                    ).format(described=described(key), path=layer.kernel.path),
                )
        with check:
            assert not dense_biases_not_zero(net), _(
                "for {described}, these Dense biases are not zeros after init_normal(net): {dense_biases_not_zero}"
            ).format(described=described(key), dense_biases_not_zero=dense_biases_not_zero(net))


@task("init_normal")
def test_init_normal_layer_without_bias(ex, models):
    net = scramble(awkward(models, "no_bias"))
    ex.init_normal(net)
    first, last = dense_layers(net)
    with check:
        assert_normal(
            first.kernel,
            0.0,
            0.01,
            what=_("for {described}: the first kernel after init_normal(net)").format(
                described=described("no_bias")
            ),
        )
    with check:
        assert_normal(
            last.kernel,
            0.0,
            0.01,
            what=_("for {described}: the last kernel after init_normal(net)").format(
                described=described("no_bias")
            ),
        )
    with check:
        assert np.all(values(last.bias) == 0), _(
            "for {described}, the last layer's bias should be zeros; a layer without bias has layer.bias None: skip it, do not stop there"
        ).format(described=described("no_bias"))


@task("init_normal")
def test_init_normal_partly_built_raises_and_changes_nothing(ex, models):
    for key in ("partly_built", "half_used"):
        net = scramble(awkward(models, key))
        before = snapshot(net)
        try:
            ex.init_normal(net)
            outcome = _("returned without an error")
        except ValueError:
            outcome = ""
        except NOT_STARTED:
            raise
        except AttributeError as exc:
            outcome = _("raised AttributeError ({exc})").format(exc=exc)
        with check:
            assert not outcome, _(
                "for {described}, init_normal(net) {outcome}; it should raise ValueError: the net is not built until every layer has its variables (net.weights != [] and net.built are not enough: check every Dense layer's .built)"
            ).format(described=described(key), outcome=outcome)
        with check:
            assert not changed(before), _(
                "for {described}, init_normal(net) changed {changed} before failing: check that every layer is built before assigning anything"
            ).format(described=described(key), changed=changed(before))


@task("init_constant")
def test_init_constant_changes_dense_layers_only(ex, models):
    for key in OTHER_KINDS:
        net = scramble(awkward(models, key))
        others = snapshot(not_dense_variables(net))
        ex.init_constant(net, -2.5)
        with check:
            assert not changed(others), _(
                "for {described}, init_constant(net, -2.5) changed {changed}; only the Dense layers' kernels and biases change"
            ).format(described=described(key), changed=changed(others))
        wrong = [
            layer.kernel.path
            for layer in dense_layers(net)
            if not np.all(values(layer.kernel) == -2.5)
        ]
        with check:
            assert not wrong, _(
                "for {described}, these Dense kernels are not all -2.5: {wrong} (every Dense layer, a frozen one too)"
            ).format(described=described(key), wrong=wrong)
        with check:
            assert not dense_biases_not_zero(net), _(
                "for {described}, these Dense biases are not zeros: {dense_biases_not_zero}"
            ).format(described=described(key), dense_biases_not_zero=dense_biases_not_zero(net))


@task("init_constant")
def test_init_constant_layer_without_bias(ex, models):
    net = scramble(awkward(models, "no_bias"))
    ex.init_constant(net, 0.5)
    wrong = [layer.kernel.path for layer in net.layers if not np.all(values(layer.kernel) == 0.5)]
    with check:
        assert not wrong, _(
            "for {described}, kernels not all 0.5 after init_constant(net, 0.5): {wrong}; a layer without bias has layer.bias None: skip it, do not stop there"
        ).format(described=described("no_bias"), wrong=wrong)
    with check:
        assert np.all(values(net.layers[1].bias) == 0), _("the last layer's bias should be zeros")


@task("init_constant")
def test_init_constant_float64_precision(ex, models):
    net = scramble(awkward(models, "float64"))
    ex.init_constant(net, 0.1)
    for layer in net.layers:
        got = values(layer.kernel)
        with check:
            assert layer.kernel.dtype == "float64" and np.all(got == np.float64(0.1)), _(
                "for {described}, {path} holds {got!r} ({dtype}); expected 0.1 at float64 precision: make the values in the variable's own dtype (kernel.dtype), not float32"
            ).format(
                described=described("float64"),
                path=layer.kernel.path,
                got=got.ravel()[0],
                dtype=layer.kernel.dtype,
            )
        with check:
            assert np.all(values(layer.bias) == 0), _("{path} should be zeros").format(
                path=layer.bias.path
            )


@task("init_constant")
def test_init_constant_partly_built_raises_and_changes_nothing(ex, models):
    for key in ("partly_built", "half_used"):
        net = scramble(awkward(models, key))
        before = snapshot(net)
        try:
            ex.init_constant(net, 1.0)
            outcome = _("returned without an error")
        except ValueError:
            outcome = ""
        except NOT_STARTED:
            raise
        except AttributeError as exc:
            outcome = _("raised AttributeError ({exc})").format(exc=exc)
        with check:
            assert not outcome, _(
                "for {described}, init_constant(net, 1.0) {outcome}; it should raise ValueError: the net is not built until every layer has its variables"
            ).format(described=described(key), outcome=outcome)
        with check:
            assert not changed(before), _(
                "for {described}, init_constant changed {changed} before failing"
            ).format(described=described(key), changed=changed(before))


@task("Linear")
def test_linear_instances_start_differently(ex, once):
    first = built_linear(ex, once)
    second = ex.Linear()
    shared = shared_objects(first, second) + [
        name
        for name in ("d1", "d2")
        if getattr(first, name, None) is not None
        and getattr(first, name) is getattr(second, name, 0)
    ]
    with check:
        assert not shared, _(
            "two Linear() instances share {shared}: create d1 and d2 in __init__ (self.d1 = "
            "Dense(...)), not once at module or class level"
        ).format(shared=shared)
    second(np.zeros((1, 2048), dtype="float32"))
    with check:
        assert_independent(
            first.d1.kernel,
            second.d1.kernel,
            what=_(
                "the d1 kernels of two Linear() instances (each draws its own values: do not share one initializer between instances or give it a fixed seed)"
            ),
        )


# ------------------------------------------------- more wrong answers (issue 24)


def bias_mistake(layer) -> str:
    """Why ``layer``'s bias is not zeros, when its own ``bias_initializer`` explains it."""
    got = values(layer.bias)
    own = keras.ops.convert_to_numpy(layer.bias_initializer(tuple(layer.bias.shape), "float32"))
    if np.any(got != 0) and np.array_equal(got, own):
        return _(
            "{path} holds what the layer's own bias_initializer gives ({values}), not zeros: "
            "assign zeros to the bias, whatever initializer the layer was built with"
        ).format(path=layer.bias.path, values=got.ravel()[:4])
    return ""


def check_reset(net, key, kernel_ok, what):
    """Every Dense kernel of the scrambled ``net`` passes ``kernel_ok`` and every bias is zero."""
    for layer in dense_layers(net):
        with check:
            assert kernel_ok(values(layer.kernel)), _(
                "for {described}, {what} left the kernel of the Dense layer {name!r} as it was: "
                "recognise Dense layers by their type (isinstance(layer, keras.layers.Dense)), "
                "not by their names"
            ).format(described=described(key), what=what, name=layer.name)
        with check:
            assert not np.any(values(layer.bias) != 0), bias_mistake(layer) or _(
                "for {described}, {what} left {path} non-zero: every bias becomes zeros"
            ).format(described=described(key), what=what, path=layer.bias.path)


@task("init_normal")
def test_init_normal_any_dense_layer_any_bias_initializer(ex, models):
    for key in ("named", "ones_bias"):
        net = scramble(awkward(models, key))  # every value in [0.5, 1.5]
        ex.init_normal(net)
        check_reset(net, key, lambda k: np.any(k < 0.5), "init_normal(net)")


@task("init_constant")
def test_init_constant_any_dense_layer_any_bias_initializer(ex, models):
    for key in ("named", "ones_bias"):
        net = scramble(awkward(models, key))
        ex.init_constant(net, -2.0)
        check_reset(net, key, lambda k: np.all(k == -2.0), "init_constant(net, -2.0)")


@task("xavier_then_constant")
def test_xavier_then_constant_every_call_makes_a_new_net(ex):
    first, second = ex.xavier_then_constant(), ex.xavier_then_constant()
    shared = shared_objects(first, second)
    with check:
        assert second is not first and not shared, _(
            "two calls of xavier_then_constant() gave nets sharing {shared}: every call must "
            "make a new net with layers of its own (no cache, no layer kept at module level)"
        ).format(shared=shared)
