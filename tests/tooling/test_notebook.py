"""Notebook mode (issue 14), run for real: notebooks made from the exercise files by
jupytext, executed in an ipykernel by nbclient, their check cells' outputs read back;
and a notebook submission graded by the grader scores as its ``.py`` twin.

Needs the optional extra ``[notebook]`` (``make verify`` installs it)."""

from __future__ import annotations

import base64
import json
import re
import sys

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.dev.verify import variants

nbclient = pytest.importorskip("nbclient", reason="the [notebook] extra is not installed")
jupytext = pytest.importorskip("jupytext", reason="the [notebook] extra is not installed")
nbformat = pytest.importorskip("nbformat", reason="the [notebook] extra is not installed")

TIMEOUT = 600  # seconds per cell: a last resort on a busy machine, never a measurement


def notebook_of(text: str):
    """The notebook jupytext reads from a percent-format exercise file."""
    return jupytext.reads(text, fmt="py:percent")


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """One ipykernel of this venv's Python for the notebooks of this file that can share
    it (one cold start of TensorFlow instead of one per notebook)."""
    client = nbclient.NotebookClient(
        nbformat.v4.new_notebook(),
        timeout=TIMEOUT,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("kernel"))}},
    )
    with client.setup_kernel():
        yield client


def execute(nb, client):
    """Run every cell in ``client``'s kernel, its namespace emptied first (``%reset -f``),
    so nothing an earlier notebook defined is seen; errors stay in the outputs."""
    reset = nbformat.v4.new_code_cell("%reset -f")
    client.nb = nbformat.v4.new_notebook(cells=[reset])
    client.execute_cell(reset, 0)
    assert not [o for o in reset.outputs if o.output_type == "error"], reset.outputs
    client.nb = nb
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            client.execute_cell(cell, index)
    return nb


def check_outputs(nb) -> dict[str, dict]:
    """``{task: {"html": …, "text": …, "errors": [...]}}`` of each check cell."""
    out = {}
    for cell in nb.cells:
        found = re.search(r'kata\.check\("(ex\d+)", "(\w+)"\)', cell.source)
        if cell.cell_type != "code" or not found:
            continue
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        errors = [o for o in cell.outputs if o.output_type == "error"]
        out[found.group(2)] = {"html": html, "text": text, "errors": errors}
    return out


def code_cell_of(nb, name: str):
    """The code cell that defines ``name``."""
    pattern = re.compile(rf"^(?:def|class) {name}\b", re.M)
    return next(c for c in nb.cells if c.cell_type == "code" and pattern.search(c.source))


