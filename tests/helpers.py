"""Helpers shared by the graded suites: snapshots, identity and no-change checks,
and the reference nets more than one suite reads.

Rule for the suites: call the learner's code *outside* ``with check:`` blocks
(so an unfinished function shows as "not started"), then check each property of
the result in its own ``with check:`` block (so every problem shows at once).
"""

from __future__ import annotations

import contextlib
import math
import re
import traceback
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import kata
from kata.core.i18n import N_, _
from kata.testing.fixtures import MissingName

# What a task not started yet raises (the stub, or a name the module lacks): it passes
# through the suites' own handlers, so the task shows "not started".
NOT_STARTED = (NotImplementedError, MissingName)


def values(v) -> np.ndarray:
    """A NumPy copy of a variable's or tensor's values."""
    return np.array(v.numpy() if hasattr(v, "numpy") else v, copy=True)


def put(v, array) -> None:
    """Give the variable ``v`` the values ``array`` (same shape and dtype), as
    ``v.assign(array)`` does, at half its cost: straight into the backend's
    variable, past Keras's conversions. The suites reset their reference nets
    this way before nearly every test."""
    target = getattr(v, "value", None)
    if isinstance(target, tf.Variable):
        target.assign(array, read_value=False)
    else:  # not a Keras variable on TensorFlow, or under an autocast scope
        v.assign(array)


def fresh_values(variables) -> None:
    """Give ``variables`` the values of a fresh build: a Glorot-uniform draw (NumPy's
    generator, seeded per test) for each kernel (2-D), zeros for the rest (biases).
    A reference net shared by the session starts each test this way, whatever
    earlier tests left in it."""
    for v in variables:
        if len(v.shape) == 2:
            limit = math.sqrt(6 / (v.shape[0] + v.shape[1]))
            put(v, np.random.uniform(-limit, limit, tuple(v.shape)).astype("float32"))
        else:
            put(v, np.zeros(tuple(v.shape), "float32"))


def snapshot(net_or_vars) -> list[tuple[object, np.ndarray]]:
    """The variables of a model (or a list of variables) with copies of their values."""
    variables = getattr(net_or_vars, "weights", net_or_vars)
    return [(v, values(v)) for v in variables]


def assert_unchanged(net_or_vars, before) -> None:
    """The same variable objects as in ``before``, holding the same values."""
    after = list(getattr(net_or_vars, "weights", net_or_vars))
    assert len(after) == len(before), _(
        "the number of variables changed from {n_before} to {n_after}"
    ).format(n_before=len(before), n_after=len(after))
    for v, (old, old_values) in zip(after, before):
        assert v is old, _("{old_path} was replaced by another variable object").format(
            old_path=old.path
        )
        assert np.array_equal(values(v), old_values), _(
            "{path} changed, but the call should change nothing"
        ).format(path=v.path)


def type_name(value) -> str:
    """The type of ``value`` as a type hint: ``int``, ``numpy.int64``,
    ``tuple[int, ...]``, ``list[tuple[int, ...]]``, ``dict[str, list[int]]``."""
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    if isinstance(value, dict):
        keys = " | ".join(dict.fromkeys(type_name(k) for k in value)) or "str"
        items = " | ".join(dict.fromkeys(type_name(v) for v in value.values())) or "object"
        return f"{name}[{keys}, {items}]"
    if isinstance(value, (list, tuple)):
        items = " | ".join(dict.fromkeys(type_name(v) for v in value))
        if not items:
            return f"{name}[()]" if isinstance(value, tuple) else name
        return f"{name}[{items}, ...]" if isinstance(value, tuple) else f"{name}[{items}]"
    return name.replace("numpy.", "np.") if name.startswith("numpy.") else name


def _plain(value):
    """``value`` with its types forgotten: NumPy scalars and arrays, tensors and shapes
    become Python numbers and lists, tuples become lists (for comparing values only)."""
    if hasattr(value, "as_list") and not isinstance(value, (list, tuple, dict)):
        value = value.as_list()  # a TensorShape
    if hasattr(value, "numpy") and not isinstance(value, (list, tuple, dict)):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def same_value(got, want) -> bool:
    """``got`` holds the value ``want`` holds, whatever its types."""
    try:
        a, b = _plain(got), _plain(want)
        return (
            type(a) is type(b)
            and bool(a == b)
            or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b)
        )
    except Exception:  # noqa: BLE001  (a value that cannot even be compared is not the value)
        return False


