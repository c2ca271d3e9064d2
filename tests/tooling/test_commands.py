"""Tooling tests for the learner's commands: make test EX/TASK, progress, hint, reset, watch.

Each test works on a copy of the kata in a temporary folder (the real .venv linked
in), so the repository's exercises and .kata/ state are never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from queue import Empty, Queue

import pytest

from kata import ROOT
from tests.tooling.copies import ignoring_ctrl_c, learn, make, run


def test_copy_uses_its_own_kata_package(kata_copy):
    out = run(kata_copy, sys.executable, "-c", "import kata; print(kata.ROOT)")
    assert out.stdout.strip() == str(kata_copy)


def test_a_warm_command_runs_the_copys_own_kata(kata_copy):
    """``learn`` starts ``python -m kata`` warm (``warm.py``): the copy's own package,
    the caller's environment, and the command's exit status."""
    main = "import os, sys, kata\nprint(kata.ROOT, os.environ['PROBE'])\nsys.exit(3)\n"
    (kata_copy / "kata" / "__main__.py").write_text(main)
    out = learn(kata_copy, PROBE="seen")
    assert (out.returncode, out.stdout.split()) == (3, [str(kata_copy), "seen"]), out.stderr


# ---------------------------------------------------------------------- hint


def test_hint_levels_advance_then_stay_at_the_last(kata_copy):
    seen = []
    for _ in range(4):
        out = learn(kata_copy, "hint", "ex01", "count_params")
        assert out.returncode == 0, out.stderr
        seen.append(out.stdout.splitlines()[0])
    assert [s.split()[1] for s in seen] == ["1/3", "2/3", "3/3", "3/3"]
    assert "count_params" in seen[0]


def test_hint_level_option_and_default_task(kata_copy):
    out = learn(kata_copy, "hint", "ex01", "find_param", "--level", "2")
    assert out.returncode == 0 and out.stdout.startswith(
        "hint 2/3 for ex01_access_params.find_param"
    )
    out = learn(kata_copy, "hint", "ex01")  # no task: the first task not done
    assert out.returncode == 0 and "ex01_access_params.build_mlp" in out.stdout


def test_an_earlier_hint_level_does_not_rewind_the_saved_progress(kata_copy):
    """``make hint LEVEL=1`` shows hint 1 again; the next plain hint is still the last."""
    for level in ("3", "1"):
        out = learn(kata_copy, "hint", "ex01", "count_params", "--level", level)
        assert out.returncode == 0 and out.stdout.startswith(f"hint {level}/3"), out.stderr
    out = learn(kata_copy, "hint", "ex01", "count_params")
    assert out.returncode == 0 and out.stdout.startswith("hint 3/3"), out.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("hint", "ex99"), "the exercises are: ex01_access_params"),
        (("hint", "ex01", "nope"), "its tasks are: build_mlp"),
        (("hint", "ex01", "count_params", "--level", "9"), "hint levels 1 to 3"),
        (("hint",), "which exercise? e.g. make hint EX="),
    ],
)
def test_hint_bad_input_is_a_clear_error(kata_copy, args, needle):
    out = learn(kata_copy, *args)
    assert out.returncode == 2
    assert needle in out.stderr
    assert "Traceback" not in out.stderr


def test_hint_survives_a_corrupt_state_file(kata_copy):
    state = kata_copy / ".kata" / "state.json"
    state.parent.mkdir()
    state.write_text("{not json")
    out = learn(kata_copy, "hint", "ex01", "build_mlp")
    assert out.returncode == 0 and "hint 1/3" in out.stdout
    assert "starting it afresh" in out.stderr
    assert json.loads(state.read_text())["hints"] == {"ex01_access_params::build_mlp": 1}


# --------------------------------------------------------------------- reset


def test_reset_backs_up_then_restores_the_stub(kata_copy):
    path = kata_copy / "exercises" / "ex01_access_params.py"
    stub = path.read_text()
    for attempt in ("# my first attempt\n", "# my second attempt\n"):
        path.write_text(stub + attempt)
        out = learn(kata_copy, "reset", "ex01")
        assert out.returncode == 0, out.stderr
        assert path.read_text() == stub
        assert "saved as .kata/backups/ex01_access_params." in out.stdout
    backups = sorted((kata_copy / ".kata" / "backups").glob("ex01_access_params.*.py"))
    assert [b.read_text()[len(stub) :] for b in backups] == [
        "# my first attempt\n",
        "# my second attempt\n",
    ]


def test_reset_of_an_untouched_stub_changes_nothing(kata_copy):
    out = learn(kata_copy, "reset", "ex01_access_params")
    assert out.returncode == 0 and "nothing to do" in out.stdout
    assert not (kata_copy / ".kata" / "backups").exists()


def test_reset_unknown_exercise_changes_nothing(kata_copy):
    path = kata_copy / "exercises" / "ex01_access_params.py"
    path.write_text(path.read_text() + "# work in progress\n")
    before = {p.name: p.read_text() for p in (kata_copy / "exercises").iterdir()}
    out = learn(kata_copy, "reset", "ex1_access")
    assert out.returncode == 2
    assert "ex01_access_params, ex02_builtin_init" in out.stderr
    assert {p.name: p.read_text() for p in (kata_copy / "exercises").iterdir()} == before
    assert not (kata_copy / ".kata").exists()


# ------------------------------------------------- make test EX/TASK, progress


def test_make_test_one_task(kata_copy):
    out = make(kata_copy, "test", "EX=ex01", "TASK=count_params")
    assert out.returncode != 0  # the stub is not started
    wanted = (
        (ROOT / "tests" / "test_ex01_access_params.py").read_text().count('task("count_params")')
    )
    assert f"{wanted} not started" in out.stdout and "deselected" in out.stdout
    assert "count_params" in out.stdout and "Traceback" not in out.stdout


def test_make_test_bad_task_lists_the_tasks(kata_copy):
    out = make(kata_copy, "test", "EX=ex01", "TASK=count")
    assert out.returncode != 0
    assert "its tasks are: build_mlp, hidden_kernel" in out.stderr


def test_progress_shows_every_task_and_the_next(kata_copy):
    shutil.copy(kata_copy / "solutions" / "ex01_access_params.py", kata_copy / "exercises")
    path = kata_copy / "exercises" / "ex01_access_params.py"
    path.write_text(
        path.read_text().replace("return int(sum(", "return 1 + int(sum(")
    )  # count_params wrong
    out = learn(kata_copy, "progress")
    assert out.returncode == 0, out.stderr
    lines = {line.split()[0]: line for line in out.stdout.splitlines() if line.strip()}
    assert "✓ done" in lines["ex01_access_params"]  # build_mlp, the first row
    row = next(line for line in out.stdout.splitlines() if " count_params " in line)
    assert "✗ failing" in row and "0/1" in row
    assert "next: ex01_access_params.count_params" in out.stdout
    assert "total: 9/10 points" in out.stdout


# --------------------------------------------------------------------- watch


def test_watch_regrades_on_save_in_one_process(kata_copy):
    # COLUMNS: status lines are clipped to the terminal's width, which the test is not about
    env = {**os.environ, "PYTHONPATH": str(kata_copy), "KATA_TARGET": "", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "kata", "watch", "--interval", "0.02", "--timeout", "5"],
        cwd=kata_copy,
        env=env,
        preexec_fn=ignoring_ctrl_c,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    queue: Queue = Queue()
    threading.Thread(target=lambda: [queue.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(needle: str, limit: float = 120) -> str:
        """The next status line holding ``needle``; fails (never hangs) after ``limit`` s."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            try:
                line = queue.get(timeout=max(0.0, end - time.monotonic()))
            except Empty:
                break
            lines.append(line)
            if needle in line:
                return line
        raise AssertionError(f"no {needle!r} in watch output:\n{''.join(lines)}")

    path = kata_copy / "exercises" / "ex01_access_params.py"
    try:
        wait_for("watching")
        shutil.copy(kata_copy / "solutions" / "ex01_access_params.py", path)
        assert "✓ done" in wait_for("] ex01_access_params:")
        solved = path.read_text()
        wrong = solved.replace("return int(sum(", "return int(max(")  # a save of the same size
        assert len(wrong) == len(solved) and wrong != solved
        path.write_text(wrong)
        assert "✗ failing" in wait_for("] ex01_access_params:")
        path.write_text(solved + "\ndef oops(:\n")
        wait_for("cannot import")
        path.write_text(
            path.read_text().replace(
                "def oops(:", "def build_mlp(*a, **k):\n    while True:\n        pass"
            )
        )
        assert "✗ failing — 6/7 tasks done" in wait_for("] ex01_access_params:")
        loop = wait_for("build_mlp: failing")
        assert "timed out after 5 s in ex01_access_params.build_mlp: an endless loop?" in loop
        assert "make test EX=ex01 TASK=build_mlp" in wait_for("full report")
        shutil.copy(kata_copy / "solutions" / "ex01_access_params.py", path)
        assert "✓ done" in wait_for("] ex01_access_params:")
        assert proc.poll() is None, "the watcher must keep running"
        assert sum("loading TensorFlow" in line for line in lines) == 1, "TensorFlow is loaded once"
    finally:
        proc.send_signal(2)  # Ctrl-C
        try:
            proc.wait(timeout=60)  # a hang detector: Ctrl-C ignored, or a slow exit
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    wait_for("watch stopped", limit=5)
    assert proc.returncode == 0


