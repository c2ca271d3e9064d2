"""Graded suite for ex01_access_params: reading parameters."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from pytest_check import check

from kata.core.i18n import N_, _
from kata.testing.shaping import looks_like
from tests.helpers import (
    assert_unchanged,
    awkward,
    chapter_nested,
    described,
    is_linear,
    is_relu,
    kind_of,
    must_raise,
    shared_objects,
    snapshot,
    wrong_type,
)

task = pytest.mark.task


def chapter_mlp(width=20):
    """The reference MLP, built by the test itself (never by the learner's code)."""
    net = keras.Sequential(
        [keras.layers.Flatten(), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)]
    )
    net.build((None, width))
    return net


def cached_chapter_mlp(models):
    """The reference MLP from the session cache (the tests using it only read it)."""
    return models.get("ex01_chapter_mlp", chapter_mlp)


def cached_nested(models):
    """The reference nested net (2 blocks) from the session cache (read only)."""
    return models.get("chapter_nested", chapter_nested)


def tied(units=3):
    shared = keras.layers.Dense(units, activation="relu")
    net = keras.Sequential(
        [keras.layers.Dense(units, activation="relu"), shared, shared, keras.layers.Dense(1)]
    )
    net.build((None, 5))
    return net


# The variables' shapes of the awkward nets, from their architectures (helpers.AWKWARD).
SHAPES = {
    "conv": [(3, 3, 1, 4), (4,), (144, 5), (5,), (5, 2), (2,)],
    "embedding": [(50, 6), (42, 3), (3,)],
    "batchnorm": [(4, 6), (6,), (6,), (6,), (6,), (6,), (6, 3), (3,)],
    "frozen": [(4, 6), (6,), (6,), (6,), (6,), (6,), (6, 3), (3,)],
}


def count_mistake(net, n) -> str:
    """The usual wrong counts of ``net``'s parameters, named when ``n`` is one of them."""

    def size(variables):
        return sum(int(np.prod(v.shape)) for v in variables)

    kernels = [v for v in net.weights if v.path.endswith("/kernel")]
    for wrong, mistake in (
        (
            sum(size(layer.weights) for layer in net.layers),
            N_(
                "a shared layer counted once per use: net.layers lists it twice, but its "
                "variables are one set: count each variable of net.weights once"
            ),
        ),
        (
            size(net.trainable_weights),
            N_(
                "the trainable variables only: the non-trainable ones (BatchNormalization's "
                "moving statistics, a frozen layer's) are parameters too: count net.weights"
            ),
        ),
        (
            size(kernels),
            N_("the kernels only: the biases are parameters too: count every variable"),
        ),
        (
            size([v for v in net.weights if isinstance(v, tf.Variable)]),
            N_(
                "a filter on tf.Variable: Keras 3 variables are keras.Variable, not tf.Variable "
                "(isinstance(v, tf.Variable) is False for every one), so nothing was counted: "
                "count every variable of net.weights"
            ),
        ),
        (
            size(net.variables),
            N_(
                "net.variables counted: a Dropout layer's random-seed state is a variable but "
                "not a parameter (it is not in net.weights): count net.weights"
            ),
        ),
    ):
        if n == wrong != size(net.weights):
            return looks_like(_(mistake))
    return ""


# ------------------------------------------------------------------ build_mlp


@task("build_mlp")
def test_build_mlp_is_not_built(ex):
    net = ex.build_mlp()
    with check:
        assert isinstance(net, keras.Sequential), _(
            "expected a keras.Sequential, got {net_type}"
        ).format(net_type=type(net).__name__)
    with check:
        assert net.weights == [], _(
            "build_mlp() must not build the net: no keras.Input, no call (net.weights should be [])"
        )


