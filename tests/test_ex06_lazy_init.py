"""Graded suite for ex06_lazy_init: lazy (deferred) initialization."""

import keras
import numpy as np
import pytest
from pytest_check import check

from kata.core.i18n import N_, _
from tests.helpers import (
    NOT_STARTED,
    assert_right_type,
    assert_unchanged,
    awkward,
    described,
    is_linear,
    is_relu,
    must_raise,
    own_scale_net,
    snapshot,
    wrong_type,
)

task = pytest.mark.task

MLP_SHAPES = [(20, 256), (256,), (256, 10), (10,)]


def mlp(width=None):
    """The reference MLP (made by the test), built for ``width`` inputs when given
    (assembled with ``add``: the same net as unbuilt_mlp's, not its answer written out)."""
    net = keras.Sequential()
    for units, activation in ((256, "relu"), (10, None)):
        net.add(keras.layers.Dense(units, activation=activation))
    if width is not None:
        net.build((None, width))
    return net


def called_mlp():
    """The reference MLP built by a first (eager) call on (3, 13) data."""
    net = mlp()
    net(np.zeros((3, 13), dtype="float32"))
    return net


def input_net():
    """A net that starts with ``keras.Input(shape=(12,))``: built at once."""
    return keras.Sequential([keras.Input(shape=(12,)), keras.layers.Dense(5)])


def nested_net():
    """A Dense layer inside a nested Sequential, then a Dense layer; built for 9 inputs."""
    net = keras.Sequential([keras.Sequential([keras.layers.Dense(4)]), keras.layers.Dense(2)])
    net.build((None, 9))
    return net


def flatten_only():
    net = keras.Sequential([keras.layers.Flatten()])
    net.build((None, 2, 3))
    return net


def reference(models, key, build):
    """The session's net ``key`` (see ``ModelCache``): only read, never changed, by these tests."""
    return models.get(f"ex06_lazy_init:{key}", build)


def data(*shape):
    return np.random.normal(size=shape).astype("float32")


def shapes_of(net):
    return [tuple(v.shape) for v in net.weights]


class Probe(keras.layers.Layer):
    """Passes its input through and counts the times real data ran through it.

    A symbolic trace (``net.build``, a call on ``keras.Input``) never executes
    the counter's update; an eager call or ``predict`` does.
    """

    def __init__(self):
        super().__init__()
        self.runs = self.add_weight(shape=(), initializer="zeros", trainable=False, name="runs")

    def call(self, x):
        self.runs.assign_add(1.0)
        return x


class TwoHeads(keras.Model):
    """A model with two Dense layers that uses (and builds) only the first."""

    def __init__(self):
        super().__init__()
        self.used = keras.layers.Dense(3)
        self.unused = keras.layers.Dense(2)

    def build(self, input_shape):
        self.used.build(input_shape)

    def call(self, x):
        return self.used(x)


# ---------------------------------------------------------------- unbuilt_mlp


@task("unbuilt_mlp")
def test_unbuilt_mlp_has_no_parameters(ex):
    net = ex.unbuilt_mlp()
    with check:
        assert isinstance(net, keras.Sequential), _(
            "expected a keras.Sequential, got {net_type}"
        ).format(net_type=type(net).__name__)
    with check:
        assert net.weights == [] and not net.built, _(
            "the net must have no parameters yet (net.weights == [], net.built False); got {n_weights} variables: leave out keras.Input and do not call or build the net"
        ).format(n_weights=len(net.weights))


@task("unbuilt_mlp")
def test_unbuilt_mlp_layers(ex):
    net = ex.unbuilt_mlp()
    kinds = [type(layer).__name__ for layer in net.layers]
    with check:
        assert kinds == ["Dense", "Dense"], _(
            "layers are {kinds}, expected Dense, Dense (no Flatten here)"
        ).format(kinds=kinds)
    if kinds == ["Dense", "Dense"]:
        hidden, out = net.layers
        with check:
            assert (hidden.units, out.units) == (256, 10), _(
                "units are {units}, {units2}; expected 256, 10"
            ).format(units=hidden.units, units2=out.units)
        with check:
            # by what it computes: the book's activation=tf.nn.relu is relu too
            assert is_relu(hidden.activation), _("the hidden layer needs activation='relu'")
        with check:
            assert is_linear(out.activation), _("the output layer has no activation")