def test_watch_leaves_without_the_interpreters_finalization():
    """After Ctrl-C the watcher ends at once (``_leave``): its output flushed, its exit
    status kept, and no finalization, which with TensorFlow loaded and a grading
    thread still running can take seconds (it once kept CI waiting over 20 s)."""
    code = (
        "import atexit, sys\n"
        "from kata.learner import watch\n"
        "atexit.register(lambda: print('finalized'))\n"
        "print('watch stopped.', end='')\n"
        "sys.stderr.write('unflushed')\n"
        "watch._leave(3)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert proc.stdout == "watch stopped.", "flushed, and no exit handler ran"
    assert proc.stderr.endswith("unflushed")


# ------------------------------------------- the last hint is a nudge, not the code


def _code_pieces(source: str, smallest: int = 20) -> set[str]:
    """The solution's statements and expressions (not bare names or API paths), as
    whitespace-free text of at least ``smallest`` characters."""
    import ast

    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Name, ast.Attribute)):
            continue
        if isinstance(node, (ast.Constant, ast.Expr)) and isinstance(
            getattr(node, "value", None), (str, ast.Constant)
        ):
            continue  # docstrings and strings
        text = "".join(ast.unparse(node).split())
        if len(text) >= smallest:
            out.add(text)
    return out


