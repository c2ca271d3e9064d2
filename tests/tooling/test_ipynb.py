"""Notebook mode without a kernel: the percent-format exercise files and their check
cells, the text-based stub maker, the ``.ipynb`` reader and loader, and ``kata.check``
run in this process."""

from __future__ import annotations

import ast
import json
import re

import pytest

from kata import ROOT
from kata.core import catalogue, ipynb, stubbing, target

# --------------------------------------------------------- the exercise files


def cells(text: str) -> list[str]:
    """The cells of a percent-format file: the text after each ``# %%`` marker."""
    return [c for c in re.split(r"^# %%", text, flags=re.M)[1:]]


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@pytest.mark.parametrize("name", catalogue.names())
def test_each_task_has_its_heading_code_cell_and_check_cell(folder, name):
    ex = catalogue.exercise(name)
    parts = cells((ROOT / folder / f"{name}.py").read_text(encoding="utf-8"))
    assert parts[0].startswith(" [markdown]"), "the file opens with a markdown cell"
    for task in ex.tasks:
        heading = next(
            (
                i
                for i, c in enumerate(parts)
                if c.startswith(f" [markdown]\n# ## Task `{task.name}`")
            ),
            None,
        )
        assert heading is not None, f"{folder}/{name}.py: no markdown heading for {task.name}"
        code, check = parts[heading + 1], parts[heading + 2]
        assert re.search(rf"^(?:def|class) {task.name}\b", code, re.M), (
            f"the cell after the heading of {task.name} should define it"
        )
        # Exactly this form, as the stubs carry it (nothing else in a check cell).
        expected = 'if __name__ == "__main__":\n    import kata\n\n'
        expected += f'    kata.check("{ex.short}", "{task.name}")'
        assert check.split("\n", 1)[1].strip() == expected, f"{task.name}: {check!r}"


# ------------------------------------------------------------- stubs from text

SOURCE = '''\
# %% [markdown]
# # A lesson

# %%
"""Module docstring."""

import math

LIMIT = 3  # public: kept
_SECRET = 42  # private: goes


# a helper's comment goes with it
def _helper(x):
    return x * 2


# %%
def _first_in_its_cell():
    return 0


# %% [markdown]
# ## Task `f`

# %%
@decorator(package="kata")
def f(x):
    """Doc of f."""
    # how to do it
    return _helper(x) + math.pi  # the answer
    # trailing note inside the body


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex03", "f")


class C(Base):
    """Doc of C."""

    units = 3

    def __init__(self):
        """Keep it."""
        self.x = 1

    def _private(self):
        return 2

    def g(self): return 1


class _Hidden:
    pass


def one_liner(x): return x


def h(x):
    """Doc of h."""
    return x + 1  # the secret of h
'''


def test_stub_keeps_cells_comments_docstrings_and_signatures():
    out = stubbing.stub_source(SOURCE)
    for kept in [
        "# %% [markdown]\n# # A lesson",
        "# ## Task `f`",
        "# %%\n\n\n# %% [markdown]",
        '"""Module docstring."""',
        "LIMIT = 3  # public: kept",
        'def f(x):\n    """Doc of f."""\n    raise NotImplementedError\n',
        '    kata.check("ex03", "f")',
        'def __init__(self):\n        """Keep it."""\n        raise NotImplementedError',
        "def g(self): raise NotImplementedError",
        "def one_liner(x): raise NotImplementedError",
    ]:
        assert kept in out, f"lost: {kept!r}\n{out}"
    for gone in [
        "_SECRET",
        "_helper",
        "a helper's comment",
        "@decorator",
        "how to do it",
        "the answer",
        "trailing note",
        "units = 3",
        "_private",
        "_Hidden",
        "self.x = 1",
        "math.pi",
        "the secret of h",
        "_first_in_its_cell",
    ]:
        assert gone not in out, f"kept: {gone!r}\n{out}"
    compile(out, "stub", "exec")


def test_stub_of_a_class_left_empty_gets_pass():
    out = stubbing.stub_source("class C:\n    x = 1\n    def _p(self):\n        return 1\n")
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse("class C:\n    pass\n"))


def test_stub_counts_lines_as_python_does():
    """A form feed is no line break for Python: the stub still cuts the right bodies."""
    source = "def f():\n    return 1  # \x0c page\n\n\ndef g():\n    return 2\n"
    stub = "def f():\n    raise NotImplementedError\n\n\ndef g():\n    raise NotImplementedError\n"
    assert stubbing.stub_source(source) == stub


