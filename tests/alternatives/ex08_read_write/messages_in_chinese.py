"""Every exception message in Chinese (a learner's own words, in another language): its own checks, and NumPy's and Keras's refusals re-raised with a Chinese message; one helper checks every file suffix, numeric dtypes by np.issubdtype, layers copied after every pair is checked."""

from __future__ import annotations

import keras
import numpy as np


def _check_suffix(path, suffix: str) -> str:
    name = str(path)
    if not name.endswith(suffix):
        raise ValueError(f"文件名必须以 {suffix} 结尾，而不是 {name!r}")
    return name


def save_tensors(path, **tensors) -> None:
    """把这些有名字的张量写进 .npz 存档，不用 pickle。"""
    name = _check_suffix(path, ".npz")
    if not tensors:
        raise ValueError("没有要保存的张量")
    arrays = {}
    for key, value in tensors.items():
        try:
            array = np.asarray(keras.ops.convert_to_numpy(value))
        except ValueError as exc:
            raise ValueError(f"{key} 不是规则的数组：长度不一的列表需要 pickle 才能保存") from exc
        numeric = np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
        if not numeric:
            raise ValueError(
                f"{key} 的数据类型 {array.dtype} 既不是数值也不是布尔：保存它需要 pickle"
            )
        arrays[key] = array
    np.savez(name, allow_pickle=False, **arrays)


def load_tensors(path) -> dict:
    """读回存档中的张量：名字 → NumPy 数组。"""
    archive = np.load(str(path), allow_pickle=False)
    try:
        result = {}
        for key in archive.files:
            try:
                result[key] = archive[key].copy()
            except ValueError as exc:
                raise ValueError(f"{key} 是用 pickle 保存的数组：出于安全考虑不读取") from exc
        return result
    finally:
        archive.close()


def save_params(net, path) -> None:
    """把已构建网络的参数写成 Keras 3 的 .weights.h5 文件。"""
    name = _check_suffix(path, ".weights.h5")
    if not net.built:
        raise ValueError("网络尚未构建：还没有可以保存的参数")
    net.save_weights(name)


def load_params(make_net, path, input_shape):
    """新建一个网络，先用全零输入创建变量，再读入保存的参数。"""
    net = make_net()
    shape = [1 if d is None else int(d) for d in input_shape]
    net(keras.ops.zeros(shape))
    try:
        net.load_weights(path)
    except ValueError as exc:
        raise ValueError(f"文件 {path} 与这个网络的结构不符") from exc
    return net


def transfer_first_layers(src, dst, n: int) -> None:
    """把 src 前 n 层的参数值复制到 dst 的前 n 层。"""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"n 必须是整数，而不是 {n!r}")
    limit = min(len(src.layers), len(dst.layers))
    if not 0 < n <= limit:
        raise ValueError(f"n 必须在 1 到 {limit} 之间（两个网络都有的层数）")
    for i in range(n):
        ours = [tuple(v.shape) for v in src.layers[i].weights]
        theirs = [tuple(v.shape) for v in dst.layers[i].weights]
        if ours != theirs:
            raise ValueError(f"第 {i} 层的变量形状不同：{ours} 和 {theirs}；没有复制任何值")
    for i in range(n):
        for a, b in zip(src.layers[i].weights, dst.layers[i].weights):
            b.assign(a.numpy())


def roundtrip_model(net, path):
    """把整个网络存成 .keras 文件，再读回来。"""
    name = _check_suffix(path, ".keras")
    net.save(name)
    return keras.saving.load_model(name, safe_mode=True)
