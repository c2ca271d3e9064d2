"""Hidden checks for ex05_shared_params: run when grading, never released.

The promises of the visible suite on other widths and inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from pytest_check import check

pytestmark = pytest.mark.hidden
task = pytest.mark.task


@task("build_tied_mlp")
def test_build_tied_mlp_other_sizes(ex):
    net = ex.build_tied_mlp(units=3, outputs=2)
    with check:
        assert net.weights == [], "not built"
    layers = net.layers
    with check:
        assert len(layers) == 4 and layers[1] is layers[2], "one layer used twice"
    y = net(np.ones((4, 7), "float32"))
    with check:
        assert tuple(y.shape) == (4, 2) and len(net.weights) == 6, "(4, 2) and 6 variables"


@task("are_tied")
def test_are_tied_other_layers(ex):
    shared = keras.layers.Dense(2)
    net = keras.Sequential([shared, keras.layers.Dense(2), shared])
    net.build((None, 2))
    results = [ex.are_tied(net.layers[0], net.layers[2]), ex.are_tied(net.layers[0], net.layers[1])]
    with check:
        assert results == [True, False] and all(type(r) is bool for r in results)


@task("shared_gradient")
def test_shared_gradient_other_net(ex):
    twice = keras.layers.Dense(3, activation="sigmoid")
    net = keras.Sequential([keras.layers.Dense(3), twice, twice, keras.layers.Dense(2)])
    x = np.linspace(-1, 1, 24, dtype="float32").reshape(4, 6)
    got = ex.shared_gradient(net, x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(net(x))
    want = tape.gradient(y, twice.kernel)
    with check:
        assert np.allclose(np.asarray(got), want.numpy(), rtol=1e-4, atol=1e-6), (
            "the sum of both uses' gradients"
        )


@task("build_siamese")
def test_build_siamese_other_sizes(ex):
    model = ex.build_siamese(input_dim=3, units=2)
    encoder = model.get_layer("encoder")
    with check:
        assert tuple(encoder.kernel.shape) == (3, 2) and len(model.weights) == 4
    a = np.ones((5, 3), "float32")
    y = keras.ops.convert_to_numpy(model([a, a]))
    with check:
        assert y.shape == (5, 1), "(batch, 1)"
    head = [x for x in model.layers if isinstance(x, keras.layers.Dense) and x is not encoder]
    if len(head) == 1:
        with check:  # equal inputs: no distance, only the head's bias
            assert np.allclose(y, head[0].bias.numpy()), "equal inputs give the head's bias"
