"""``kata test``: run the graded suites as pytest would, with the kata's report.

    kata test [--exercise EX] [--task TASK] [--kata-timeout S] [any pytest option]

The results are merged into ``.kata/last-run.json`` (read by progress and hint).
The instructor's hidden tests (``tests/hidden/``, absent from the student
edition) are left out: a learner's run grades what the learner can read. A run
that does not pass everything exits with status 1, and its last line says
what that means (``make`` then adds its own ``Error 1`` line).
"""

from __future__ import annotations

import os

from kata import ROOT
from kata.core import state
from kata.core.i18n import N_, _

HIDDEN = ROOT / "tests" / "hidden"
# pytest prints assertion diffs in full when it sees these (it thinks it runs on CI).
# GitHub Classroom sets CI=true: a learner's output must be as short there as anywhere.
CI_VARIABLES = ("CI", "BUILD_NUMBER")

EXIT_NOTE = {
    1: N_("exit status 1: not all done yet (make reports it as `Error 1`; that is all it means)"),
}


def learner_args(argv: list[str]) -> list[str]:
    """pytest's arguments for a learner's run: no hidden tests, no repeated summary of
    failures (the kata's table says it), the results saved for progress and hint."""
    args = ["-rN", "--show-capture=stdout"]
    if HIDDEN.is_dir():
        args += ["--ignore", str(HIDDEN)]
    args += argv
    if "--kata-state" not in argv:
        args += ["--kata-state", str(state.LAST_RUN)]
    return args


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
    if code in EXIT_NOTE:
        print(_(EXIT_NOTE[code]), flush=True)
    return code
