"""Graded suite for ex07_custom_layers: layers without and with parameters, registration
and config, a decoder tied to an encoder's kernel."""

import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from pytest_check import check

from kata.core.i18n import _
from kata.testing.shaping import looks_like
from kata.testing.stats import assert_normal
from tests.helpers import is_linear, put, values

task = pytest.mark.task

EPS32 = float(np.finfo("float32").eps)


def normal(*shape, loc=0.0):
    return np.random.normal(loc, 1.0, size=shape).astype("float32")


def numpy_of(t) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(t))


def close(got, want, scale=1.0) -> bool:
    """Equal up to float32 rounding: a few hundred ulps of the inputs' magnitude
    (the wrong answers these tests name differ by 0.1 or more)."""
    got, want = np.asarray(got, "float64"), np.asarray(want, "float64")
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-5, atol=1e-5 * scale))


@contextlib.contextmanager
def naming_add_weight_name_first(layer):
    """While the block runs, ``layer.add_weight`` notes a call whose first positional
    argument is a ``str`` (the book's ``add_weight('w', shape)``; Keras 3's first
    parameter is the shape) and then does what it always does; a ``ValueError`` out of
    the block after such a call fails with that mistake named on the first line. Decided
    by the learner's own call, never by Keras's message (nor its frames: Keras filters
    them out of the traceback)."""
    real = layer.add_weight
    named = []

    def add_weight(*args, **kwargs):
        if args and isinstance(args[0], str):
            named.append(args[0])
        return real(*args, **kwargs)

    object.__setattr__(layer, "add_weight", add_weight)  # not Keras's tracking __setattr__
    try:
        yield
    except ValueError:
        if not named:
            raise
        raise AssertionError(
            looks_like(
                _(
                    "add_weight called with the name first, as the book's "
                    "add_weight('w', shape): in Keras 3 the first parameter is the shape "
                    "and the name is keyword-only: add_weight(name='kernel', shape=...)"
                )
            )
        ) from None
    finally:
        vars(layer).pop("add_weight", None)


def call_layer(layer, x):
    """``layer(x)``, the learner's ``build`` and ``call`` run; an ``add_weight`` whose
    name came first fails with that mistake named on the first line."""
    with naming_add_weight_name_first(layer):
        return layer(x)


def untracked_variables(layer) -> list[str]:
    """The names of the ``tf.Variable`` attributes of ``layer`` that Keras does not track."""
    out = []
    for name, value in vars(layer).items():
        if isinstance(value, tf.Variable) and not any(value is v for v in layer.weights):
            if not any(value is getattr(v, "value", None) for v in layer.weights):
                out.append(name)
    return out


# -------------------------------------------------------------- CenteredLayer


def centered_problem(got, x) -> str:
    """What is wrong with ``got`` as ``x - mean(x)`` ("" when it is right)."""
    want = x - x.mean(dtype="float64")
    scale = float(np.abs(x).max())
    if close(got, want, scale):
        return ""
    if got.shape != want.shape:
        return _("output shape {got}, expected the input's shape {want}").format(
            got=got.shape, want=want.shape
        )
    named = ""
    if close(got, x - x.mean(axis=-1, keepdims=True), scale):
        named = looks_like(
            _("a mean per row (axis=-1): the book subtracts one mean, of every element")
        )
    elif close(got, x - x.mean(axis=0, keepdims=True), scale):
        named = looks_like(
            _("a mean per column (axis=0): the book subtracts one mean, of every element")
        )
    elif close(got, x, scale):
        named = looks_like(_("the input returned unchanged: nothing subtracted"))
    return (named + "\n" if named else "") + _(
        "expected inputs - mean(inputs), the mean of all {n} elements; max difference {diff}"
    ).format(n=x.size, diff=f"{np.abs(got - want).max():.3g}")


