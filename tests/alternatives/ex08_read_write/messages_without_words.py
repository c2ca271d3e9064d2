"""Every exception raised with no message at all: its own checks raise ValueError() bare, and NumPy's and Keras's refusals (a pickled array, a file that does not fit) are re-raised as ValueError() without their words; the layers' values copied variable by variable after every pair is checked."""

from __future__ import annotations

import keras
import numpy as np

NUMERIC_KINDS = frozenset("biufc")  # bool, int, uint, float, complex: no pickle needed


def save_tensors(path, **tensors) -> None:
    target = str(path)
    if target[-4:] != ".npz" or len(tensors) == 0:
        raise ValueError()
    arrays = {}
    for name, value in tensors.items():
        try:
            array = np.array(keras.ops.convert_to_numpy(value))
        except ValueError:  # a ragged list
            raise ValueError() from None
        if array.dtype.kind not in NUMERIC_KINDS:
            raise ValueError()
        arrays[name] = array
    np.savez(target, allow_pickle=False, **arrays)


def load_tensors(path) -> dict:
    out = {}
    with np.load(str(path), allow_pickle=False) as archive:
        for name in archive.files:
            try:
                out[name] = np.array(archive[name])
            except ValueError:  # NumPy refuses to unpickle
                raise ValueError() from None
    return out


def save_params(net, path) -> None:
    if not (str(path).endswith(".weights.h5") and net.built):
        raise ValueError()
    net.save_weights(str(path))


def load_params(make_net, path, input_shape):
    fresh = make_net()
    batch = (2,) + tuple(input_shape)[1:]
    fresh(np.zeros(batch, dtype="float32"))
    try:
        fresh.load_weights(str(path))
    except ValueError:
        raise ValueError() from None
    return fresh


def transfer_first_layers(src, dst, n: int) -> None:
    if type(n) is not int:
        raise ValueError()
    if n < 1 or n > len(src.layers) or n > len(dst.layers):
        raise ValueError()
    plan = []
    for a, b in zip(src.layers[:n], dst.layers[:n]):
        if len(a.weights) != len(b.weights):
            raise ValueError()
        for va, vb in zip(a.weights, b.weights):
            if tuple(va.shape) != tuple(vb.shape):
                raise ValueError()
            plan.append((va, vb))
    for va, vb in plan:
        vb.assign(va)


def roundtrip_model(net, path):
    if str(path)[-6:] != ".keras":
        raise ValueError()
    net.save(str(path))  # keras.saving.save_model(net, path): refused by the guard today
    return keras.models.load_model(str(path))
