"""Graded suite for ex04_set_params: setting parameters directly."""

import keras
import numpy as np
import pytest
from pytest_check import check

from kata.core.i18n import N_, _
from tests.helpers import (
    NOT_STARTED,
    assert_same_variables,
    assert_unchanged,
    awkward,
    chapter_nested,
    described,
    distinct_pairs,
    kind_of,
    must_raise,
    own_scale_net,
    put,
    scramble,
    snapshot,
    values,
)

task = pytest.mark.task


def variable(shape, dtype="float32"):
    """A fresh variable of random values (seeded by the plugin), built by the test."""
    return keras.Variable(np.random.normal(size=shape).astype(dtype))


def build_mlp(units, width=5):
    """A built Sequential of Dense layers with the given units (values as initialized)."""
    net = keras.Sequential(
        [keras.layers.Dense(u, activation="relu") for u in units[:-1]]
        + [keras.layers.Dense(units[-1])]
    )
    net.build((None, width))
    return net


# Reference models, built once per session (the ``models`` fixture) and randomized by
# every test that takes one: key -> factory. Two keys of one factory are two models.
NETS = {
    "chapter_nested": chapter_nested,  # also read by ex01's tests
    "ex04/nested/b": chapter_nested,
    "ex04/mlp-4-4-1": lambda: build_mlp([4, 4, 1], width=4),  # nested's shapes, no nesting
    "ex04/mlp-4-4-2": lambda: build_mlp([4, 4, 2], width=4),  # ...but for the output layer
    "ex04/mlp-4-4": lambda: build_mlp([4, 4], width=4),  # ...without the output layer
}


def reference(models, key):
    """The session's built model ``key``, every value (biases too) freshly randomized.

    The cache hands out a new model when the structure changed (variables replaced
    or rebound, as by a learner's copy_params sharing src's objects; layers frozen;
    the net rebuilt).
    """
    return randomize(models.get(key, NETS[key]))


def randomize(net):
    """Give every variable (biases too) random values, so src and dst differ everywhere."""
    for v in net.weights:
        put(v, np.random.normal(size=tuple(v.shape)).astype(v.dtype))
    return net


def dense_layers(net):
    """Every Dense layer inside ``net``, nested models included."""
    out = []
    for layer in getattr(net, "layers", []):
        out += [layer] if isinstance(layer, keras.layers.Dense) else dense_layers(layer)
    return out


def differing(a_vars, b_vars):
    """Paths of the variables of ``b_vars`` whose values differ from ``a_vars``."""
    a_vars, b_vars = list(a_vars), list(b_vars)
    out = [
        b.path
        for a, b in zip(a_vars, b_vars, strict=False)
        if not np.array_equal(values(a), values(b))
    ]
    return out + (
        [
            _("{n_got} variables against {n_expected}").format(
                n_got=len(a_vars), n_expected=len(b_vars)
            )
        ]
        if len(a_vars) != len(b_vars)
        else []
    )


def ids(variables):
    return {id(v) for v in variables}


# -------------------------------------------------------------------- add_one


@task("add_one")
def test_add_one_returns_the_same_variable(ex):
    v = variable((3, 4))
    out = ex.add_one(v)
    with check:
        assert out is v, _(
            "return the variable itself, got {out_type}: note that v.assign_add(...) and v + 1 give a tensor, not the variable"
        ).format(out_type=kind_of(out))


@task("add_one")
def test_add_one_changes_the_variable_in_place(ex):
    v = variable((3, 4))
    before = values(v)
    ex.add_one(v)
    after = values(v)
    with check:
        assert np.allclose(after, before + 1, rtol=1e-6, atol=0), _(
            "every element of the variable itself must grow by 1 (in place, with assign_add or assign); the change is {unique}. v + 1 or a new keras.Variable leaves the original untouched"
        ).format(unique=np.unique(np.round(after - before, 4))[:5])


@task("add_one")
def test_add_one_keeps_float64(ex):
    v = variable((2, 5), dtype="float64")
    before = values(v)
    ex.add_one(v)
    with check:
        assert v.dtype == "float64", _("the variable's dtype became {dtype}; keep float64").format(
            dtype=v.dtype
        )
    with check:
        assert np.allclose(values(v), before + 1, rtol=1e-12, atol=0), _(
            "a float64 variable must get before + 1 at float64 precision (no detour through float32)"
        )


