"""Returns the shapes of an already-built net whatever input_dim is asked for.

A mutant of solutions/ex06_lazy_init.py: a mistake a learner could make.
"""

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
        raise ValueError(f"{net.name} has no Dense layer, so it has no input width to report")
    if not net.built or not dense.built:
        raise ValueError(
            f"{net.name} is not built yet, so its input width is not known: "
            "call it on data or net.build((None, input_dim)) first"
        )
    return int(dense.kernel.shape[0])


def unbuilt_mlp() -> keras.Sequential:
    """``Sequential([Dense(256, relu), Dense(10)])`` with no input shape: no parameters yet.

    >>> net = unbuilt_mlp()
    >>> net.weights
    []
    >>> net(np.zeros((2, 20))).shape, net.layers[0].kernel.shape
    (TensorShape([2, 10]), (20, 256))
    """
    return keras.Sequential([keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])


def is_initialized(net) -> bool:
    """``True`` when ``net`` and every layer in it have created their parameters.

    Layers of nested models count too. Having *some* variables is not enough: a
    net whose first layer alone was built is not initialized. Never builds
    anything itself.

    >>> net = unbuilt_mlp(); is_initialized(net)
    False
    >>> net.build((None, 20)); is_initialized(net)
    True
    """
    return bool(net.built) and all(layer.built for layer in _sublayers(net))


def materialize(net, input_dim: int) -> list[tuple[int, ...]]:
    """Create the parameters of ``net`` for inputs of width ``input_dim``, running no data.

    Returns the parameter shapes as tuples of ints, in ``net.weights`` order.
    ``ValueError`` (changing nothing) if ``input_dim`` is not a positive int, or
    if ``net`` is already built for another width; a net already built for
    ``input_dim`` is left as it is.

    >>> materialize(unbuilt_mlp(), 20)
    [(20, 256), (256,), (256, 10), (10,)]
    """
    if (
        isinstance(input_dim, bool)
        or not isinstance(input_dim, (int, np.integer))
        or input_dim <= 0
    ):
        raise ValueError(f"input_dim must be a positive int, got {input_dim!r}")
    if not net.built:
        net.build((None, int(input_dim)))
    return [tuple(int(d) for d in v.shape) for v in net.weights]


def input_width(net) -> int:
    """The input width the built net's first Dense layer accepts: its kernel's first dimension.

    Nested models are searched too. With a ``Flatten`` first, inputs of shape
    ``(batch, 2, 3)`` give 6. ``ValueError`` if ``net`` is not built (or has no
    Dense layer).

    >>> net = unbuilt_mlp(); net.build((None, 20)); input_width(net)
    20
    """
    return _built_width(net)