@task("CenteredLayer")
def test_centered_layer_subtracts_the_mean_of_every_element(ex):
    layer = ex.CenteredLayer()
    x = normal(8, 5, loc=3.0)
    got = numpy_of(layer(x))
    with check:
        assert isinstance(layer, keras.layers.Layer), _(
            "CenteredLayer must subclass keras.layers.Layer"
        )
    problem = centered_problem(got, x)
    with check:
        assert not problem, problem


@task("CenteredLayer")
def test_centered_layer_keeps_any_shape(ex):
    layer = ex.CenteredLayer()
    x = normal(2, 3, 4, loc=-1.5)
    got = numpy_of(layer(x))
    problem = centered_problem(got, x)
    with check:
        assert not problem, _("on inputs of shape (2, 3, 4): {problem}").format(problem=problem)


@task("CenteredLayer")
def test_centered_layer_has_no_parameters(ex):
    layer = ex.CenteredLayer()
    layer(normal(4, 3))
    with check:
        assert layer.weights == [] and layer.count_params() == 0, _(
            "a layer without parameters creates no variable; got {paths}"
        ).format(paths=[v.path for v in layer.weights])


@task("CenteredLayer")
def test_centered_layer_after_a_dense_layer_gives_mean_zero(ex):
    net = keras.Sequential([keras.layers.Dense(16), ex.CenteredLayer()])
    x = normal(32, 8, loc=2.0)
    y = numpy_of(net(x)).astype("float64")
    # float32 rounding of a mean of n values is at most about n ulps of the largest value
    bound = y.size * EPS32 * float(np.abs(y).max())
    with check:
        assert y.shape == (32, 16), _("output shape {shape}, expected (32, 16)").format(
            shape=y.shape
        )
    with check:
        assert abs(y.mean()) <= bound, _(
            "Sequential([Dense(16), CenteredLayer()]): the output's mean is {mean}, expected 0 "
            "up to float error (|mean| ≤ {bound})"
        ).format(mean=f"{y.mean():.3g}", bound=f"{bound:.2g}")


# -------------------------------------------------------------------- MyDense


def my_dense_on(ex, once, units=4, width=5):
    """The learner's ``MyDense(units)`` called once on a (3, width) batch, shared by the
    tests that only read it."""

    def make():
        layer = ex.MyDense(units)
        before = list(layer.weights)
        call_layer(layer, normal(3, width))
        return layer, before

    return once(f"MyDense({units}) on {width} inputs", make)


@task("MyDense")
def test_my_dense_creates_nothing_before_the_first_call(ex, once):
    layer, before = my_dense_on(ex, once)
    with check:
        assert isinstance(layer, keras.layers.Layer), _("MyDense must subclass keras.layers.Layer")
    with check:
        assert before == [], _(
            "MyDense(4) holds {n} variables before its first call: create them in build, "
            "which Keras runs with the first input's shape (the input width is not known before)"
        ).format(n=len(before))
    with check:
        assert layer.built, _("after the first call the layer is built")


@task("MyDense")
def test_my_dense_kernel_and_bias_are_tracked(ex, once):
    layer, _before = my_dense_on(ex, once)
    untracked = untracked_variables(layer)
    shapes = [tuple(v.shape) for v in layer.weights]
    with check:
        assert not untracked, looks_like(
            _(
                "a tf.Variable stored on the layer ({names}): Keras 3 does not track it (it is "
                "not in weights, count_params ignores it, training never updates it); create "
                "it with self.add_weight(name=..., shape=..., initializer=...)"
            ).format(names=", ".join(untracked))
        )
    with check:
        assert shapes == [(5, 4), (4,)], _(
            "MyDense(4) on 5 inputs: weights have shapes {shapes}, expected [(5, 4), (4,)] "
            "(kernel, then bias)"
        ).format(shapes=shapes)
    names = [v.name for v in layer.weights]
    with check:
        assert names == ["kernel", "bias"], _(
            "the variables are named {names}; expected ['kernel', 'bias'] "
            "(add_weight(name='kernel', ...))"
        ).format(names=names)
    trainable = [v.path for v in layer.trainable_weights]
    with check:
        assert trainable == [v.path for v in layer.weights] and layer.count_params() == 24, _(
            "trainable_weights {trainable}, count_params() {count}: both variables are "
            "trainable and count (5 * 4 + 4 = 24)"
        ).format(trainable=trainable, count=layer.count_params())


