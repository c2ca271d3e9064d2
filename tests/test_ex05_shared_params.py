"""Graded suite for ex05_shared_params: tied (shared) parameters."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from pytest_check import check

from kata.core.i18n import N_, _
from tests.helpers import (
    activation_name,
    assert_unchanged,
    awkward,
    described,
    fresh_values,
    is_linear,
    is_relu,
    kind_of,
    must_raise,
    put,
    snapshot,
    wrong_type,
)

task = pytest.mark.task


def tied_net(units=8, outputs=1, width=5, build=True):
    """A tied reference net: layers 1 and 2 are one Dense instance. Its layers compute
    tanh and it is assembled with ``add``, so it is a net *like* build_tied_mlp's (the
    checks only need one layer used twice), not that task's answer written out."""
    net = keras.Sequential()
    net.add(keras.layers.Dense(units, activation="tanh"))
    twice = keras.layers.Dense(units, activation="tanh")
    net.add(twice)
    net.add(twice)
    net.add(keras.layers.Dense(outputs, activation="tanh"))
    if build:
        net.build((None, width))
    return net


def like_new(*layers):
    """Give the layers the values of freshly built ones (Glorot-uniform kernels, zero biases).

    Tests that take a reference model from the session cache call this first, so
    their verdict never depends on values left by another test.
    """
    fresh_values(v for layer in layers for v in layer.weights)
    return layers[0] if len(layers) == 1 else layers


def untied_net():
    """A net shaped like the tied MLP whose four layers are all distinct objects."""
    net = keras.Sequential(
        [keras.layers.Dense(4, activation="relu") for _ in range(3)] + [keras.layers.Dense(1)]
    )
    net.build((None, 5))
    return net


def cached_tied_net(models):
    """The reference tied net (units=8, outputs=3, width=5) from the session cache, values reset."""
    return like_new(models.get("ex05_tied_net", lambda: tied_net(units=8, outputs=3)))


def cached_square_tied_net(models):
    """A tied net whose layers 0 and 1 have equal shapes (units == width == 5), values reset."""
    return like_new(models.get("ex05_square_tied_net", lambda: tied_net(units=5, width=5)))


def cached_untied_net(models):
    """The untied net from the session cache, values reset."""
    net = models.get("ex05_untied_net", untied_net)
    like_new(*net.layers)
    return net


def cached_dense_pair(models):
    """Two distinct built Dense(4) layers on 4 inputs (layers 1 and 2 of the cached untied
    net), values reset."""
    net = models.get("ex05_untied_net", untied_net)
    return like_new(net.layers[1], net.layers[2])


class Holder(keras.layers.Layer):
    """A layer object of its own that tracks the variables it is given."""

    def __init__(self, *variables):
        super().__init__()
        self.held = list(variables)
        self.built = True


def untied_gradient(net, x):
    """The shared kernel's gradient, computed independently of the learner's code.

    An untied copy of ``net``, written out as plain TensorFlow ops
    (``activation(h @ kernel + bias)`` per layer), gives each use of the shared
    layer its own copy of the shared weights; the tied gradient is the sum of the
    gradients w.r.t. the two copies' kernels.
    """
    params = [[tf.constant(w) for w in layer.get_weights()] for layer in net.layers]
    first_kernel, second_kernel = params[1][0], params[2][0]  # two distinct tensors
    with tf.GradientTape() as tape:
        tape.watch([first_kernel, second_kernel])
        h = tf.convert_to_tensor(x, "float32")
        for layer, (kernel, bias) in zip(net.layers, params):
            h = layer.activation(tf.matmul(h, kernel) + bias)
        y = tf.reduce_sum(h)
    first, second = tape.gradient(y, [first_kernel, second_kernel])
    return (first + second).numpy(), first.numpy(), second.numpy()