def wrong_type(got, want) -> str:
    """When ``got`` is the right value in the wrong type (``np.int64(42)`` for ``42``,
    ``[20, 256]`` for ``(20, 256)``, ``np.True_`` for ``True``), the one message to
    show: "right value, wrong type: return a Python int, not np.int64"; else ``""``.

    Use it first in a message, the explanation of a wrong value after it::

        assert type(n) is int and n == want, wrong_type(n, want) or _("got {n}, …")
    """
    if type_name(got) == type_name(want) or not same_value(got, want):
        return ""
    scalars = (bool, int, float, str)
    wanted = (
        _("a Python {type}").format(type=type(want).__name__)
        if type(want) in scalars
        else type_name(want)
    )
    return _("right value, wrong type: return {want}, not {got}").format(
        want=wanted, got=type_name(got)
    )


def assert_right_type(got, want) -> None:
    """Fail with ``wrong_type``'s message alone when ``got`` is ``want`` in the wrong type."""
    message = wrong_type(got, want)
    if message:
        raise AssertionError(message)


def distinct_pairs(got, expected) -> list[str]:
    """Describe each position where ``got[i] is not expected[i]``, with paths."""
    out = []
    for i, (a, b) in enumerate(zip(got, expected)):
        if a is not b:
            out.append(
                _("#{i}: {a} (id {a_id}) is not {b} (id {b_id})").format(
                    i=i,
                    a=getattr(a, "path", type(a).__name__),
                    a_id=f"{id(a):#x}",
                    b=getattr(b, "path", type(b).__name__),
                    b_id=f"{id(b):#x}",
                )
            )
    if len(got) != len(expected):
        out.append(
            _("{n_got} variables against {n_expected}").format(
                n_got=len(got), n_expected=len(expected)
            )
        )
    return out


def assert_same_variables(got, expected, what: str = N_("variables")) -> None:
    """``got`` and ``expected`` hold the very same variable objects, in order."""
    problems = distinct_pairs(list(got), list(expected))
    assert not problems, (
        _("{what} are distinct objects, not the same ones:").format(what=_(what))
        + "\n  "
        + "\n  ".join(problems)
    )


def chapter_nested(blocks=2, width=4):
    """The chapter's nested net, built: ``blocks`` blocks of Flatten + Dense(4, relu)
    inside a Sequential, then Dense(1). ex01 reads it and ex04 copies between two
    of them: the session's ``models`` cache holds it under ``"chapter_nested"``."""
    inner = keras.Sequential()
    for i in range(blocks):  # assembled with add: the same net, not build_nested's answer
        block = keras.Sequential(name=f"block-{i}")
        block.add(keras.layers.Flatten())
        block.add(keras.layers.Dense(4, activation="relu"))
        inner.add(block)
    net = keras.Sequential()
    net.add(inner)
    net.add(keras.layers.Dense(1))
    net.build((None, width))
    return net


# ------------------------------------------------------------ awkward reference nets
#
# The nets learners meet beyond a stack of Dense layers: other layer kinds own
# variables (a Conv kernel is 4-D, an Embedding's table comes first, a
# BatchNormalization holds non-trainable statistics), a layer may be frozen or
# have no bias, models nest deeply, dtypes differ, and a net may be only partly
# built. Each is built once per process through the ``models`` cache
# (``awkward(models, key)``); a test that cares about values sets them first
# (``scramble``). ``AWKWARD[key][0]`` describes the net in words for messages.

L = keras.layers


def built_sequential(layers, width):
    net = keras.Sequential(layers)
    net.build((None, width))
    return net


def conv_net():
    net = keras.Sequential(
        [L.Conv2D(4, 3, activation="relu"), L.Flatten(), L.Dense(5, activation="relu"), L.Dense(2)]
    )
    net.build((None, 8, 8, 1))
    return net


def embedding_net():
    net = keras.Sequential([L.Embedding(50, 6), L.Flatten(), L.Dense(3)])
    net.build((None, 7))
    return net


def batchnorm_net(frozen=False):
    net = keras.Sequential([L.Dense(6), L.BatchNormalization(), L.Dense(3)])
    net.build((None, 4))
    if frozen:
        net.layers[0].trainable = False
    return net


