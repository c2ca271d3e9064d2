"""The run-time guard (``kata.core.guard``): honest idioms run, disguised reaches are refused.

Every module here is loaded by ``kata.core.target.load``, the one loader of
``make test``, ``make watch``, ``kata.check`` and the grader's sandbox, so what
these tests see is what every mode sees. Each attack is one of the holes a red
team found in the static allow-list this guard replaced (issue 21); each honest
snippet is an idiom that allow-list quarantined.
"""

from __future__ import annotations

import codecs

import pytest

from kata.core import guard, target

NAME = "ex03_custom_init"


def load(tmp_path, text: str | bytes):
    path = tmp_path / f"{NAME}.py"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return target.load(NAME, tmp_path)


HONEST = {
    "register decorator by name": (
        "import keras\nfrom keras.saving import register_keras_serializable\n"
        "@register_keras_serializable(package='t')\n"
        "class I(keras.initializers.Initializer):\n"
        "    def __init__(self, seed=None):\n        self.seed = seed\n"
        "    def __call__(self, shape, dtype=None):\n        return keras.ops.ones(shape)\n"
        "    def get_config(self):\n        return {'seed': self.seed}\n"
        "x = I(3).get_config()"
    ),
    "summary": (
        "import keras\nnet = keras.Sequential([keras.layers.Dense(2)])\n"
        "net.build((None, 3))\nnet.summary()"
    ),
    "floatx and Model.__init__ by name": (
        "import keras\nclass M(keras.Model):\n    def __init__(self, **kw):\n"
        "        keras.Model.__init__(self, **kw)\n        self._d = keras.layers.Dense(1)\n"
        "    def call(self, x):\n        return self._d(x)\n"
        "m = M()\nd = m._d\nx = keras.config.floatx()"
    ),
    "__all__, __repr__, copy, operator, format fields": (
        "import copy, operator\nimport numpy as np\n__all__ = ['A']\n"
        "class A:\n    def __repr__(self):\n        return 'A'\n"
        "x = copy.deepcopy([A()])\ny = operator.add(1, 2)\n"
        "z = '{0.shape} {0.dtype}'.format(np.zeros(3)) + repr(A())"
    ),
    "tf.debugging asserts": "import tensorflow as tf\ntf.debugging.assert_equal(1, 1)",
    "super, private names of one's own, augmented writes": (
        "class B:\n    def __init__(self):\n        self._n = 1\n"
        "class C(B):\n    def __init__(self):\n        super().__init__()\n"
        "        self._n += 1\n        self.items = [0]\n        self.items[0] += 2\n"
        "c = C()\nassert c._n == 2 and c.items == [2]"
    ),
    "getattr with a computed name, nonlocal, walrus, dataclass": (
        "import dataclasses\n@dataclasses.dataclass\nclass P:\n    x: int = 1\n"
        "def f():\n    n = 0\n    def g():\n        nonlocal n\n        n += 1\n"
        "    g()\n    return n\n"
        "y = getattr(P(), 'x' * 1) + f()\nif (k := y) > 1:\n    pass"
    ),
    "a Chinese message": "def f():\n    raise ValueError('该层没有权重和偏置')",
    "a check cell": "if __name__ == '__main__':\n    import kata\n    kata.check('ex03')",
    "layer.trainable = False": (
        "import keras\nl = keras.layers.Dense(2)\nl.trainable = False\n_ = l.trainable"
    ),
}


@pytest.mark.parametrize("idiom", HONEST)
def test_honest_idioms_run(tmp_path, idiom):
    load(tmp_path, HONEST[idiom])


