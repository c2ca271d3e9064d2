"""Tooling tests of ``kata.testing.warmrun``: the lean pytest run that ``make watch``
and ``kata.check`` make in a process that keeps running."""

from __future__ import annotations

import importlib.metadata
import os

import pytest

from kata import ROOT
from kata.core.outcomes import Status
from kata.learner import watch
from kata.learner.run import Collector
from kata.testing import warmrun

AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


class Recorder:
    """A plugin that notes what the run was made of."""

    def pytest_configure(self, config):
        # (a blocked plugin is listed too, as None)
        self.names = {n for n, p in config.pluginmanager.list_name_plugin() if p is not None}
        self.args = config.invocation_params.args
        self.no_table = config.getoption("kata_no_table")


def graded_run(*plugins) -> int:
    return warmrun.run(
        [
            str(ROOT / "tests" / "test_ex01_access_params.py"),
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "pyproject.toml"),
            "--target",
            str(ROOT / "solutions"),
            "-k",
            "build_mlp",
        ],
        plugins=plugins,
    )


def test_a_warm_run_grades_without_the_plugins_it_does_not_need(monkeypatch, capsys):
    monkeypatch.delenv(AUTOLOAD, raising=False)
    recorder, collector = Recorder(), Collector()
    assert graded_run(recorder, collector) == pytest.ExitCode.OK
    capsys.readouterr()
    left_out = {arg.removeprefix("-pno:") for arg in warmrun.LEAN}
    assert "unraisableexception" in left_out and not left_out & recorder.names
    # the installed packages' plugins are not looked up; pytest-check is handed over
    assert "--disable-plugin-autoload" in recorder.args
    assert "pytest_check.plugin" in recorder.names
    installed = {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    assert not (installed - {"check"}) & recorder.names
    assert recorder.no_table is True
    # the caller reads the results the kata's plugin recorded
    assert collector.results["ex01_access_params::build_mlp"].status == Status.DONE
    # and the caller's environment is left alone
    assert AUTOLOAD not in os.environ


def test_a_warm_run_keeps_the_callers_autoload_setting(monkeypatch, capsys):
    monkeypatch.setenv(AUTOLOAD, "0")
    graded_run(Recorder())
    capsys.readouterr()
    assert os.environ[AUTOLOAD] == "0"


def test_watch_grades_through_the_warm_run(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(warmrun, "run", lambda args, plugins=(): calls.append((args, plugins)) or 0)
    collector, code = watch.grade("ex01_access_params", tmp_path)
    assert code == 0
    ((args, plugins),) = calls
    assert str(tmp_path) in args and collector in plugins
