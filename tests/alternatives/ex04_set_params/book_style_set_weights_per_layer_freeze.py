"""The book's TensorFlow idioms: v.assign(v + 1), sliced v[0, 0].assign, set_weights after a full check, trainable flags set layer by layer."""

from __future__ import annotations


def _check_variable(variable) -> None:
    if not hasattr(variable, "assign") or not hasattr(variable, "shape"):
        raise ValueError(
            f"expected a variable (e.g. layer.kernel), got a {type(variable).__name__}: "
            "only a variable can change in place"
        )


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
    variable.assign(variable + 1)
    return variable


def set_first_element(variable, value=42.0):
    """Set the first element of ``variable`` to ``value`` in place; return the variable.

    The first element is ``[0, 0]`` of a matrix (a kernel), ``[0]`` of a vector
    (a bias); every other element keeps its value.

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
    variable[(0,) * len(variable.shape)].assign(
        value
    )  # the book's sliced assign (TensorFlow backend)
    return variable


def _built_weights(net, name: str) -> list:
    if not getattr(net, "built", False):
        raise ValueError(f"{name} ({net.name}) is not built: it has no parameters to copy yet")
    if not net.weights:
        raise ValueError(f"{name} ({net.name}) has no parameters to copy")
    return list(net.weights)


def copy_params(src, dst):
    """Copy every parameter value of the built model ``src`` into the built model ``dst``.

    The two models have the same architecture: variables are matched by their
    order in ``.weights`` (names and paths may differ). Afterwards the values are
    equal but no variable is shared: ``dst`` keeps its own variable objects.

    All or nothing: if the number of variables or any shape differs, raise
    ``ValueError`` and leave ``dst`` completely unchanged (check everything
    before assigning anything); a helpful message names the first mismatching
    variable, in your own words.
    Unbuilt models raise ``ValueError`` too.

    >>> src, dst = make_net(), make_net()   # same architecture, different values
    >>> copy_params(src, dst)
    >>> (dst.weights[0].numpy() == src.weights[0].numpy()).all()
    np.True_
    >>> dst.weights[0] is src.weights[0]
    False
    """
    src_vars, dst_vars = _built_weights(src, "src"), _built_weights(dst, "dst")
    if len(src_vars) != len(dst_vars):
        raise ValueError(
            f"src has {len(src_vars)} variables, dst has {len(dst_vars)}: not the same architecture"
        )
    for s, d in zip(src_vars, dst_vars, strict=True):
        if s.shape != d.shape:
            raise ValueError(
                f"{d.path} has shape {d.shape}, but its source {s.path} has shape {s.shape}"
            )
    dst.set_weights(src.get_weights())  # safe now: every shape was checked


def freeze(layer):
    """Make the parameters of ``layer`` non-trainable; return the same layer.

    Afterwards ``layer.trainable_weights`` is empty and every variable of the
    layer is in ``layer.non_trainable_weights`` (the same objects, the same
    values); a model holding the layer no longer lists them in its
    ``trainable_weights``, so training leaves them alone.

    >>> dense = keras.layers.Dense(3); dense.build((None, 4))
    >>> freeze(dense) is dense
    True
    >>> dense.trainable_weights, len(dense.non_trainable_weights)
    ([], 2)
    """
    if not layer.built:
        raise ValueError(f"{layer.name} is not built: build it before freezing its variables")
    pending = [layer]
    while pending:  # the layer and every layer nested in it, each by its own flag
        current = pending.pop()
        current.trainable = False
        pending.extend(getattr(current, "layers", []))
    return layer