@task("add_one")
def test_add_one_on_a_model_bias(ex, models):
    model = reference(models, "ex04/mlp-4-4")
    layer = model.layers[0]
    layer.bias.assign(np.zeros(tuple(layer.bias.shape), dtype=layer.bias.dtype))
    kernel_before, vars_before = values(layer.kernel), list(model.weights)
    ex.add_one(layer.bias)
    with check:
        assert np.allclose(values(layer.bias), 1.0), _(
            "the model's bias (zeros) should now be ones, it holds {values}: change the variable the model owns"
        ).format(values=values(layer.bias))
    with check:
        assert np.array_equal(values(layer.kernel), kernel_before), _(
            "only the bias may change, not the kernel"
        )
    with check:
        assert_same_variables(model.weights, vars_before, _("the model's variables after add_one"))


# ---------------------------------------------------------- set_first_element


@task("set_first_element")
def test_set_first_element_returns_the_same_variable(ex):
    v = variable((3, 4))
    out = ex.set_first_element(v)
    with check:
        assert out is v, _("return the variable itself, got {out_type}").format(
            out_type=kind_of(out)
        )


@task("set_first_element")
def test_set_first_element_matrix_default_42(ex):
    v = variable((3, 4))
    before = values(v)
    ex.set_first_element(v)
    after = values(v)
    with check:
        assert after[0, 0] == 42.0, _(
            "v[0, 0] should be 42 (the default value), it is {after}"
        ).format(after=after[0, 0])
    rest = np.ones(before.shape, dtype=bool)
    rest[0, 0] = False
    changed = np.argwhere(rest & (after != before)).tolist()
    with check:
        assert not changed, _(
            "only [0, 0] may change, but {changed} changed too (setting the whole first row or the whole variable?)"
        ).format(changed=changed)


@task("set_first_element")
def test_set_first_element_vector(ex):
    v = variable((6,))
    before = values(v)
    try:
        ex.set_first_element(v, -3.5)
    except NOT_STARTED:
        raise
    except Exception as exc:  # its type says enough; its words are the library's
        raise AssertionError(
            _(
                "set_first_element(v, -3.5) on a 1-D variable (a bias, shape (6,)) raised "
                "{exc_type}: a vector has one index, so its first element is v[0] (v[0, 0] is "
                "out of range): use one 0 per dimension, [0] * len(v.shape)"
            ).format(exc_type=type(exc).__name__)
        ) from None
    after = values(v)
    with check:
        assert after[0] == -3.5, _(
            "a vector's first element is [0]: expected -3.5, got {after}"
        ).format(after=after[0])
    with check:
        assert np.array_equal(after[1:], before[1:]), _("only [0] may change in a vector")


@task("set_first_element")
def test_set_first_element_keeps_float64(ex):
    v = variable((2, 3), dtype="float64")
    before = values(v)
    ex.set_first_element(v, 0.1)
    after = values(v)
    with check:
        assert v.dtype == "float64", _("the variable's dtype became {dtype}; keep float64").format(
            dtype=v.dtype
        )
    with check:
        assert after[0, 0] == 0.1, _(
            "v[0, 0] should be exactly 0.1 in float64, it is {after!r}"
        ).format(after=after[0, 0])
    with check:
        assert np.array_equal(after.ravel()[1:], before.ravel()[1:]), _("only [0, 0] may change")


@task("set_first_element")
def test_set_first_element_on_a_model_kernel(ex, models):
    model = reference(models, "ex04/mlp-4-4")
    layer = model.layers[0]
    vars_before = list(model.weights)
    ex.set_first_element(layer.kernel, 7.0)
    with check:
        assert values(model.weights[0])[0, 0] == 7.0, _(
            "the model's own kernel must change, in place"
        )
    with check:
        assert_same_variables(
            model.weights, vars_before, _("the model's variables after set_first_element")
        )


# ---------------------------------------------------------------- copy_params


@task("copy_params")
def test_copy_params_copies_every_value(ex, models):
    src, dst = reference(models, "chapter_nested"), reference(models, "ex04/nested/b")
    assert differing(src.weights, dst.weights), _("test setup: src and dst should start different")
    ex.copy_params(src, dst)
    wrong = differing(src.weights, dst.weights)
    with check:
        assert not wrong, _(
            "after copy_params these dst variables differ from src: {wrong}. Match the variables by their order in .weights (paths differ between two models), biases included"
        ).format(wrong=wrong)


@task("copy_params")
def test_copy_params_across_different_nesting(ex, models):
    src = reference(models, "chapter_nested")  # 2 blocks of Flatten + Dense(4), then Dense(1)
    dst = reference(models, "ex04/mlp-4-4-1")  # the same variables' shapes, no nesting
    ex.copy_params(src, dst)
    wrong = differing(src.weights, dst.weights)
    with check:
        assert not wrong, _(
            "variables not copied: {wrong}; the same architecture may be nested differently and named differently: pair the variables of src.weights and dst.weights in order"
        ).format(wrong=wrong)