@task("unbuilt_mlp")
def test_unbuilt_mlp_takes_its_shape_from_the_first_call(ex):
    net = ex.unbuilt_mlp()
    y = net(data(2, 20))
    with check:
        assert tuple(y.shape) == (2, 10), _("output shape {y_shape}, expected (2, 10)").format(
            y_shape=tuple(y.shape)
        )
    with check:
        assert shapes_of(net) == MLP_SHAPES, _(
            "after a call on (2, 20) data the shapes are {shapes_of}"
        ).format(shapes_of=shapes_of(net))
    other = ex.unbuilt_mlp()
    other(data(3, 7))
    with check:
        assert shapes_of(other)[:1] == [(7, 256)], _(
            "a fresh net called on (3, 7) data should get a (7, 256) kernel, got {shapes_of}: the input width must come from the first call, not be fixed in advance"
        ).format(shapes_of=shapes_of(other)[:1])


# ------------------------------------------------------------- is_initialized


@task("is_initialized")
def test_is_initialized_false_before_build(ex, models):
    net = reference(models, "mlp", mlp)
    result = ex.is_initialized(net)
    with check:
        assert result is False, wrong_type(result, False) or _(
            "a net never called nor built is not initialized; got {result!r}"
        ).format(result=result)
    with check:
        assert net.weights == [] and not net.built, _(
            "is_initialized must not build the net (it only looks)"
        )


@task("is_initialized")
def test_is_initialized_true_once_built(ex, models):
    built = reference(models, "mlp20", lambda: mlp(20))
    called = reference(models, "called_mlp", called_mlp)
    with_input = reference(models, "input_net", input_net)
    results = [ex.is_initialized(net) for net in (built, called, with_input)]
    with check:
        assert results == [True, True, True], _(
            "after net.build, after a first call and with keras.Input every layer is built; got {results} (built, called, keras.Input)"
        ).format(results=results)
    with check:
        assert all(type(r) is bool for r in results), wrong_type(results, [True, True, True]) or _(
            "return a Python bool, got {value}"
        ).format(value=[type(r).__name__ for r in results])


@task("is_initialized")
def test_is_initialized_partially_built_is_false(ex):
    net = mlp()
    net.layers[0].build(
        (None, 20)
    )  # the first layer only: 2 variables exist, the output layer has none
    result = ex.is_initialized(net)
    with check:
        assert result is False, wrong_type(result, False) or _(
            "only the first layer created its parameters, the output layer has none yet: not initialized. Having some variables (net.weights != []) is not enough; got {result!r}"
        ).format(result=result)


@task("is_initialized")
def test_is_initialized_layers_without_parameters(ex):
    net = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(4)])
    before = ex.is_initialized(net)
    net.build((None, 2, 3))
    after = ex.is_initialized(net)
    with check:
        assert (before, after) == (False, True), _(
            "a Flatten has no variables but is built like any layer (layer.built); got {before!r} before and {after!r} after net.build, expected False then True"
        ).format(before=before, after=after)


@task("is_initialized")
def test_is_initialized_looks_inside_nested_models(ex, models):
    nested = reference(models, "nested_net", nested_net)
    net = keras.Sequential([keras.layers.Dense(3), TwoHeads()])
    net(data(2, 5))
    results = [ex.is_initialized(nested), ex.is_initialized(net)]
    with check:
        assert results[0] is True, wrong_type(results[0], True) or _(
            "a built net of nested models is initialized; got {results!r}"
        ).format(results=results[0])
    with check:
        assert results[1] is False, wrong_type(results[1], False) or _(
            "net = Sequential([Dense(3), TwoHeads()]) was called, so net and TwoHeads are built, but TwoHeads.unused was never used and has no parameters: look at the layers of nested models too (their .layers), not only net.built and net.layers; got {results!r}"
        ).format(results=results[1])


