# %% [markdown]
# # ex08: Reading and writing parameters
#
# The lesson is the docstring of the next cell. Each task has a markdown cell, a code
# cell to fill in, and a check cell that grades what this kernel holds now with the
# tests of `make test` (run the code cell first, then its check cell).

# %%
"""Exercise 8 — reading and writing parameters. Book: D2L 4.5 “reading and writing files” (读写文件).

Training takes long; its result is the parameters. The book saves them in three
ways: single tensors with NumPy (``np.save``/``np.load``), a model's parameters
with ``save_weights``/``load_weights`` (a second instance of the same model
class loads them and computes the same outputs), and, in its exercises, the
architecture with the parameters. Every function here writes only to the path it
is given (the tests hand you a fresh directory).

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> np.savez(folder / "xy.npz", x=np.arange(3), y=np.zeros(4))
>>> with np.load(folder / "xy.npz", allow_pickle=False) as data:
...     {name: data[name].shape for name in data.files}
{'x': (3,), 'y': (4,)}

Keras 3 facts that matter here (checked on Keras 3.15.1 with TensorFlow 2.21.0):

* ``model.save_weights(path)`` needs a file name ending in ``.weights.h5`` (the
  book's ``'mlp.params'`` raises ``ValueError``), and ``load_weights`` matches
  variables by the layers' order and attribute names (``by_name=True`` was for
  the legacy ``.h5`` format only).
* Saving or loading the weights of a net that was never built raises
  ``ValueError``: give it its variables first with one call on data of the right
  shape (``net.build(input_shape)`` does it for a ``Sequential``, but only marks
  a subclassed model without a ``build`` method of its own as built).
* ``model.save("net.keras")`` writes the architecture (each layer's class name and
  ``get_config()``) and the parameters; ``keras.saving.load_model`` reads it back.
  Loading never runs code from the file unless you turn ``safe_mode`` off: keep it
  on (a ``Lambda`` layer then cannot be loaded). A custom layer must be
  registered, and the file loads in another process only if that process has
  imported the module that registers it.
* The book's ``np.save('x-files', [x, y])`` of two tensors of different lengths
  fails on current NumPy (an array cannot be ragged); ``np.savez(path, x=x, y=y)``
  stores named arrays of any shapes in one file. ``np.save``/``np.savez`` add
  ``.npy``/``.npz`` to a name without it: the file is then not where you said.
* ``set_weights`` and ``assign`` copy values: after a copy two nets evolve apart.
"""

from __future__ import annotations

import keras
import numpy as np

# %% [markdown]
# ## Task `save_tensors`: Named tensors of any shapes in one file


# %%
def save_tensors(path, **tensors) -> None:
    """Write the named tensors to the NumPy archive ``path`` (``.npz``), without pickle.

    Each value may be a NumPy array, a TensorFlow tensor, a Keras variable or a
    (nested) list of numbers, of any shape and numeric or boolean dtype; names and
    values are stored as they are (``load_tensors`` gives them back exactly).
    ``ValueError``, writing nothing, when ``path`` does not end in ``.npz`` (NumPy
    would add the suffix and write another file), when no tensor is given, or when
    a value is not numeric or boolean (an object array, a ragged list: storing it
    would need pickle).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "xy.npz"
    >>> save_tensors(path, x=np.arange(3), y=keras.ops.zeros((2, 2)))
    >>> sorted(load_tensors(path))
    ['x', 'y']
    """
    if not str(path).endswith(".npz"):
        raise ValueError(f"the file name must end in .npz, got {str(path)!r}")
    if not tensors:
        raise ValueError("no tensor to save")
    arrays = {name: np.asarray(keras.ops.convert_to_numpy(v)) for name, v in tensors.items()}
    for name, array in arrays.items():
        if array.dtype.kind not in "biufc":
            raise ValueError(
                f"{name} is not numeric or boolean ({array.dtype}): it would need pickle"
            )
    np.savez(path, allow_pickle=False, **arrays)


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex08", "save_tensors")


# %% [markdown]
# ## Task `load_tensors`: Back as NumPy arrays, exactly


# %%
def load_tensors(path) -> dict:
    """The tensors of the ``.npz`` archive ``path``: a ``dict`` of name → NumPy array.

    Exactly the names, values, shapes and dtypes saved, in a plain ``dict`` whose
    arrays stay valid after the file is gone (the archive is read and closed).
    Never unpickles: an archive holding a pickled (object) array raises
    ``ValueError``.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.npz"
    >>> np.savez(path, w=np.ones((2, 3), "float16"))
    >>> {k: (v.shape, v.dtype) for k, v in load_tensors(path).items()}
    {'w': ((2, 3), dtype('float16'))}
    """
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex08", "load_tensors")


# %% [markdown]
# ## Task `save_params`: A net's parameters in Keras 3's weights format