def test_make_stub_is_formatted_and_stable():
    once = stubbing.make_stub(SOURCE)
    assert stubbing.make_stub(once) == once


# ------------------------------------------------------------ .ipynb notebooks


def write_notebook(path, *sources, kind="code", nbformat=4):
    cells = [
        {"cell_type": kind, "metadata": {}, "source": s, "outputs": [], "execution_count": None}
        for s in sources
    ]
    path.write_text(
        json.dumps({"nbformat": nbformat, "nbformat_minor": 5, "metadata": {}, "cells": cells})
    )
    return path


def test_ipynb_drops_ipython_lines_with_notes(tmp_path):
    path = write_notebook(
        tmp_path / "ex09_demo.ipynb",
        "%matplotlib inline\nimport math\n!pip list\nfiles = !ls\nmath.sqrt?\n",
        ["def f():\n", "    %time g()\n", "    return 1\n"],
        "%%bash\necho hi\n",
        "%%time\nx = f()\n",
        "import kata\nkata.check('ex09')\n",
        'if __name__ == "__main__":\n    import kata\n    kata.check("ex09")\n',
        "from __future__ import annotations\ny = 2\n",
    )
    module = ipynb.convert(path)
    namespace = {}
    exec(compile(module.text, "m", "exec"), namespace)
    assert namespace["f"]() == 1 and namespace["x"] == 1 and namespace["y"] == 2
    assert module.text.splitlines()[1] == "from __future__ import annotations"
    notes = "\n".join(module.notes)
    for dropped in ["%matplotlib", "!pip list", "files = !ls", "math.sqrt?", "%time g()"]:
        assert dropped in notes
    assert "cell 3: %%bash cell (not Python)" in notes
    assert "cell 5: a check cell" in notes
    assert "echo hi" not in module.text and "kata.check('ex09')" not in module.text
    assert 'kata.check("ex09")' in module.text  # the guarded form stays
    assert ipynb.module_text_of(path.read_bytes(), path.name).startswith(
        "# dropped: cell 1, line 1: %matplotlib inline\n"
    )


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not a Jupyter notebook (invalid JSON"),
        ('{"cells": 3}', "no list of cells"),
        ('{"nbformat": 3, "cells": []}', "a notebook of format 3"),
    ],
)
def test_ipynb_that_is_no_notebook_says_why(tmp_path, content, message):
    path = tmp_path / "ex09_demo.ipynb"
    path.write_text(content)
    with pytest.raises(ipynb.NotebookError, match=re.escape(message)):
        ipynb.convert(path)


def test_target_loads_a_notebook_and_locates_its_errors(tmp_path):
    name = "ex03_custom_init"
    write_notebook(tmp_path / f"{name}.ipynb", "x = 1\n", "def f():\n    return x + 1\n")
    module = target.load(name, tmp_path)
    assert module.f() == 2
    assert target.where(name, tmp_path).endswith(f"{name}.ipynb")

    write_notebook(
        tmp_path / f"{name}.ipynb", "# markdown", "x = 1\n", "def f(:\n    pass\n", kind="code"
    )
    with pytest.raises(
        target.LoadError,
        match=r'ex03_custom_init\.ipynb, cell 3 \("def f\(:"\), line 1: SyntaxError',
    ):
        target.load(name, tmp_path)

    write_notebook(tmp_path / f"{name}.ipynb", "x = 1\n", "y = 2\nraise RuntimeError('boom')\n")
    with pytest.raises(
        target.LoadError, match=r'cell 2 \("y = 2"\), line 2: RuntimeError while importing: boom'
    ):
        target.load(name, tmp_path)

    (tmp_path / f"{name}.py").write_text("def f():\n    return 'py'\n")
    assert target.load(name, tmp_path).f() == "py", "the .py wins over the notebook"