@pytest.mark.parametrize("name", catalogue.names())
def test_solution_notebook_passes_every_check(name, kernel):
    nb = execute(
        notebook_of((ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8")), kernel
    )
    checks = check_outputs(nb)
    tasks = [t.name for t in catalogue.exercise(name).tasks]
    assert sorted(checks) == sorted(tasks), f"one check cell per task: {sorted(checks)}"
    for task, got in checks.items():
        assert not got["errors"], f"{task}: {got['errors']}"
        assert "kata-check-table" in got["html"], f"{task}: no table in {got}"
        assert "✓ done" in got["text"] and "tests pass" in got["text"], f"{task}: {got['text']}"
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, errors


def test_stub_notebook_says_not_started(kernel):
    name = "ex03_custom_init"
    nb = execute(
        notebook_of((ROOT / "exercises" / f"{name}.py").read_text(encoding="utf-8")), kernel
    )
    checks = check_outputs(nb)
    assert len(checks) == len(catalogue.exercise(name).tasks)
    for task, got in checks.items():
        assert not got["errors"], got["errors"]
        assert "not started" in got["text"] and "✗" not in got["text"], f"{task}: {got['text']}"
        assert "Traceback" not in got["html"]


def test_mutant_exception_and_syntax_error_each_get_a_short_diagnosis(kernel):
    """One kernel, three mistakes: my_init raises, scaled_normal has the wrong spread
    (a known mutant), and WeirdInit's cell does not parse."""
    name = "ex03_custom_init"
    mutant = variants.mutants(name)["scaled_normal_variance_as_std"][1]
    nb = notebook_of(mutant)
    code_cell_of(
        nb, "my_init"
    ).source = "def my_init():\n    scale = 0\n    return keras.initializers.Constant(1 / scale)\n"
    code_cell_of(
        nb, "WeirdInit"
    ).source = "class WeirdInit(keras.initializers.Initializer:\n    pass\n"
    checks = check_outputs(execute(nb, kernel))

    raised = checks["my_init"]
    assert "ZeroDivisionError: division by zero" in raised["text"], raised["text"]
    assert "raised in your `my_init`, line 3 of its cell" in raised["text"], raised["text"]
    assert "Traceback" not in raised["text"] and "site-packages" not in raised["text"]

    spread = checks["scaled_normal"]
    assert "✗" in spread["text"] and "failing" in spread["text"]
    assert "the standard deviation of the values of scaled_normal" in spread["html"]
    pictures = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', spread["html"])
    assert pictures, "no histogram in the failing distribution check"
    assert base64.b64decode(pictures[0]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "your values" not in spread["html"], "the text histogram should give way to the PNG"

    broken = checks["WeirdInit"]
    assert "the cell defining `WeirdInit` has a syntax error (line 1" in broken["text"], broken
    assert "! cannot import" in broken["text"] and not broken["errors"]
    cell = code_cell_of(nb, "WeirdInit")
    assert [o.ename for o in cell.outputs if o.output_type == "error"] == ["SyntaxError"]


def test_ipynb_submission_scores_as_its_py_twin(tmp_path):
    """make grade on a notebook: the same code as a .py scores the same, per task; the
    notebook's IPython lines and unguarded check cell are dropped, not graded."""
    from kata.grading.grade import grade

    name = "ex03_custom_init"
    source = variants.mutants(name)["weird_one_sign"][1]  # partly right: not a full score
    py_dir, nb_dir = tmp_path / "py", tmp_path / "nb"
    py_dir.mkdir()
    nb_dir.mkdir()
    (py_dir / f"{name}.py").write_text(source, encoding="utf-8")
    nb = notebook_of(source)
    magic = nbformat.v4.new_code_cell("%matplotlib inline\n!echo hello\nimport numpy as np")
    bare_check = nbformat.v4.new_code_cell('import kata\nkata.check("ex03")')
    nb.cells = [nb.cells[0], magic, *nb.cells[1:], bare_check]
    nbformat.write(nb, str(nb_dir / f"{name}.ipynb"))

    as_py = grade(py_dir, exercises=[name], seed=3)
    as_nb = grade(nb_dir, exercises=[name], seed=3)

    def scores(g):
        return {t: (tg.status, tg.score) for t, tg in g.exercises[name].tasks.items()}

    assert scores(as_nb) == scores(as_py)
    assert 0 < as_nb.score < as_nb.max_score, "the twin should be partly right"
    assert as_nb.exercises[name].module == f"{name}.ipynb"


def test_a_check_passes_only_when_every_task_passes():
    from kata.core.outcomes import Outcome
    from kata.learner.notebook import CheckResult, TaskCheck

    ex = catalogue.exercise("ex03")
    done, other = (TaskCheck(t, [Outcome.PASSED, Outcome.PASSED]) for t in ex.tasks[:2])
    failing = TaskCheck(ex.tasks[1], [Outcome.PASSED, Outcome.FAILED])
    assert CheckResult(ex, [done, other], hidden_may_exist=False).passed
    assert not CheckResult(ex, [done, failing], hidden_may_exist=False).passed
    assert not CheckResult(ex, [failing, done], hidden_may_exist=False).passed


def test_import_kata_stays_cheap():
    """``import kata`` (a notebook's first line) loads neither pytest nor TensorFlow."""
    import subprocess

    code = (
        "import sys, kata; heavy = [m for m in ('pytest', 'tensorflow', 'keras') "
        "if m in sys.modules]; print(heavy); assert callable(kata.check)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_notebook_of_a_solution_converts_back_to_the_same_statements(tmp_path):
    """What jupytext writes, the grader's reader (stdlib json) turns back into the same
    module: every top-level statement of the solution, none added."""
    import ast

    from kata.core import ipynb

    name = "ex02_builtin_init"
    source = (ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8")
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook_of(source), str(path))
    assert json.loads(path.read_text())["nbformat"] == 4
    module = ipynb.convert(path)
    assert not module.notes

    def statements(text):
        return sorted(ast.dump(node) for node in ast.parse(text).body)

    assert statements(module.text) == statements(source)
