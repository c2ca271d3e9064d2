"""Tooling tests for the learner runs' per-test time limit and for interrupted runs
(issue 11, item 1): an endless loop fails its test in one line and the run goes on;
Ctrl-C says the results are incomplete and saves nothing."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from kata.testing import timelimit
from tests.tooling.copies import env_for, ignoring_ctrl_c, learn, make

EX01 = "ex01_access_params"
LOOP = "    while True:\n        pass\n"


def solved_with_a_loop(root: Path, task: str = "count_params", before: str = "") -> Path:
    """ex01 solved, except that ``task`` loops forever (after running ``before``)."""
    path = root / "exercises" / f"{EX01}.py"
    path.write_text((root / "solutions" / f"{EX01}.py").read_text())
    text = path.read_text()
    head = text.index(f"def {task}(")
    body = text.index('"""', text.index('"""', head) + 3) + 4  # after the docstring
    path.write_text(text[:body] + before + LOOP + text[body:])
    return path


def test_an_endless_loop_fails_its_task_and_the_run_goes_on(kata_copy):
    solved_with_a_loop(kata_copy)
    # 3 s: the honest tests of the other tasks stay far below it on a loaded machine
    out = make(kata_copy, "test", "EX=ex01", "TIMEOUT=3")
    assert out.returncode != 0, out.stdout + out.stderr
    assert f"timed out after 3 s in {EX01}.count_params: an endless loop?" in out.stdout
    assert "other test(s) of this task were not run)" in out.stdout  # said once, not per test
    assert "✗ 6/7 tasks done" in out.stdout  # every other task was graded
    assert "Traceback" not in out.stdout
    assert out.stdout.splitlines()[-1].startswith("exit status 1: not all done yet")
    saved = json.loads((kata_copy / ".kata" / "last-run.json").read_text())["tasks"]
    assert set(saved[f"{EX01}::count_params"]["outcomes"]) == {"failed"}
    assert set(saved[f"{EX01}::build_mlp"]["outcomes"]) == {"passed"}


def test_progress_has_the_time_limit_too(kata_copy):
    solved_with_a_loop(kata_copy, "find_param")
    out = learn(kata_copy, "progress", "--timeout", "3")
    assert out.returncode == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if " find_param " in line)
    assert "✗ failing" in row
    assert "next: ex01_access_params.find_param" in out.stdout


def test_a_loop_at_import_is_reported_once_as_cannot_import(kata_copy):
    path = kata_copy / "exercises" / f"{EX01}.py"
    path.write_text(path.read_text() + "\nwhile True:\n    pass\n")
    out = learn(kata_copy, "test", "--exercise", "ex01", "--kata-timeout", "1")
    assert out.returncode == 1
    text = " ".join(out.stdout.split())  # the table may wrap the reason
    assert "still importing after the time limit: an endless loop at the top level?" in text
    assert "timed out" not in text  # one cause, said once: every test "cannot import"
    assert re.search(r"\b\d+ cannot import in ", text) and "passed" not in text


def test_a_bad_time_limit_is_a_clear_error(kata_copy):
    out = make(kata_copy, "test", "EX=ex01", "TIMEOUT=soon")
    assert out.returncode != 0
    assert "must be a number of seconds >= 0" in out.stderr + out.stdout
    assert not (kata_copy / ".kata" / "last-run.json").exists()


def _interrupt_when_looping(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``kata *args`` with count_params looping (no time limit); press Ctrl-C once
    the loop has started (it writes a marker file first: the run is unguarded, since
    graded code may not open files, and the guard is not what this tests)."""
    marker = root / "looping"
    solved_with_a_loop(root, before=f"    open({str(marker)!r}, 'w').close()\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kata", *args],
        cwd=root,
        env=env_for(root, KATA_TIMEOUT="0", KATA_GUARD="off"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ignoring_ctrl_c,
    )
    try:
        end = time.monotonic() + 240
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < end, "the looping test never started"
            time.sleep(0.1)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_an_interrupted_test_run_reports_nothing_done_and_saves_nothing(kata_copy):
    out = _interrupt_when_looping(kata_copy, "test", "--exercise", "ex01")
    assert out.returncode != 0
    assert "interrupted: results incomplete" in out.stdout
    assert "done" not in out.stdout and "well done" not in out.stdout
    assert not (kata_copy / ".kata" / "last-run.json").exists()


