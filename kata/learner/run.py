"""``kata test [--exercise EX] [--task TASK] [--kata-timeout S] [pytest options]``: the
graded suites with the kata's report, results merged into ``.kata/last-run.json``, the
hidden tests left out; and ``quietly``, the captured runs of the other learner commands.
"""

from __future__ import annotations

import contextlib
import io
import os

from kata import ROOT
from kata.core import outcomes, state
from kata.core.i18n import N_, _

HIDDEN = ROOT / "tests" / "hidden"
# pytest prints assertion diffs in full when it thinks it runs on CI, and GitHub
# Classroom sets CI=true: a learner's output must be as short there as anywhere.
CI_VARIABLES = ("CI", "BUILD_NUMBER")
EXIT_NOTE = N_(
    "exit status 1: not all done yet (make reports it as `Error 1`; that is all it means)"
)


class UsageError(Exception):
    """Bad input from the learner: printed as one clear message, exit status 2."""


class Interrupted(Exception):
    """Ctrl-C stopped the grading: nothing is shown as done, nothing was saved."""


class Collector:
    """A pytest plugin: the per-task results of one run, as the kata's plugin records them."""

    def __init__(self):
        self.results = outcomes.empty()

    def pytest_sessionfinish(self, session):
        from kata.testing.keys import RUN

        self.results = session.config.stash[RUN].results


def learner_args(argv: list[str]) -> list[str]:
    """pytest's arguments for a learner's run: no hidden tests, no repeated summary of
    failures (the kata's table says it), the results saved for progress and hint."""
    args = ["-rN", "--show-capture=stdout", "--ignore", str(HIDDEN), *argv]
    if "--kata-state" not in argv:
        args += ["--kata-state", str(state.LAST_RUN)]
    return args


def quietly(args: list[str], plugins=(), *, warm: bool = False, check: bool = True) -> int:
    """pytest's exit code on ``args``, output captured (``warm``: ``kata.testing.warmrun``'s
    lean run). With ``check``, Ctrl-C raises ``Interrupted`` and a run that could not grade
    ``UsageError`` with the last lines of its output."""
    import pytest

    from kata.testing import warmrun

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = warmrun.run(args, plugins) if warm else pytest.main(args, plugins=[*plugins])
    if check and code == pytest.ExitCode.INTERRUPTED:
        raise Interrupted()
    if check and code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        tail = "\n".join(out.getvalue().strip().splitlines()[-5:])
        said = _("grading could not run (pytest exit code {code}):").format(code=int(code))
        raise UsageError(f"{said}\n{tail}")
    return int(code)


def add_parser(sub) -> None:
    p = sub.add_parser(  # every option goes to pytest (`kata test -h`: pytest's help)
        "test",
        help="[learner] grade your exercises (pytest with the kata's report)",
        add_help=False,
    )
    p.set_defaults(run=run, rest=[])


def run(args) -> int:
    import pytest

    for name in CI_VARIABLES:
        os.environ.pop(name, None)
    code = int(pytest.main(learner_args(args.rest)))
    if code == 1:
        print(_(EXIT_NOTE), flush=True)
    return code