# %%
def save_params(net, path) -> None:
    """Write the parameters of the built ``net`` to ``path`` in Keras 3's weights format.

    ``path`` (a ``str`` or a ``pathlib.Path``) must end in ``.weights.h5``; the file
    holds every variable of the net (a shared one once), and ``load_weights`` into
    a net of the same architecture gives the same values back. ``ValueError``,
    writing nothing, when ``path`` ends otherwise (the book's ``'mlp.params'``) or
    ``net`` is not built.

    >>> import pathlib, tempfile
    >>> net = keras.Sequential([keras.layers.Dense(2)])
    >>> net.build((None, 3))
    >>> save_params(net, pathlib.Path(tempfile.mkdtemp()) / "mlp.weights.h5")
    """
    if not str(path).endswith(".weights.h5"):
        raise ValueError(f"the file name must end in .weights.h5, got {str(path)!r}")
    if not net.built:
        raise ValueError("the net is not built: it has no parameters to save yet")
    net.save_weights(path)


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex08", "save_params")


# %% [markdown]
# ## Task `load_params`: A fresh net, built first, then loaded


# %%
def load_params(make_net, path, input_shape):
    """A fresh net from ``make_net()`` holding the parameters saved in ``path``.

    ``make_net`` is called once, without arguments, and returns a net of the
    architecture saved (a ``Sequential`` or a subclassed ``keras.Model``, never
    built). The net gets its variables for ``input_shape`` (batch dimension first,
    e.g. ``(None, 20)``) **before** loading — Keras 3 cannot load into a net that
    has none yet — by one call on zeros of that shape (``build(input_shape)`` is
    not enough for a subclassed model without a ``build`` method of its own: it is
    marked built and still has no variables). Then it loads ``path`` (a
    ``.weights.h5`` file) with Keras's own loader. Its values are the saved ones;
    a net with tied layers stays tied (one variable, loaded once). A file that
    does not fit the net raises ``ValueError``.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mlp.weights.h5"
    >>> net = keras.Sequential([keras.layers.Dense(2)])
    >>> net.build((None, 3))
    >>> net.save_weights(path)
    >>> clone = load_params(lambda: keras.Sequential([keras.layers.Dense(2)]), path, (None, 3))
    >>> bool(np.array_equal(clone.layers[0].kernel.numpy(), net.layers[0].kernel.numpy()))
    True
    """
    net = make_net()
    net(keras.ops.zeros((1, *input_shape[1:])))
    net.load_weights(path)
    return net


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex08", "load_params")


# %% [markdown]
# ## Task `transfer_first_layers`: Reuse the first layers in another net


# %%
def transfer_first_layers(src, dst, n: int) -> None:
    """Copy the parameter values of the first ``n`` layers of ``src`` into ``dst``.

    The book's exercise "reuse the first two layers in another network": for each
    ``i < n``, ``dst.layers[i]`` gets the values of ``src.layers[i]``'s variables,
    in order. Values, not variables: ``dst`` keeps its own variable objects, so the
    two nets evolve apart afterwards; ``src`` is not changed. Layers without
    parameters (a ``Flatten``) pair with layers without parameters.
    ``ValueError``, changing nothing, when ``n`` is not an ``int`` from 1 to the
    number of layers of both nets, or when the ``i``-th layers' variables differ
    in number or shape (an unbuilt ``dst`` included).

    >>> src = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])
    >>> dst = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(3)])
    >>> src.build((None, 2)); dst.build((None, 2))
    >>> transfer_first_layers(src, dst, 1)
    >>> bool(np.array_equal(dst.layers[0].kernel.numpy(), src.layers[0].kernel.numpy()))
    True
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise ValueError(f"n must be an int, got {n!r}")
    if not 1 <= n <= min(len(src.layers), len(dst.layers)):
        raise ValueError(
            f"n must be from 1 to {min(len(src.layers), len(dst.layers))} (the layers of both nets)"
        )
    pairs = list(zip(src.layers[:n], dst.layers[:n]))
    for i, (a, b) in enumerate(pairs):
        shapes_a = [tuple(v.shape) for v in a.weights]
        shapes_b = [tuple(v.shape) for v in b.weights]
        if shapes_a != shapes_b:
            raise ValueError(f"layer {i}: variables of shapes {shapes_a} and {shapes_b}")
    for a, b in pairs:
        b.set_weights(a.get_weights())


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex08", "transfer_first_layers")


# %% [markdown]
# ## Task `roundtrip_model`: Architecture and parameters in one .keras file


# %%
def roundtrip_model(net, path):
    """Save the whole built ``net`` to the ``.keras`` file ``path``; return it loaded.

    The file holds the architecture and the parameters; the model returned is
    read back from it with ``keras.saving.load_model`` (a new object with the same
    layers, configs and values, so it computes the same outputs). The file at
    ``path`` is complete on its own: a fresh Python process that imported only the
    modules registering the net's custom layers loads it. Loading keeps
    ``safe_mode`` on, so it runs no code from the file: a net holding a
    ``Lambda`` layer raises ``ValueError``. ``ValueError``, writing nothing, when
    ``path`` does not end in ``.keras``.

    >>> import pathlib, tempfile
    >>> net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> loaded = roundtrip_model(net, pathlib.Path(tempfile.mkdtemp()) / "net.keras")
    >>> loaded is net, [type(layer).__name__ for layer in loaded.layers]
    (False, ['Dense'])
    """
    if not str(path).endswith(".keras"):
        raise ValueError(f"the file name must end in .keras, got {str(path)!r}")
    net.save(path)
    return keras.saving.load_model(path)


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex08", "roundtrip_model")
