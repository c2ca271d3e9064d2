"""Grading jobs for the verify checks, in a pool of worker processes that import
TensorFlow once each; and how a check prints what it found."""

import concurrent.futures as cf
import contextlib
import io
import multiprocessing
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from kata import ROOT, import_quietly
from kata.grading.sandbox import test_files

Verdicts = dict[str, bool]  # {nodeid: passed}


@dataclass(frozen=True)
class Job:
    """Grade ``source`` as ``exercise``'s module (``None``: ``solutions/``) with ``paths``."""

    key: tuple[str, str]  # (the check, its name for it): ("seed", "21"), ("mutant", "ex01/…")
    paths: tuple[str, ...]
    source: str | None = None
    exercise: str = ""
    seed: int | None = None
    options: tuple[str, ...] = ()  # more pytest options (the doctests', the mutants')


class VerdictRecorder:
    """Records each test's verdict: passed, unless it failed or errored in any phase."""

    def __init__(self):
        self.passed: Verdicts = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.failed:
            self.passed[report.nodeid] = report.passed and self.passed.get(report.nodeid, True)


def suite_paths(exercise: str) -> tuple[str, ...]:
    """The graded test files of one exercise (visible and hidden)."""
    return tuple(map(str, test_files(ROOT, exercise)))


def run_pytest(paths, target: str, seed: int | None = None, options=()) -> Verdicts:
    """Grade ``target`` with the given test files in this process; ``{nodeid: passed}``."""
    import pytest

    collector = VerdictRecorder()
    seeded = {} if seed is None else {"KATA_SEED": str(seed)}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        with mock.patch.dict(os.environ, seeded):
            code = pytest.main(
                [*paths, *options, "--target", target, "-p", "no:cacheprovider", "-q"],
                plugins=[collector],
            )
    import keras

    keras.backend.clear_session()
    if code not in (0, 1) or not collector.passed:
        raise RuntimeError(f"pytest exit code {int(code)} for {paths} on {target}: nothing graded")
    return collector.passed


def _work(job: Job) -> tuple[tuple[str, str], Verdicts]:
    """Worker: grade one job; what it makes with ``tempfile`` (the doctests'
    ``mkdtemp()``, pytest's ``tmp_path``) goes with its own temporary directory."""
    with (
        tempfile.TemporaryDirectory(prefix="kata-verify-") as tmp,
        mock.patch.object(tempfile, "tempdir", tmp),
    ):
        target = str(ROOT / "solutions") if job.source is None else tmp
        if job.source is not None:
            Path(tmp, f"{job.exercise}.py").write_text(job.source, encoding="utf-8")
        return job.key, run_pytest(job.paths, target, job.seed, job.options)


def run_all(jobs: list[Job], workers: int) -> tuple[dict[tuple[str, str], Verdicts], list[str]]:
    """Run every job in a pool, those with the most test files first (a seed grades every
    suite); the verdicts by job key, and the problems of jobs that could not grade."""
    verdicts: dict[tuple[str, str], Verdicts] = {}
    problems: list[str] = []
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max(1, workers), ctx, initializer=import_quietly) as pool:
        ordered = sorted(jobs, key=lambda j: -len(j.paths))
        for fut in cf.as_completed([pool.submit(_work, j) for j in ordered]):
            try:
                key, result = fut.result()
            except Exception as exc:  # a job that could not grade is a failure, never a pass
                problems.append(f"a grading job failed: {exc}")
            else:
                verdicts[key] = result
    return verdicts, problems


def short(nodeids: list[str], limit: int = 3) -> str:
    """A few test names of ``nodeids``, and how many more."""
    names = [n.split("::")[-1] for n in nodeids]
    return ", ".join(names[:limit]) + (f" (+{len(names) - limit})" if len(names) > limit else "")


def listed(title: str, found: list[str]) -> list[str]:
    """Print a check's title, ✓ or how many problems it found, and each problem."""
    print(f"\n{title}: " + ("✓" if not found else f"{len(found)} problem(s)"))
    for problem in found:
        print("  ✗", problem)
    return found
