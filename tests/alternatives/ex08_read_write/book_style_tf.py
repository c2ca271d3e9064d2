"""The book's TensorFlow idioms where Keras 3 runs them: tensors to NumPy with .numpy(), np.savez for several tensors (the book's np.save of a list fails for two lengths), np.load as a dict, net.save_weights / a second instance called on tf.zeros then load_weights (the book's clone), get_weights/set_weights per layer, tf.keras.models.load_model."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def save_tensors(path, **tensors):
    if not str(path).endswith(".npz") or not tensors:
        raise ValueError("save_tensors needs a path ending in .npz and at least one tensor")
    arrays = {}
    for name, t in tensors.items():
        value = np.array(t.numpy() if hasattr(t, "numpy") else t)
        if value.dtype == object or value.dtype.kind in "USV":
            raise ValueError(f"{name}: only numbers and booleans can be saved without pickle")
        arrays[name] = value
    np.savez(path, **arrays)


def load_tensors(path):
    data = np.load(path, allow_pickle=False)
    try:
        return {name: data[name] for name in data}
    finally:
        data.close()


def save_params(net, path):
    if not net.built or not str(path).endswith(".weights.h5"):
        raise ValueError("save_params: a built net and a .weights.h5 file name")
    net.save_weights(str(path))


def load_params(make_net, path, input_shape):
    clone = make_net()
    clone(tf.zeros([1] + list(input_shape[1:])))
    clone.load_weights(str(path))
    return clone


def transfer_first_layers(src, dst, n):
    if type(n) is not int or n < 1 or n > len(src.layers) or n > len(dst.layers):
        raise ValueError(f"n = {n!r} is not a number of layers of both nets")
    for i in range(n):
        a, b = src.layers[i].get_weights(), dst.layers[i].get_weights()
        if [w.shape for w in a] != [w.shape for w in b]:
            raise ValueError(f"layer {i} differs between the two nets")
    for i in range(n):
        dst.layers[i].set_weights(src.layers[i].get_weights())


def roundtrip_model(net, path):
    if not str(path).endswith(".keras"):
        raise ValueError("roundtrip_model needs a .keras file name")
    net.save(str(path))
    return tf.keras.models.load_model(str(path))
