"""Hidden checks for ex07_custom_layers: run when grading, never released. Other inputs
than the visible suite: a 1-D input, sequences, an overcomplete encoder, a one-unit code."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from pytest_check import check

from kata.core.i18n import _
from tests.helpers import put, values

pytestmark = pytest.mark.hidden
task = pytest.mark.task


def normal(*shape, loc=0.0, scale=1.0):
    return np.random.normal(loc, scale, size=shape).astype("float32")


def numpy_of(t):
    return np.asarray(keras.ops.convert_to_numpy(t))


@task("CenteredLayer")
def test_centered_layer_on_a_vector_of_large_values(ex):
    x = normal(50, loc=1000.0, scale=10.0)
    got = numpy_of(ex.CenteredLayer()(x)).astype("float64")
    want = x - x.mean(dtype="float64")
    with check:
        assert got.shape == (50,) and np.allclose(got, want, atol=1e-3), _(
            "on a vector of 50 values near 1000 the layer should return x - mean(x)"
        )


@task("MyDense")
def test_my_dense_on_sequences(ex):
    layer = ex.MyDense(2)
    x = normal(3, 4, 6)
    y = numpy_of(layer(x))
    with check:
        assert [tuple(v.shape) for v in layer.weights] == [(6, 2), (2,)], _(
            "on (3, 4, 6) inputs the kernel is (6, 2): the last axis is the width"
        )
    if len(layer.weights) == 2:
        w, b = (values(v) for v in layer.weights)
        with check:
            assert y.shape == (3, 4, 2) and np.allclose(y, np.maximum(x @ w + b, 0), atol=1e-5), _(
                "on (3, 4, 6) inputs MyDense(2) gives relu(x @ kernel + bias) of shape (3, 4, 2)"
            )


@task("TiedTranspose")
def test_tied_transpose_of_an_overcomplete_encoder(ex):
    encoder = keras.layers.Dense(8)
    encoder.build((None, 3))
    decoder = ex.TiedTranspose(encoder)
    h = normal(5, 8)
    decoder(h)
    put(encoder.kernel, normal(3, 8))
    y = numpy_of(decoder(h))
    bias = [values(v) for v in decoder.weights if tuple(v.shape) == (3,)]
    want = h @ values(encoder.kernel).T + (bias[0] if bias else 0)
    with check:
        assert y.shape == (5, 3) and np.allclose(y, want, atol=1e-4), _(
            "a decoder of Dense(8) on 3 inputs maps (5, 8) codes to (5, 3) with the encoder's "
            "current kernel"
        )


@task("tied_autoencoder")
def test_tied_autoencoder_with_a_one_unit_code(ex):
    model = ex.tied_autoencoder(10, 1)
    for v in model.weights:
        put(v, normal(*v.shape))
    encoder = model.get_layer("encoder")
    x = normal(8, 10)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    got = tape.gradient(loss, encoder.kernel)
    w, b = values(encoder.kernel), values(encoder.bias)
    h = (
        x @ w + b
    )  # (8, 1); y = h @ wᵀ + c; d sum(y) / dw = xᵀ (1 · w) summed + (sum over batch of h)
    ones = np.ones((8, 10), "float32")
    want = x.T @ (ones @ w) + (ones.T @ h)
    with check:
        assert got is not None and np.allclose(numpy_of(got), want, rtol=1e-4, atol=1e-3), _(
            "tied_autoencoder(10, 1): the gradient of sum(model(x)) w.r.t. the encoder's kernel "
            "adds its two uses"
        )