def as_numpy(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def randomize(model):
    """Give every variable random values (non-zero biases included)."""
    for v in model.weights:
        put(v, np.random.normal(0.0, 0.5, size=v.shape).astype("float32"))


# ------------------------------------------------------------- build_tied_mlp


@task("build_tied_mlp")
def test_build_tied_mlp_is_not_built(ex):
    net = ex.build_tied_mlp()
    with check:
        assert isinstance(net, keras.Sequential), _(
            "expected a keras.Sequential, got {net_type}"
        ).format(net_type=type(net).__name__)
    with check:
        assert net.weights == [], _(
            "build_tied_mlp() must not build the net: no keras.Input, no call (net.weights should be [])"
        )


@task("build_tied_mlp")
def test_build_tied_mlp_layers_one_and_two_are_one_object(ex):
    net = ex.build_tied_mlp()
    layers = net.layers
    kinds = [type(layer).__name__ for layer in layers]
    with check:
        assert kinds == ["Dense"] * 4, _(
            "layers are {kinds}; expected 4 entries: Dense, the shared Dense twice, Dense (Sequential.layers lists a shared layer once per use)"
        ).format(kinds=kinds)
    if len(layers) == 4:
        with check:
            assert layers[1] is layers[2], _(
                "net.layers[1] and net.layers[2] must be the same layer object: create the shared Dense once and put that one instance in the list twice (two Dense(...) calls make two layers)"
            )
        with check:
            assert layers[0] is not layers[1] and layers[3] is not layers[1], _(
                "only layers 1 and 2 are shared"
            )


@task("build_tied_mlp")
def test_build_tied_mlp_units_and_activations(ex):
    net = ex.build_tied_mlp(units=5, outputs=3)
    layers = net.layers
    if len(layers) != 4 or not all(isinstance(x, keras.layers.Dense) for x in layers):
        pytest.fail(
            _("expected 4 Dense entries in net.layers, got {value}").format(
                value=[type(x).__name__ for x in layers]
            )
        )
    units = [x.units for x in layers]
    with check:
        assert units == [5, 5, 5, 3], _(
            "units {units}; expected [5, 5, 5, 3] for units=5, outputs=3"
        ).format(units=units)
    # by what each computes: "relu", the book's tf.nn.relu and a ReLU() layer are all relu
    acts = [activation_name(x.activation) for x in layers]
    relu_relu_relu_linear = all(is_relu(x.activation) for x in layers[:3]) and is_linear(
        layers[3].activation
    )
    with check:
        assert relu_relu_relu_linear, _(
            "activations {acts}; the hidden layers use relu, the output none"
        ).format(acts=acts)


@task("build_tied_mlp")
def test_build_tied_mlp_built_shares_variables(ex):
    net = ex.build_tied_mlp(units=6, outputs=2)
    y = net(np.random.normal(size=(3, 5)).astype("float32"))
    with check:
        assert tuple(y.shape) == (3, 2), _(
            "output shape {y_shape}, expected (3, 2) for outputs=2"
        ).format(y_shape=tuple(y.shape))
    shapes = [tuple(v.shape) for v in net.weights]
    with check:
        assert shapes == [(5, 6), (6,), (6, 6), (6,), (6, 2), (2,)], _(
            "variable shapes {shapes}; a tied net has 6 variables: the shared kernel and bias count once"
        ).format(shapes=shapes)
    with check:
        assert net.count_params() == 5 * 6 + 6 + 6 * 6 + 6 + 6 * 2 + 2, _(
            "count_params() is {net_count_params}"
        ).format(net_count_params=net.count_params())
    if len(net.layers) == 4:
        with check:
            assert net.layers[1].kernel is net.layers[2].kernel, _(
                "the two uses must hold the same kernel object"
            )


# ------------------------------------------------------------------- are_tied


@task("are_tied")
def test_are_tied_same_layer_used_twice(ex, models):
    net = cached_square_tied_net(models)
    result = ex.are_tied(net.layers[1], net.layers[2])
    with check:
        assert result is True, wrong_type(result, True) or _(
            "the shared layer and itself are tied; got {result!r} ({result_type})"
        ).format(result=result, result_type=type(result).__name__)


@task("are_tied")
def test_are_tied_equal_values_are_not_tied(ex, models):
    a, b = cached_dense_pair(models)
    b.set_weights(a.get_weights())
    result = ex.are_tied(a, b)
    with check:
        assert result is False, wrong_type(result, False) or _(
            "two distinct layers holding equal values are not tied (the next training step moves them apart): compare the variables with `is`, not their values; got {result!r}"
        ).format(result=result)
    net = cached_square_tied_net(models)
    result = ex.are_tied(net.layers[0], net.layers[1])
    with check:
        assert result is False, wrong_type(result, False) or _(
            "layers 0 and 1 of the tied net share nothing; got {result!r}"
        ).format(result=result)


@task("are_tied")
def test_are_tied_distinct_layer_objects_holding_the_same_variables(ex, models):
    d, _other = cached_dense_pair(models)
    holder, other_holder = Holder(d.kernel, d.bias), Holder(d.kernel, d.bias)
    results = [ex.are_tied(holder, d), ex.are_tied(d, holder), ex.are_tied(holder, other_holder)]
    with check:
        assert results == [True, True, True], _(
            "two different layer objects whose variables are the very same objects are tied: compare the variables one by one (layer.weights), not the layers; got {results}"
        ).format(results=results)


@task("are_tied")
def test_are_tied_partial_tie_is_not_tied(ex, models):
    d, e = cached_dense_pair(models)
    results = [ex.are_tied(d, Holder(d.kernel, e.bias)), ex.are_tied(d, Holder(e.kernel, d.bias))]
    with check:
        assert results == [False, False], _(
            "only one of the two variables is shared, so the layers are not tied; got {results} (check every variable, the bias too)"
        ).format(results=results)


@task("are_tied")
def test_are_tied_different_number_of_variables(ex, models):
    d, _other = cached_dense_pair(models)
    extra = keras.Variable(np.zeros(3, "float32"))
    results = [
        ex.are_tied(d, Holder(d.kernel)),
        ex.are_tied(Holder(d.kernel), d),
        ex.are_tied(d, Holder(d.kernel, d.bias, extra)),
    ]
    with check:
        assert results == [False, False, False], _(
            "layers with different numbers of variables are not tied, even when one's variables start the other's (zip stops at the shorter list); got {results}"
        ).format(results=results)


@task("are_tied")
def test_are_tied_layers_without_parameters(ex):
    flat = keras.layers.Flatten()
    flat.build((None, 2, 3))
    unbuilt = keras.layers.Dense(3)
    results = [
        ex.are_tied(flat, flat),
        ex.are_tied(unbuilt, unbuilt),
        ex.are_tied(flat, keras.layers.Flatten()),
    ]
    with check:
        assert results == [False, False, False], _(
            "a layer without parameters (a Flatten, a Dense not built yet) is tied to nothing, not even itself; got {results} (all() of an empty list is True)"
        ).format(results=results)


# ------------------------------------------------------------ shared_gradient


@task("shared_gradient")
def test_shared_gradient_shape(ex, models):
    net = cached_tied_net(models)
    x = np.random.normal(size=(16, 5)).astype("float32")
    g = ex.shared_gradient(net, x)
    with check:
        assert not isinstance(g, (list, tuple)), _("return one tensor, got {g_type}").format(
            g_type=kind_of(g)
        )
    with check:
        assert as_numpy(g).shape == (8, 8), _(
            "shape {shape}; the shared kernel is (8, 8) (the first layer's is (5, 8)): the gradient has the variable's shape"
        ).format(shape=as_numpy(g).shape)


def gradient_problem(got, net, x):
    """What is wrong with ``got`` as the shared kernel's gradient ("" when it is right)."""
    want, first, second = untied_gradient(net, x)
    if got.shape != want.shape:
        return _("shape {shape}, expected the shared kernel's shape {want}").format(
            shape=got.shape, want=want.shape
        )

    def close(a, b):
        return np.allclose(a, b, rtol=1e-4, atol=1e-6)

    if close(got, want):
        return ""
    if close(got, 2 * want):
        why = _("yours is twice too large: the tape already adds both uses, do not add them again")
    elif close(got, first) or close(got, second):
        why = _("yours has one use only: run the whole net(x) inside the GradientTape")
    elif close(got * x.shape[0] * net.layers[-1].units, want):
        why = _("yours is the gradient of the mean: use reduce_sum")
    else:
        why = _("is it the gradient w.r.t. the shared layer's kernel?")
    return _(
        "expected d reduce_sum(net(x)) / d kernel of the shared layer, the sum of the gradients "
        "of its two uses; max difference {difference} ({why})"
    ).format(difference=f"{np.abs(got - want).max():.3g}", why=why)


@task("shared_gradient")
def test_shared_gradient_adds_both_uses(ex, models):
    net = cached_tied_net(models)
    x = np.random.normal(size=(16, 5)).astype("float32")
    got = as_numpy(ex.shared_gradient(net, x))
    problem = gradient_problem(got, net, x)
    with check:
        assert not problem, problem


@task("shared_gradient")
def test_shared_gradient_on_an_unbuilt_net(ex):
    net = tied_net(units=4, outputs=1, build=False)
    x = np.random.normal(size=(16, 7)).astype("float32")
    got = as_numpy(ex.shared_gradient(net, x))
    with check:
        assert net.built, _("shared_gradient should build the net by calling it on x")
    if net.built:
        problem = gradient_problem(got, net, x)
        with check:
            assert not problem, _(
                "for a net not built before the call: {problem}. The shared kernel exists only after net(x): read it after the call (inside the tape is fine)"
            ).format(problem=problem)


@task("shared_gradient")
def test_shared_gradient_needs_a_shared_layer(ex, models):
    net = cached_untied_net(models)
    before = snapshot(net)
    with must_raise(ValueError, N_("shared_gradient(net, x) on a net without a shared layer")):
        ex.shared_gradient(net, np.ones((2, 5), "float32"))
    assert_unchanged(net, before)


# -------------------------------------------------------------- build_siamese


def siamese_parts(model):
    """(encoder, head) of the learner's model, or a failure that says what is missing."""
    encoder = model.get_layer("encoder")
    heads = [x for x in model.layers if isinstance(x, keras.layers.Dense) and x is not encoder]
    if len(heads) != 1:
        pytest.fail(
            _("expected the encoder and one Dense head, found Dense layers {value}").format(
                value=[x.name for x in model.layers]
            )
        )
    return encoder, heads[0]


def siamese_6_5(ex, once):
    """The learner's ``build_siamese(input_dim=6, units=5)``, shared by the tests below:
    they read its structure, or give it values of their own before calling it."""
    return once(
        "build_siamese(input_dim=6, units=5)", lambda: ex.build_siamese(input_dim=6, units=5)
    )


@task("build_siamese")
def test_build_siamese_inputs_and_output_shape(ex, once):
    model = siamese_6_5(ex, once)
    with check:
        assert isinstance(model, keras.Model), _("expected a keras.Model, got {model_type}").format(
            model_type=type(model).__name__
        )
    shapes = [tuple(t.shape) for t in model.inputs]
    with check:
        assert shapes == [(None, 6), (None, 6)], _(
            "inputs {shapes}; expected two keras.Input of shape (input_dim,)"
        ).format(shapes=shapes)
    a, b = np.random.normal(size=(2, 5, 6)).astype("float32")
    y = model([a, b])
    with check:
        assert tuple(y.shape) == (5, 1), _("output shape {y_shape}, expected (5, 1)").format(
            y_shape=tuple(y.shape)
        )


@task("build_siamese")
def test_build_siamese_one_encoder_for_both_inputs(ex):
    model = ex.build_siamese()
    encoder = model.get_layer("encoder")
    with check:
        assert isinstance(encoder, keras.layers.Dense) and encoder.units == 8, _(
            "the encoder is Dense(units) = Dense(8)"
        )
    with check:
        assert is_relu(encoder.activation), _("the encoder uses activation='relu'")
    with check:
        assert len(model.weights) == 4, _(
            "{n_weights} variables {value}; expected 4: the encoder's kernel and bias (one layer called on both inputs) and the head's kernel and bias"
        ).format(n_weights=len(model.weights), value=[v.path for v in model.weights])
    if encoder.built:
        with check:
            assert tuple(encoder.kernel.shape) == (20, 8), _(
                "encoder kernel {shape}, expected (20, 8)"
            ).format(shape=tuple(encoder.kernel.shape))
        with check:
            assert sum(v is encoder.kernel for v in model.weights) == 1, _(
                "the encoder's kernel should be in model.weights once"
            )


@task("build_siamese")
def test_build_siamese_is_symmetric(ex, once):
    model = siamese_6_5(ex, once)
    randomize(model)
    a, b = np.random.normal(size=(2, 16, 6)).astype("float32")
    ab, ba = as_numpy(model([a, b])), as_numpy(model([b, a]))
    symmetric = np.allclose(ab, ba, rtol=1e-5, atol=1e-5)
    with check:
        assert symmetric, _(
            "model([a, b]) should equal model([b, a]): the head sees |encoder(a) - encoder(b)|, the same both ways; max difference {abs_max:.3g}"
        ).format(abs_max=np.abs(ab - ba).max())


@task("build_siamese")
def test_build_siamese_same_inputs_give_the_head_bias(ex, once):
    model = siamese_6_5(ex, once)
    randomize(model)
    a = np.random.normal(size=(4, 6)).astype("float32")
    y = as_numpy(model([a, a]))
    _encoder, head = siamese_parts(model)
    bias = head.bias.numpy()
    is_bias = y.shape == (4, 1) and np.allclose(y, bias, rtol=1e-5, atol=1e-6)
    with check:
        assert is_bias, _(
            "for two equal inputs the encodings are equal, their distance is 0 and the output is the head's bias {bias}; got {y}"
        ).format(bias=bias, y=y.ravel()[:4])


@task("build_siamese")
def test_build_siamese_matches_the_formula(ex, once):
    model = siamese_6_5(ex, once)
    randomize(model)
    a, b = np.random.normal(size=(2, 16, 6)).astype("float32")
    y = as_numpy(model([a, b]))
    encoder, head = siamese_parts(model)
    w, c = encoder.kernel.numpy(), encoder.bias.numpy()
    v, d = head.kernel.numpy(), head.bias.numpy()
    with check:
        assert v.shape == (5, 1), _(
            "the head's kernel is {shape}; Dense(1) on the (batch, 5) distance has (5, 1)"
        ).format(shape=v.shape)
    if v.shape == (5, 1) and w.shape == (6, 5):
        want = np.abs(np.maximum(a @ w + c, 0) - np.maximum(b @ w + c, 0)) @ v + d
        same_shape = y.shape == want.shape
        matches = same_shape and np.allclose(y, want, rtol=1e-4, atol=1e-5)
        with check:
            assert matches, _(
                "expected head(|relu(a W + c) - relu(b W + c)|) with the one encoder (W, c); "
            ) + (
                _("max difference {difference:.3g}").format(difference=np.abs(y - want).max())
                if same_shape
                else _("got shape {shape}").format(shape=y.shape)
            )


# ------------------------------------------------- awkward nets (issue 15)


@task("build_tied_mlp")
def test_build_tied_mlp_every_call_makes_a_new_net(ex):
    first = ex.build_tied_mlp(units=4)
    first.build((None, 5))
    second = ex.build_tied_mlp(units=4)
    with check:
        assert second is not first and second.weights == [], _(
            "build_tied_mlp(units=4) was called, the net built, then build_tied_mlp(units=4) "
            "called again: the second call returned {what}; every call makes a new, unbuilt "
            "net (no cache)"
        ).format(
            what=_("the same net")
            if second is first
            else _("a net with {n} variables").format(n=len(second.weights))
        )
    reused = [x.name for x in second.layers if any(x is y for y in first.layers)]
    with check:
        assert not reused, _(
            "two calls of build_tied_mlp share the layers {reused}: the two nets would be tied to each other; create every layer (the shared one too) inside the function"
        ).format(reused=reused)


@task("are_tied")
def test_are_tied_frozen_and_batchnorm_layers(ex, models):
    net = cached_square_tied_net(models)
    try:
        net.layers[1].trainable = False
        result = ex.are_tied(net.layers[1], net.layers[2])
    finally:
        net.layers[1].trainable = True  # the session's model, as the next test expects it
    with check:
        assert result is True, wrong_type(result, True) or _(
            "in the tied MLP whose shared layer is frozen (trainable=False), are_tied(layers[1], layers[2]) gave {result!r}: a frozen layer still has its variables (layer.weights; its trainable_weights are empty) and is tied to itself"
        ).format(result=result)
    bn = awkward(models, "batchnorm").layers[1]
    other = awkward(models, "frozen").layers[1]
    gamma, beta, mean, variance = bn.weights
    results = [
        ex.are_tied(bn, Holder(gamma, beta, mean, variance)),
        ex.are_tied(bn, Holder(gamma, beta, *other.weights[2:])),
    ]
    with check:
        assert results == [True, False], _(
            "a BatchNormalization has gamma, beta and two non-trainable moving statistics; a layer holding all four is tied to it, one holding its gamma and beta but other statistics is not: expected [True, False], got {results} (compare layer.weights, not trainable_weights)"
        ).format(results=results)


@task("are_tied")
def test_are_tied_same_paths_are_not_tied(ex, models):
    a = awkward(models, "encoder/a").get_layer("encoder")
    b = awkward(models, "encoder/b").get_layer("encoder")
    for first, second in ((a, b), (b, a)):
        result = ex.are_tied(first, second)
        with check:
            assert result is False, wrong_type(result, False) or _(
                "two separate models (as two build_siamese() models are), each with a Dense layer named 'encoder': their encoders' variables have the same paths ({path!r}) but are distinct objects, so the layers are not tied; got {result!r} (compare the variables with `is`, not their .path)"
            ).format(path=a.kernel.path, result=result)


@task("shared_gradient")
def test_shared_gradient_two_nets_in_a_row(ex, models):
    x = np.random.normal(size=(16, 5)).astype("float32")
    for net, what in (
        (cached_tied_net(models), _("the tied MLP with units=8")),
        (cached_square_tied_net(models), _("then the tied MLP with units=5")),
    ):
        got = ex.shared_gradient(net, x)
        problem = (
            _("it returned None (a gradient w.r.t. a variable of another net?)")
            if got is None
            else gradient_problem(as_numpy(got), net, x)
        )
        with check:
            assert not problem, _(
                "for {what}: {problem}. Find the shared layer of the net you are given, on every call (no cache or mutable default kept between calls)"
            ).format(what=what, problem=problem)


@task("build_siamese")
def test_build_siamese_two_models_share_nothing(ex, once):
    first = siamese_6_5(ex, once)
    second = ex.build_siamese(input_dim=6, units=5)
    shared = [v.path for v in second.weights if any(v is w for w in first.weights)]
    with check:
        assert second is not first and not shared, _(
            "two calls of build_siamese(input_dim=6, units=5) gave {what}: each call makes a "
            "new siamese net with its own encoder (one encoder is shared by the two inputs of "
            "one model, not between models)"
        ).format(
            what=_("the same model")
            if second is first
            else _("models sharing {shared}").format(shared=shared)
        )


# ------------------------------------------------- more wrong answers (issue 24)


@task("are_tied")
def test_are_tied_random_seed_state_is_not_a_parameter(ex, models):
    dropout = awkward(models, "dropout").layers[1]
    result = ex.are_tied(dropout, dropout)
    with check:
        assert result is False, wrong_type(result, False) or _(
            "are_tied(dropout, dropout) for the Dropout layer of {described} gave {result!r}: a "
            "Dropout layer has no parameters (layer.weights is []), so it is not tied; its "
            "random-seed state is in layer.variables, which is not a list of parameters"
        ).format(described=described("dropout"), result=result)