@task("MyDense")
def test_my_dense_computes_relu_of_x_kernel_plus_bias(ex, once):
    layer, _before = my_dense_on(ex, once)
    if len(layer.weights) != 2:
        pytest.fail(
            _("expected the kernel and the bias, got {n} variables").format(n=len(layer.weights))
        )
    kernel, bias = layer.weights
    put(kernel, normal(5, 4))
    put(bias, normal(4))
    x = normal(16, 5)
    got = numpy_of(layer(x))
    w, b = values(kernel), values(bias)
    want = np.maximum(x @ w + b, 0)
    named = ""
    if close(got, x @ w + b, 10):
        named = (
            looks_like(_("relu forgotten: the book's MyDense returns relu(x @ kernel + bias)"))
            + "\n"
        )
    with check:
        assert close(got, want, 10), named + _(
            "expected relu(x @ kernel + bias) with the layer's own variables; max difference {diff}"
        ).format(diff=f"{np.abs(got - want).max():.3g}" if got.shape == want.shape else got.shape)


@task("MyDense")
def test_my_dense_kernel_is_normal_bias_zero(ex):
    layer = ex.MyDense(64)
    call_layer(layer, normal(2, 128))
    if len(layer.weights) != 2:
        pytest.fail(
            _("expected the kernel and the bias, got {n} variables").format(n=len(layer.weights))
        )
    kernel, bias = (values(v) for v in layer.weights)
    with check:
        assert_normal(kernel, 0.0, 0.05, what=_("MyDense(64)'s kernel values on 128 inputs"))
    with check:
        assert not bias.any(), _("the bias starts at zeros; got values in [{lo}, {hi}]").format(
            lo=f"{bias.min():.3g}", hi=f"{bias.max():.3g}"
        )


@task("MyDense")
def test_my_dense_units_set_the_width(ex):
    layer = ex.MyDense(units=7)
    y = call_layer(layer, normal(2, 3))
    with check:
        assert tuple(y.shape) == (2, 7), _(
            "MyDense(units=7) on a (2, 3) batch gives shape {shape}, expected (2, 7)"
        ).format(shape=tuple(y.shape))
    with check:
        assert layer.units == 7, _("keep the argument as layer.units; got {units!r}").format(
            units=getattr(layer, "units", None)
        )


@task("MyDense")
def test_my_dense_config_rebuilds_the_layer(ex, once):
    layer, _before = my_dense_on(ex, once)
    config = layer.get_config()
    with check:
        assert isinstance(config, dict) and config.get("units") == 4, _(
            "get_config() must hold units (4): {config}. from_config calls MyDense(**config), "
            "and a .keras file stores only this config"
        ).format(config=config)
    with check:
        assert config.get("name") == layer.name, _(
            "get_config() lost the base layer's config (name, dtype…): return "
            "{{**super().get_config(), 'units': self.units}}"
        )
    if isinstance(config, dict) and "units" in config:
        clone = type(layer).from_config(config)
        with check:
            assert type(clone) is type(layer) and clone.units == 4, _(
                "MyDense.from_config(layer.get_config()) should give a MyDense with units 4"
            )


@task("MyDense")
def test_my_dense_is_registered_for_keras_files(ex, once):
    layer, _before = my_dense_on(ex, once)
    cls = type(layer)
    registered = keras.saving.get_registered_name(cls)
    with check:
        assert ">" in registered and keras.saving.get_registered_object(registered) is cls, (
            looks_like(
                _(
                    "MyDense not registered with Keras: a .keras file holding it names a class "
                    "Keras does not know, and a fresh process cannot load it (the script that "
                    "saved it may not notice)"
                )
            )
            + "\n"
            + _("decorate the class with @keras.saving.register_keras_serializable(package='...')")
        )


