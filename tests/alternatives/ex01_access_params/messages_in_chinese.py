"""Every exception message in Chinese (a learner's own words, in another language): the same types, none of the English keywords."""

from __future__ import annotations

import keras
import numpy as np


def _dense_layers(net):
    """Every Dense layer of ``net`` (nested models included), each once, in order."""
    seen, out = set(), []
    stack = [net]
    while stack:
        layer = stack.pop(0)
        if isinstance(layer, keras.layers.Dense) and id(layer) not in seen:
            seen.add(id(layer))
            out.append(layer)
        stack[:0] = getattr(layer, "layers", [])
    return out


def build_mlp(hidden_units: int = 256, outputs: int = 10) -> keras.Sequential:
    """The chapter's MLP, not yet built (no ``keras.Input``).

    ``Sequential([Flatten(), Dense(hidden_units, activation="relu"), Dense(outputs)])``

    >>> net = build_mlp()
    >>> net.weights
    []
    >>> net(np.zeros((2, 20))).shape
    TensorShape([2, 10])
    """
    return keras.Sequential(
        [
            keras.layers.Flatten(),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dense(outputs),
        ]
    )


def hidden_kernel(net):
    """The kernel variable of the first Dense layer of ``net`` — the object itself.

    For the chapter's MLP this is ``net.weights[0]``, but not in general: a
    ``Conv2D`` or an ``Embedding`` may come first (a ``Conv2D`` has a ``kernel``
    too, yet it is not a Dense layer). Nested models are searched too, at any
    depth. Raise ``ValueError`` if ``net`` is not built yet; a net whose layers
    are only partly built (``net.built`` is False) is not built.

    >>> net = build_mlp(); net.build((None, 20))
    >>> hidden_kernel(net) is net.layers[1].kernel
    True
    """
    dense = _dense_layers(net)
    if not net.built or not dense or not dense[0].built:
        raise ValueError("网络尚未构建：请先用数据调用它，或调用 net.build(input_shape)")
    return dense[0].kernel


def layer_params(net, index: int):
    """``(kernel, bias)`` of ``net.layers[index]``: the variables themselves.

    A Conv layer has a kernel and a bias too. ``IndexError`` if ``index`` is out
    of range; ``ValueError`` if that layer has no parameters (a ``Flatten``), has
    not created them yet, or lacks a kernel or a bias (a ``BatchNormalization``'s
    gamma and beta are not a kernel and a bias; ``Dense(use_bias=False)`` has no bias).

    >>> net = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
    >>> net.build((None, 20))
    >>> kernel, bias = layer_params(net, 2)   # the output layer of the MLP
    >>> tuple(kernel.shape), tuple(bias.shape)
    ((256, 10), (10,))
    """
    layers = net.layers
    if not -len(layers) <= index < len(layers):
        raise IndexError(f"层索引 {index} 越界：网络只有 {len(layers)} 层")
    layer = layers[index]
    if not layer.weights:
        if layer.built:
            raise ValueError(f"第 {index} 层（{layer.name}）没有参数")
        raise ValueError(f"第 {index} 层（{layer.name}）尚未构建，还没有参数")
    kernel, bias = getattr(layer, "kernel", None), getattr(layer, "bias", None)
    if kernel is None or bias is None:
        raise ValueError("该层没有权重和偏置")
    return kernel, bias


def param_shapes(net) -> dict:
    """Each variable's ``.path`` mapped to its shape as a tuple of ints, in ``net.weights`` order.

    Every variable counts, trainable or not (a BatchNormalization's moving
    statistics, the variables of a frozen layer).

    >>> net = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
    >>> net.build((None, 20))
    >>> param_shapes(net)   # paths as Keras numbers them, e.g. sequential/dense/kernel
    {'sequential.../dense.../kernel': (20, 256), 'sequential.../dense.../bias': (256,), ...}
    """
    return {v.path: tuple(int(d) for d in v.shape) for v in net.weights}


def count_params(net) -> int:
    """The number of scalar parameters (an ``int``); a shared variable counts once.

    Every variable of ``net.weights`` counts, non-trainable ones included.

    >>> net = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
    >>> net.build((None, 20))
    >>> count_params(net)   # 20*256 + 256 + 256*10 + 10
    7946
    """
    return int(sum(int(np.prod(v.shape)) for v in net.weights))


def build_nested(blocks: int = 4) -> keras.Sequential:
    """The chapter's nested net, not built.

    ``Sequential([Sequential([block-0, …, block-{blocks-1}]), Dense(1)])`` where
    block ``i`` is ``Sequential([Flatten(), Dense(4, activation="relu")], name=f"block-{i}")``;
    the head ``Dense(1)`` has no activation.

    >>> rgnet = build_nested(); rgnet(np.zeros((2, 4))).shape
    TensorShape([2, 1])
    """
    inner = keras.Sequential(
        [
            keras.Sequential(
                [keras.layers.Flatten(), keras.layers.Dense(4, activation="relu")],
                name=f"block-{i}",
            )
            for i in range(blocks)
        ]
    )
    return keras.Sequential([inner, keras.layers.Dense(1)])


def find_param(net, path: str):
    """The variable of ``net`` whose ``.path == path``, nested models included.

    Trainable or not, every variable of ``net.weights`` can be found. Only an
    exact match counts: a part of a path (a suffix such as ``"dense/kernel"``)
    matches nothing. Two separate models may hold the same paths: each call
    searches the net it is given. ``KeyError`` when none matches (a helpful
    message lists the available paths; its words are yours).

    >>> rgnet = keras.Sequential([keras.Sequential([keras.layers.Dense(4)]), keras.layers.Dense(1)])
    >>> rgnet.build((None, 4))
    >>> find_param(rgnet, rgnet.weights[0].path) is rgnet.weights[0]
    True
    """
    for v in net.weights:
        if v.path == path:
            return v
    available = ", ".join(v.path for v in net.weights) or "none (the net is not built)"
    raise KeyError(f"找不到路径为 {path!r} 的变量；可用的路径：{available}")