@task("build_mlp")
def test_build_mlp_layers(ex):
    net = ex.build_mlp()
    kinds = [type(layer).__name__ for layer in net.layers]
    with check:
        assert kinds == ["Flatten", "Dense", "Dense"], _(
            "layers are {kinds}, expected Flatten, Dense, Dense"
        ).format(kinds=kinds)
    if kinds == ["Flatten", "Dense", "Dense"]:
        hidden, out = net.layers[1], net.layers[2]
        with check:
            assert hidden.units == 256 and out.units == 10, _(
                "units are {units}, {units2}; expected 256, 10"
            ).format(units=hidden.units, units2=out.units)
        with check:
            # by what it computes: the book's activation=tf.nn.relu is relu too
            assert is_relu(hidden.activation), _("the hidden layer needs activation='relu'")
        with check:
            assert is_linear(out.activation), _("the output layer has no activation")


@task("build_mlp")
def test_build_mlp_arguments_and_output_shape(ex):
    net = ex.build_mlp(hidden_units=7, outputs=3)
    y = net(np.zeros((2, 4, 5), dtype="float32"))
    with check:
        assert tuple(y.shape) == (2, 3), _(
            "output shape {y_shape}, expected (2, 3) for outputs=3"
        ).format(y_shape=tuple(y.shape))
    shapes = [tuple(v.shape) for v in net.weights]
    with check:
        assert shapes == [(20, 7), (7,), (7, 3), (3,)], _(
            "variable shapes {shapes}; Flatten turns (4, 5) into 20 inputs"
        ).format(shapes=shapes)


# -------------------------------------------------------------- hidden_kernel


@task("hidden_kernel")
def test_hidden_kernel_is_the_variable_itself(ex, models):
    net = cached_chapter_mlp(models)
    k = ex.hidden_kernel(net)
    with check:
        assert k is net.layers[1].kernel, _(
            "return the variable object itself (net.layers[1].kernel), not its values or a copy; got {k_type}"
        ).format(k_type=kind_of(k))
    with check:
        assert tuple(k.shape) == (20, 256) and k.dtype == "float32", _(
            "shape {k_shape}, dtype {k_dtype}"
        ).format(k_shape=tuple(k.shape), k_dtype=k.dtype)


@task("hidden_kernel")
def test_hidden_kernel_first_dense_not_first_variable(ex):
    # A BatchNormalization before the Dense layer owns the first variables.
    net = keras.Sequential([keras.layers.BatchNormalization(), keras.layers.Dense(3)])
    net.build((None, 6))
    k = ex.hidden_kernel(net)
    with check:
        assert k is net.layers[1].kernel, _(
            "the kernel of the first *Dense* layer, not net.weights[0]"
        )


@task("hidden_kernel")
def test_hidden_kernel_searches_nested_models(ex, models):
    net = cached_nested(models)
    k = ex.hidden_kernel(net)
    first = net.layers[0].layers[0].layers[1]
    with check:
        assert k is first.kernel, _(
            "the first Dense layer is {first_path} (inside block-0); got {k!r}"
        ).format(first_path=first.path, k=getattr(k, "path", k))


@task("hidden_kernel")
def test_hidden_kernel_unbuilt_raises(ex):
    net = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(4)])
    with must_raise(ValueError, N_("hidden_kernel(net) on an unbuilt net")):
        ex.hidden_kernel(net)


# --------------------------------------------------------------- layer_params


@task("layer_params")
def test_layer_params_returns_the_variables(ex, models):
    net = cached_chapter_mlp(models)
    for i in (1, 2):
        kernel, bias = ex.layer_params(net, i)
        layer = net.layers[i]
        with check:
            assert kernel is layer.kernel and bias is layer.bias, _(
                "layer {i}: return (layer.kernel, layer.bias) themselves"
            ).format(i=i)
    kernel, bias = ex.layer_params(net, 2)
    with check:
        assert (tuple(kernel.shape), tuple(bias.shape)) == ((256, 10), (10,))


@task("layer_params")
def test_layer_params_index_out_of_range(ex, models):
    net = cached_chapter_mlp(models)
    for index in (3, 10, -4):
        with must_raise(IndexError, f"layer_params(net, {index})"):
            ex.layer_params(net, index)