def no_bias_net():
    net = keras.Sequential([L.Dense(64, use_bias=False), L.Dense(3)])
    net.build((None, 64))
    return net


def deep_net():
    deepest = keras.Sequential([L.Flatten(), L.Dense(4, activation="relu")], name="deepest")
    middle = keras.Sequential([deepest, L.Dense(3, activation="relu")], name="middle")
    net = keras.Sequential([keras.Sequential([middle], name="outer"), L.Dense(2)])
    net.build((None, 2, 5))
    return net


def float64_net():
    net = keras.Sequential([L.Dense(4, dtype="float64"), L.Dense(2, dtype="float64")])
    net.build((None, 3))
    return net


def partly_built_net():
    first = L.Dense(4)
    first.build((None, 3))
    return keras.Sequential([first, L.Dense(2)])  # not built: the output layer has no variables


class TwoHeads(keras.Model):
    """A model with two Dense layers that uses (and builds) only the first."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.used = L.Dense(3)
        self.unused = L.Dense(2)

    def build(self, input_shape):
        self.used.build(input_shape)

    def call(self, x):
        return self.used(x)


def half_used_net():
    net = keras.Sequential([L.Dense(3), TwoHeads()])
    net.build((None, 5))  # net.built is True, yet TwoHeads.unused has no variables
    return net


def dropout_net():
    net = keras.Sequential([L.Dense(4), L.Dropout(0.5), L.Dense(2)])
    net.build((None, 3))
    return net


def layernorm_net():
    net = keras.Sequential([L.Dense(4), L.LayerNormalization(), L.Dense(2)])
    net.build((None, 3))
    return net


def named_net():
    net = keras.Sequential([L.Dense(4, name="hidden"), L.Dense(2)])
    net.build((None, 3))
    return net


def ones_bias_net():
    net = keras.Sequential(
        [L.Dense(4, bias_initializer="ones"), L.Dense(2, bias_initializer="ones")]
    )
    net.build((None, 3))
    return net


class OwnScale(keras.Model):
    """A subclassed model with a variable of its own, made in its ``build``: ``scale``
    multiplies the output of its Dense layer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = L.Dense(3)

    def build(self, input_shape):
        if not self.dense.built:
            self.dense.build(input_shape)
        self.scale = self.add_weight(shape=(3,), initializer="ones", name="scale")

    def call(self, x):
        return self.dense(x) * self.scale


def own_scale_net(built=True):
    """``OwnScale`` built for 4 inputs, or (``built=False``) with only its Dense layer
    built by hand: its own ``scale`` does not exist yet and ``net.built`` is False."""
    net = OwnScale()
    if built:
        net.build((None, 4))
    else:
        net.dense.build((None, 4))
    return net


def encoder_net(input_dim=6, units=5):
    """A functional model whose first Dense layer is named "encoder": two of them hold
    the same variable paths (``encoder/kernel``…), as two ``build_siamese()`` models do."""
    x = keras.Input((input_dim,))
    return keras.Model(x, L.Dense(1, name="head")(L.Dense(units, name="encoder")(x)))


