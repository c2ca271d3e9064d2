"""Walks nested models recursively, builds with net.build(input_shape=...) and lets Keras reject a rebuild, reads the width with get_weights."""

from __future__ import annotations

import keras


def _first_dense(layer):
    """The first Dense layer inside ``layer``, depth first, or None."""
    for sub in getattr(layer, "layers", []):
        found = sub if isinstance(sub, keras.layers.Dense) else _first_dense(sub)
        if found is not None:
            return found
    return None


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
    if not net.built:
        return False
    return all(
        is_initialized(layer) if hasattr(layer, "layers") else layer.built for layer in net.layers
    )


def materialize(net, input_dim: int) -> list[tuple[int, ...]]:
    """Create the parameters of ``net`` for inputs of width ``input_dim``, running no data.

    Returns the parameter shapes as tuples of ints, in ``net.weights`` order.
    ``ValueError`` (changing nothing) if ``input_dim`` is not a positive int, or
    if ``net`` is already built for another width; a net already built for
    ``input_dim`` is left as it is.

    >>> materialize(unbuilt_mlp(), 20)
    [(20, 256), (256,), (256, 10), (10,)]
    """
    if isinstance(input_dim, bool) or int(input_dim) != input_dim or input_dim <= 0:
        raise ValueError(f"input_dim must be a positive integer, got {input_dim!r}")
    first = _first_dense(net)
    if (
        not net.built
        and first is not None
        and first.built
        and first.weights[0].shape[0] != input_dim
    ):
        # partly built for another width: a build failing half-way would spoil the net
        raise ValueError(f"{first.name} already takes inputs of width {first.weights[0].shape[0]}")
    net.build(input_shape=(None, int(input_dim)))  # Keras raises ValueError for another width
    return [tuple(w.shape) for w in net.get_weights()]


def input_width(net) -> int:
    """The input width the built net's first Dense layer accepts: its kernel's first dimension.

    Nested models are searched too. With a ``Flatten`` first, inputs of shape
    ``(batch, 2, 3)`` give 6. ``ValueError`` if ``net`` is not built (or has no
    Dense layer).

    >>> net = unbuilt_mlp(); net.build((None, 20)); input_width(net)
    20
    """

    dense = _first_dense(net)
    if dense is None or not net.built or not dense.built:
        raise ValueError("input_width needs a built net with a Dense layer: call or build it first")
    return int(dense.get_weights()[0].shape[0])
