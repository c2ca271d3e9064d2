"""The book's TensorFlow idioms: tf.keras.models.Sequential() filled with .add() and activation=tf.nn.relu; shapes read as kernel.shape[0]; built via net.build."""

from __future__ import annotations

import numbers

import tensorflow as tf


def _walk(net):
    out = []
    for layer in getattr(net, "layers", []):
        if all(layer is not seen for seen in out):
            out.append(layer)
            out.extend(x for x in _walk(layer) if all(x is not seen for seen in out))
    return out


def _first_dense(net):
    for layer in _walk(net):
        if isinstance(layer, tf.keras.layers.Dense):
            return layer
    return None


def unbuilt_mlp():
    net = tf.keras.models.Sequential()
    net.add(tf.keras.layers.Dense(256, activation=tf.nn.relu))
    net.add(tf.keras.layers.Dense(10))
    return net


def is_initialized(net):
    if not net.built:
        return False
    return all(layer.built for layer in _walk(net))


def input_width(net):
    dense = _first_dense(net)
    if dense is None or not net.built or not dense.built:
        raise ValueError(f"{net.name} is not built (or has no Dense layer): no input width yet")
    return int(dense.kernel.shape[0])


def _taken_width(net):
    shape = getattr(net, "input_shape", None)
    if isinstance(shape, tuple) and len(shape) == 2 and shape[-1] is not None:
        return int(shape[-1])
    return input_width(net)


def materialize(net, input_dim):
    ok = isinstance(input_dim, numbers.Integral) and not isinstance(input_dim, bool)
    if not ok or input_dim < 1:
        raise ValueError(f"input_dim must be a positive int, got {input_dim!r}")
    input_dim = int(input_dim)
    if net.built:
        if _taken_width(net) != input_dim:
            raise ValueError(f"{net.name} is already built for another width")
    else:
        width = input_dim  # the width each Dense layer gets, as far as it is known
        for layer in net.layers:
            if isinstance(layer, tf.keras.layers.Dense):
                if layer.built and layer.kernel.shape[0] != width:
                    raise ValueError(f"{layer.name} is already built for another width")
                width = layer.units
            elif not isinstance(layer, tf.keras.layers.Dropout):
                break  # other layers: let build decide
        net.build((None, input_dim))
    return [tuple(int(d) for d in v.shape) for v in net.weights]