@task("layer_params")
def test_layer_params_layer_without_parameters(ex, models):
    net = cached_chapter_mlp(models)
    before = snapshot(net)
    with must_raise(
        ValueError, N_("layer_params(net, 0) on the Flatten layer of the chapter's MLP")
    ):
        ex.layer_params(net, 0)
    assert_unchanged(net, before)


@task("layer_params")
def test_layer_params_unbuilt_layer(ex):
    net = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
    with must_raise(ValueError, N_("layer_params(net, 0) on an unbuilt net")):
        ex.layer_params(net, 0)


# --------------------------------------------------------------- param_shapes


@task("param_shapes")
def test_param_shapes_paths_in_order(ex, models):
    net = cached_nested(models)
    shapes = ex.param_shapes(net)
    with check:
        assert isinstance(shapes, dict), _("return a dict, got {shapes_type}").format(
            shapes_type=type(shapes).__name__
        )
    with check:
        assert list(shapes) == [v.path for v in net.weights], _(
            "keys are the variables' .path (unique; .name is just 'kernel'), in net.weights order"
        )


@task("param_shapes")
def test_param_shapes_values_are_int_tuples(ex, models):
    net = cached_chapter_mlp(models)
    shapes = ex.param_shapes(net)
    got, want = list(shapes.values()), [(20, 256), (256,), (256, 10), (10,)]
    with check:
        assert got == want, wrong_type(got, want) or _(
            "the shapes are {got}, expected {want}"
        ).format(got=got, want=want)
    if got != want:
        return  # one message for the values (or their type) is enough
    for path, shape in shapes.items():
        with check:
            assert type(shape) is tuple and all(type(d) is int for d in shape), wrong_type(
                shape, tuple(int(d) for d in shape)
            ) or _("{path}: {shape!r} should be a tuple of Python ints").format(
                path=path, shape=shape
            )


# --------------------------------------------------------------- count_params


@task("count_params")
def test_count_params_chapter_mlp(ex, models):
    net = cached_chapter_mlp(models)
    n = ex.count_params(net)
    want = 20 * 256 + 256 + 256 * 10 + 10
    with check:
        assert type(n) is int, wrong_type(n, want) or _("return a Python int, got {n_type}").format(
            n_type=type(n).__name__
        )
    with check:
        assert n == want, count_mistake(net, n) or _("got {n}").format(n=n)
    again = ex.count_params(net)
    with check:
        assert again == n, _(
            "asked twice about the same net, count_params gave {n!r}, then {again!r}: keep no "
            "state between calls (a set or list given as a default argument is created once "
            "and remembers every call)"
        ).format(n=n, again=again)


@task("count_params")
def test_count_params_counts_shared_once(ex):
    net = tied(3)
    expected = (5 * 3 + 3) + (3 * 3 + 3) + (3 * 1 + 1)
    n = ex.count_params(net)
    with check:
        assert type(n) is int and n == expected, (
            wrong_type(n, expected)
            or count_mistake(net, n)
            or _(
                "got {n!r}, expected {expected}: the shared layer appears twice in net.layers but its variables count once"
            ).format(n=n, expected=expected)
        )


# --------------------------------------------------------------- build_nested