@task("MyDense")
def test_my_dense_round_trips_through_a_keras_file(ex, scratch):
    layer = ex.MyDense(3)
    with naming_add_weight_name_first(layer):  # keras.Input builds the layer here
        net = keras.Sequential([keras.Input((5,)), layer])
    path = scratch / "my_dense.keras"
    net.save(path)
    try:
        loaded = keras.saving.load_model(path)
    except Exception as exc:  # noqa: BLE001  (any failure is the learner's layer's)
        first = (str(exc).splitlines() or [""])[0][:300]
        pytest.fail(
            _(
                "a Sequential([Input((5,)), MyDense(3)]) saved as .keras does not load: "
                "{error}: {first} (register the class and return units from get_config)"
            ).format(error=type(exc).__name__, first=first)
        )
    x = normal(4, 5)
    with check:
        assert type(loaded.layers[-1]) is type(net.layers[-1]), _(
            "the loaded model's layer is a {got}, not your MyDense"
        ).format(got=type(loaded.layers[-1]).__name__)
    with check:
        assert close(numpy_of(loaded(x)), numpy_of(net(x)), 10), _(
            "the loaded model computes other outputs than the saved one"
        )


# -------------------------------------------------------------- TiedTranspose


def encoder_and_decoder(ex, width=6, code=3):
    """A built reference encoder Dense(code) on ``width`` inputs, with random values,
    and the learner's ``TiedTranspose`` of it, called once on a batch of codes."""
    encoder = keras.layers.Dense(code)
    encoder.build((None, width))
    put(encoder.kernel, normal(width, code))
    put(encoder.bias, normal(code))
    decoder = ex.TiedTranspose(encoder)
    h = normal(10, code)
    y = numpy_of(call_layer(decoder, h))
    return encoder, decoder, h, y


def copied_kernels(decoder, encoder) -> list[str]:
    """Variables of the decoder shaped like the encoder's kernel (or its transpose) that
    are not that kernel: a copy made at build time."""
    shapes = {tuple(encoder.kernel.shape), tuple(encoder.kernel.shape)[::-1]}
    return [v.path for v in decoder.weights if tuple(v.shape) in shapes and v is not encoder.kernel]


def copy_named(decoder, encoder) -> str:
    copies = copied_kernels(decoder, encoder)
    if not copies:
        return ""
    return (
        looks_like(
            _(
                "the kernel copied at build time ({paths}): set_weights and assign copy values "
                "once, they do not tie; read the encoder's kernel (dense.kernel) in call, every time"
            ).format(paths=", ".join(copies))
        )
        + "\n"
    )


@task("TiedTranspose")
def test_tied_transpose_computes_x_times_the_kernel_transposed(ex):
    encoder, decoder, h, y = encoder_and_decoder(ex)
    w = values(encoder.kernel)
    bias = [values(v) for v in decoder.weights if tuple(v.shape) == (6,)]
    with check:
        assert isinstance(decoder, keras.layers.Layer), _(
            "TiedTranspose must subclass keras.layers.Layer"
        )
    with check:
        assert y.shape == (10, 6), _(
            "a decoder of Dense(3) on 6 inputs maps (10, 3) codes to (10, 6); got {shape}"
        ).format(shape=y.shape)
    want = h @ w.T
    with check:
        assert close(y, want, 10), _(
            "expected codes @ transpose(encoder.kernel) + bias with a zero bias; max difference {diff}"
        ).format(diff=f"{np.abs(y - want).max():.3g}" if y.shape == want.shape else y.shape)
    with check:
        assert len(bias) == 1 and not bias[0].any(), _(
            "the decoder's own bias has shape (6,) (the encoder's input width) and starts at zeros"
        )


