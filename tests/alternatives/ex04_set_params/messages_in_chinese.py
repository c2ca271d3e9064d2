"""Every exception message in Chinese (a learner's own words, in another language): the same types, none of the English keywords."""

from __future__ import annotations

import keras


def _check_variable(variable) -> None:
    if not hasattr(variable, "assign") or not hasattr(variable, "shape"):
        raise ValueError(f"需要一个变量（例如 layer.kernel），得到的是 {type(variable).__name__}")


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
        raise ValueError(f"形状为 {tuple(variable.shape)} 的变量没有第一个元素")
    first = [[0] * len(variable.shape)]
    update = keras.ops.convert_to_tensor([value], dtype=variable.dtype)
    variable.assign(keras.ops.scatter_update(variable, first, update))
    return variable


def _built_weights(net, name: str) -> list:
    if not getattr(net, "built", False):
        raise ValueError(f"{name}（{net.name}）尚未构建，还没有可复制的参数")
    if not net.weights:
        raise ValueError(f"{name}（{net.name}）没有参数")
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
                f"形状不一致：{s.path} 的形状是 {tuple(s.shape)}，{d.path} 的形状是 {tuple(d.shape)}；未复制任何值"
            )
    if len(src_vars) != len(dst_vars):
        n = min(len(src_vars), len(dst_vars))
        extra = src_vars[n] if len(src_vars) > n else dst_vars[n]
        raise ValueError(
            f"src 有 {len(src_vars)} 个变量，dst 有 {len(dst_vars)} 个：{extra.path} 没有对应的变量；未复制任何值"
        )
    for s, d in zip(src_vars, dst_vars, strict=True):
        d.assign(s.value)


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