def test_an_interrupted_progress_reports_nothing_done_and_saves_nothing(kata_copy):
    out = _interrupt_when_looping(kata_copy, "progress")
    assert out.returncode != 0
    assert "interrupted: results incomplete" in out.stdout + out.stderr
    assert "✓ done" not in out.stdout and "well done" not in out.stdout
    assert not (kata_copy / ".kata" / "last-run.json").exists()


def test_the_time_limit_starts_one_thread_per_process_not_one_per_phase(monkeypatch):
    """Arming and disarming a test phase starts no thread: the watchdog's one thread
    serves every phase of every test."""
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(
        threading.Thread, "start", lambda self: (started.append(self.name), real_start(self))[1]
    )
    for _ in range(100):
        timelimit._WATCHDOG.arm(10.0, lambda: None)
        timelimit._WATCHDOG.disarm()
    assert len(started) <= 1, started
    assert [t.name for t in threading.enumerate()].count("kata-timelimit") == 1


def test_phases_within_the_limit_do_not_wake_the_watchdog(monkeypatch):
    """A phase whose deadline is later than the watchdog's next wake-up leaves it asleep
    (each wake-up hands the interpreter to the watchdog's thread and back); a phase
    with a sooner deadline wakes it, and its limit still fires on time."""
    timelimit._WATCHDOG.arm(10.0, lambda: None)  # the thread runs and sleeps until then
    timelimit._WATCHDOG.disarm()
    time.sleep(0.2)
    woken = []
    real_notify = threading.Condition.notify
    monkeypatch.setattr(
        threading.Condition, "notify", lambda self, n=1: (woken.append(1), real_notify(self, n))
    )
    for _ in range(100):
        timelimit._WATCHDOG.arm(10.0, lambda: None)
        timelimit._WATCHDOG.disarm()
    assert len(woken) <= 1, f"the watchdog was woken {len(woken)} times for 100 phases"
    fired = []
    timelimit._WATCHDOG.arm(0.2, lambda: fired.append("fired"))
    try:
        try:
            deadline = time.monotonic() + 5
            while not fired and time.monotonic() < deadline:
                pass
        except timelimit.TimedOut:
            pass
    finally:
        timelimit._WATCHDOG.disarm()
    assert fired == ["fired"], "a sooner deadline did not wake the watchdog"


def test_the_watchdog_stops_a_loop_in_a_worker_thread_even_when_it_swallows_one(monkeypatch):
    """The time limit raises in the thread that armed it (make watch grades in a worker
    thread), once when the limit passes and again every REPEAT seconds, so a loop
    that catches the first TimedOut is stopped by the next one."""
    monkeypatch.setattr(timelimit, "REPEAT", 0.05)
    fired, caught, give_up = [], [], threading.Event()

    def worker():
        timelimit._WATCHDOG.arm(0.05, lambda: fired.append(threading.current_thread().name))
        try:
            try:
                while not give_up.is_set():
                    pass
            except timelimit.TimedOut:
                caught.append("first")  # swallowed: loop again
            while not give_up.is_set():
                pass
        except timelimit.TimedOut:
            caught.append("again")
        finally:
            timelimit._WATCHDOG.disarm()

    thread = threading.Thread(target=worker, name="grader", daemon=True)
    thread.start()
    thread.join(10)
    give_up.set()  # (a broken watchdog: end the loop, then fail)
    assert caught and not thread.is_alive(), "the watchdog never stopped the loop"
    assert caught == ["first", "again"]
    assert fired == ["kata-timelimit"]  # on_fire ran once, in the watchdog's thread


def test_time_not_counted_does_not_use_up_the_limit():
    """Inside not_counted() the armed limit stands still (a test waiting on the kata's fresh
    process); before and after it, time counts as usual and the limit still fires."""
    fired = []
    timelimit._WATCHDOG.arm(0.3, lambda: fired.append("fired"))
    try:
        with timelimit.not_counted():
            time.sleep(0.6)  # twice the limit, not counted
        assert fired == []
        try:
            time.sleep(1.0)  # counted: the limit fires (TimedOut, delivered between bytecodes)
            while not fired:
                pass
        except timelimit.TimedOut:
            pass
    finally:
        timelimit._WATCHDOG.disarm()
    assert fired == ["fired"]