@task("TiedTranspose")
def test_tied_transpose_reads_the_encoder_kernel_at_call_time(ex):
    encoder, decoder, h, _y = encoder_and_decoder(ex)
    put(encoder.kernel, normal(6, 3))  # the encoder changes (a training step would)
    for v in decoder.weights:
        if v is not encoder.kernel and tuple(v.shape) == (6,):
            put(v, normal(6))
    bias = [
        values(v) for v in decoder.weights if v is not encoder.kernel and tuple(v.shape) == (6,)
    ]
    y = numpy_of(decoder(h))
    want = h @ values(encoder.kernel).T + (bias[0] if len(bias) == 1 else 0)
    with check:
        assert close(y, want, 10), copy_named(decoder, encoder) + _(
            "after the encoder's kernel changed, the decoder should follow it: it must read "
            "that very variable when it is called; max difference {diff}"
        ).format(diff=f"{np.abs(y - want).max():.3g}" if y.shape == want.shape else y.shape)


@task("TiedTranspose")
def test_tied_transpose_holds_the_encoder_kernel_itself(ex):
    encoder, decoder, _h, _y = encoder_and_decoder(ex)
    with check:
        assert any(v is encoder.kernel for v in decoder.weights), copy_named(decoder, encoder) + _(
            "the decoder's weights should include the encoder's kernel variable itself; got {paths}"
        ).format(paths=[v.path for v in decoder.weights])
    own = [v for v in decoder.weights if v is not encoder.kernel and v is not encoder.bias]
    with check:
        assert [tuple(v.shape) for v in own] == [(6,)], _(
            "besides the encoder's variables the decoder owns one bias of shape (6,); "
            "it owns {shapes}"
        ).format(shapes=[tuple(v.shape) for v in own])