def test_grader_finds_a_notebook_where_no_py_is(tmp_path):
    from kata.grading import intake

    def find_module(sub, name):
        with intake.Submission(sub) as taken:
            found = taken.find(name)
        return found and found.path

    name = "ex03_custom_init"
    (tmp_path / "work" / ".ipynb_checkpoints").mkdir(parents=True)
    write_notebook(tmp_path / "work" / ".ipynb_checkpoints" / f"{name}.ipynb", "x = 0")
    assert find_module(tmp_path, name) is None, "Jupyter's checkpoints are not the submission"
    write_notebook(tmp_path / "work" / f"{name}.ipynb", "x = 1")
    assert find_module(tmp_path, name) == tmp_path / "work" / f"{name}.ipynb"
    (tmp_path / "deeper" / "still").mkdir(parents=True)
    (tmp_path / "deeper" / "still" / f"{name}.py").write_text("x = 2")
    assert find_module(tmp_path, name).suffix == ".py"


# --------------------------------------------------------------- kata.check


def test_check_does_nothing_inside_a_graded_load():
    from kata.learner import notebook

    assert notebook.check("ex03", namespace={"__name__": "kata_target_ex03_custom_init"}) is None


def test_a_cell_ending_in_the_call_displays_it_itself():
    from kata.learner import notebook

    class Frame:
        def __init__(self, mode):
            self.f_code = compile("kata.check('ex03')", "<cell>", mode)

    assert notebook._displayed_by_caller(Frame("single"))
    assert not notebook._displayed_by_caller(Frame("exec"))
    guarded = 'if __name__ == "__main__":\n    import kata\n    kata.check("ex03")\n'

    class Guarded:
        f_code = compile(guarded, "<cell>", "exec")

    assert not notebook._displayed_by_caller(Guarded())


def solution_namespace(name: str) -> dict:
    """The solution run as one notebook cell, its text in linecache as IPython keeps
    a cell's (kata.check runs the cells that defined the namespace again)."""
    import linecache

    namespace = {"__name__": "__main__"}
    source = (ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8")
    cell = f"<cells of {name}>"
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    exec(compile(source, cell, "exec"), namespace)
    return namespace


def test_check_in_process_says_visible_when_hidden_tests_exist():
    """ex01 has instructor-only tests (tests/hidden/): a check runs the visible ones and
    says so; a result for an exercise without hidden tests may say "all tests pass"."""
    from kata.learner import notebook

    assert (ROOT / "tests" / "hidden" / "test_ex01_access_params.py").is_file()
    done = notebook.check("ex01", namespace=solution_namespace("ex01_access_params"))
    assert done.passed, repr(done)
    assert "all visible tests pass" in done.summary
    assert "all visible tests pass" in done._repr_html_()

    one = notebook.check("ex04", "freeze", namespace=solution_namespace("ex04_set_params"))
    assert one.passed and [t.task.name for t in one.tasks] == ["freeze"]
    assert "all visible tests pass" in one.summary  # every exercise has hidden tests now
    one.hidden_may_exist = False  # an exercise without them may say all
    assert "all tests pass" in one.summary and "visible" not in one.summary

    for name in catalogue.names():  # no suite turns a missing name into a failure
        empty = notebook.check(name, namespace={"__name__": "__main__"})
        assert not empty.passed and empty.summary.endswith("not started"), empty.summary
        texts = [f.text for t in empty.tasks for f in t.failures]
        assert all("not defined in this kernel yet" in t for t in texts), texts


def test_the_cells_become_a_file_a_fresh_process_can_import():
    """A fresh process imports the kernel's cells as a file (ex08's roundtrip_model
    loads its .keras file there): the cells' ``from __future__`` imports come first, or
    that file does not compile and a correct solution fails in kata.check alone."""
    from kata.learner import notebook

    namespace = solution_namespace("ex08_read_write")
    source = notebook._module_of(namespace, "ex08_read_write").__kata_source__
    assert "from __future__ import annotations" in source
    compile(source, "<ex08_read_write as a file>", "exec")
    done = notebook.check("ex08", "roundtrip_model", namespace=namespace)
    assert done.passed, repr(done)


def test_check_runs_the_cells_under_the_guard():
    """kata.check grades the kernel's cells as the grader grades a file: run again
    under the run-time guard, so a refused call fails here as it would when graded."""
    import linecache

    from kata.learner import notebook

    cell = "<cell: my_init>"
    source = "import numpy as np\n\ndef my_init():\n    return np.load('ones.npy')\n"
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    namespace = {"__name__": "__main__"}
    exec(compile(source, cell, "exec"), namespace)  # the kernel runs it unguarded
    result = notebook.check("ex03", "my_init", namespace=namespace)
    texts = [f.text for t in result.tasks for f in t.failures]
    assert not result.passed and any("[guard: capability]" in t for t in texts), texts
