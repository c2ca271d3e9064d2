"""Guards of its own whose exceptions carry no message at all: MyDense's units not a positive int, TiedTranspose of something that is not a Dense layer, an autoencoder width below 1 raise ValueError() bare; keras.activations.relu, swapaxes for the transpose, the config updated in place."""

from __future__ import annotations

import keras
from keras import ops


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class CenteredLayer(keras.layers.Layer):
    """inputs minus the mean of all their elements."""

    def call(self, inputs):
        return ops.subtract(inputs, ops.mean(ops.reshape(inputs, (-1,))))


@keras.saving.register_keras_serializable(package="alt_bare")
class MyDense(keras.layers.Layer):
    """relu(inputs @ kernel + bias), the variables created in build."""

    def __init__(self, units, **kwargs):
        if not _positive_int(units):
            raise ValueError()
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        width = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(width, self.units),
            initializer=keras.initializers.RandomNormal(mean=0.0, stddev=0.05),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.units,), initializer=keras.initializers.Zeros(), name="bias"
        )

    def call(self, inputs):
        return keras.activations.relu(ops.add(ops.matmul(inputs, self.kernel), self.bias))

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units)
        return config


class TiedTranspose(keras.layers.Layer):
    """inputs @ dense.kernel transposed (read at call time) + a bias of its own."""

    def __init__(self, dense, **kwargs):
        if not isinstance(dense, keras.layers.Dense):
            raise ValueError()
        super().__init__(**kwargs)
        self.dense = dense

    def build(self, input_shape):
        width = int(self.dense.kernel.shape[0])
        self.bias = self.add_weight(shape=(width,), initializer="zeros", name="bias")

    def call(self, inputs):
        return ops.matmul(inputs, ops.swapaxes(self.dense.kernel, 0, 1)) + self.bias


def tied_autoencoder(input_dim: int, code_dim: int) -> keras.Model:
    """Input, Dense encoder, TiedTranspose decoder: a functional model, built."""
    if not (_positive_int(input_dim) and _positive_int(code_dim)):
        raise ValueError()
    encoder = keras.layers.Dense(code_dim, name="encoder")
    decoder = TiedTranspose(encoder, name="decoder")
    x = keras.Input(shape=(input_dim,))
    return keras.Model(inputs=x, outputs=decoder(encoder(x)))