AWKWARD = {
    "conv": (
        N_(
            "Conv2D(4, 3x3) on 8x8x1 images, Flatten, Dense(5, relu), Dense(2) "
            "(the Conv2D's 4-D kernel comes first; the first Dense layer gets 6*6*4 = 144 inputs)"
        ),
        conv_net,
    ),
    "embedding": (
        N_(
            "Embedding(50, 6) on 7 token ids, Flatten, Dense(3) "
            "(the (50, 6) embedding table comes first; the Dense layer gets 7*6 = 42 inputs)"
        ),
        embedding_net,
    ),
    "batchnorm": (
        N_(
            "Dense(6), BatchNormalization, Dense(3) on 4 inputs (BatchNormalization owns gamma, "
            "beta and two non-trainable moving statistics)"
        ),
        batchnorm_net,
    ),
    "frozen": (
        N_("Dense(6) frozen (trainable=False), BatchNormalization, Dense(3) on 4 inputs"),
        lambda: batchnorm_net(frozen=True),
    ),
    "no_bias": (N_("Dense(64, use_bias=False), Dense(3) on 64 inputs"), no_bias_net),
    "deep": (
        N_(
            "Flatten + Dense(4, relu) three models deep (outer > middle > deepest), then Dense(3) "
            "and Dense(2), on inputs of shape (2, 5): the first Dense layer gets 10 inputs"
        ),
        deep_net,
    ),
    "float64": (N_("Dense(4), Dense(2), both dtype float64, on 3 inputs"), float64_net),
    "partly_built": (
        N_(
            "Sequential([Dense(4) built alone for 3 inputs, Dense(2) not built]): net.weights "
            "already holds 2 variables, but the net is not built"
        ),
        partly_built_net,
    ),
    "half_used": (
        N_(
            "Sequential([Dense(3), TwoHeads()]) built for 5 inputs, where the TwoHeads model uses "
            "(and builds) only its first Dense layer: net.built is True, yet TwoHeads.unused has "
            "no variables"
        ),
        half_used_net,
    ),
    "one_dense": (
        N_("Sequential([Dense(4)]) built for 3 inputs"),
        lambda: built_sequential([L.Dense(4)], 3),
    ),
    "dropout": (
        N_(
            "Dense(4), Dropout(0.5), Dense(2) on 3 inputs (the Dropout layer holds a random-seed "
            "state in net.variables, which is not a parameter: it is not in net.weights)"
        ),
        dropout_net,
    ),
    "layernorm": (
        N_(
            "Dense(4), LayerNormalization, Dense(2) on 3 inputs (LayerNormalization owns exactly "
            "two variables, gamma and beta: not a kernel and a bias)"
        ),
        layernorm_net,
    ),
    "named": (
        N_(
            "Sequential([Dense(4, name='hidden'), Dense(2)]) on 3 inputs (the first Dense "
            "layer's name does not start with 'dense')"
        ),
        named_net,
    ),
    "ones_bias": (
        N_(
            "Dense(4, bias_initializer='ones'), Dense(2, bias_initializer='ones') on 3 inputs "
            "(biases that start as ones)"
        ),
        ones_bias_net,
    ),
    "own_scale": (
        N_(
            "a subclassed model whose build() makes a variable of its own (scale) beside its "
            "Dense layer, built for 4 inputs"
        ),
        own_scale_net,
    ),
    "encoder/a": (
        N_("a functional model whose Dense layer 'encoder' feeds a Dense 'head'"),
        encoder_net,
    ),
    "encoder/b": (
        N_("a second, separate functional model with a Dense layer named 'encoder'"),
        encoder_net,
    ),
}


def awkward(models, key):
    """The session's awkward reference net ``key`` (see ``AWKWARD``) from the ``models`` cache."""
    return models.get(f"awkward:{key}", AWKWARD[key][1])


def described(key) -> str:
    """The awkward net ``key`` in words, for failure messages (in the learner's language)."""
    return _(AWKWARD[key][0])


def all_layers(net) -> list:
    """``net`` and every layer inside it, at any depth, each once (by identity)."""
    out, stack = [], [net]
    while stack:
        layer = stack.pop(0)
        if all(layer is not seen for seen in out):
            out.append(layer)
            stack[:0] = list(getattr(layer, "layers", []))
    return out


def shared_objects(a, b) -> list[str]:
    """The layers and variables that the two models ``a`` and ``b`` both hold (by
    identity), by name: two calls of a factory must give models that share nothing."""
    mine = all_layers(a) + list(a.weights)
    return [
        getattr(x, "path", None) or x.name
        for x in all_layers(b) + list(b.weights)
        if any(x is y for y in mine)
    ]


def scramble(net_or_vars):
    """Give every variable (biases, statistics and frozen ones too) values drawn from
    U(0.5, 1.5) in its own dtype: non-zero, positive, and unlike any initializer's."""
    for v in getattr(net_or_vars, "weights", net_or_vars):
        put(v, np.random.uniform(0.5, 1.5, size=tuple(v.shape)).astype(v.dtype))
    return net_or_vars


class Raised:
    """What ``must_raise`` caught: ``.value`` is the exception (after the block)."""

    value: BaseException | None = None


def _where(exc: BaseException) -> str:
    """Where ``exc`` was raised in the learner's code: `` (at file:line)``, or ''."""
    frames = _learner_frames(exc)
    return f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""


SWAP = re.compile(r"\.(kernel|bias)\s*=(?!=)")


KATA = str(Path(kata.__file__).resolve().parent)  # the kata's own frames (the guard's)