@task("TiedTranspose")
def test_tied_transpose_gradient_reaches_the_encoder_kernel(ex):
    encoder, decoder, h, _y = encoder_and_decoder(ex)
    upstream = normal(10, 6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(decoder(h) * upstream)
    grad = tape.gradient(loss, encoder.kernel)
    with check:
        assert grad is not None, copy_named(decoder, encoder) + _(
            "no gradient reaches the encoder's kernel through the decoder: the decoder does "
            "not compute with that variable"
        )
    if grad is not None:
        want = upstream.T @ h  # d sum((h @ Wᵀ + c) * U) / dW
        got = numpy_of(grad)
        with check:
            assert close(got, want, 10), _(
                "the gradient w.r.t. the encoder's kernel through the decoder should be "
                "upstreamᵀ @ codes; max difference {diff}"
            ).format(
                diff=f"{np.abs(got - want).max():.3g}" if got.shape == want.shape else got.shape
            )


# ----------------------------------------------------------- tied_autoencoder


def autoencoder_6_3(ex, once):
    """The learner's ``tied_autoencoder(6, 3)``, shared by the tests that only read it
    (they set its values first)."""
    return once("tied_autoencoder(6, 3)", lambda: ex.tied_autoencoder(6, 3))


def parts(model):
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    return encoder, decoder


def randomize(model):
    for v in model.weights:
        put(v, normal(*v.shape))


@task("tied_autoencoder")
def test_tied_autoencoder_shapes_and_layers(ex, once):
    model = autoencoder_6_3(ex, once)
    with check:
        assert isinstance(model, keras.Model), _("expected a keras.Model, got {kind}").format(
            kind=type(model).__name__
        )
    with check:
        assert model.built and [tuple(t.shape) for t in model.inputs] == [(None, 6)], _(
            "a built model with one keras.Input of shape (input_dim,) = (6,)"
        )
    encoder, decoder = parts(model)
    with check:
        assert isinstance(encoder, keras.layers.Dense) and encoder.units == 3, _(
            "the layer named 'encoder' is Dense(code_dim) = Dense(3)"
        )
    with check:
        assert is_linear(encoder.activation), _("the encoder has no activation")
    with check:
        assert type(decoder).__name__ == "TiedTranspose", _(
            "the layer named 'decoder' is your TiedTranspose, got {kind}"
        ).format(kind=type(decoder).__name__)
    y = model(normal(5, 6))
    with check:
        assert tuple(y.shape) == (5, 6), _("output shape {shape}, expected (5, 6)").format(
            shape=tuple(y.shape)
        )


@task("tied_autoencoder")
def test_tied_autoencoder_holds_one_kernel(ex, once):
    model = autoencoder_6_3(ex, once)
    encoder, _decoder = parts(model)
    shapes = [tuple(v.shape) for v in model.weights]
    with check:
        assert sorted(shapes) == sorted([(6, 3), (3,), (6,)]), _(
            "model.weights have shapes {shapes}; a tied autoencoder has three variables: the "
            "encoder's kernel (once), its bias and the decoder's bias (a second (3, 6) or (6, 3) "
            "matrix is an untied decoder)"
        ).format(shapes=shapes)
    with check:
        assert sum(v is encoder.kernel for v in model.weights) == 1, _(
            "the encoder's kernel should be in model.weights exactly once"
        )


def untied_gradient(model, x):
    """d loss / d kernel, computed independently: the two uses of the kernel as two
    separate constants, the gradient the sum of both."""
    encoder, decoder = parts(model)
    w, b = values(encoder.kernel), values(encoder.bias)
    c = [values(v) for v in decoder.weights if tuple(v.shape) == (w.shape[0],)][0]
    w1, w2 = tf.constant(w), tf.constant(w)
    with tf.GradientTape() as tape:
        tape.watch([w1, w2])
        y = tf.matmul(tf.matmul(x, w1) + b, tf.transpose(w2)) + c
        loss = tf.reduce_sum((y - x) ** 2)
    g1, g2 = tape.gradient(loss, [w1, w2])
    return (g1 + g2).numpy(), g1.numpy()


@task("tied_autoencoder")
def test_tied_autoencoder_gradient_adds_both_uses(ex, once):
    model = autoencoder_6_3(ex, once)
    randomize(model)
    encoder, _decoder = parts(model)
    x = normal(16, 6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((model(x) - x) ** 2)
    got = tape.gradient(loss, encoder.kernel)
    want, encoder_use_only = untied_gradient(model, x)
    got = None if got is None else numpy_of(got)
    named = ""
    if got is not None and close(got, encoder_use_only, 100):
        named = (
            looks_like(
                _("a decoder with a kernel of its own: the gradient has the encoder's use only")
            )
            + "\n"
        )
    with check:
        assert got is not None and close(got, want, 100), named + _(
            "the gradient of the reconstruction loss w.r.t. the encoder's kernel should add both "
            "uses (encoder and decoder); max difference {diff}"
        ).format(diff="—" if got is None else f"{np.abs(got - want).max():.3g}")


@task("tied_autoencoder")
def test_tied_autoencoder_every_call_makes_a_new_model(ex, once):
    first = autoencoder_6_3(ex, once)
    second = ex.tied_autoencoder(6, 3)
    shared = [v.path for v in second.weights if any(v is w for w in first.weights)]
    with check:
        assert second is not first and not shared, _(
            "two calls of tied_autoencoder(6, 3) share {shared}: every call makes a new model "
            "(the tie is inside one model)"
        ).format(shared=shared or _("the model"))
    y = second(normal(2, 6))
    with check:
        assert tuple(y.shape) == (2, 6), _("output shape {shape}, expected (2, 6)").format(
            shape=tuple(y.shape)
        )


@task("tied_autoencoder")
def test_tied_autoencoder_sizes_from_the_arguments(ex):
    model = ex.tied_autoencoder(9, 4)
    y = model(normal(3, 9))
    shapes = sorted(tuple(v.shape) for v in model.weights)
    with check:
        assert tuple(y.shape) == (3, 9) and shapes == sorted([(9, 4), (4,), (9,)]), _(
            "tied_autoencoder(9, 4): output shape {shape} and variables {shapes}; expected "
            "(3, 9) and [(9, 4), (4,), (9,)]"
        ).format(shape=tuple(y.shape), shapes=shapes)