@task("copy_params")
def test_copy_params_shares_no_variable(ex, models):
    src, dst = reference(models, "chapter_nested"), reference(models, "ex04/nested/b")
    dst_vars = list(dst.weights)
    ex.copy_params(src, dst)
    with check:
        assert_same_variables(
            dst.weights,
            dst_vars,
            _("dst must keep its own variables: its variables after the copy"),
        )
    shared = [v.path for v in dst.weights if id(v) in ids(src.weights)]
    with check:
        assert not shared, _(
            "dst now holds src's variables {shared}: copy the values, do not share the objects"
        ).format(shared=shared)
    rebound = [
        f"{d.name}.{attr}"
        for d in dense_layers(dst)
        for attr in ("kernel", "bias")
        if id(getattr(d, attr)) in ids(src.weights)
    ]
    with check:
        assert not rebound, _(
            "dst's layers use src's variables through {rebound}: copy values with assign instead"
        ).format(rebound=rebound)


@task("copy_params")
def test_copy_params_leaves_src_unchanged(ex, models):
    src, dst = reference(models, "chapter_nested"), reference(models, "ex04/nested/b")
    before = snapshot(src)
    ex.copy_params(src, dst)
    with check:
        assert_unchanged(src, before)  # copying dst into src (swapped arguments) changes src


@task("copy_params")
def test_copy_params_copies_are_independent(ex, models):
    src, dst = reference(models, "chapter_nested"), reference(models, "ex04/nested/b")
    x = np.random.normal(size=(3, 4)).astype("float32")
    ex.copy_params(src, dst)
    after_copy, y_before = snapshot(dst), values(dst(x))
    for v in src.weights:
        v.assign(v + 1.0)
    with check:
        assert_unchanged(dst, after_copy)
    with check:
        assert np.array_equal(values(dst(x)), y_before), _(
            "changing src after the copy changed dst's output: dst's layers still use src's variables"
        )


def mismatched_last_layer(models):
    """Same architecture except the output layer: a shape mismatch at the very end."""
    return reference(models, "ex04/mlp-4-4-1"), reference(models, "ex04/mlp-4-4-2")


@task("copy_params")
def test_copy_params_shape_mismatch_changes_nothing(ex, models):
    src, dst = mismatched_last_layer(models)
    dst_before, src_before = snapshot(dst), snapshot(src)
    with must_raise(ValueError, N_("copy_params(src, dst) with output layers of other shapes")):
        ex.copy_params(src, dst)
    with check:
        assert_unchanged(
            dst, dst_before
        )  # dst.set_weights(...) has already overwritten the leading layers here
    with check:
        assert_unchanged(src, src_before)


@task("copy_params")
@pytest.mark.parametrize("longer", ["dst", "src"])
def test_copy_params_different_number_of_variables(ex, models, longer):
    short = reference(models, "ex04/mlp-4-4")
    long_ = reference(models, "ex04/mlp-4-4-1")  # the leading shapes agree
    src, dst = (short, long_) if longer == "dst" else (long_, short)
    dst_before = snapshot(dst)
    with must_raise(ValueError, N_("copy_params(src, dst) with another number of variables")):
        ex.copy_params(src, dst)  # the message is the learner's: any words, or none
    with check:
        assert_unchanged(dst, dst_before)


@task("copy_params")
def test_copy_params_unbuilt_models(ex, models):
    def unbuilt():
        return keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])

    with must_raise(ValueError, N_("copy_params(src, dst) on two unbuilt models")):
        ex.copy_params(unbuilt(), unbuilt())  # nothing to copy: not a silent success
    dst = unbuilt()
    with must_raise(ValueError, N_("copy_params(src, dst) into an unbuilt model")):
        ex.copy_params(reference(models, "ex04/mlp-4-4"), dst)
    with check:
        assert dst.weights == [], _("an unbuilt dst must stay unbuilt: raise before touching it")
    dst = reference(models, "ex04/mlp-4-4")
    before = snapshot(dst)
    with must_raise(ValueError, N_("copy_params(src, dst) from an unbuilt model")):
        ex.copy_params(unbuilt(), dst)
    with check:
        assert_unchanged(dst, before)


# --------------------------------------------------------------------- freeze