# ---------------------------------------------------------------- materialize


@task("materialize")
def test_materialize_returns_the_shapes(ex):
    net = mlp()
    shapes = ex.materialize(net, 20)
    if wrong_type(shapes, MLP_SHAPES):
        with check:  # right shapes of the wrong type: that one message only
            assert_right_type(shapes, MLP_SHAPES)
        return
    with check:
        assert isinstance(shapes, list), _("return a list, got {shapes_type}").format(
            shapes_type=type(shapes).__name__
        )
    with check:
        assert list(shapes) == MLP_SHAPES, _("got {shapes}, expected {MLP_SHAPES}").format(
            shapes=shapes, MLP_SHAPES=MLP_SHAPES
        )
    with check:
        assert all(type(s) is tuple and all(type(d) is int for d in s) for s in shapes), _(
            "each shape should be a tuple of Python ints, got {value}"
        ).format(value=[type(s).__name__ for s in shapes])


@task("materialize")
def test_materialize_follows_net_weights_order(ex):
    net = keras.Sequential(
        [keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3), keras.layers.Dense(2)]
    )
    shapes = ex.materialize(net, 11)
    want = [(11, 5), (5,), (5, 3), (3,), (3, 2), (2,)]
    with check:
        assert list(shapes) == want and shapes_of(net) == want, wrong_type(list(shapes), want) or _(
            "got {shapes}; expected every variable (kernels and biases) in net.weights order: {want}"
        ).format(shapes=shapes, want=want)


@task("materialize")
def test_materialize_builds_every_layer(ex):
    net = mlp()
    ex.materialize(net, 13)
    with check:
        assert net.built and all(layer.built for layer in net.layers), _(
            "after materialize the net and its layers should be built; net.built={built}, layers {value}"
        ).format(built=net.built, value=[layer.built for layer in net.layers])
    with check:
        assert shapes_of(net)[:1] == [(13, 256)], _(
            "the first kernel is {shapes_of}, expected (13, 256)"
        ).format(shapes_of=shapes_of(net)[:1])


@task("materialize")
def test_materialize_runs_no_data(ex):
    probe = Probe()
    net = keras.Sequential(
        [probe, keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)]
    )
    ex.materialize(net, 20)
    runs = int(probe.runs.numpy())
    with check:
        assert runs == 0, _(
            "data ran through the net {runs} time(s): create the parameters with net.build((None, input_dim)), which only traces the layers symbolically, instead of calling the net (or predict) on zeros"
        ).format(runs=runs)
    with check:
        assert [tuple(layer.kernel.shape) for layer in net.layers[1:]] == [(20, 256), (256, 10)], _(
            "wrong kernel shapes"
        )


@task("materialize")
def test_materialize_rejects_a_bad_input_dim(ex, models):
    for bad in (0, -3):
        net = reference(models, "mlp", mlp)  # a new one if materialize built it
        with must_raise(ValueError, f"materialize(net, {bad})"):
            ex.materialize(net, bad)
        with check:
            assert net.weights == [] and not net.built, _(
                "materialize(net, {bad}) must raise ValueError before building anything (Keras itself happily builds a (0, 256) kernel); the net has {shapes_of}"
            ).format(bad=bad, shapes_of=shapes_of(net))


@task("materialize")
def test_materialize_already_built_for_another_width(ex, models):
    net = reference(models, "mlp20", lambda: mlp(20))
    before = snapshot(net)
    with must_raise(ValueError, N_("materialize(net, 30) on a net built for 20 inputs")):
        ex.materialize(net, 30)
    assert_unchanged(net, before)


