"""np.savez_compressed and np.load with an explicit close, Keras's model.build where it creates variables (a Sequential) and a call otherwise, variable-by-variable assign after checking every pair, keras.models.load_model."""

from __future__ import annotations

import keras
import numpy as np


def save_tensors(path, **tensors):
    name = str(path)
    if not name.endswith(".npz"):
        raise ValueError(f"{name}: not a .npz file name")
    if len(tensors) == 0:
        raise ValueError("nothing to save")
    arrays = {}
    for key in tensors:
        array = keras.ops.convert_to_numpy(tensors[key])
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise ValueError(f"{key} has dtype {array.dtype}")
        arrays[key] = array
    np.savez_compressed(name, allow_pickle=False, **arrays)


def load_tensors(path):
    archive = np.load(str(path), allow_pickle=False)
    out = {}
    for key in archive.files:
        out[key] = np.array(archive[key])
    archive.close()
    return out


def save_params(net, path):
    if not str(path).endswith(".weights.h5"):
        raise ValueError("Keras 3 writes weights to *.weights.h5 files only")
    if not net.built:
        raise ValueError("build the net before saving it")
    net.save_weights(path)


def load_params(make_net, path, input_shape):
    net = make_net()
    if isinstance(net, keras.Sequential):
        net.build(input_shape)
    else:
        net(np.zeros((2, *input_shape[1:]), "float32"))
    net.load_weights(path)
    return net


def transfer_first_layers(src, dst, n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError("n must be an int")
    if n < 1 or n > min(len(src.layers), len(dst.layers)):
        raise ValueError("n out of range")
    pairs = []
    for a, b in zip(src.layers[:n], dst.layers[:n]):
        if len(a.weights) != len(b.weights):
            raise ValueError(f"{a.name} and {b.name} hold different numbers of variables")
        for v, w in zip(a.weights, b.weights):
            if tuple(v.shape) != tuple(w.shape):
                raise ValueError(f"{v.path} and {w.path} differ in shape")
            pairs.append((v, w))
    for v, w in pairs:
        w.assign(v.numpy())


def roundtrip_model(net, path):
    if not str(path).endswith(".keras"):
        raise ValueError("a .keras file name is needed")
    net.save(path)
    return keras.models.load_model(path)