@task("build_nested")
def test_build_nested_structure(ex):
    net = ex.build_nested()
    with check:
        assert net.weights == [], _("build_nested() must return an unbuilt net")
    outer = net.layers
    with check:
        assert (
            len(outer) == 2
            and isinstance(outer[0], keras.Sequential)
            and isinstance(outer[1], keras.layers.Dense)
        ), _("expected [Sequential of blocks, Dense(1)], got {value}").format(
            value=[type(x).__name__ for x in outer]
        )
    if len(outer) == 2 and isinstance(outer[0], keras.Sequential):
        blocks = outer[0].layers
        with check:
            assert [b.name for b in blocks] == [f"block-{i}" for i in range(4)], _(
                "block names {value}"
            ).format(value=[b.name for b in blocks])
        for b in blocks:
            kinds = [type(x).__name__ for x in getattr(b, "layers", [])]
            with check:
                assert kinds == ["Flatten", "Dense"], _(
                    "{b_name}: layers {kinds}, expected Flatten, Dense"
                ).format(b_name=b.name, kinds=kinds)
            if kinds == ["Flatten", "Dense"]:
                d = b.layers[1]
                with check:
                    assert d.units == 4 and is_relu(d.activation), _(
                        "{b_name}: Dense(4, relu)"
                    ).format(b_name=b.name)
        with check:
            assert outer[1].units == 1, _("the head is Dense(1)")


@task("build_nested")
def test_build_nested_blocks_argument_and_output(ex):
    net = ex.build_nested(blocks=2)
    y = net(np.ones((2, 4), dtype="float32"))
    with check:
        assert tuple(y.shape) == (2, 1), _("output shape {y_shape}").format(y_shape=tuple(y.shape))
    with check:
        assert len(net.weights) == 2 * 2 + 2, _(
            "{n_weights} variables; 2 blocks and a head have 6"
        ).format(n_weights=len(net.weights))


# ----------------------------------------------------------------- find_param


@task("find_param")
def test_find_param_finds_every_variable(ex, models):
    net = cached_nested(models)
    for v in net.weights:
        found = ex.find_param(net, v.path)
        with check:
            assert found is v, _("find_param(net, {path!r}) returned {found!r}").format(
                path=v.path, found=getattr(found, "path", found)
            )


@task("find_param")
def test_find_param_unknown_path_raises_keyerror(ex, models):
    net = cached_nested(models)
    with must_raise(KeyError, 'find_param(net, "no/such/kernel")'):
        ex.find_param(net, "no/such/kernel")  # the message is the learner's: any words, or none


# ------------------------------------------------- awkward nets (issue 15)
#
# Other layer kinds own variables too (a Conv2D's 4-D kernel, an Embedding's
# table, BatchNormalization's statistics), layers may be frozen or have no bias,
# a net may be only partly built, and two models may hold the same paths.


@task("hidden_kernel")
def test_hidden_kernel_skips_conv_embedding_and_batchnorm(ex, models):
    for key in ("conv", "embedding", "batchnorm", "frozen"):
        net = awkward(models, key)
        first = next(x for x in net.layers if isinstance(x, keras.layers.Dense))
        for call in (N_("first call"), N_("second call")):  # the same answer every time it is asked
            k = ex.hidden_kernel(net)
            with check:
                assert k is first.kernel, _(
                    "for {described}, the {call} of hidden_kernel returned {k!r}; expected the first *Dense* layer's kernel {path}: not net.weights[0], not the first variable named 'kernel' nor the first layer with a kernel attribute (a Conv2D has one too)"
                ).format(
                    described=described(key),
                    call=_(call),
                    k=getattr(k, "path", type(k).__name__),
                    path=first.kernel.path,
                )


@task("hidden_kernel")
def test_hidden_kernel_partly_built_raises(ex, models):
    net = awkward(models, "partly_built")
    with must_raise(ValueError, N_("hidden_kernel(net) on a partly built net")):
        ex.hidden_kernel(net)
    with check:
        assert not net.built, _("hidden_kernel must not build the net")


