"""Malicious submissions against the grader: each earns nothing it did not earn.

Every attack is a directory under ``attacks/``: ``patch.py.txt`` is appended to
the attacked module's base (the reference solution, the stub, or nothing), any
other ``<file>.txt`` lands in the submission as ``<file>``, and ``link.txt``
(``<name> -> <kata path>``) makes a symbolic link. The submission also holds the
reference solution of one other exercise, which must still get full marks. Each
attack is graded by ``kata grade`` (the CLI, as an instructor runs it) with small
limits, two at a time. Attacks on the sandbox itself run with
``--unguarded`` (the run-time guard would stop them first; this shows the
second wall holds too).

Attacks on the grader's stream reader, its clocks and its memory bound (``ALONE``)
grade one exercise alone with short limits and deadlines.

Every test asserts the exact scores and statuses of both exercises, that the
outputs (re-read a few seconds after every grader has exited) are the ones the
grader wrote and are well-formed, and ``test_clean_submission_graded_next``
grades a clean submission last: it gets its clean score.
"""

from __future__ import annotations

import contextlib
import csv
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from kata import ROOT
from kata.core import catalogue, guard, target
from kata.grading import sanitize
from kata.grading.sandbox import NPROC_LIMIT, descendants
from tests.tooling.junit_schema import junit_problems

ATTACKS = Path(__file__).with_name("attacks")
ATTACKED = "ex01_access_params"
LIMITS = ["--timeout", "12", "--memory", "1500", "--startup", "240"]
OUTPUTS = ("results.json", "grade.json", "junit.xml")
GUARDED = {  # stopped by the run-time guard (kata.core.guard), not by the sandbox
    "forge_report_store",
    "forge_stream_token",
    "settrace_locals",
    "stats_alpha_defaults",
    "patch_restore_numpy",
    "patch_gradient_tape",
}

# attack -> (base of the attacked module, run unguarded?, score, status, words in reason)
EXPECTED = {
    # the watchdog and the process boundary (modules the guard would stop first)
    # an endless loop costs its task (count_params, 1 point), as in the learner's make test
    "infinite_loop": ("solutions", False, 9, "graded", ""),
    "sigalrm_ignored": ("solutions", True, 9, "graded", ""),
    "os_exit_import": ("solutions", True, 0, "crashed", "exit code 0"),
    "sys_exit_function": ("solutions", True, 9, "graded", ""),
    "segfault": ("solutions", True, 0, "crashed", "SIGSEGV"),
    "conftest_flip": ("exercises", False, 0, "graded", ""),
    "memory_bomb": ("solutions", True, 0, "killed", "memory limit"),
    "always_eq": ("solutions", True, 9, "graded", ""),
    "fake_results": ("exercises", True, 0, "tampered", "forged"),
    "import_solutions": (None, True, 0, "graded", ""),
    "patch_checks": ("solutions", True, 0, "tampered", "numpy.allclose"),
    # forging in-process: the run-time guard refuses it as it runs (graded, 0, flagged)
    "forge_report_store": ("exercises", False, 0, "graded", ""),
    "forge_stream_token": ("exercises", False, 0, "graded", ""),
    "settrace_locals": ("exercises", False, 0, "graded", ""),
    "stats_alpha_defaults": ("exercises", False, 0, "graded", ""),
    "patch_restore_numpy": ("solutions", False, 9, "graded", ""),  # count_params refused
    "patch_gradient_tape": ("solutions", False, 0, "graded", ""),
    # the sandbox: read-only venv and tree, PID namespace, private log, own process
    "venv_pth": ("solutions", True, 10, "graded", ""),
    "sitecustomize_tree": ("solutions", True, 10, "graded", ""),
    "daemon_rewrites": ("solutions", True, 10, "graded", ""),
    "log_flood": ("solutions", True, 0, "crashed", "ended early"),  # its own log only
    "thread_exit": ("solutions", True, 10, "graded", ""),
    # trusted outputs
    "deep_expression": ("exercises", False, 0, "graded", ""),  # cannot be compiled
    "control_chars": ("solutions", False, 9, "graded", ""),
    "symlink_file": (None, False, 0, "refused", "symbolic link"),
    "symlink_dir": (None, False, 0, "refused", "symbolic link"),
    "hidden_leak": ("solutions", True, 9, "graded", ""),
}
BATCH = "kill_grade_all"  # graded by kata grade-all (with a clean submission beside it)