def spelled_out(hint: str, source: str) -> list[str]:
    """The pieces of the solution's code that ``hint`` spells out."""
    flat = "".join(hint.replace("`", "").split())
    return sorted(p for p in _code_pieces(source) if p in flat)


def test_spelled_out_finds_code_in_a_hint():
    source = "def f(net):\n    return int(sum(v.numpy().size for v in net.weights))\n"
    assert spelled_out("Return int(sum(v.numpy().size for v in net.weights)).", source)
    assert not spelled_out("Sum the sizes over net.weights; return a Python int.", source)


def test_the_last_hint_names_the_api_and_the_pitfall_not_the_code():
    from kata import ROOT
    from kata.core import catalogue
    from kata.core.references import task_source

    for e in catalogue.exercises():
        source = (ROOT / "solutions" / e.filename).read_text(encoding="utf-8")
        for t in e.tasks:
            assert len(t.hints) >= 2, t.key
            found = spelled_out(t.hints[-1], task_source(source, t.name))
            assert not found, f"the last hint of {t.key} spells out the solution: {found}"
            assert "itfall" in t.hints[-1], f"the last hint of {t.key} names no pitfall"


# ----------------------------------------------------- small things (issue 11, item 11)


def _results(passed: dict[str, tuple[int, int]]):
    """Results with ``{task key: (passed, total)}`` filled in."""
    from kata.core import outcomes

    res = outcomes.empty()
    for key, (ok, total) in passed.items():
        res[key].outcomes = [outcomes.Outcome.PASSED] * ok + [outcomes.Outcome.FAILED] * (
            total - ok
        )
    return res


