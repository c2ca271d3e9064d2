"""keras.Variable attributes instead of add_weight (tracked all the same), the decoder holding only the encoder's kernel variable and the encoder reached through a function (so Keras does not track it), a Sequential autoencoder with keras.Input, a registered name of its own."""

from __future__ import annotations

import keras


class CenteredLayer(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.subtract(inputs, keras.ops.mean(keras.ops.reshape(inputs, (-1,))))


@keras.saving.register_keras_serializable(package="alternatives", name="MyDenseLayer")
class MyDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        self.kernel = keras.Variable(
            initializer=keras.initializers.RandomNormal(mean=0.0, stddev=0.05),
            shape=(input_shape[-1], self.units),
            name="kernel",
        )
        self.bias = keras.Variable(initializer="zeros", shape=(self.units,), name="bias")

    def call(self, inputs):
        return keras.activations.relu(keras.ops.dot(inputs, self.kernel) + self.bias)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


class TiedTranspose(keras.layers.Layer):
    def __init__(self, dense, **kwargs):
        super().__init__(**kwargs)
        self.encoder_kernel = lambda: dense.kernel  # a function: Keras does not track the encoder

    def build(self, input_shape):
        self.tied_kernel = self.encoder_kernel()  # the variable object itself, tracked
        self.bias = self.add_weight(
            name="bias", shape=(self.tied_kernel.shape[0],), initializer="zeros"
        )

    def call(self, inputs):
        return keras.ops.einsum("bc,ic->bi", inputs, self.tied_kernel) + self.bias


def tied_autoencoder(input_dim, code_dim):
    encoder = keras.layers.Dense(code_dim, name="encoder")
    return keras.Sequential(
        [keras.Input((input_dim,)), encoder, TiedTranspose(encoder, name="decoder")]
    )