def _learner_frames(exc: BaseException) -> list:
    """The frames of ``exc`` outside the libraries, the kata (its guard) and the suites."""
    return [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if "site-packages" not in f.filename
        and "/lib/python" not in f.filename
        and "/tests/" not in f.filename
        and not str(Path(f.filename).resolve()).startswith(KATA)
    ]


def learner_line(exc: BaseException) -> str:
    """The source line of the learner's last frame in ``exc``'s traceback."""
    frames = _learner_frames(exc)
    return (frames[-1].line or "") if frames else ""


@contextlib.contextmanager
def naming_swapped_variables(call: str):
    """Name the mistake when the learner's code, called in the block, fails on a line
    that assigns ``….kernel = …`` or ``….bias = …`` (Keras refuses to swap a built
    layer's variables); any other exception passes through as it is."""
    try:
        yield
    except NOT_STARTED:
        raise
    except Exception as exc:  # decided by the learner's own source line, never by a message
        line = learner_line(exc).strip()
        if not SWAP.search(line):
            raise
        raise AssertionError(
            _(
                "{call} raised {exc_type} at `{line}`: a built layer's variables cannot be "
                "replaced by new ones (Keras refuses layer.kernel = …); give the existing "
                "variable new values instead: layer.kernel.assign(values)"
            ).format(call=_(call), exc_type=type(exc).__name__, line=line[:120])
        ) from None


def kind_of(obj) -> str:
    """``a Variable``, ``an EagerTensor``: the type of ``obj`` with its article."""
    name = type(obj).__name__
    return (_("an {type}") if name[:1].lower() in "aeiou" else _("a {type}")).format(type=name)


@contextlib.contextmanager
def must_raise(expected, call: str):
    """Like ``pytest.raises``, with a message that says what was called, what was
    expected and what happened::

        with must_raise(ValueError, f"materialize(net, {bad})"):
            ex.materialize(net, bad)

    fails with "called materialize(net, 0): expected ValueError, it returned
    normally" or "…, it raised IndexError: …". A ``NotImplementedError`` passes
    through (the task is not started).
    """
    names = " or ".join(
        e.__name__ for e in (expected if isinstance(expected, tuple) else (expected,))
    )
    info = Raised()
    try:
        yield info
    except expected as exc:  # its message is the learner's own words, in any language
        info.value = exc
        return
    except NOT_STARTED:
        raise
    except Exception as exc:  # the wrong exception: say which, and where
        first = (str(exc).splitlines() or [""])[0][:200]
        raise AssertionError(
            _("called {call}: expected {names}, it raised {exc_type}").format(
                call=_(call), names=names, exc_type=type(exc).__name__
            )
            + f"{': ' + first if first else ''}{_where(exc)}"
        ) from None
    raise AssertionError(
        _("called {call}: expected {names}, it returned normally").format(call=_(call), names=names)
    )


# ------------------------------------------------------------------ activations
#
# A layer's activation is checked by what it does, not how it is spelled: the
# book writes ``activation=tf.nn.relu``, the lessons ``activation="relu"``, and
# ``keras.activations.relu`` or a ``keras.layers.ReLU()`` object compute the same.

PROBE = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0, 7.0]], dtype="float32")  # 7 > 6 tells relu6 apart


def acts_like(activation, reference) -> bool:
    """Whether ``activation`` gives the same values as ``reference`` on ``PROBE``
    (negative, zero, small and large inputs), whatever object it is."""
    try:
        got = keras.ops.convert_to_numpy(activation(keras.ops.convert_to_tensor(PROBE)))
    except Exception:  # not callable on a tensor: not this activation
        return False
    want = keras.ops.convert_to_numpy(reference(keras.ops.convert_to_tensor(PROBE)))
    return np.shape(got) == np.shape(want) and bool(np.allclose(got, want))


def is_relu(activation) -> bool:
    """``activation`` computes relu (``"relu"``, ``tf.nn.relu``, a ``ReLU()`` layer…)."""
    return acts_like(activation, keras.activations.relu)


def is_linear(activation) -> bool:
    """``activation`` is the identity (no activation, ``None``, ``"linear"``)."""
    return acts_like(activation, keras.activations.linear)


def activation_name(activation) -> str:
    """The activation's name for a message: ``relu``, ``sigmoid``, ``ReLU``…"""
    return getattr(activation, "__name__", type(activation).__name__)