EX04 = "ex04_set_params"
ALONE_LIMITS = ["--timeout", "15", "--memory", "1200", "--startup", "120"]
ALONE_LIMITS += ["--exercise-deadline", "150", "--deadline", "200"]
# attack -> (the exercise graded alone, its base, run quarantined?, score, status, words)
ALONE = {
    # the stream reader: a bad line is a flag, never an exception (the grader wrote nothing)
    "stream_deep_line": (EX04, "solutions", True, 0, "tampered", "forged"),
    "stream_list_id": (EX04, "solutions", True, 0, "tampered", "forged"),
    # the clocks: repeated lines restarted the per-test clock forever
    "forged_progress": (EX04, "solutions", True, 0, "tampered", "forged"),
    # memory held in memfd files is no process's resident memory
    "memfd_hoard": (EX04, "solutions", True, 0, "killed", "memory limit"),
    # an endless loop costs its own task, as in the learner's make test (issue 25: 38/44)
    "loop_one_task": (EX04, "solutions", False, 5, "graded", ""),
    # the hidden tests are gone once collected; a zero-width space defeated the redaction
    "hidden_zero_width": (ATTACKED, "solutions", True, 9, "graded", ""),
}


OTHER = "ex05_shared_params"  # among the quickest exercises to grade, so preferred


def other_exercise() -> str | None:
    """An exercise besides the attacked one that has a solution and tests (``OTHER``
    when it has them)."""
    for e in sorted(catalogue.exercises(), key=lambda e: e.name != OTHER):
        if (
            e.name != ATTACKED
            and (ROOT / "solutions" / e.filename).is_file()
            and (ROOT / e.test_file).is_file()
        ):
            return e.name
    return None


def build(name: str, dest: Path, base: str | None = None) -> Path:
    attacked = ALONE[name][0] if name in ALONE else ATTACKED
    base = EXPECTED[name][0] if name in EXPECTED else ALONE[name][1] if name in ALONE else base
    dest.mkdir(parents=True)
    text = (ROOT / base / f"{attacked}.py").read_text() if base else ""
    linked = False
    for f in sorted((ATTACKS / name).iterdir()):
        if f.name == "patch.py.txt":
            text += "\n" + f.read_text()
        elif f.name == "link.txt":
            link, target = (s.strip() for s in f.read_text().split("->"))
            (dest / link).symlink_to(ROOT / target)
            linked = True
        else:
            shutil.copyfile(f, dest / f.name.removesuffix(".txt"))
    if not linked:
        (dest / f"{attacked}.py").write_text(text)
    other = other_exercise()
    if other and name not in ALONE:
        shutil.copyfile(ROOT / "solutions" / f"{other}.py", dest / f"{other}.py")
    return dest


def exercises() -> list[str]:
    return [ATTACKED] + ([other_exercise()] if other_exercise() else [])


def grade_cli(
    sub: Path, out: Path, unguarded: bool, alone: str | None = None
) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--out", str(out), "--quiet"]
    if alone:
        cmd += ["--exercises", alone, *ALONE_LIMITS]
    else:
        cmd += ["--exercises", ",".join(exercises()), *LIMITS]
    cmd += ["--jobs", "1"] + (["--unguarded"] if unguarded else [])
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)


def snapshot(out: Path) -> dict[str, bytes]:
    return {f: (out / f).read_bytes() for f in OUTPUTS if (out / f).is_file()}