ATTACKS = {
    "builtins through an allowed module": ("import numpy as np\nnp.core.builtins.exec('1')", ""),
    "__builtins__ by name": ("x = __builtins__", "[guard: dunder]"),
    "a comparator that runs": ("if __name__ == exec('x = 1'):\n    pass", "NameError"),
    "global exec": ("global exec\nexec('1')", "NameError"),
    "except as eval": (
        "try:\n    1 / 0\nexcept ZeroDivisionError as eval:\n    pass\neval('1')",
        "NameError",
    ),
    "format reads a dunder": ("x = '{0.__globals__}'.format(lambda: 1)", "[guard: dunder]"),
    "nested format field": (
        "x = '{0:{1.__class__.__init__.__globals__}}'.format(1, 2)",
        "[guard: dunder]",
    ),
    "str.format unbound": ("x = str.format('{0.__globals__}', lambda: 1)", "[guard: dunder]"),
    "tf.print to a file": (
        "import tensorflow as tf\ntf.print('x', output_stream='file:///proc/self/fd/1')",
        "[guard: capability]",
    ),
    "Lambda bytecode": (
        "import keras\nkeras.layers.Lambda.from_config({'function': 'x'}, safe_mode=False)",
        "[guard: capability]",
    ),
    "walrus alias monkeypatch": (
        "import numpy as np\n(f := np)\nf.allclose = min",
        "[guard: write]",
    ),
    "class monkeypatch": ("import keras\nkeras.layers.Dense.call = len", "[guard: write]"),
    "mrecords.openfile": ("import numpy.ma.mrecords as m", "[guard: import]"),
    "np.load": ("import numpy as np\nnp.load('x.npy')", "[guard: capability]"),
    "from numpy import load": ("from numpy import load", "[guard: capability]"),
    "tf.io": ("import tensorflow as tf\ntf.io.read_file('/etc/passwd')", "[guard: import]"),
    "keras.src": ("from keras.src import ops", "[guard: import]"),
    "a frame": ("def g():\n    yield 1\nx = g().gi_frame", "[guard: internals]"),
    "object.__setattr__": ("import numpy as np\nobject.__setattr__(np, 'x', 1)", "[guard: dunder]"),
    "subclasses": ("x = object.__subclasses__()", "[guard: dunder]"),
    "private Keras state": ("import keras\nx = keras.layers.Dense(2)._tracker", "[guard: private]"),
    "an __eq__ that lies": (
        "class A:\n    def __eq__(self, o):\n        return True",
        "[guard: dunder]",
    ),
    "three-argument type": ("T = type('T', (), {})", "[guard: dunder]"),
    "setattr of a dunder": (
        "class A:\n    pass\nclass B:\n    pass\nsetattr(A(), '__class__', B)",
        "[guard: dunder]",
    ),
    "setattr of private Keras state": (
        "import keras\nsetattr(keras.layers.Dense(2), '_tracker', None)",
        "[guard: private]",
    ),
    "a str subclass as an attribute name": (
        "class S(str):\n    def startswith(self, prefix):\n        return False\n"
        "import keras\ngetattr(keras.layers.Dense.__init__, S('__globals__'))",
        "[guard: dunder]",
    ),
    "a str subclass as a private name to set": (
        "class S(str):\n    def startswith(self, prefix):\n        return False\n"
        "import keras\nsetattr(keras.layers.Dense(2), S('_tracker'), None)",
        "[guard: private]",
    ),
    "the guard's own names": ("_getattr_ = getattr", "[guard: compile]"),
    "attrgetter": ("import operator\noperator.attrgetter('load')", "[guard: capability]"),
    "config setter": ("import keras\nkeras.config.set_floatx('float64')", "[guard: capability]"),
    "ndarray.tofile": ("import numpy as np\nnp.zeros(1).tofile('/tmp/x')", "[guard: capability]"),
    "import os": ("import os", "[guard: import]"),
    "a callback that writes files": (
        "import keras\nkeras.callbacks.CSVLogger('x')",
        "[guard: import]",
    ),
    "a file-backed lookup table": ("import tensorflow as tf\nx = tf.lookup", "[guard: import]"),
    "reading past an array": (
        "import numpy as np\nnp.lib.stride_tricks.as_strided(np.zeros(1), (9,), (8,))",
        "[guard: capability]",
    ),
    "a global dtype policy": (
        "import keras\nkeras.mixed_precision.set_global_policy('mixed_float16')",
        "[guard: capability]",
    ),
    "saving by where it comes from": (
        "import keras\nf = keras.saving.save_weights",
        "[guard: capability]",
    ),
    "relative import": ("from . import solutions", "[guard: import]"),
    "a metaclass": ("class A(metaclass=type):\n    pass", "[guard: dunder]"),
    "a dunder defined outside a class": ("def __init__():\n    pass", "[guard: dunder]"),
    "a dunder assigned": ("class A:\n    pass\nA().__doc__ = 'x'", "[guard: dunder]"),
    "delattr of private Keras state": (
        "import keras\ndelattr(keras.layers.Dense(2), '_tracker')",
        "[guard: private]",
    ),
    "a module over 1 MB": ("x = 1\n" * 200_000, "a module larger than 1 MB is not run"),
    "an unknown coding": ("# coding: no-such-codec\nx = 1\n", "unknown coding no-such-codec"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_are_refused(tmp_path, attack):
    text, said = ATTACKS[attack]
    with pytest.raises(target.LoadError) as caught:
        load(tmp_path, text)
    assert said in str(caught.value), str(caught.value)


def test_a_bom_is_decoded_and_guarded_like_any_module(tmp_path):
    """A BOM (Notepad's UTF-8) is read as Python reads it, not a way around the guard."""
    assert load(tmp_path, codecs.BOM_UTF8 + b"x = 1\n").x == 1
    with pytest.raises(target.LoadError, match=r"\[guard: import\]"):
        load(tmp_path, codecs.BOM_UTF8 + b"import os\n")


def test_a_plain_coding_cookie_is_honoured(tmp_path):
    text = "# -*- coding: latin-1 -*-\nname = 'café'\n"
    assert load(tmp_path, text.encode("latin-1")).name == "café"


@pytest.mark.parametrize("codec", ["utf-7", "raw_unicode_escape", "unicode_escape"])
def test_cookies_that_hide_code_are_refused(tmp_path, codec):
    """With these codecs a line a reader sees as a comment is code for Python."""
    text = f"# coding: {codec}\nx = 1\n#+AAo-import os\n"
    with pytest.raises(target.LoadError, match="UTF-8"):
        load(tmp_path, text.encode("ascii"))


def test_bytes_that_are_not_text_say_where(tmp_path):
    with pytest.raises(target.LoadError, match="byte 5 is not UTF-8"):
        load(tmp_path, "# café\n".encode("latin-1"))


def test_a_builtin_function_a_library_hands_over_is_still_vetted():
    """No allowed path reaches ``exec`` today; if one appears, ``vet`` still refuses it."""
    vet = guard.Guard(NAME, frozenset()).vet
    for f, rule in [(exec, "builtin"), (eval, "builtin"), (input, "builtin"), (open, "capability")]:
        with pytest.raises(guard.Refused) as refused:
            vet(f, f.__name__)
        assert refused.value.rule == rule
    assert vet(len, "len") is len


def test_a_refusal_fails_one_call_not_the_module(tmp_path):
    """Refused at run time inside a function: the module loads, the call raises
    ``PermissionError`` naming the rule, with the mark the grader lists as a flag."""
    module = load(
        tmp_path,
        "import numpy as np\ndef f():\n    return np.load('x.npy')\ndef g():\n    return 2",
    )
    with pytest.raises(PermissionError, match=r"\[guard: capability\]") as caught:
        module.f()
    assert module.g() == 2
    assert caught.value.rule == "capability"
    assert guard.MARK.search(str(caught.value)).group(0).startswith("numpy.load is not allowed")


def test_files_only_inside_a_granted_directory(tmp_path):
    module = load(
        tmp_path,
        "import numpy as np\ndef save(p):\n    np.savez(p, a=np.ones(2))\n"
        "def read(p):\n    return np.load(p)['a']\n"
        "def pickled(p):\n    return np.load(p, allow_pickle=True)\n"
        "def pickled_positionally(p):\n    return np.load(p, None, True)",
    )
    inside, outside = tmp_path / "granted", tmp_path / "other"
    inside.mkdir()
    outside.mkdir()
    with pytest.raises(PermissionError, match=r"\[guard: capability\]"):
        module.save(inside / "t.npz")  # nothing granted
    with guard.granting(inside):
        module.save(inside / "t.npz")
        assert list(module.read(inside / "t.npz")) == [1.0, 1.0]
        with pytest.raises(PermissionError, match=r"\[guard: files\]"):
            module.save(inside / ".." / "other" / "t.npz")
        with pytest.raises(PermissionError, match=r"\[guard: files\]"):
            module.pickled(inside / "t.npz")
        with pytest.raises(PermissionError, match=r"\[guard: files\]"):
            module.pickled_positionally(inside / "t.npz")
    assert not list(outside.iterdir())


def test_a_keras_file_saved_and_loaded_inside_a_granted_directory(tmp_path):
    """keras.saving.load_model (from keras.src.saving, an origin otherwise denied) works
    on a granted file: the guard's wrapper is not vetted again when it is called."""
    module = load(
        tmp_path,
        "import keras\ndef roundtrip(p):\n"
        "    net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        "    net.save(p)\n    return keras.saving.load_model(p)\n",
    )
    with guard.granting(tmp_path):
        loaded = module.roundtrip(tmp_path / "net.keras")
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense"]
    with pytest.raises(PermissionError, match=r"\[guard: capability\]"):
        module.roundtrip(tmp_path / "again.keras")  # nothing granted any more


@pytest.mark.parametrize(
    "save",
    [
        "keras.saving.save_model(net, p)",
        "keras.models.save_model(net, filepath=p)",
        "keras.Model.save(net, p)",
        "net.save(filepath=p)",
    ],
)
def test_every_spelling_of_saving_a_model_finds_its_path(tmp_path, save):
    """The file argument is found by its parameter's name, wherever it stands:
    ``save_model(net, p)`` takes the model first (it was refused "with a file object")."""
    module = load(
        tmp_path,
        "import keras\ndef roundtrip(p):\n"
        "    net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        f"    {save}\n    return keras.models.load_model(filepath=p)\n",
    )
    with guard.granting(tmp_path / "granted"):
        (tmp_path / "granted").mkdir()
        assert len(module.roundtrip(tmp_path / "granted" / "net.keras").layers) == 1
        with pytest.raises(PermissionError, match=r"\[guard: files\]"):
            module.roundtrip(tmp_path / "net.keras")  # outside the granted folder
    assert not (tmp_path / "net.keras").exists()


def test_the_switch_runs_unguarded_for_the_sandbox_tests_only(tmp_path, monkeypatch):
    monkeypatch.setenv(guard.SWITCH, "off")
    assert load(tmp_path, "import os\nx = os.sep").x == "/"


def test_honest_idioms_get_full_marks_in_make_grade(tmp_path):
    """The honest-idiom alternatives, graded by ``kata grade`` (sandboxed, as ``make
    grade`` does): full marks, nothing quarantined, no refusal flagged."""
    import json
    import subprocess
    import sys

    from kata import ROOT

    sub = tmp_path / "sub"
    sub.mkdir()
    names = ["ex01_access_params", "ex03_custom_init"]
    for name in names:
        honest = ROOT / "tests" / "alternatives" / name / "honest_idioms_guarded.py"
        (sub / f"{name}.py").write_text(honest.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--out", str(out), "--quiet"]
    cmd += ["--exercises", ",".join(names), "--jobs", "2", "--timeout", "60"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    graded = json.loads((out / "grade.json").read_text())
    for name in names:
        exercise = graded["exercises"][name]
        assert exercise["score"] == exercise["max_score"], (name, exercise, proc.stderr[-2000:])
        assert not any("[guard:" in f for f in exercise["flags"]), exercise["flags"]


def test_the_scratch_fixture_is_the_one_granted_directory(tmp_path, scratch):
    """Graded suites hand ``scratch`` to code that saves files (ex08): inside it the
    D2L 4.5 functions work, beside it they are refused."""
    module = load(tmp_path, "import numpy as np\ndef save(p):\n    np.save(p, np.ones(2))")
    module.save(scratch / "a.npy")
    assert (scratch / "a.npy").is_file() and scratch.name.startswith("kata-scratch-")
    with pytest.raises(PermissionError, match=r"\[guard: files\]"):
        module.save(tmp_path / "a.npy")