@task("layer_params")
def test_layer_params_layers_other_than_dense(ex, models):
    conv = awkward(models, "conv")
    kernel, bias = ex.layer_params(conv, 0)
    with check:
        assert kernel is conv.layers[0].kernel and bias is conv.layers[0].bias, _(
            "for {described}, layer_params(net, 0) should be the Conv2D's own (kernel, bias): a Conv layer has a kernel and a bias like a Dense layer"
        ).format(described=described("conv"))
    for key, index, what in (
        (
            "batchnorm",
            1,
            N_("BatchNormalization has gamma, beta and statistics, not a kernel and a bias"),
        ),
        (
            "no_bias",
            0,
            N_("Dense(64, use_bias=False) has a kernel but no bias (layer.bias is None)"),
        ),
        (
            "layernorm",
            1,
            N_(
                "LayerNormalization has exactly two variables, gamma and beta, yet they are not "
                "a kernel and a bias: read layer.kernel and layer.bias, do not unpack layer.weights"
            ),
        ),
    ):
        net = awkward(models, key)
        before = snapshot(net)
        try:
            got = ex.layer_params(net, index)
        except ValueError:
            got = None
        with check:
            assert got is None, _(
                "for {described}, layer_params(net, {index}) returned {value!r}; it should raise ValueError: {what}"
            ).format(
                described=described(key),
                index=index,
                value=[getattr(v, "path", v) for v in got] if isinstance(got, tuple) else got,
                what=_(what),
            )
        with check:
            assert_unchanged(net, before)


@task("param_shapes")
def test_param_shapes_every_variable_of_awkward_nets(ex, models):
    for key in ("conv", "embedding", "batchnorm", "frozen"):
        net = awkward(models, key)
        want = dict(zip([v.path for v in net.weights], SHAPES[key], strict=True))
        shapes = ex.param_shapes(net)
        missing = [p for p in want if p not in shapes]
        with check:
            assert shapes == want and list(shapes) == list(want), wrong_type(shapes, want) or _(
                "for {described}, param_shapes gave {shapes}; expected every variable of "
                "net.weights, in order: {want}"
            ).format(described=described(key), shapes=shapes, want=want) + (
                _(
                    ". Missing: {missing} (non-trainable and frozen variables are parameters too)"
                ).format(missing=missing)
                if missing
                else ""
            )


@task("count_params")
def test_count_params_counts_statistics_and_frozen_layers(ex, models):
    for key in ("batchnorm", "frozen", "conv", "dropout"):
        net = awkward(models, key)
        want = sum(int(np.prod(v.shape)) for v in net.weights)
        n = ex.count_params(net)
        explained = _(
            "for {described}, count_params gave {n!r}; expected the int {want}: every variable of "
            "net.weights counts, the non-trainable ones too"
        ).format(described=described(key), n=n, want=want)
        with check:
            assert type(n) is int and n == want, wrong_type(n, want) or "\n".join(
                filter(None, [count_mistake(net, n), explained])
            )


@task("build_nested")
def test_build_nested_head_is_linear(ex):
    net = ex.build_nested(blocks=2)
    head = net.layers[-1] if net.layers else None
    with check:
        assert isinstance(head, keras.layers.Dense) and is_linear(head.activation), _(
            "build_nested's last layer is the head Dense(1) with no activation (only the blocks use relu); got {head_type} with activation {head}"
        ).format(
            head_type=type(head).__name__,
            head=getattr(getattr(head, "activation", None), "__name__", None),
        )


@task("find_param")
def test_find_param_exact_paths_only(ex, models):
    net = cached_nested(models)
    path = net.weights[0].path  # sequential…/sequential…/block-0/dense…/kernel
    for partial, kind in (
        (path.split("/", 1)[1], N_("a suffix")),
        (path[:-1], N_("a prefix")),
        ("/".join(path.split("/")[1:-1]), N_("a part")),
    ):
        try:
            found, raised = ex.find_param(net, partial), False
        except KeyError:
            found, raised = None, True
        with check:
            assert raised, _(
                "for the chapter's nested net, find_param(net, {partial!r}) returned {found!r}; {partial!r} is only {kind} of {path!r}, so no variable's path equals it: raise KeyError (compare with ==, not endswith or in)"
            ).format(partial=partial, found=getattr(found, "path", found), kind=_(kind), path=path)