def test_points_show_at_most_two_decimals():
    from kata.testing import tables

    res = _results({"ex02_builtin_init::Linear": (7, 12)})  # 2 * 7/12 = 1.1666…
    text = tables.render(res, per_task=True, width=100)
    assert "1.17/2" in text and "1.1666" not in text


def test_the_next_commands_fit_80_columns():
    from kata.testing import tables

    res = _results({"ex02_builtin_init::xavier_then_constant": (0, 3)})
    text = tables.render(res, per_task=False, width=80)
    commands = [line for line in text.splitlines() if "make " in line]
    assert commands and all(len(line) <= 80 for line in commands), text
    assert "  make hint EX=ex02 TASK=xavier_then_constant\n" in text  # whole, on its own line


def test_finishing_an_exercise_names_the_next_one():
    from kata.core import catalogue
    from kata.testing import tables

    ex01 = {t.key: (2, 2) for t in catalogue.exercise("ex01").tasks}
    text = tables.render(_results(ex01), per_task=False)
    assert "well done" in text
    assert "next exercise: ex02_builtin_init — make test EX=ex02" in text
    known = _results({**ex01, **{t.key: (1, 1) for t in catalogue.exercise("ex02").tasks}})
    text = tables.render(_results(ex01), per_task=False, known=known)
    assert "next exercise: ex03_custom_init" in text  # ex02 is done as far as we know


def test_an_import_error_says_cannot_import_once(kata_copy):
    path = kata_copy / "exercises" / "ex01_access_params.py"
    path.write_text(path.read_text() + "\nfrom keras import no_such_name\n")
    out = make(kata_copy, "test", "EX=ex01", COLUMNS="200")
    assert "ImportError while importing: cannot import name 'no_such_name'" in out.stdout
    assert all(line.count("cannot import") <= 1 for line in out.stdout.splitlines()), out.stdout


def test_task_is_case_insensitive(kata_copy):
    out = make(kata_copy, "test", "EX=ex01", "TASK=COUNT_PARAMS")
    assert "not started" in out.stdout and "deselected" in out.stdout, out.stdout + out.stderr
    assert "next: ex01_access_params.count_params" in out.stdout


def test_learner_runs_leave_the_hidden_tests_out(kata_copy):
    hidden = kata_copy / "tests" / "hidden"
    hidden.mkdir()
    (hidden / "__init__.py").write_text("")
    (hidden / "test_ex01_access_params.py").write_text(
        "import pytest\n\n\n@pytest.mark.task('build_mlp')\ndef test_secret():\n"
        "    assert False, 'SECRET'\n"
    )
    out = make(kata_copy, "test", "EX=ex01", "TASK=build_mlp")
    assert "SECRET" not in out.stdout and "hidden" not in out.stdout, out.stdout
    plain = run(
        kata_copy, sys.executable, "-m", "pytest", "--exercise", "ex01", "--task", "build_mlp"
    )
    assert "SECRET" in plain.stdout  # the hidden test is there, and graders run it


def _last_run(root, passed_tasks):
    """A .kata/last-run.json where ``passed_tasks`` of ex01 passed."""
    from kata.core import catalogue, state

    res = _results({f"ex01_access_params::{t}": (1, 1) for t in passed_tasks})
    tasks = {k: v for k, v in res.items() if v.total}
    record = state.run_record(str((root / "exercises").resolve()), 0, tasks, {})
    (root / ".kata").mkdir(exist_ok=True)
    (root / ".kata" / "last-run.json").write_text(json.dumps({**record, "format_version": 1}))
    assert catalogue.exercise("ex01")