def built_dense(units=3, width=4):
    layer = keras.layers.Dense(units)
    layer.build((None, width))
    return layer


@task("freeze")
def test_freeze_returns_the_same_layer(ex):
    layer = built_dense()
    out = ex.freeze(layer)
    with check:
        assert out is layer, _(
            "return the layer itself (frozen in place), got {out_type} {out}"
        ).format(out_type=type(out).__name__, out=getattr(out, "name", ""))


@task("freeze")
def test_freeze_empties_trainable_weights(ex):
    layer = built_dense()
    ex.freeze(layer)
    left = [v.path for v in layer.trainable_weights]
    with check:
        assert not left, _(
            "still trainable: {left}. Freeze every parameter (the bias too), e.g. with layer.trainable = False; layer.trainable_weights is a fresh list on each access, so editing it changes nothing"
        ).format(left=left)


@task("freeze")
def test_freeze_moves_the_same_variables_to_non_trainable(ex):
    layer = built_dense()
    original = list(layer.weights)
    ex.freeze(layer)
    missing = [v.path for v in original if id(v) not in ids(layer.non_trainable_weights)]
    with check:
        assert not missing, _(
            "these variables are not in layer.non_trainable_weights: {missing}"
        ).format(missing=missing)
    with check:
        assert not distinct_pairs(sorted(layer.weights, key=id), sorted(original, key=id)), _(
            "the layer must keep its own variable objects: freezing does not create new variables"
        )


@task("freeze")
def test_freeze_keeps_values(ex):
    layer = randomize(built_dense())
    before = {id(v): values(v) for v in layer.weights}
    ex.freeze(layer)
    changed = [
        v.path
        for v in layer.weights
        if id(v) not in before or not np.array_equal(values(v), before[id(v)])
    ]
    with check:
        assert not changed, _("freezing must not change any value; changed: {changed}").format(
            changed=changed
        )


@task("freeze")
def test_freeze_layer_inside_a_model(ex, models):
    model = reference(models, "ex04/mlp-4-4-1")
    frozen, others = model.layers[1], [model.layers[0], model.layers[2]]
    try:
        ex.freeze(frozen)
        trainable = ids(model.trainable_weights)
    finally:
        frozen.trainable = True  # the session's model, as the next test expects it
    with check:
        assert not ids(frozen.weights) & trainable, _(
            "the model still lists the frozen layer's variables in net.trainable_weights, so training would change them"
        )
    with check:
        assert all(id(v) in trainable for layer in others for v in layer.weights), _(
            "only that layer is frozen, not its neighbours"
        )


@task("freeze")
def test_freeze_batch_normalization(ex):
    layer = keras.layers.BatchNormalization()
    layer.build((None, 3))
    original = list(layer.weights)  # gamma, beta (trainable) and the moving statistics
    ex.freeze(layer)
    with check:
        assert layer.trainable_weights == [], _("gamma and beta must become non-trainable too")
    with check:
        assert ids(layer.non_trainable_weights) == ids(original), _(
            "all four variables end up non-trainable"
        )


@task("freeze")
def test_freeze_unbuilt_layer_is_not_a_silent_no_op(ex):
    layer = keras.layers.Dense(3)
    try:
        out = ex.freeze(layer)
    except ValueError:
        return  # refusing an unbuilt layer is fine
    with check:
        assert out is layer, _("return the layer itself")
    layer.build((None, 4))
    left = [v.path for v in layer.trainable_weights]
    with check:
        assert not left, _(
            "freeze() accepted an unbuilt layer, yet once built its parameters {left} are trainable: freeze the layer itself (layer.trainable = False), or raise ValueError when it is not built"
        ).format(left=left)


# ------------------------------------------------- awkward nets (issue 15)


@task("set_first_element")
def test_set_first_element_3d_and_4d_variables(ex, models):
    conv = scramble(awkward(models, "conv"))
    cases = [
        (variable((5, 4, 3)), _("a 3-D variable (a Conv1D kernel) of shape (5, 4, 3)")),
        (variable((3, 3, 2, 4)), _("a 4-D variable (a Conv2D kernel) of shape (3, 3, 2, 4)")),
        (
            conv.layers[0].kernel,
            _("the Conv2D kernel (3, 3, 1, 4) of {described}").format(described=described("conv")),
        ),
    ]
    for v, what in cases:
        first = (0,) * len(v.shape)
        before = values(v)
        ex.set_first_element(v, 5.0)
        after = values(v)
        with check:
            assert after[first] == 5.0, _(
                "for {what}, set_first_element(v, 5.0) left v{first} at {after}; the first element of a {n_shape}-D variable is v{first}"
            ).format(what=what, first=list(first), after=after[first], n_shape=len(v.shape))
        mask = np.ones(before.shape, dtype=bool)
        mask[first] = False
        moved = [tuple(int(d) for d in i) for i in np.argwhere(mask & (after != before))]
        with check:
            assert not moved, _(
                "for {what}, set_first_element(v, 5.0) also changed {n_moved} other elements, e.g. {moved}: only v{first} may change (v[0, 0] is a whole slice of a 3-D or 4-D variable; index it with one 0 per dimension)"
            ).format(what=what, n_moved=len(moved), moved=moved[:4], first=list(first))


