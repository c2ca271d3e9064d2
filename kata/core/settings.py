"""Every ``KATA_*`` environment variable the kata reads, with its default and meaning:
nothing else reads them (tests/tooling/test_settings.py)."""

import os
from typing import NamedTuple

from kata.core.i18n import N_


class Knob(NamedTuple):
    name: str
    default: str  # what ``get`` returns when the variable is unset or blank
    meaning: str


KNOBS = {
    k.name: k
    for k in (
        Knob("KATA_TARGET", "exercises", N_("the folder graded: exercises, solutions or a path")),
        Knob("KATA_SEED", "20260", N_("the base of every seed the tests draw (an integer)")),
        Knob("KATA_TIMEOUT", "10", N_("seconds a test phase may run (0: no limit)")),
        Knob("KATA_LANG", "", N_("zh or en; unset: LANGUAGE, LC_ALL, LC_MESSAGES or LANG")),
        Knob("KATA_SANDBOX", "", N_("none: grade without bubblewrap (the fallback)")),
        Knob("KATA_GUARD", "on", N_("off: no run-time guard (kata grade --unguarded)")),
        Knob("KATA_GRADE_STREAM", "", N_("set by the grader: the file a run's results go to")),
        Knob("KATA_GRADE_HIDDEN", "", N_("set by the grader: a run's hidden tests, then deleted")),
        Knob("KATA_GRADE_RUN", "", N_("set by the grader: the mark of a run's processes")),
    )
}


def get(name: str, pop: bool = False) -> str:
    """The knob's value (stripped), its default when unset or blank; ``pop`` also removes
    it from the environment (what graded code must not see)."""
    default = KNOBS[name].default
    return (os.environ.pop if pop else os.environ.get)(name, "").strip() or default
