"""``python -m pytest`` with the kata's plugin ends right after the run's exit functions,
with the run's exit status, skipping the interpreter's finalization (kata.testing.plugin)."""

import os
import subprocess
import sys

import pytest

from kata import ROOT

PROBE = """
import atexit
import os

class Finalized:
    def __del__(self, open=open, path=os.path.abspath("finalized")):
        open(path, "w").close()

KEPT = Finalized()  # deleted only when the interpreter is finalized
atexit.register(lambda: open("exit-function-ran", "w").close())
"""


def run(tmp_path, test_body: str, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    (tmp_path / "test_probe.py").write_text(f"def test_it():\n    {test_body}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "kata.testing.plugin", "-p", "probe", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("body, status", [("assert True", 0), ("assert False", 1)])
def test_the_run_ends_with_its_status_after_the_exit_functions(tmp_path, body, status):
    done = run(tmp_path, body, "-p", "no:cacheprovider", "test_probe.py")
    assert done.returncode == status, done.stdout + done.stderr
    assert ("1 passed" if status == 0 else "1 failed") in done.stdout
    assert (tmp_path / "exit-function-ran").exists()
    assert not (tmp_path / "finalized").exists()  # the interpreter was not finalized


def test_no_run_no_quick_exit(tmp_path):
    done = run(tmp_path, "pass", "--no-such-option")
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert (tmp_path / "finalized").exists()  # Python's usual exit


CRASH = """
import pytest

@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    raise RuntimeError("a plugin crashed after the run")
"""


def test_an_escaped_exception_exits_as_usual(tmp_path):
    (tmp_path / "crash.py").write_text(CRASH, encoding="utf-8")
    done = run(tmp_path, "assert True", "-p", "crash", "-p", "no:cacheprovider", "test_probe.py")
    assert "a plugin crashed after the run" in done.stderr
    assert done.returncode == 1  # not the run's 0
    assert (tmp_path / "finalized").exists()
