"""Malicious submissions against the grader: each earns nothing it did not earn.

Every attack is a directory under ``attacks/``: ``patch.py.txt`` is appended to
the attacked module's base (the reference solution, the stub, or nothing), any
other ``<file>.txt`` lands in the submission as ``<file>``, and ``link.txt``
(``<name> -> <kata path>``) makes a symbolic link. The submission also holds the
reference solution of one other exercise, which must still get full marks. Each
attack is graded by ``kata grade`` (the CLI, as an instructor runs it) with small
limits, two at a time. Attacks on the sandbox itself run with
``--run-quarantined`` (the allow-list would stop them first; this shows the
second wall holds too).

Every test asserts the exact scores and statuses of both exercises, that the
outputs (re-read a few seconds after every grader has exited) are the ones the
grader wrote and are well-formed, and ``test_clean_submission_graded_next``
grades a clean submission last: it gets its clean score.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kata import ROOT
from kata.core import catalogue
from tests.tooling.junit_schema import junit_problems

try:  # the grader of 25b3e71 had no allow-list (the attack tests must fail there)
    from kata.core import policy
except ImportError:  # pragma: no cover - only when run against the old grader
    policy = None

ATTACKS = Path(__file__).with_name("attacks")
ATTACKED = "ex01_access_params"
LIMITS = ["--timeout", "12", "--memory", "1500", "--startup", "240"]
OUTPUTS = ("results.json", "grade.json", "junit.xml")
Q = "quarantined: needs instructor review"

# attack -> (base of the attacked module, run quarantined modules?, score, status, words in reason)
EXPECTED = {
    # the watchdog and the process boundary (modules the allow-list would stop first)
    "infinite_loop": ("solutions", False, 0, "killed", "time limit"),
    "sigalrm_ignored": ("solutions", True, 0, "killed", "time limit"),
    "os_exit_import": ("solutions", True, 0, "crashed", "exit code 0"),
    "sys_exit_function": ("solutions", True, 9, "graded", ""),
    "segfault": ("solutions", True, 0, "crashed", "SIGSEGV"),
    "conftest_flip": ("exercises", False, 0, "graded", ""),
    "memory_bomb": ("solutions", True, 0, "killed", "memory limit"),
    "always_eq": ("solutions", True, 9, "graded", ""),
    "fake_results": ("exercises", True, 0, "tampered", "forged"),
    "import_solutions": (None, True, 0, "graded", ""),
    "patch_checks": ("solutions", True, 0, "tampered", "numpy.allclose"),
    # forging in-process: the allow-list quarantines the module, nothing of it runs
    "forge_report_store": ("exercises", False, 0, Q, "imports kata.grading"),
    "forge_stream_token": ("exercises", False, 0, Q, "imports gc"),
    "settrace_locals": ("exercises", False, 0, Q, "imports sys"),
    "stats_alpha_defaults": ("exercises", False, 0, Q, "imports kata.testing"),
    "patch_restore_numpy": ("solutions", False, 0, Q, "np.array_equal"),
    "patch_gradient_tape": ("solutions", False, 0, Q, "tf.GradientTape.gradient"),
    # the sandbox: read-only venv and tree, PID namespace, private log, own process
    "venv_pth": ("solutions", True, 10, "graded", ""),
    "sitecustomize_tree": ("solutions", True, 10, "graded", ""),
    "daemon_rewrites": ("solutions", True, 10, "graded", ""),
    "log_flood": ("solutions", True, 0, "crashed", "ended early"),  # its own log only
    "thread_exit": ("solutions", True, 10, "graded", ""),
    # trusted outputs
    "deep_expression": ("exercises", False, 0, Q, "nested too deeply"),
    "control_chars": ("solutions", False, 9, "graded", ""),
    "symlink_file": (None, False, 0, "refused", "symbolic link"),
    "symlink_dir": (None, False, 0, "refused", "symbolic link"),
    "hidden_leak": ("solutions", True, 9, "graded", ""),
}
BATCH = "kill_grade_all"  # graded by kata grade-all (with a clean submission beside it)


def other_exercise() -> str | None:
    """An exercise besides the attacked one that has a solution and tests."""
    for e in catalogue.exercises():
        if (
            e.name != ATTACKED
            and (ROOT / "solutions" / e.filename).is_file()
            and (ROOT / e.test_file).is_file()
        ):
            return e.name
    return None


def build(name: str, dest: Path, base: str | None = None) -> Path:
    base = EXPECTED[name][0] if name in EXPECTED else base
    dest.mkdir(parents=True)
    text = (ROOT / base / f"{ATTACKED}.py").read_text() if base else ""
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
        (dest / f"{ATTACKED}.py").write_text(text)
    other = other_exercise()
    if other:
        shutil.copyfile(ROOT / "solutions" / f"{other}.py", dest / f"{other}.py")
    return dest


def exercises() -> list[str]:
    return [ATTACKED] + ([other_exercise()] if other_exercise() else [])


def grade_cli(sub: Path, out: Path, run_quarantined: bool) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--out", str(out), "--quiet"]
    cmd += ["--exercises", ",".join(exercises()), *LIMITS]
    if policy is not None:
        cmd += ["--jobs", "1"] + (["--run-quarantined"] if run_quarantined else [])
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
    wanted = [
        item.callspec.params["attack"]
        for item in request.session.items
        if item.module is request.module
        and hasattr(item, "callspec")
        and "attack" in item.callspec.params
    ]
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
    if status == Q:  # the reason names the file, the line and the rule, in every output
        assert f"{ATTACKED}.py:" in ex["reason"] and "[" in ex["reason"], ex["reason"]
        assert Q in (out / "results.json").read_text()
        assert Q in (out / "junit.xml").read_text()
    assert junit_problems(out / "junit.xml") == []


def test_hidden_tests_never_leak(graded):
    """hidden_leak raised the hidden test file's text: no output quotes it."""
    _, out, _ = graded.need("hidden_leak")
    hidden = (ROOT / "tests" / "hidden" / f"test_{ATTACKED}.py").read_text().splitlines()
    lines = [ln.strip() for ln in hidden if len(ln.strip()) > 30 and not ln.strip().startswith("#")]
    for name in OUTPUTS:
        text = (out / name).read_text()
        leaked = [ln for ln in lines if ln in text or json.dumps(ln)[1:-1] in text]
        assert not leaked, f"{name} quotes the hidden tests: {leaked[:2]}"


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
    for attack in ("sys_exit_function", "always_eq", "control_chars", "hidden_leak"):
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
    if policy is not None:
        cmd.append("--run-quarantined")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert (out / "gradebook.csv").is_file(), (
        f"no gradebook (exit {proc.returncode})\n{proc.stderr}"
    )
    rows = {r["name"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert float(rows["clean"][ATTACKED]) == 10 and float(rows["attacker"][ATTACKED]) == 10, rows
    assert proc.returncode == 0


def test_the_policy_names_each_in_process_attack():
    """The allow-list alone stops every in-process attack: each breaks a named rule."""
    if policy is None:
        pytest.fail("no allow-list: kata.core.policy is missing")
    expected_rule = {
        "forge_report_store": "import",
        "forge_stream_token": "import",
        "settrace_locals": "import",
        "stats_alpha_defaults": "import",
        "patch_restore_numpy": "patch",
        "patch_gradient_tape": "patch",
        "venv_pth": "import",
        "sitecustomize_tree": "import",
        "daemon_rewrites": "import",
        "kill_grade_all": "import",
        "log_flood": "import",
        "thread_exit": "import",
        "hidden_leak": "import",
        "deep_expression": "unreadable",
        "always_eq": "dunder",
        "memory_bomb": "builtin",
        "patch_checks": "import",
        "segfault": "import",
        "fake_results": "import",
        "import_solutions": "import",
    }
    for attack, rule in expected_rule.items():
        source = (ATTACKS / attack / "patch.py.txt").read_text()
        rules = {f.rule for f in policy.check_source(source)}
        assert rule in rules, f"{attack}: {rules or 'passes the policy'}"
