"""Every exception raised with no message at all: ValueError() bare; the tests grade the type and that nothing changed, never words."""

from __future__ import annotations

import keras
import numpy as np


def _sublayers(net):
    """Every layer inside ``net`` (nested models included), each once, in order."""
    seen, out = set(), []
    stack = list(getattr(net, "layers", []))
    while stack:
        layer = stack.pop(0)
        if id(layer) not in seen:
            seen.add(id(layer))
            out.append(layer)
            stack[:0] = getattr(layer, "layers", [])
    return out


def _first_dense(net):
    """The first Dense layer of ``net`` (nested models included), or ``None``."""
    return next((x for x in _sublayers(net) if isinstance(x, keras.layers.Dense)), None)


def _built_width(net) -> int:
    """The first dimension of the first Dense kernel; ``ValueError`` when there is none yet."""
    dense = _first_dense(net)
    if dense is None:
        raise ValueError()
    if not net.built or not dense.built:
        raise ValueError()
    return int(dense.kernel.shape[0])


def _taken_width(net) -> int:
    """The width of the inputs the built ``net`` takes: the last dimension of its
    input shape when it takes ``(batch, width)`` inputs (an Embedding first takes
    token ids, its first Dense layer more), else its first Dense layer's width."""
    shape = getattr(net, "input_shape", None)  # a subclassed model has none
    if isinstance(shape, tuple) and len(shape) == 2 and shape[-1] is not None:
        return int(shape[-1])
    return _built_width(net)  # images, several inputs, a subclassed model


def _check_built_layers_fit(net, input_dim: int) -> None:
    """``ValueError`` when a layer of the not yet built ``net`` already has variables
    for another width (a partly built net): found before building, since a build
    that fails half-way leaves a ``Sequential`` unable to build for any width."""
    shape = (None, input_dim)
    for layer in getattr(net, "layers", []):
        if isinstance(layer, keras.layers.Dense) and layer.built:
            if layer.kernel.shape[0] != shape[-1]:
                raise ValueError()
        try:
            shape = tuple(layer.compute_output_shape(shape))
        except Exception:  # shapes further on are not known before building: build decides
            return


def unbuilt_mlp() -> keras.Sequential:
    """``Sequential([Dense(256, relu), Dense(10)])`` with no input shape: no parameters yet.

    >>> net = unbuilt_mlp()
    >>> net.weights
    []
    >>> net(np.zeros((2, 20))).shape, tuple(net.layers[0].kernel.shape)
    (TensorShape([2, 10]), (20, 256))
    """
    return keras.Sequential([keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])


def is_initialized(net) -> bool:
    """``True`` when ``net`` and every layer in it have created their parameters.

    Layers of nested models count too, at any depth. Having *some* variables is
    not enough: a net whose first layer alone was built is not initialized, nor
    is a built net with a layer it never used. Never builds anything itself,
    and asked again it gives the same answer.

    >>> net = unbuilt_mlp(); is_initialized(net)
    False
    >>> net.build((None, 20)); is_initialized(net)
    True
    """
    return bool(net.built) and all(layer.built for layer in _sublayers(net))


def materialize(net, input_dim: int) -> list[tuple[int, ...]]:
    """Create the parameters of ``net`` for inputs of width ``input_dim``, running no data.

    Returns the parameter shapes as tuples of ints, in ``net.weights`` order.
    ``ValueError`` (changing nothing) if ``input_dim`` is not a positive int (a
    bool is not a width, nor is 2.5; whether an integral float such as 20.0
    counts as 20 is yours to decide, as long as a rejected one builds nothing),
    or if ``net`` is already built for another width (the width of its own
    inputs: an Embedding net built for 7 token ids is built for 7, whatever its
    first Dense layer takes); a net already built for ``input_dim`` is left as
    it is. A partly built net (some layers have
    variables, ``net.built`` is False) is not built yet: build the rest, or raise
    ``ValueError`` changing nothing if its built layers take another width.

    >>> materialize(unbuilt_mlp(), 20)
    [(20, 256), (256,), (256, 10), (10,)]
    """
    if (
        isinstance(input_dim, bool)
        or not isinstance(input_dim, (int, np.integer))
        or input_dim <= 0
    ):
        raise ValueError()
    if net.built:
        width = _taken_width(net)
        if width != input_dim:
            raise ValueError()
    else:
        _check_built_layers_fit(net, int(input_dim))
        net.build((None, int(input_dim)))
    return [tuple(int(d) for d in v.shape) for v in net.weights]


def input_width(net) -> int:
    """The input width the built net's first Dense layer accepts: its kernel's first dimension.

    Nested models are searched too, at any depth. With a ``Flatten`` first,
    inputs of shape ``(batch, 2, 3)`` give 6; a ``Conv2D`` (which has a kernel
    too) or an ``Embedding`` before it does not count: Conv2D + Flatten + Dense
    on 8×8×1 images gives the Dense layer's 144. ``ValueError`` if ``net`` is
    not built, partly built nets included (or has no Dense layer).

    >>> net = unbuilt_mlp(); net.build((None, 20)); input_width(net)
    20
    """
    return _built_width(net)
