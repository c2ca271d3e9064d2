"""The book's TensorFlow idioms: tf.keras.layers.Layer, tf.reduce_mean, add_weight with tf.random_normal_initializer() and tf.zeros_initializer(), tf.matmul and tf.nn.relu; the decoder multiplies with transpose_b=True. Only the registration is keras.saving's (tf.keras has no saving module)."""

from __future__ import annotations

import keras
import tensorflow as tf


class CenteredLayer(tf.keras.layers.Layer):
    def call(self, X):
        return X - tf.reduce_mean(X)


@keras.saving.register_keras_serializable(package="book")
class MyDense(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, X_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=[X_shape[-1], self.units],
            initializer=tf.random_normal_initializer(),
        )
        self.bias = self.add_weight(
            name="bias", shape=[self.units], initializer=tf.zeros_initializer()
        )

    def call(self, X):
        linear = tf.matmul(X, self.kernel) + self.bias
        return tf.nn.relu(linear)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


class TiedTranspose(tf.keras.layers.Layer):
    def __init__(self, dense, **kwargs):
        super().__init__(**kwargs)
        self.dense = dense

    def build(self, input_shape):
        self.bias = self.add_weight(
            name="bias", shape=[self.dense.kernel.shape[0]], initializer=tf.zeros_initializer()
        )

    def call(self, X):
        return tf.matmul(X, self.dense.kernel, transpose_b=True) + self.bias


def tied_autoencoder(input_dim, code_dim):
    X = tf.keras.Input(shape=(input_dim,))
    encoder = tf.keras.layers.Dense(code_dim, name="encoder")
    decoder = TiedTranspose(encoder, name="decoder")
    return tf.keras.Model(X, decoder(encoder(X)))
