"""Builds with Sequential.add, checks built over Keras's _flatten_layers, materializes by calling the net on a symbolic keras.Input."""

from __future__ import annotations

import keras


def unbuilt_mlp() -> keras.Sequential:
    """``Sequential([Dense(256, relu), Dense(10)])`` with no input shape: no parameters yet.

    >>> net = unbuilt_mlp()
    >>> net.weights
    []
    >>> net(np.zeros((2, 20))).shape, net.layers[0].kernel.shape
    (TensorShape([2, 10]), (20, 256))
    """
    net = keras.Sequential()
    net.add(keras.layers.Dense(256, activation="relu"))
    net.add(keras.layers.Dense(10))
    return net


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
    return all(layer.built for layer in net._flatten_layers(include_self=True, recursive=True))


def _dense_in_order(layer):
    """The Dense layers inside ``layer`` in order, depth first (one level of
    _flatten_layers at a time: its recursive walk does not keep the order)."""
    for sub in layer._flatten_layers(include_self=False, recursive=False):
        if isinstance(sub, keras.layers.Dense):
            yield sub
        else:
            yield from _dense_in_order(sub)


def materialize(net, input_dim: int) -> list[tuple[int, ...]]:
    """Create the parameters of ``net`` for inputs of width ``input_dim``, running no data.

    Returns the parameter shapes as tuples of ints, in ``net.weights`` order.
    ``ValueError`` (changing nothing) if ``input_dim`` is not a positive int, or
    if ``net`` is already built for another width; a net already built for
    ``input_dim`` is left as it is.

    >>> materialize(unbuilt_mlp(), 20)
    [(20, 256), (256,), (256, 10), (10,)]
    """
    if isinstance(input_dim, bool) or not isinstance(input_dim, int) or input_dim < 1:
        raise ValueError(f"input_dim must be a positive int, got {input_dim!r}")
    if net.built and net.input_shape[-1] != input_dim:
        raise ValueError(
            f"the net already takes inputs of width {net.input_shape[-1]}, not {input_dim}"
        )
    if not net.built:
        for layer in _dense_in_order(net):  # a partly built net: a failed call would spoil it
            if layer.built and layer.kernel.shape[0] != input_dim:
                raise ValueError(
                    f"{layer.name} already takes inputs of width {layer.kernel.shape[0]}"
                )
            break
        net(keras.Input(shape=(input_dim,)))  # symbolic: no numbers flow
    return [tuple(v.shape) for v in net.weights]


def input_width(net) -> int:
    """The input width the built net's first Dense layer accepts: its kernel's first dimension.

    Nested models are searched too. With a ``Flatten`` first, inputs of shape
    ``(batch, 2, 3)`` give 6. ``ValueError`` if ``net`` is not built (or has no
    Dense layer).

    >>> net = unbuilt_mlp(); net.build((None, 20)); input_width(net)
    20
    """
    for layer in _dense_in_order(net):
        if not (net.built and layer.built):
            raise ValueError("the net is not built: build it or call it first")
        return layer.kernel.shape[0]
    raise ValueError("the net has no Dense layer")
