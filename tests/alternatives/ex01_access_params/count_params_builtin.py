"""Uses Keras's own count_params and keras.ops-free shape handling."""

from __future__ import annotations

import keras


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

    For the chapter's MLP this is ``net.weights[0]``. Nested models are searched
    too. Raise ``ValueError`` if ``net`` is not built yet.

    >>> net = build_mlp(); net.build((None, 20))
    >>> hidden_kernel(net) is net.layers[1].kernel
    True
    """
    dense = _dense_layers(net)
    if not net.built or not dense or not dense[0].built:
        raise ValueError(
            "the net is not built yet: call it on data or net.build(input_shape) first"
        )
    return dense[0].kernel


def layer_params(net, index: int):
    """``(kernel, bias)`` of ``net.layers[index]``: the variables themselves.

    ``IndexError`` if ``index`` is out of range; ``ValueError`` if that layer has
    no parameters (a ``Flatten``) or has not created them yet.

    >>> kernel, bias = layer_params(net, 2)   # the output layer of the MLP
    >>> kernel.shape, bias.shape
    ((256, 10), (10,))
    """
    layers = net.layers
    if not -len(layers) <= index < len(layers):
        raise IndexError(f"layer index {index} out of range: the net has {len(layers)} layers")
    layer = layers[index]
    if not layer.weights:
        if layer.built:
            raise ValueError(
                f"layer {index} ({layer.name}, {type(layer).__name__}) has no parameters"
            )
        raise ValueError(f"layer {index} ({layer.name}) is not built yet, so it has no parameters")
    kernel, bias = getattr(layer, "kernel", None), getattr(layer, "bias", None)
    if kernel is None or bias is None:
        raise ValueError(f"layer {index} ({layer.name}) has no kernel and bias")
    return kernel, bias


def param_shapes(net) -> dict:
    """Each variable's ``.path`` mapped to its shape as a tuple of ints, in ``net.weights`` order.

    >>> param_shapes(net)
    {'sequential/dense/kernel': (20, 256), 'sequential/dense/bias': (256,), ...}
    """
    return {v.path: tuple(int(d) for d in v.shape) for v in net.weights}


def count_params(net) -> int:
    """The number of scalar parameters (an ``int``); a shared variable counts once.

    >>> count_params(net)   # 20*256 + 256 + 256*10 + 10
    7946
    """
    return int(net.count_params())


def build_nested(blocks: int = 4) -> keras.Sequential:
    """The chapter's nested net, not built.

    ``Sequential([Sequential([block-0, …, block-{blocks-1}]), Dense(1)])`` where
    block ``i`` is ``Sequential([Flatten(), Dense(4, activation="relu")], name=f"block-{i}")``.

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

    ``KeyError`` when none matches (a helpful message lists the available paths).

    >>> find_param(rgnet, rgnet.weights[0].path) is rgnet.weights[0]
    True
    """
    for v in net.weights:
        if v.path == path:
            return v
    available = ", ".join(v.path for v in net.weights) or "none (the net is not built)"
    raise KeyError(f"no variable with path {path!r}; available paths: {available}")