@task("materialize")
def test_materialize_already_built_for_this_width(ex, models):
    net = reference(models, "mlp20", lambda: mlp(20))
    before = snapshot(net)
    shapes = ex.materialize(net, 20)
    with check:
        assert list(shapes) == MLP_SHAPES, wrong_type(list(shapes), MLP_SHAPES) or _(
            "a net already built for 20 inputs has shapes {MLP_SHAPES}; got {shapes}"
        ).format(MLP_SHAPES=MLP_SHAPES, shapes=shapes)
    with check:
        assert_unchanged(net, before)


# ---------------------------------------------------------------- input_width


@task("input_width")
def test_input_width_of_built_nets(ex, models):
    built = reference(models, "mlp20", lambda: mlp(20))
    called = reference(models, "called_mlp", called_mlp)
    with_input = reference(models, "input_net", input_net)
    widths = [ex.input_width(built), ex.input_width(called), ex.input_width(with_input)]
    with check:
        assert widths == [20, 13, 12], _(
            "got {widths}, expected [20, 13, 12] (built, called on (3, 13), keras.Input(12))"
        ).format(widths=widths)
    with check:
        assert all(type(w) is int for w in widths), wrong_type(widths, [20, 13, 12]) or _(
            "return a Python int, got {value}"
        ).format(value=[type(w).__name__ for w in widths])


@task("input_width")
def test_input_width_counts_flattened_inputs(ex):
    net = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(4)])
    net.build((None, 2, 3))
    width = ex.input_width(net)
    with check:
        assert width == 6, _(
            "got {width}; the Dense layer after Flatten gets 2 * 3 = 6 inputs: read the first Dense kernel's first dimension, not the last dimension of the model's input shape"
        ).format(width=width)


@task("input_width")
def test_input_width_finds_dense_in_nested_models(ex, models):
    net = reference(models, "nested_net", nested_net)
    width = ex.input_width(net)
    with check:
        assert width == 9, _(
            "got {width}; the first Dense layer is inside the nested Sequential, its kernel is (9, 4)"
        ).format(width=width)


@task("input_width")
def test_input_width_unbuilt_raises(ex, models):
    for net in (
        reference(models, "mlp", mlp),
        keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(4)]),
    ):
        with must_raise(ValueError, N_("input_width(net) on an unbuilt net")):
            ex.input_width(net)
        with check:
            assert net.weights == [] and not net.built, _("input_width must not build the net")


@task("input_width")
def test_input_width_without_a_dense_layer_raises(ex):
    # the docstring's "(or has no Dense layer)": a built net with nothing to read the width from
    net = keras.Sequential([keras.layers.Flatten()])
    net.build((None, 2, 3))
    with must_raise(ValueError, "input_width(keras.Sequential([Flatten()]))"):
        ex.input_width(net)


# ------------------------------------------------- awkward nets (issue 15)


def deep_two_heads():
    """Dense(3), then TwoHeads three models deep, called once: every Sequential is built,
    yet TwoHeads.unused (four levels down) has no variables."""
    net = keras.Sequential(
        [keras.layers.Dense(3), keras.Sequential([keras.Sequential([TwoHeads()])])]
    )
    net(np.zeros((2, 5), dtype="float32"))
    return net


@task("input_width")
def test_input_width_conv_and_embedding_first(ex, models):
    for key, want in (("conv", 144), ("embedding", 42), ("batchnorm", 4), ("deep", 10)):
        net = awkward(models, key)
        widths = [ex.input_width(net), ex.input_width(net)]  # the same answer when asked again
        with check:
            assert widths == [want, want] and all(type(w) is int for w in widths), wrong_type(
                widths, [want, want]
            ) or _(
                "for {described}, input_width gave {first!r}, then {second!r}; expected the int {want} both times: the first *Dense* layer's kernel's first dimension (not net.weights[0], not the first layer with a kernel, at any depth of nesting)"
            ).format(described=described(key), first=widths[0], second=widths[1], want=want)