def test_hint_on_a_finished_task_says_it_passes(kata_copy):
    _last_run(kata_copy, ["build_mlp"])
    out = learn(kata_copy, "hint", "ex01", "build_mlp")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ex01_access_params.build_mlp already passes: no hint needed")
    assert "make solution EX=ex01 TASK=build_mlp" in out.stdout
    assert not (kata_copy / ".kata" / "state.json").exists()  # no level used up
    out = learn(kata_copy, "hint", "ex01", "build_mlp", KATA_LANG="zh")
    assert out.stdout.startswith("ex01_access_params.build_mlp 已经通过"), out.stdout
    assert "make solution EX=ex01 TASK=build_mlp" in out.stdout
    out = learn(kata_copy, "hint", "ex01", "build_mlp", "--level", "2")
    assert out.stdout.startswith("hint 2/3")


def test_hint_on_a_finished_exercise_names_the_next(kata_copy):
    from kata.core import catalogue

    _last_run(kata_copy, [t.name for t in catalogue.exercise("ex01").tasks])
    out = learn(kata_copy, "hint", "ex01")
    assert out.stdout.startswith("every task of ex01_access_params passes")
    assert "next exercise: ex02_builtin_init — make test EX=ex02" in out.stdout


# ------------------------------------------------------------------ make solution


def test_solution_refuses_until_the_task_passes(kata_copy):
    out = make(kata_copy, "solution", "EX=ex01", "TASK=build_mlp")
    assert out.returncode != 0
    assert "not yet: ex01_access_params.build_mlp is not started" in out.stderr
    assert "def build_mlp" not in out.stdout
    shutil.copy(kata_copy / "solutions" / "ex01_access_params.py", kata_copy / "exercises")
    out = make(kata_copy, "solution", "EX=ex01", "TASK=BUILD_MLP")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ex01_access_params.build_mlp passes" in out.stdout
    assert "\ndef build_mlp(" in out.stdout and "return keras.Sequential(" in out.stdout


# ------------------------------------------------------------- watch (item 9)


def test_watch_status_shows_a_checks_numbers_and_fits_the_width():
    from kata.core.i18n import clip
    from kata.learner.watch import first_problem

    raw = "x::t:0: m\n\nFAILURE: the std of k is off\nstd 0.0088, expected 0.01 (n=16384)\n"
    assert first_problem(raw) == "the std of k is off: std 0.0088, expected 0.01 (n=16384)"
    shaped = (
        "the std of k is off\nstd 0.0088, expected 0.01 (n=16384)\n  bin  your values  expected"
    )
    assert first_problem(shaped) == "the std of k is off: std 0.0088, expected 0.01 (n=16384)"
    assert first_problem("ValueError: bad\nwhere:\n  tests/t.py:3 in f: x") == "ValueError: bad"
    line = "    ✗ init_normal: failing — " + "x" * 300
    assert clip(line, 80).endswith("…") and len(clip(line, 80)) == 80


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_interrupted_command_claims_nothing_it_cannot_know(lang, monkeypatch, capsys):
    """Ctrl-C: exit status 130; a grading (``make progress``) says its results are
    incomplete and unsaved, any other command (``kata lang`` rewriting lessons, ``kata
    reset``) just "interrupted", never that nothing was saved."""
    from types import SimpleNamespace

    from kata.core.i18n import translate
    from kata.learner import commands
    from kata.learner.run import Interrupted
    from kata.testing.plugin import INTERRUPTED

    monkeypatch.setenv("KATA_LANG", lang)
    for raised, said in ((KeyboardInterrupt, "interrupted"), (Interrupted, INTERRUPTED)):

        def job(args, raised=raised):
            raise raised

        assert commands.run(SimpleNamespace(job=job)) == 130
        assert capsys.readouterr().err.strip() == translate(said, lang)
