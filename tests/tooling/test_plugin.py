"""Tooling tests for the length and order of learner output (issue 11, item 4): one
mistake in one task prints at most 40 lines under ``make test EX=… TASK=…``, the
kata's diagnosis first, at most one histogram, a repeated error once; and the
``must_raise`` helper's messages."""

from __future__ import annotations

import re
import sys

import pytest

from kata import ROOT
from kata.dev.verify.variants import mutants
from tests.helpers import must_raise
from tests.tooling.copies import make, make_copy, run

MAX_LINES = 40
SUITES = tuple(
    f"test_{n}.py"
    for n in ("ex02_builtin_init", "ex03_custom_init", "ex05_shared_params", "ex06_lazy_init")
)


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    return make_copy(tmp_path_factory.mktemp("kata"), SUITES)


def _solution(exercise: str) -> str:
    return (ROOT / "solutions" / f"{exercise}.py").read_text(encoding="utf-8")


def _tf_abs(exercise: str) -> str:
    """The siamese net with tf.abs on KerasTensors (Keras raises, once per test)."""
    old = "keras.ops.abs(encoder(left) - encoder(right))"
    assert _solution(exercise).count(old) == 1
    return _solution(exercise).replace(old, "tf.abs(encoder(left) - encoder(right))")


CASES = {
    # name: (exercise, task, source, what the diagnosis must say)
    "truncated normal": (
        "ex02_builtin_init",
        "init_normal",
        lambda e: mutants(e)["truncated_normal"][1],
        "the standard deviation of",
    ),
    "tf.abs on KerasTensors": (
        "ex05_shared_params",
        "build_siamese",
        _tf_abs,
        "use keras.ops",
    ),
    "missing registration": (
        "ex03_custom_init",
        "WeirdInit",
        lambda e: mutants(e)["weird_not_registered"][1],
        "register_keras_serializable",
    ),
    "no argument check": (
        "ex06_lazy_init",
        "materialize",
        lambda e: mutants(e)["materialize_no_argument_check"][1],
        "called materialize(net, 0): expected ValueError, it returned normally",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_one_mistake_in_one_task_prints_at_most_40_lines(copy, case):
    exercise, task, source, diagnosis = CASES[case]
    path = copy / "exercises" / f"{exercise}.py"
    stub = path.read_text(encoding="utf-8")
    path.write_text(source(exercise), encoding="utf-8")
    try:
        out = make(copy, "test", f"EX={exercise[:4]}", f"TASK={task}", COLUMNS="100")
    finally:
        path.write_text(stub, encoding="utf-8")
    lines = out.stdout.splitlines()
    assert out.returncode != 0 and "failed" in lines[-2], out.stdout + out.stderr
    assert len(lines) <= MAX_LINES, f"{len(lines)} lines:\n{out.stdout}"
    failures = lines.index(next(ln for ln in lines if " FAILURES " in ln))
    assert diagnosis in "\n".join(lines[failures + 2 : failures + 4]), out.stdout  # first
    assert sum("bin  your values" in ln for ln in lines) <= 1, out.stdout
    assert "site-packages" not in out.stdout  # no library frames
    if case == "tf.abs on KerasTensors":
        assert re.search(r"\(same error in \d+ more test\(s\): test_build_siamese_", out.stdout)
        assert out.stdout.count("ValueError: A KerasTensor cannot be used") == 1


# ----------------------------------------------------------------- must_raise


def _raises(exc):
    def f(*_args):
        raise exc

    return f


def test_must_raise_says_the_call_when_nothing_is_raised():
    with pytest.raises(AssertionError) as info:
        with must_raise(ValueError, "materialize(net, 0)"):
            pass
    assert (
        str(info.value) == "called materialize(net, 0): expected ValueError, it returned normally"
    )


def test_must_raise_names_the_wrong_exception_and_where():
    learner = {}
    source = "def layer_params(net, i):\n    raise IndexError('list index out of range')\n"
    exec(compile(source, "/tmp/learner/ex01_access_params.py", "exec"), learner)
    with pytest.raises(AssertionError) as info:
        with must_raise(ValueError, "layer_params(net, 9)"):
            learner["layer_params"](None, 9)
    assert str(info.value) == (
        "called layer_params(net, 9): expected ValueError, it raised IndexError: "
        "list index out of range (at ex01_access_params.py:2)"
    )


def test_must_raise_takes_any_message_and_hands_back_the_exception():
    """The exception's type is graded, never its words: a message in any language
    (or none) passes."""
    with must_raise((KeyError, ValueError), "find_param(net, 'x')") as got:
        _raises(KeyError("no 'x'; available: a, b"))()
    assert isinstance(got.value, KeyError)
    for message in ("该层没有权重和偏置", ""):
        with must_raise(ValueError, "input_width(net)") as got:
            _raises(ValueError(message))()
        assert str(got.value) == message


def test_must_raise_lets_not_started_through():
    with pytest.raises(NotImplementedError):
        with must_raise(ValueError, "materialize(net, 0)"):
            _raises(NotImplementedError())()


def test_no_table_leaves_out_the_closing_table_only(copy):
    """``--kata-no-table`` (what kata.check asks for: it shows its own table) drops the
    kata's closing section; the run itself, and pytest's summary line, stay."""
    out = run(
        copy,
        sys.executable,
        "-m",
        "pytest",
        "tests/test_ex02_builtin_init.py",
        "--target",
        "solutions",
        "--exercise",
        "ex02",
        "--task",
        "Linear",
        "-p",
        "no:cacheprovider",
        "--kata-no-table",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"\b\d+ passed\b", out.stdout), out.stdout
    assert "kata: " not in out.stdout and "points" not in out.stdout, out.stdout


# ------------------------------------- no pytest introspection after the kata's words


class _Report:
    """What the shaper reads and writes of a pytest report."""

    def __init__(self, text: str, **props):
        self.longreprtext = self.longrepr = text
        self.user_properties = list(props.items())
        self.head_line, self.nodeid = "test_x", "tests/test_x.py::test_x"


def _shaped(text: str, task: str = "init_constant", **props) -> str:
    from kata.testing.shaping import OutputShaper

    report = _Report(text, **props)
    OutputShaper().shape(report, "ex02_builtin_init", task)
    return str(report.longrepr)


SEPARATOR = "-" * 60


def test_a_checks_explained_message_comes_without_pytests_introspection():
    check = (
        "FAILURE: sequential/dense/kernel should be all 3.5, got values from 4.5 to 4.5\n"
        "assert np.False_\n"
        " +  where np.False_ = <function all at 0x7f41fa07f170>(array([[4.5, 4.5]]))\n"
        " +    where <function all at 0x7f41fa07f170> = np.all\n"
        f"{SEPARATOR}\nFailed Checks: 1\n{SEPARATOR}\n"
    )
    assert _shaped(check) == (
        "sequential/dense/kernel should be all 3.5, got values from 4.5 to 4.5"
    )
    bare = f"FAILURE: assert 4.5 == 3.5\n{SEPARATOR}\nFailed Checks: 1\n{SEPARATOR}\n"
    assert _shaped(bare) == "assert 4.5 == 3.5", "a bare assert keeps its only explanation"
    # A check with no message (an AssertionError() in a `with check:`) is shaped too.
    empty = (
        f"FAILURE: wrong kernel shapes\n\nFAILURE: \n{SEPARATOR}\nFailed Checks: 2\n{SEPARATOR}\n"
    )
    assert _shaped(empty).splitlines()[0] == "wrong kernel shapes", _shaped(empty)
    assert "FAILURE" not in _shaped(empty) and "Failed Checks" not in _shaped(empty)


def test_an_asserts_explained_message_comes_without_pytests_introspection():
    raised = (
        "tests/test_ex04_set_params.py:166: in test_add_one\n"
        "    assert out is v, msg\n"
        "E   AssertionError: return the variable itself, got an EagerTensor\n"
        "E   assert <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 1.])> is <Var>\n"
        "E    +  where <function all at 0x7f41fa07f170> = np.all\n"
    )
    out = _shaped(raised, task="add_one")
    assert out.splitlines()[0] == "return the variable itself, got an EagerTensor"
    assert "assert <tf.Tensor" not in out and "+  where" not in out, out
    assert "where:" in out and "test_ex04_set_params.py:166" in out, "the test's line stays"


def test_a_chained_error_says_its_cause_and_each_frame_once():
    chained = (
        "tests/test_x.py:10: in test_x\n"
        "    ex.solve()\n"
        "exercises/ex02_builtin_init.py:3: in solve\n"
        "    f()\n"
        "exercises/ex02_builtin_init.py:5: in f\n"
        "    g()\n"
        "E   KeyError: 'a'\n\n"
        "During handling of the above exception, another exception occurred:\n"
        "tests/test_x.py:10: in test_x\n"
        "    ex.solve()\n"
        "exercises/ex02_builtin_init.py:3: in solve\n"
        "    f()\n"
        "exercises/ex02_builtin_init.py:7: in f\n"
        "    raise ValueError('bad')\n"
        "/usr/lib/python3/site-packages/keras/x.py:7: in h\n"
        "    raise ValueError('bad')\n"
        "E   ValueError: bad\n"
    )
    assert _shaped(chained).splitlines() == [
        "ValueError: bad",
        "caused by: KeyError: 'a'",
        "where:",
        "  tests/test_x.py:10 in test_x: ex.solve()",
        "  exercises/ex02_builtin_init.py:3 in solve: f()",
        "  exercises/ex02_builtin_init.py:5 in f: g()",
        "  exercises/ex02_builtin_init.py:7 in f: raise ValueError('bad')",
    ]


def test_a_graded_run_loads_scipy_only_for_the_suites_that_use_it():
    """The plugin and what every suite imports from the kata (the naming line with it)
    need no SciPy: its import is a tenth of a cold start (kata.testing.stats has it)."""
    import subprocess

    script = "import sys, kata.testing.plugin, kata.testing.shaping; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