@task("input_width")
def test_input_width_partly_built_raises(ex, models):
    net = awkward(models, "partly_built")
    try:
        width = ex.input_width(net)
    except ValueError:
        width = None
    with check:
        assert width is None, _(
            "for {described}, input_width returned {width!r}; the net is not built, so raise ValueError (net.built, not a non-empty net.weights)"
        ).format(described=described("partly_built"), width=width)
    with check:
        assert not net.built, _("input_width must not build the net")


@task("is_initialized")
def test_is_initialized_deep_nesting_and_asked_twice(ex, models):
    cases = [
        (
            awkward(models, "deep"),
            True,
            _("{described}, built").format(described=described("deep")),
        ),
        (
            reference(models, "deep_two_heads", deep_two_heads),
            False,
            _(
                "Sequential([Dense(3), Sequential([Sequential([TwoHeads()])])]) called once: every "
                "model is built, but TwoHeads.unused, four levels down, has no variables"
            ),
        ),
        (awkward(models, "partly_built"), False, described("partly_built")),
        (awkward(models, "half_used"), False, described("half_used")),
    ]
    for net, want, what in cases:
        results = [ex.is_initialized(net), ex.is_initialized(net)]
        with check:
            assert results == [want, want] and all(type(r) is bool for r in results), wrong_type(
                results, [want, want]
            ) or _(
                "for {what}, is_initialized gave {first!r}, then {second!r} when asked again; expected {want} both times: look at every layer, at any depth (recursively through .layers), and keep no state between calls"
            ).format(what=what, first=results[0], second=results[1], want=want)


@task("materialize")
def test_materialize_rejects_bools_and_fractions(ex, models):
    for bad in (2.5, True, 0.5):
        net = reference(models, "mlp", mlp)  # a new one if materialize built it
        try:
            shapes = ex.materialize(net, bad)
        except ValueError:
            shapes = None
        with check:
            assert shapes is None and not net.built and net.weights == [], _(
                "materialize(net, {bad!r}) returned {shapes!r} and left the net {value} with {shapes_of}; it should raise ValueError and build nothing: a width is a positive int, a bool is not one (Keras marks a net built for 2.5 inputs built, with no variables)"
            ).format(
                bad=bad,
                shapes=shapes,
                value=_("built") if net.built else _("unbuilt"),
                shapes_of=shapes_of(net),
            )


@task("materialize")
def test_materialize_integral_float_is_all_or_nothing(ex, models):
    # Whether 20.0 counts as 20 is free; a half state is not.
    net = reference(models, "mlp", mlp)
    try:
        shapes = ex.materialize(net, 20.0)
    except ValueError:
        shapes = None
    if shapes is None:
        with check:
            assert not net.built and net.weights == [], _(
                "materialize(net, 20.0) raised ValueError but left the net built: check the argument before building"
            )
    else:
        with check:
            assert list(shapes) == MLP_SHAPES and shapes_of(net) == MLP_SHAPES, _(
                "materialize(net, 20.0) returned {shapes} and the net has {shapes_of}: either reject 20.0 with ValueError or build for 20 inputs ({MLP_SHAPES})"
            ).format(shapes=shapes, shapes_of=shapes_of(net), MLP_SHAPES=MLP_SHAPES)


