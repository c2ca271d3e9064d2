"""The book's TensorFlow idioms: tf.keras.models.Sequential() filled with .add(), activation=tf.nn.relu, layer.weights[0] for the first Dense kernel."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def _dense_layers(net):
    out = []

    def walk(layer):
        if isinstance(layer, tf.keras.layers.Dense):
            if all(layer is not seen for seen in out):
                out.append(layer)
            return
        for sub in getattr(layer, "layers", []):
            walk(sub)

    walk(net)
    return out


def build_mlp(hidden_units=256, outputs=10):
    net = tf.keras.models.Sequential()
    net.add(tf.keras.layers.Flatten())
    net.add(tf.keras.layers.Dense(hidden_units, activation=tf.nn.relu))
    net.add(tf.keras.layers.Dense(outputs))
    return net


def hidden_kernel(net):
    dense = _dense_layers(net)
    if not net.built or not dense or not dense[0].built:
        raise ValueError("the net is not built yet: call it on data first")
    return dense[0].weights[0]  # a Dense layer's weights are [kernel, bias]


def layer_params(net, index):
    if index >= len(net.layers) or index < -len(net.layers):
        raise IndexError(f"no layer {index}: the net has {len(net.layers)} layers")
    layer = net.layers[index]
    if not layer.built or not layer.weights:
        raise ValueError(f"layer {index} ({layer.name}) has no parameters (yet)")
    if not hasattr(layer, "kernel") or getattr(layer, "bias", None) is None:
        raise ValueError(f"layer {index} ({layer.name}) has no kernel and bias")
    return layer.kernel, layer.bias


def param_shapes(net):
    return dict((v.path, tuple(v.shape)) for v in net.weights)  # a Keras 3 shape holds ints


def count_params(net):
    return int(np.sum([np.prod(v.shape) for v in net.weights], dtype=np.int64))


def build_nested(blocks=4):
    def block(i):
        b = tf.keras.models.Sequential(name=f"block-{i}")
        b.add(tf.keras.layers.Flatten())
        b.add(tf.keras.layers.Dense(4, activation=tf.nn.relu))
        return b

    inner = tf.keras.models.Sequential()
    for i in range(blocks):
        inner.add(block(i))
    rgnet = tf.keras.models.Sequential()
    rgnet.add(inner)
    rgnet.add(tf.keras.layers.Dense(1))
    return rgnet


def find_param(net, path):
    matches = [v for v in net.weights if v.path == path]
    if not matches:
        raise KeyError(f"{path!r} not found; the net has {[v.path for v in net.weights]}")
    return matches[0]
