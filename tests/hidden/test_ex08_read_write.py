"""Hidden checks for ex08_read_write: run when grading, never released. Other inputs than
the visible suite: complex and int8 tensors, a nested model, a conv net, the whole net
transferred, a functional model with a custom layer."""

import keras
import numpy as np
import pytest
from pytest_check import check

from kata.core.i18n import _
from tests.helpers import put, values
from tests.keras_files import Affine, fresh_process

pytestmark = pytest.mark.hidden
task = pytest.mark.task
L = keras.layers


@pytest.fixture(autouse=True)
def _fresh(request):
    """Start the run's fresh process early (the visible suite's last test reads it)."""
    return fresh_process(request)


def randomize(net):
    for v in net.weights:
        put(v, np.random.normal(size=v.shape).astype(v.dtype))
    return net


@task("save_tensors")
def test_save_tensors_complex_and_small_integers(ex, scratch):
    want = {
        "z": (np.random.normal(size=3) + 1j * np.random.normal(size=3)).astype("complex64"),
        "codes": np.random.randint(-128, 128, size=(2, 2)).astype("int8"),
        "cube": np.ones((1, 1, 1), "float64"),
    }
    ex.save_tensors(scratch / "other.npz", **want)
    with np.load(scratch / "other.npz", allow_pickle=False) as archive:
        got = {k: archive[k] for k in archive.files}
    same = set(got) == set(want) and all(
        got[k].dtype == want[k].dtype and np.array_equal(got[k], want[k]) for k in want
    )
    with check:
        assert same, _("complex64, int8 and a (1, 1, 1) float64 tensor should round-trip exactly")


@task("load_tensors")
def test_load_tensors_of_a_compressed_archive(ex, scratch):
    want = {"w": np.random.normal(size=(5, 2)).astype("float32")}
    np.savez_compressed(scratch / "small.npz", **want)
    got = ex.load_tensors(scratch / "small.npz")
    with check:
        assert type(got) is dict and np.array_equal(got.get("w"), want["w"]), _(
            "a compressed archive (np.savez_compressed) loads the same way"
        )


@task("save_params")
def test_save_params_of_a_nested_model(ex, scratch):
    def make():
        return keras.Sequential([keras.Sequential([L.Dense(3), L.Dense(3)]), L.Dense(1)])

    net = make()
    net.build((None, 4))
    randomize(net)
    ex.save_params(net, scratch / "nested.weights.h5")
    other = make()
    other.build((None, 4))
    other.load_weights(scratch / "nested.weights.h5")
    with check:
        assert all(
            np.array_equal(values(a), values(b)) for a, b in zip(net.weights, other.weights)
        ), _("the parameters of a nested model should all be saved")


@task("load_params")
def test_load_params_of_a_conv_net(ex, scratch):
    def make():
        return keras.Sequential([L.Conv2D(2, 3), L.Flatten(), L.Dense(2)])

    net = make()
    net.build((None, 8, 8, 1))
    randomize(net)
    net.save_weights(scratch / "conv.weights.h5")
    got = ex.load_params(make, scratch / "conv.weights.h5", (None, 8, 8, 1))
    with check:
        assert all(
            np.array_equal(values(a), values(b)) for a, b in zip(net.weights, got.weights)
        ), _("a conv net built for (None, 8, 8, 1) should load the saved values")


@task("transfer_first_layers")
def test_transfer_every_layer_of_the_same_architecture(ex):
    def make():
        net = keras.Sequential([L.Dense(3), L.Dense(2)])
        net.build((None, 4))
        return randomize(net)

    src, dst = make(), make()
    ex.transfer_first_layers(src, dst, 2)
    with check:
        assert all(
            np.array_equal(values(a), values(b)) for a, b in zip(src.weights, dst.weights)
        ), _("n equal to the number of layers copies every layer")


@task("roundtrip_model")
def test_roundtrip_model_of_a_functional_model(ex, scratch):
    inputs = keras.Input((4,))
    net = keras.Model(inputs, L.Dense(2)(Affine(3)(inputs)))
    randomize(net)
    loaded = ex.roundtrip_model(net, scratch / "functional.keras")
    x = np.random.normal(size=(3, 4)).astype("float32")
    with check:
        assert loaded is not net and np.allclose(values(loaded(x)), values(net(x)), atol=1e-6), _(
            "a functional model with a custom layer should come back computing the same"
        )