def copy_problem(ex, src, dst):
    """Copy ``src`` into ``dst`` with the learner's code; what went wrong ("" when nothing)."""
    try:
        ex.copy_params(src, dst)
    except ValueError as exc:
        return _("it raised ValueError: {exc}").format(exc=str(exc)[:200])
    wrong = differing(src.weights, dst.weights)
    if not wrong:
        return ""
    return _("afterwards these dst variables differ from src: {wrong}").format(wrong=wrong)


@task("copy_params")
def test_copy_params_batchnorm_and_frozen_layers(ex, models):
    for a, b in (("batchnorm", "frozen"), ("frozen", "batchnorm")):
        src, dst = scramble(awkward(models, a)), randomize(awkward(models, b))
        problem = copy_problem(ex, src, dst)
        with check:
            assert not problem, _(
                "src is {described}; dst is {described2}: the same architecture (freezing a layer changes no variable). {problem}. Copy every variable of .weights, the non-trainable moving statistics too, paired in .weights order: trainable_weights + non_trainable_weights puts them in another order as soon as one layer is frozen"
            ).format(described=described(a), described2=described(b), problem=problem)


@task("copy_params")
def test_copy_params_partly_built_model(ex, models):
    half, whole = awkward(models, "partly_built"), awkward(models, "one_dense")
    for src, dst, which in ((half, whole, "src"), (whole, half, "dst")):
        scramble(src)
        randomize(dst)
        before = snapshot(dst)
        try:
            ex.copy_params(src, dst)
            outcome = _("copied without an error")
        except ValueError:
            outcome = ""
        with check:
            assert not outcome, _(
                "{which} is {described}; the other is {described2}. copy_params {outcome}; a partly built model is not built: raise ValueError (net.built, not a non-empty net.weights)"
            ).format(
                which=which,
                described=described("partly_built"),
                described2=described("one_dense"),
                outcome=outcome,
            )
        with check:
            assert_unchanged(dst, before)


@task("freeze")
def test_freeze_stops_batchnorm_statistics(ex, models):
    model = awkward(models, "batchnorm")  # Dense(6), BatchNormalization, Dense(3) on 4 inputs
    x = np.random.normal(2.0, 3.0, size=(16, 4)).astype("float32")
    stats = [v for v in model.weights if "moving" in v.name]
    before = [values(v) for v in stats]
    try:
        out = ex.freeze(model)
        left = [v.path for v in model.trainable_weights]
        model(x, training=True)  # a training step's forward pass
    finally:
        model.trainable = True  # the session's model, as the next test expects it
    moved = [v.path for v, old in zip(stats, before) if not np.array_equal(values(v), old)]
    with check:
        assert out is model and not left, _(
            "freeze(model) for {described}: return the model itself, with no trainable weights left; still trainable: {left}"
        ).format(described=described("batchnorm"), left=left)
    with check:
        assert not moved, _(
            "freeze(model) for {described}, then a forward pass in training mode: it still updated {moved}. A frozen BatchNormalization keeps its statistics, and only the layer's own trainable flag does that (model.trainable = False reaches every layer inside); marking the variables one by one does not"
        ).format(described=described("batchnorm"), moved=moved)


# ------------------------------------------------- more wrong answers (issue 24)


@task("freeze")
def test_freeze_model_with_a_variable_of_its_own(ex):
    net = own_scale_net()  # freezing changes it: a new one each time
    out = ex.freeze(net)
    left = [v.path for v in net.trainable_weights]
    with check:
        assert out is net and not left and net.trainable is False, _(
            "freeze(model) for {described}: still trainable: {left}, model.trainable is "
            "{trainable}. A model's own variables (made in its build) belong to none of its "
            "layers: freezing the layers inside leaves them trainable; set the model's own flag "
            "(model.trainable = False), which reaches every layer inside too"
        ).format(described=described("own_scale"), left=left, trainable=net.trainable)
