# %% [markdown]
# # ex04: Setting parameters directly
#
# The lesson is the docstring of the next cell. Each task has a markdown cell, a code
# cell to fill in, and a check cell that grades what this kernel holds now with the
# tests of `make test` (run the code cell first, then its check cell).

# %%
"""Exercise 4 — setting parameters directly. Book: D2L 4.2, direct assignment: no numbered
section.

A parameter is a *variable*: a box of values that stays the same object while its
values change. You change the values in place, through the variable's methods:

* ``v.assign(values)`` replaces every value (the shape must match exactly);
* ``v.assign_add(delta)`` and ``v.assign_sub(delta)`` add or subtract in place;
* ``v.numpy()`` reads a NumPy copy of the values.

Because the model holds the variable object, an in-place change is seen by the
model at once, and every other holder of that object (a tied layer, an optimizer)
sees it too. Writing ``v = v + 1`` only builds a new *tensor*: the variable, and
the model, are untouched.

Keras 3 facts that break the book's TensorFlow code (checked on Keras 3.15.1 with
TensorFlow 2.21.0):

* A ``keras.Variable`` supports no item assignment: ``v[0, 0] = 42`` raises
  ``TypeError``. The book's ``v[0, 0].assign(42)`` works only because the
  TensorFlow backend hands back a sliced ``tf.Variable``; the portable way is to
  build the new values (``keras.ops.scatter_update`` or ``keras.ops.slice_update``)
  and ``assign`` them.
* ``v.assign(...)`` and ``v.assign_add(...)`` return a *tensor*, not the variable:
  ``return v.assign_add(1)`` hands back a copy of the values.
* ``model.get_weights()`` returns NumPy copies; ``model.set_weights(arrays)``
  assigns the variables one after the other and stops at the first shape that
  does not fit, so the leading variables are already overwritten when it fails.
  Check everything before you assign anything.
* ``layer.trainable = False`` freezes a layer: its variables move from
  ``layer.trainable_weights`` to ``layer.non_trainable_weights`` (the same
  objects, same values), and an optimizer given ``model.trainable_variables``
  leaves them alone. Those two lists are computed afresh on every access, so
  appending to or clearing them changes nothing. If a model was already compiled
  and trained, ``compile()`` it again after freezing.
"""

from __future__ import annotations

import keras


def _check_variable(variable) -> None:
    if not hasattr(variable, "assign") or not hasattr(variable, "shape"):
        raise ValueError(
            f"expected a variable (e.g. layer.kernel), got a {type(variable).__name__}: "
            "only a variable can change in place"
        )


# %% [markdown]
# ## Task `add_one`: Add one in place


# %%
def add_one(variable):
    """Add 1 to every element of ``variable`` in place; return the same variable.

    The dtype stays the variable's own (float64 stays float64).

    >>> v = keras.Variable([[1.0, 2.0], [3.0, 4.0]])
    >>> add_one(v) is v
    True
    >>> v.numpy()
    array([[2., 3.],
           [4., 5.]], dtype=float32)
    """
    _check_variable(variable)
    variable.assign_add(keras.ops.ones_like(variable))
    return variable


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex04", "add_one")


# %% [markdown]
# ## Task `set_first_element`: Set one element in place


# %%
def set_first_element(variable, value=42.0):
    """Set the first element of ``variable`` to ``value`` in place; return the variable.

    The first element is ``[0, 0]`` of a matrix (a kernel), ``[0]`` of a vector
    (a bias), ``[0, 0, 0, 0]`` of a 4-D Conv2D kernel: one index 0 per
    dimension, whatever the rank (``v[0, 0]`` of a 3-D or 4-D variable is a
    whole slice). Every other element keeps its value.

    >>> v = keras.Variable([[1.0, 2.0], [3.0, 4.0]])
    >>> set_first_element(v) is v
    True
    >>> v.numpy()
    array([[42.,  2.],
           [ 3.,  4.]], dtype=float32)
    >>> b = keras.Variable([1.0, 2.0]); set_first_element(b, -1.0).numpy()
    array([-1.,  2.], dtype=float32)
    """
    _check_variable(variable)
    if len(variable.shape) == 0 or 0 in tuple(variable.shape):
        raise ValueError(
            f"{getattr(variable, 'path', 'the variable')} has shape {tuple(variable.shape)}: no first element to set"
        )
    first = [[0] * len(variable.shape)]
    update = keras.ops.convert_to_tensor([value], dtype=variable.dtype)
    variable.assign(keras.ops.scatter_update(variable, first, update))
    return variable


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex04", "set_first_element")