@task("materialize")
def test_materialize_partly_built_net(ex, models):
    net = awkward(models, "partly_built")
    first = list(net.weights)
    before = snapshot(net)
    with must_raise(
        ValueError, N_("materialize(net, 5) on a net whose built first layer takes 3 inputs")
    ):
        ex.materialize(net, 5)
    with check:
        assert_unchanged(net, before)
    try:
        shapes = ex.materialize(net, 3)
    except NOT_STARTED:
        raise
    except Exception as exc:  # the library's words would speak of a width the learner never gave
        raise AssertionError(
            _(
                "materialize(net, 3) raised {exc_type} for {described}. Before it, this test "
                "called materialize(net, 5) on the same net, which had to raise ValueError and "
                "change nothing: a build for 5 inputs that fails half-way leaves the Sequential "
                "configured for 5 inputs. Check the widths of the layers already built before "
                "building anything"
            ).format(exc_type=type(exc).__name__, described=described("partly_built"))
        ) from None
    want = [(3, 4), (4,), (4, 2), (2,)]
    with check:
        assert list(shapes) == want and shapes_of(net) == want, wrong_type(list(shapes), want) or _(
            "for {described}, materialize(net, 3) returned {shapes} and the net has {shapes_of}; expected {want}: a net with some variables is not built yet, build the rest (net.build), keeping the variables that exist"
        ).format(
            described=described("partly_built"), shapes=shapes, shapes_of=shapes_of(net), want=want
        )
    with check:
        assert all(a is b for a, b in zip(first, net.weights)), _(
            "the first layer's variables must stay the same objects"
        )


@task("materialize")
def test_materialize_embedding_net_built_for_its_token_ids(ex, models):
    net = awkward(models, "embedding")
    before = snapshot(net)
    shapes = ex.materialize(net, 7)
    want = [(50, 6), (42, 3), (3,)]
    with check:
        assert list(shapes) == want, wrong_type(list(shapes), want) or _(
            "{described} is already built for inputs of width 7; materialize(net, 7) returned {shapes}, expected its shapes {want}: the width is the one of the net's inputs (net.input_shape), not its first Dense layer's"
        ).format(described=described("embedding"), shapes=shapes, want=want)
    with check:
        assert_unchanged(net, before)
    with must_raise(ValueError, N_("materialize(net, 42) on a net built for 7 token ids")):
        ex.materialize(net, 42)
    with check:
        assert_unchanged(net, before)


# ------------------------------------------------- more wrong answers (issue 24)


@task("is_initialized")
def test_is_initialized_model_whose_own_build_has_not_run(ex):
    net = own_scale_net(built=False)  # its Dense layer built by hand, its own scale not made
    result = ex.is_initialized(net)
    with check:
        assert result is False, wrong_type(result, False) or _(
            "a subclassed model whose Dense layer was built by hand, but whose own build() has "
            "not run (its variable scale does not exist, net.built is False), is not "
            "initialized; got {result!r}: every layer built is not enough, net.built counts too"
        ).format(result=result)


@task("is_initialized")
def test_is_initialized_built_net_without_parameters(ex, models):
    net = reference(models, "flatten_only", flatten_only)
    result = ex.is_initialized(net)
    with check:
        assert result is True, wrong_type(result, True) or _(
            "Sequential([Flatten()]) built for (2, 3) inputs is initialized: it and its layer "
            "are built, it just has no parameters to create; got {result!r} (do not demand a "
            "non-empty net.weights)"
        ).format(result=result)


@task("materialize")
def test_materialize_leaves_out_random_seed_state(ex):
    net = keras.Sequential(
        [keras.layers.Dense(4), keras.layers.Dropout(0.5), keras.layers.Dense(2)]
    )
    shapes = ex.materialize(net, 3)
    want = [(3, 4), (4,), (4, 2), (2,)]
    with check:
        assert shapes == want, wrong_type(shapes, want) or _(
            "materialize(Sequential([Dense(4), Dropout(0.5), Dense(2)]), 3) gave {shapes}, "
            "expected {want}: the shapes of net.weights only. A Dropout layer's random-seed "
            "state is in net.variables, but it is not a parameter"
        ).format(shapes=shapes, want=want)


@task("input_width")
def test_input_width_dense_layers_with_other_names(ex, models):
    net = awkward(models, "named")
    width = ex.input_width(net)
    with check:
        assert width == 3, _(
            "for {described}, input_width gave {width!r}, expected 3: the first Dense layer is "
            "the one named 'hidden'; recognise a Dense layer by its type "
            "(isinstance(layer, keras.layers.Dense)), not by its name"
        ).format(described=described("named"), width=width)
