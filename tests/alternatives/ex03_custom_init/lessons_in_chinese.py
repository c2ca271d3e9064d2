"""Its lessons in Chinese, as a learner's file is after make lang LANG=zh: every docstring of the solution translated (the module's lesson dropped), the same code, no exception message at all."""

from __future__ import annotations

import math

import keras
from keras import ops


def my_init():
    """一个填充 1 的初始化器对象（本节的 ``my_init``）。

    它必须能以 ``Dense(64, kernel_initializer=my_init())`` 的方式使用，并遵从 Keras
    要求的 dtype。

    >>> my_init()((2, 3), dtype="float32").numpy()
    array([[1., 1., 1.], [1., 1., 1.]], dtype=float32)
    >>> layer = keras.layers.Dense(64, kernel_initializer=my_init()); layer.build((None, 20))
    >>> float(ops.min(layer.kernel)), float(ops.max(layer.kernel))
    (1.0, 1.0)
    """
    return keras.initializers.Ones()


def scaled_normal(shape, dtype=None):
    """普通函数形式的初始化器：N(0, 2 / fan_in) 的样本，不截断。

    ``fan_in`` 是 ``shape`` 中除最后一维外所有维度的乘积，权重可以是任意维数（Dense
    权重为 ``shape[0]``；``(5, 32, 16)`` 的 Conv1D 卷积核为 ``5·32 = 160``；
    ``(3, 3, 32, 64)`` 的 Conv2D 卷积核为 ``3·3·32 = 288``），所以标准差是
    ``sqrt(2 / fan_in)``。返回一个形状恰为 ``shape``、dtype 恰为 ``dtype`` 的张量
    （``dtype`` 为 ``None`` 时用 ``float32``）；每次调用都抽取新的、独立的样本。

    >>> w = scaled_normal((64, 256))
    >>> w.shape, w.dtype, round(float(ops.std(w)), 2)   # sqrt(2 / 64) ≈ 0.177
    (TensorShape([64, 256]), tf.float32, 0.18)
    >>> layer = keras.layers.Dense(10, kernel_initializer=scaled_normal)   # works in a layer
    """
    shape = tuple(int(d) for d in shape)
    fan_in = math.prod(shape[:-1])
    return keras.random.normal(
        shape, mean=0.0, stddev=math.sqrt(2.0 / fan_in), dtype=dtype or "float32"
    )


@keras.saving.register_keras_serializable(package="kata")
class WeirdInit(keras.initializers.Initializer):
    """书中的自定义初始化器：每个权重要么是 0，要么是符号随机的较大值。

    每个元素独立地

    * 以 1/2 的概率为 ``0``，
    * 以 1/4 的概率服从 ``[5, 10]`` 上的均匀分布，
    * 以 1/4 的概率服从 ``[-10, -5]`` 上的均匀分布

    （书中从 ``U(-10, 10)`` 中抽样，并把 ``|x| < 5`` 的元素置零）。遵从 ``dtype``，
    包括 ``float64``。种子为 int 时，形状相同的每次调用都返回相同的值（新建的
    ``WeirdInit(seed)`` 也是如此），不同的种子给出不同的值；``seed=None`` 时从 Keras
    的全局随机状态中抽样，所以无种子的 ``WeirdInit()`` 每次调用（以及每个无种子的
    实例）都给出新的值（``None`` 不是种子 0，也不能只选一次种子然后一直用它）。
    ``get_config()`` 返回 ``{"seed": seed}``，并且这个类已在 Keras 中注册，所以保存为
    ``.keras`` 再加载的模型仍保留它的 ``WeirdInit`` 和种子。

    >>> init = WeirdInit(seed=7)
    >>> bool(ops.all(init((4, 4)) == init((4, 4))))
    True
    >>> init.get_config()
    {'seed': 7}
    >>> layer = keras.layers.Dense(4, kernel_initializer=WeirdInit())
    """

    def __init__(self, seed=None):
        """保存种子：``None`` 或一个 int。"""
        self.seed = seed

    def __call__(self, shape, dtype=None):
        """按上述方式抽取、形状为 ``shape``、dtype 为 ``dtype``（``None`` 时为 float32）的张量。"""
        dtype = dtype or "float32"
        data = keras.random.uniform(shape, minval=-10.0, maxval=10.0, dtype=dtype, seed=self.seed)
        return ops.where(ops.abs(data) >= 5.0, data, ops.zeros_like(data))

    def get_config(self):
        """``{"seed": seed}``：``WeirdInit(**config)`` 重建它所需的内容。"""
        return {"seed": self.seed}