# %% [markdown]
# ## Task `copy_params`: Copy values between models, all or nothing


# %%
def _built_weights(net, name: str) -> list:
    if not getattr(net, "built", False):
        raise ValueError(f"{name} ({net.name}) is not built: it has no parameters to copy yet")
    if not net.weights:
        raise ValueError(f"{name} ({net.name}) has no parameters to copy")
    return list(net.weights)


def copy_params(src, dst):
    """Copy every parameter value of the built model ``src`` into the built model ``dst``.

    The two models have the same architecture: variables are matched by their
    order in ``.weights`` (names and paths may differ), every variable counts,
    trainable or not (BatchNormalization's moving statistics are copied too),
    and freezing a layer of one model does not change its architecture.
    Afterwards the values are equal but no variable is shared: ``dst`` keeps
    its own variable objects.

    All or nothing: if the number of variables or any shape differs, raise
    ``ValueError`` and leave ``dst`` completely unchanged (check everything
    before assigning anything); a helpful message names the first mismatching
    variable, in your own words.
    Unbuilt models raise ``ValueError`` too, and so do partly built ones
    (``net.built`` False, though some layers have variables).

    >>> src = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> dst = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])   # other values
    >>> copy_params(src, dst)
    >>> (dst.weights[0].numpy() == src.weights[0].numpy()).all()
    np.True_
    >>> dst.weights[0] is src.weights[0]
    False
    """
    src_vars, dst_vars = _built_weights(src, "src"), _built_weights(dst, "dst")
    for s, d in zip(src_vars, dst_vars, strict=False):  # the counts are compared below
        if tuple(s.shape) != tuple(d.shape):
            raise ValueError(
                f"shape mismatch: src variable {s.path} has shape {tuple(s.shape)} "
                f"but dst variable {d.path} has shape {tuple(d.shape)}; nothing was copied"
            )
    if len(src_vars) != len(dst_vars):
        n = min(len(src_vars), len(dst_vars))
        extra = src_vars[n] if len(src_vars) > n else dst_vars[n]
        raise ValueError(
            f"src has {len(src_vars)} variables but dst has {len(dst_vars)}: "
            f"{extra.path} has no counterpart; nothing was copied"
        )
    for s, d in zip(src_vars, dst_vars, strict=True):
        d.assign(s.value)


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex04", "copy_params")


# %% [markdown]
# ## Task `freeze`: Make a layer's parameters non-trainable


# %%
def freeze(layer):
    """Make the parameters of ``layer`` non-trainable; return the same layer.

    Afterwards ``layer.trainable_weights`` is empty and every variable of the
    layer is in ``layer.non_trainable_weights`` (the same objects, the same
    values); a model holding the layer no longer lists them in its
    ``trainable_weights``, so training leaves them alone. Freezing a model
    freezes every layer in it; a frozen ``BatchNormalization`` (alone or inside
    a frozen model) also stops updating its moving statistics, which only the
    layer's own ``trainable`` flag does, not the variables' flags.

    >>> dense = keras.layers.Dense(3); dense.build((None, 4))
    >>> freeze(dense) is dense
    True
    >>> dense.trainable_weights, len(dense.non_trainable_weights)
    ([], 2)
    """
    layer.trainable = False
    return layer


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex04", "freeze")