@task("find_param")
def test_find_param_non_trainable_and_frozen_variables(ex, models):
    for key, index in (("batchnorm", 5), ("frozen", 0), ("embedding", 0)):
        net = awkward(models, key)
        v = net.weights[index]
        found = ex.find_param(net, v.path)
        with check:
            assert found is v, _(
                "for {described}, find_param(net, {path!r}) returned {found!r}: search net.weights (trainable or not), not net.trainable_weights"
            ).format(described=described(key), path=v.path, found=getattr(found, "path", found))


@task("find_param")
def test_find_param_two_models_with_the_same_paths(ex, models):
    a, b = awkward(models, "encoder/a"), awkward(models, "encoder/b")
    for net, name in ((a, N_("the first")), (b, N_("the second")), (a, N_("the first, again"))):
        for v in net.weights:
            found = ex.find_param(net, v.path)
            with check:
                assert found is v, _(
                    "two separate models have the same paths ({path!r}); asked for it in {name}, find_param returned a variable of the other model: search the net it is given, every call (no cache or mutable default kept between calls)"
                ).format(path=v.path, name=_(name))


# ------------------------------------------------- more wrong answers (issue 24)


@task("build_mlp")
def test_build_mlp_every_call_makes_a_new_net(ex):
    first, second = ex.build_mlp(), ex.build_mlp()
    shared = shared_objects(first, second)
    with check:
        assert second is not first and not shared, _(
            "two calls of build_mlp() gave {what}: every call must make a new net with layers "
            "of its own (no cache, no layer kept at module level)"
        ).format(
            what=_("the same net")
            if second is first
            else _("nets sharing {shared}").format(shared=shared)
        )


@task("build_nested")
def test_build_nested_every_call_makes_a_new_net(ex):
    first, second = ex.build_nested(blocks=1), ex.build_nested(blocks=1)
    shared = shared_objects(first, second)
    with check:
        assert second is not first and not shared, _(
            "two calls of build_nested(blocks=1) gave nets sharing {shared}: create every layer "
            "(the head Dense(1) too) inside the function, so each call makes layers of its own"
        ).format(shared=shared or _("everything"))


@task("hidden_kernel")
def test_hidden_kernel_dense_layers_with_other_names(ex, models):
    net = awkward(models, "named")
    try:
        k, raised = ex.hidden_kernel(net), None
    except ValueError as exc:
        k, raised = None, exc
    with check:
        assert k is net.layers[0].kernel, _(
            "for {described}, hidden_kernel {got}; expected the kernel of the layer named "
            "'hidden': recognise a Dense layer by its type (isinstance(layer, keras.layers.Dense)), "
            "not by its name"
        ).format(
            described=described("named"),
            got=_("raised ValueError")
            if raised
            else _("returned {k!r}").format(k=getattr(k, "path", type(k).__name__)),
        )


@task("param_shapes")
def test_param_shapes_leaves_out_random_seed_state(ex, models):
    net = awkward(models, "dropout")
    shapes = ex.param_shapes(net)
    extra = [v.path for v in net.variables if all(v is not w for w in net.weights)]
    with check:
        assert isinstance(shapes, dict) and list(shapes) == [v.path for v in net.weights], _(
            "for {described}, param_shapes gave the keys {keys}; expected the paths of "
            "net.weights only. {extra} is in net.variables, not in net.weights: a Dropout "
            "layer's random-seed state, not a parameter"
        ).format(
            described=described("dropout"),
            keys=list(shapes) if isinstance(shapes, dict) else shapes,
            extra=extra,
        )


@task("find_param")
def test_find_param_bare_variable_name_matches_nothing(ex, models):
    net = cached_nested(models)
    for name in ("kernel", "bias"):
        try:
            found, raised = ex.find_param(net, name), False
        except KeyError:
            found, raised = None, True
        with check:
            assert raised, _(
                "find_param(net, {name!r}) returned {found!r}; {name!r} is a variable's name "
                "(v.name), not a path: no path equals it, so raise KeyError"
            ).format(name=name, found=getattr(found, "path", found))