class Graded(dict):
    """name -> (process, out dir, outputs as written) of each attack graded so far;
    ``need(name)`` grades one the session did not select (so a test that needs it does
    not depend on which tests were selected)."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = root

    def grade(self, name: str):
        sub = build(name, self.root / name)
        out = self.root / f"{name}-out"
        out.mkdir()
        (out / "results.json").write_text('{"score": 999}')  # whatever is there gets replaced
        if name in ALONE:
            proc = grade_cli(sub, out, ALONE[name][2], alone=ALONE[name][0])
        else:
            proc = grade_cli(sub, out, EXPECTED[name][1])
        return proc, out, snapshot(out)

    def need(self, name: str):
        if name not in self:
            self[name] = self.grade(name)
        return self[name]


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory) -> Graded:
    """Grade the attacks the session selected, two at a time; then wait, then grade a
    clean submission."""
    wanted = list(
        dict.fromkeys(
            item.callspec.params["attack"]
            for item in request.session.items
            if item.module is request.module
            and hasattr(item, "callspec")
            and "attack" in item.callspec.params
        )
    )
    done = Graded(tmp_path_factory.mktemp("attacks"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        done.update(zip(wanted, pool.map(done.grade, wanted), strict=True))
    time.sleep(4)  # a daemon left behind would have rewritten the outputs by now
    clean = done.root / "clean"
    shutil.copytree(ROOT / "solutions", clean, ignore=shutil.ignore_patterns("__pycache__"))
    done["<clean>"] = (
        grade_cli(clean, done.root / "clean-out", False),
        done.root / "clean-out",
        {},
    )
    return done


def _grade_json(proc, out: Path) -> dict:
    path = out / "grade.json"
    assert path.is_file(), (
        f"no grade.json (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}"
    )
    return json.loads(path.read_text())


@pytest.mark.parametrize("attack", sorted(EXPECTED))
def test_attack(attack, graded):
    proc, out, written = graded[attack]
    _, _, score, status, words = EXPECTED[attack]
    data = _grade_json(proc, out)
    ex = data["exercises"][ATTACKED]
    log = (
        (out / "grade.log").read_text(errors="replace")[-3000:]
        if (out / "grade.log").is_file()
        else ""
    )
    assert ex["status"] == status, f"{attack}: {ex['status']} ({ex['reason']})\n{log}"
    assert words.lower() in ex["reason"].lower(), f"{attack}: reason {ex['reason']!r}"
    assert ex["score"] == pytest.approx(score), f"{attack}: {ex['score']} points\n{log}"
    other = other_exercise()
    if other:
        g = data["exercises"][other]
        assert (g["status"], g["score"]) == ("graded", g["max_score"]), (
            f"{other} under {attack}: {g['status']} {g['reason']}\n{log}"
        )
    # The outputs are the grader's, intact seconds after it exited, and well-formed.
    assert snapshot(out) == written, f"{attack}: the outputs changed after the grader exited"
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == pytest.approx(data["score"], abs=1e-3)
    assert all(t["name"].startswith(tuple(exercises())) for t in results["tests"])
    if attack in GUARDED:  # the refusal names its rule, as a flag for the instructor
        assert any("[guard:" in f for f in ex["flags"]), ex["flags"]
    assert junit_problems(out / "junit.xml") == []


def _cgroup_here() -> bool:
    from kata.grading import cgroups

    group = cgroups.Group.create(f"kata-probe-{os.getpid()}", 100, 10)
    if group:
        group.close()
    return group is not None


@pytest.mark.parametrize("attack", sorted(ALONE))
def test_attack_alone(attack, graded):
    """The stream reader, the clocks, the memory bound and the hidden tests hold, with one
    exercise graded alone: the exact score and status, all three outputs written."""
    if attack == "memfd_hoard" and not _cgroup_here():
        pytest.skip("no control group here (not root): memfd memory is bounded by rlimits only")
    proc, out, written = graded[attack]
    exercise, _, _, score, status, words = ALONE[attack]
    data = _grade_json(proc, out)
    ex = data["exercises"][exercise]
    log = (out / "grade.log").read_text(errors="replace")[-3000:]
    assert ex["status"] == status, f"{attack}: {ex['status']} ({ex['reason']})\n{log}"
    assert words.lower() in ex["reason"].lower(), f"{attack}: reason {ex['reason']!r}"
    assert ex["score"] == pytest.approx(score), f"{attack}: {ex['score']} points\n{log}"
    assert set(written) == set(OUTPUTS), f"{attack}: wrote only {sorted(written)}"
    assert snapshot(out) == written, f"{attack}: the outputs changed after the grader exited"
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == pytest.approx(data["score"], abs=1e-3)
    assert junit_problems(out / "junit.xml") == []


def test_one_endless_loop_costs_its_task_only(graded):
    """loop_one_task loops in add_one: add_one scores 0, ex04's other tasks all their
    points (the exercise ran again without add_one's tests), as the learner saw."""
    data = _grade_json(*graded.need("loop_one_task")[:2])
    tasks = data["exercises"][EX04]["tasks"]
    assert tasks["add_one"]["score"] == 0, tasks["add_one"]
    for name, task in tasks.items():
        if name != "add_one":
            assert task["score"] == task["max_score"], (name, task)


def _threads_below(pid: int) -> int:
    """The threads of every process below ``pid`` (its sandboxed runs included)."""
    total = 0
    for p in psutil.Process(pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += p.num_threads()
    return total


def test_thread_storm_touches_no_other_student(tmp_path):
    """nproc_storm holds every thread RLIMIT_NPROC allows its user until it is killed;
    once its threads are seen, a clean student is graded beside it: each run has a uid
    of its own (and a pids cgroup), so the clean student's TensorFlow starts its threads
    and gets full marks. The storm still holds after that grade; then it is stopped
    (its own grade is not the point)."""
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    storm = (ATTACKS / "nproc_storm" / "patch.py.txt").read_text()
    (attacker / f"{EX04}.py").write_text((ROOT / "solutions" / f"{EX04}.py").read_text() + storm)
    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copyfile(ROOT / "solutions" / f"{EX04}.py", clean / f"{EX04}.py")
    limits = ["--timeout", "120", "--memory", "1500", "--startup", "600", "--jobs", "1"]
    cmd = [sys.executable, "-m", "kata", "grade", "--quiet", "--exercises", EX04, *limits]
    storm = [*cmd, str(attacker), "--out", str(tmp_path / "a-out")]
    first = subprocess.Popen([*storm, "--unguarded"], cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while _threads_below(first.pid) < NPROC_LIMIT // 2:  # until the storm is up
            assert first.poll() is None, "the storm's grader ended before its storm"
            assert time.monotonic() < deadline, "no storm after 300 s"
            time.sleep(0.5)
        proc = subprocess.run(
            [*cmd, str(clean), "--out", str(tmp_path / "c-out")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert _threads_below(first.pid) >= NPROC_LIMIT // 2, "the storm ended too soon"
    finally:  # stop the storm's grader: SIGTERM, then its run, which it would wait for
        first.terminate()
        for p in descendants(first.pid)[1:]:  # none if it ended early (the test says why)
            with contextlib.suppress(psutil.Error):
                p.kill()
        first.wait(timeout=600)
    data = _grade_json(proc, tmp_path / "c-out")
    g = data["exercises"][EX04]
    log = (tmp_path / "c-out" / "grade.log").read_text(errors="replace")[-3000:]
    assert (g["status"], g["score"]) == ("graded", g["max_score"]), f"{g['reason']}\n{log}"


def _readable(path: Path) -> str:
    """An output's text as a reader sees it: JSON and XML escapes undone, then without
    whitespace and format (zero-width) characters."""
    text = path.read_text(errors="replace")
    if path.suffix == ".json":
        text = json.dumps(json.loads(text), ensure_ascii=False)
    elif path.suffix == ".xml":
        text = html.unescape(text)
    return sanitize.bare(text)


@pytest.mark.parametrize("attack", ["hidden_leak", "hidden_zero_width"])
def test_hidden_tests_never_leak(graded, attack):
    """Each attack raised the hidden test file's text (hidden_zero_width with a zero-width
    space after every character): no output quotes it, and it found no file to read."""
    _, out, _ = graded.need(attack)
    hidden = (ROOT / "tests" / "hidden" / f"test_{ATTACKED}.py").read_text().splitlines()
    lines = [ln.strip() for ln in hidden if len(ln.strip()) > 30 and not ln.strip().startswith("#")]
    for name in (*OUTPUTS, "grade.log"):
        text = _readable(out / name)
        leaked = [ln for ln in lines if sanitize.bare(ln) in text]
        assert not leaked, f"{name} quotes the hidden tests: {leaked[:2]}"
    if attack == "hidden_zero_width":  # its glob matched no hidden test file
        assert "no hidden tests found" in (out / "results.json").read_text()


def test_clean_submission_graded_next(graded):
    """After every attack (and a pause), a clean submission gets its clean score, and
    nothing an attack tried to leave in the venv or the kata is there."""
    proc, out, _ = graded["<clean>"]
    data = _grade_json(proc, out)
    for name in exercises():
        e = data["exercises"][name]
        assert (e["status"], e["score"]) == ("graded", e["max_score"]), (name, e["reason"])
    import site

    for d in [*site.getsitepackages(), sys.prefix, str(ROOT), *filter(None, sys.path)]:
        assert not Path(d, "zz_kata_rigged.pth").exists(), f"an attack wrote a .pth into {d}"
        custom = Path(d, "sitecustomize.py")
        assert not (custom.is_file() and "KATA_RIGGED" in custom.read_text()), f"rigged {custom}"


def test_unearned_tasks_score_zero(graded):
    """Where the grade stands, the attacked task itself earns nothing (each attack this
    needs is graded here when the session did not select it)."""
    unearned = ("sys_exit_function", "always_eq", "control_chars", "hidden_leak", "infinite_loop")
    for attack in unearned:
        data = _grade_json(*graded.need(attack)[:2])
        task = data["exercises"][ATTACKED]["tasks"]["count_params"]
        assert task["score"] == 0, f"{attack}: count_params earned {task['score']}"
    data = _grade_json(*graded.need("conftest_flip")[:2])
    tasks = data["exercises"][ATTACKED]["tasks"].values()
    assert {t["status"] for t in tasks} == {"not started"}
    assert any("conftest.py" in f for f in data["flags"])
    data = _grade_json(*graded.need("import_solutions")[:2])
    tasks = data["exercises"][ATTACKED]["tasks"].values()
    assert {t["status"] for t in tasks} == {"cannot import"}


def test_batch_survives_a_submission_that_kills_it(tmp_path):
    """kill_grade_all looks for ``kata grade-all`` among its ancestors and kills it: the
    batch still writes its gradebook, the attacked submission and a clean one get
    their exact scores."""
    subs = tmp_path / "subs"
    build(BATCH, subs / "attacker", base="solutions")
    clean = subs / "clean"
    clean.mkdir()
    shutil.copyfile(ROOT / "solutions" / f"{ATTACKED}.py", clean / f"{ATTACKED}.py")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kata", "grade-all", str(subs), "--out", str(out), "--jobs", "2"]
    cmd += ["--exercises", ATTACKED, *LIMITS]
    cmd.append("--unguarded")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert (out / "gradebook.csv").is_file(), (
        f"no gradebook (exit {proc.returncode})\n{proc.stderr}"
    )
    rows = {r["name"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert float(rows["clean"][ATTACKED]) == 10 and float(rows["attacker"][ATTACKED]) == 10, rows
    assert proc.returncode == 0


def test_the_guard_refuses_each_in_process_attack(tmp_path):
    """The run-time guard alone stops every in-process attack: loaded as the grader
    and ``make test`` load a module, each is refused with its named rule."""
    expected_rule = {
        "forge_report_store": "import",
        "forge_stream_token": "import",
        "settrace_locals": "import",
        "stats_alpha_defaults": "import",
        "patch_restore_numpy": "write",
        "patch_gradient_tape": "write",
        "venv_pth": "import",
        "sitecustomize_tree": "import",
        "daemon_rewrites": "import",
        "kill_grade_all": "import",
        "log_flood": "import",
        "thread_exit": "import",
        "hidden_leak": "import",
        "always_eq": "dunder",
        "patch_checks": "import",
        "segfault": "import",
        "fake_results": "import",
        "import_solutions": "compile",  # from solutions… import *
    }
    for attack, rule in expected_rule.items():
        (tmp_path / f"{ATTACKED}.py").write_text((ATTACKS / attack / "patch.py.txt").read_text())
        try:  # refused at import, or when the test calls the attacked task
            target.load(ATTACKED, tmp_path).count_params(None)
        except (target.LoadError, guard.Refused) as exc:
            said = str(exc)
        else:
            pytest.fail(f"{attack}: not refused")
        assert f"[guard: {rule}]" in said, f"{attack}: {said}"
    assert guard.SWITCH not in __import__("os").environ


def _stream_of(tmp_path: Path, lines: list[bytes]):
    from kata.grading.sandbox import Run, _Stream

    path = tmp_path / "stream.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    run = Run("ex")
    stream = _Stream(path, "tok", run)
    return stream, run


def _line(**data) -> bytes:
    return json.dumps({"token": "tok", **data}).encode()


def test_stream_reader_flags_every_bad_line(tmp_path):
    """Each line that is not the reporter's (too deep, too long, not UTF-8, not JSON, the
    wrong types under the right token, a test started twice) is counted as forged; the
    reader raises nothing and keeps following the good lines."""
    test = {"id": "t1", "exercise": "ex", "task": "a", "hidden": False}
    bad = [
        b"[" * 200_000,
        b"x" * (2 * 2**20),
        b'{"token": "tok", "event": "finish", "x": "\xff\xfe"}',
        b"{not json",
        _line(event="collected", tests=[dict(test, id=["t1"])]),
        _line(event="collected", tests=[dict(test, task={"a": 1})]),
        _line(event="start", id=["t1"]),
        _line(event="end", id="t1", outcome=["passed"], message="", tampered=[]),
        _line(event="end", id="t1", outcome="passed", message=[], tampered=[]),
        _line(event="end", id="t1", outcome="passed", message="", tampered={"a": 1}),
        _line(event="end", id="t1", outcome="passed", message="", tampered=[1]),
        _line(event=["start"], id="t1"),
    ]
    good = [
        _line(event="collected", tests=[test]),
        _line(event="start", id="t1"),
        _line(event="end", id="t1", outcome="passed", message="", tampered=[]),
    ]
    stream, run = _stream_of(tmp_path, [*good[:2], *bad, *good[2:]])
    assert stream.poll() is True
    assert run.forged == len(bad)
    assert run.collected == [test] and list(run.ended) == ["t1"] and run.running is None
    # A test that ended cannot start again (the per-test clock would restart).
    stream, run = _stream_of(tmp_path, [*good, _line(event="start", id="t1")])
    stream.poll()
    assert (run.forged, run.running) == (1, None)
    # Nor while another test runs; and an event the reporter never writes is forged too.
    two = dict(test, id="t2")
    lines = [_line(event="collected", tests=[test, two]), *good[1:], _line(event="start", id="t2")]
    stream, run = _stream_of(
        tmp_path, [*lines, _line(event="start", id="t1"), _line(event="finish")]
    )
    stream.poll()
    assert (run.forged, run.running) == (2, "t2")


def test_redaction_sees_through_format_characters(tmp_path):
    """A hidden line quoted with a zero-width space (or joiner, or a soft hyphen) after
    each character, or spaced out, is still withheld, in a message and in the log."""
    hidden = tmp_path / "test_hidden.py"
    quote = "assert kernel is net.layers[-1].kernel, 'index -1 is the last layer'"
    hidden.write_text(f"def test_x():\n    {quote}\n")
    redact = sanitize.Redactor([hidden])
    for sep in ("\u200b", "\u200d", "\u00ad", "\u2060", " "):
        assert redact(f"E  {sep.join(quote)}") == sanitize.WITHHELD, repr(sep)
    log = f"ok line\nE   {chr(0x200B).join(quote)}\nnext line"
    assert redact.log(log) == f"ok line\n{sanitize.WITHHELD}\nnext line"
    assert redact("an honest message about kernels") == "an honest message about kernels"


def test_fallback_without_bwrap_hides_the_hidden_tests(tmp_path):
    """The documented fallback (KATA_SANDBOX=none: a process group, processes found with
    psutil) grades too, each run in its own view of the tree whose hidden tests are
    gone once collected: hidden_zero_width finds none, and scores what it earned."""
    sub = build("hidden_zero_width", tmp_path / "sub")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--out", str(out), "--quiet"]
    cmd += ["--exercises", ATTACKED, *ALONE_LIMITS, "--unguarded"]
    env = {**os.environ, "KATA_SANDBOX": "none"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    data = _grade_json(proc, out)
    assert data["sandbox"] == "process group", data["sandbox"]
    ex = data["exercises"][ATTACKED]
    assert (ex["status"], ex["score"]) == ("graded", 9), ex["reason"]
    assert "no hidden tests found" in (out / "results.json").read_text()


def _ex04_run(**ended) -> tuple:
    from kata.grading.model import ExerciseGrade
    from kata.grading.sandbox import Run

    tasks = ["add_one", "set_first_element", "set_first_element", "freeze"]
    r = Run(EX04)
    r.collected = [
        {"id": f"t{i}", "exercise": EX04, "task": task, "hidden": False}
        for i, task in enumerate(tasks)
    ]
    r.ended = ended
    return r, {EX04: ExerciseGrade(catalogue.exercise(EX04))}


def test_a_timed_out_test_costs_its_task_only():
    """A run killed while t1 (set_first_element) ran: t0 counts, t1 and its task's t2 (not
    run) fail as in make test, t3 (another task) is left for the next run."""
    from kata.grading.grade import settle

    r, grades = _ex04_run(t0={"outcome": "passed", "message": "", "tampered": []})
    r.running = r.timed_out = "t1"
    r.killed = "time limit: still running after 15 s"
    settle([r], grades)
    g = grades[EX04]
    assert g.status == "graded", g.reason
    seen = {t.id: t.outcome for task in g.tasks.values() for t in task.tests}
    assert seen == {"t0": "passed", "t1": "failed", "t2": "failed"}


def test_tamper_reasons_are_redacted(tmp_path):
    """The tampered list of an end line reaches the reason: a hidden line quoted there
    (with zero-width spaces) is withheld like a message."""
    from kata.grading.grade import settle

    quote = "assert kernel is net.layers[-1].kernel, 'index -1 is the last layer'"
    (tmp_path / "test_hidden.py").write_text(f"def test_x():\n    {quote}\n")
    redact = sanitize.Redactor([tmp_path / "test_hidden.py"])
    line = {"outcome": "passed", "message": "", "tampered": ["\u200b".join(quote)]}
    r, grades = _ex04_run(t0=line)
    settle([r], grades, redact)
    g = grades[EX04]
    assert g.status == "tampered" and sanitize.WITHHELD in g.reason, g.reason


def test_stale_trees_of_dead_graders_only_are_swept(tmp_path, monkeypatch):
    """A grader killed from outside leaves its tree; the next grader removes it, and never
    the tree of a grader still running (its pid is asked with psutil, not /proc)."""
    from kata.grading import grade

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    live = os.getppid()
    for pid in (gone.pid, live):
        (tmp_path / f"{grade.TMP_PREFIX}{pid}-abc").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    grade.sweep_stale_trees()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{grade.TMP_PREFIX}{live}-abc"]


def test_an_exercise_without_test_files_starts_no_run(tmp_path):
    """No test file of the exercise in the tree: nothing is run (pytest handed no file
    would collect the whole tree), and the run says it saw no test."""
    from kata.grading.sandbox import Limits, Sandbox, run_all

    (tmp_path / "tests").mkdir()
    runs = run_all(tmp_path, [ATTACKED], Limits(), sandbox=Sandbox("process group"))
    assert [(r.collected, r.returncode, r.log) for r in runs[ATTACKED]] == [(None, None, b"")]


def test_the_sooner_deadline_stops_the_run(tmp_path):
    """The exercise's deadline and the submission's: whichever comes first stops the run,
    with its own reason (a run past its deadline is not started)."""
    from kata.grading.sandbox import Deadline, Limits, Sandbox, run_all

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / f"test_{ATTACKED}.py").touch()
    fallback = Sandbox("process group")
    passed = Deadline(time.monotonic() - 1, "the submission ran past 1 s")
    runs = run_all(tmp_path, [ATTACKED], Limits(), sandbox=fallback, deadline=passed)
    assert [r.killed for r in runs[ATTACKED]] == ["deadline: the submission ran past 1 s"]
    runs = run_all(tmp_path, [ATTACKED], Limits(exercise=0), sandbox=fallback)
    assert [r.killed for r in runs[ATTACKED]] == ["deadline: the exercise ran past 0 s"]


def _pytest_below(pid: int) -> bool:
    """Whether a ``python -m pytest`` runs below ``pid`` (the probes before it do not)."""
    for p in descendants(pid)[1:]:
        with contextlib.suppress(psutil.Error):
            if p.cmdline()[1:3] == ["-m", "pytest"]:
                return True
    return False


def test_a_stopped_grader_ends_its_runs_at_once(tmp_path):
    """SIGTERM (or Ctrl-C) while a run is under way: the grader kills the run and leaves
    now, not when the run reaches its limits (here ten minutes away)."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / f"{OTHER}.py").write_text("while True:\n    pass\n")
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--out", str(tmp_path / "out")]
    cmd += ["--exercises", OTHER, "--timeout", "600", "--startup", "600", "--quiet"]
    env = {**os.environ, "KATA_SANDBOX": "none"}
    grader = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        while not _pytest_below(grader.pid) and grader.poll() is None:  # the run started
            time.sleep(0.2)
        grader.terminate()
        assert grader.wait(timeout=120) == 128 + 15
    finally:
        for p in descendants(grader.pid):
            with contextlib.suppress(psutil.Error):
                p.kill()
        grader.wait()
