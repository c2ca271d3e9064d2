"""Guards of its own whose messages are in Chinese (a learner's own words, in another language): MyDense's units, TiedTranspose's encoder and the autoencoder's widths are checked and raise ValueError; relu as ops.maximum, the transpose through ops.dot, a named functional model."""

from __future__ import annotations

import keras
from keras import ops


class CenteredLayer(keras.layers.Layer):
    """输入减去它所有元素的均值。"""

    def call(self, inputs):
        mean = ops.mean(inputs, axis=None)
        return inputs - mean


@keras.saving.register_keras_serializable(package="alt_zh")
class MyDense(keras.layers.Layer):
    """书中的全连接层：relu(inputs @ kernel + bias)。"""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"units 必须是正整数，而不是 {units!r}")
        self.units = units

    def build(self, input_shape):
        fan_in = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel", shape=[fan_in, self.units], initializer="random_normal"
        )
        self.bias = self.add_weight(name="bias", shape=[self.units], initializer="zeros")

    def call(self, inputs):
        return ops.maximum(ops.matmul(inputs, self.kernel) + self.bias, 0.0)

    def get_config(self):
        return dict(super().get_config(), units=self.units)


class TiedTranspose(keras.layers.Layer):
    """解码器：它的权重是编码器 kernel 的转置（在调用时读取），偏置是自己的。"""

    def __init__(self, dense, **kwargs):
        if not isinstance(dense, keras.layers.Dense):
            raise ValueError(
                f"需要一个 keras.layers.Dense 作为编码器，而不是 {type(dense).__name__}"
            )
        super().__init__(**kwargs)
        self.dense = dense

    def build(self, input_shape):
        n_inputs = self.dense.kernel.shape[0]
        self.bias = self.add_weight(name="bias", shape=[n_inputs], initializer="zeros")

    def call(self, inputs):
        kernel = self.dense.kernel
        return ops.dot(inputs, ops.transpose(kernel)) + self.bias


def tied_autoencoder(input_dim: int, code_dim: int) -> keras.Model:
    """编码器和解码器共用一个 kernel 的自编码器（函数式模型，已构建）。"""
    if input_dim < 1 or code_dim < 1:
        raise ValueError(
            f"input_dim 和 code_dim 必须是正整数，而不是 {input_dim!r} 和 {code_dim!r}"
        )
    inputs = keras.Input(shape=(input_dim,), name="x")
    encoder = keras.layers.Dense(units=code_dim, name="encoder")
    outputs = TiedTranspose(encoder, name="decoder")(encoder(inputs))
    return keras.Model(inputs=inputs, outputs=outputs, name="tied_autoencoder")
