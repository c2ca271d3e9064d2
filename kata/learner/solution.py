"""``kata solution EX TASK`` (``make solution``): the reference solution of one task,
shown only once the learner's own task passes (graded quietly first).
"""

from __future__ import annotations

import sys

from kata.core import catalogue, outcomes
from kata.core.i18n import _
from kata.core.references import reference
from kata.learner import commands
from kata.learner.commands import grade_quietly
from kata.learner.run import Interrupted, UsageError
from kata.testing.tables import label_text


def add_parser(sub) -> None:
    p = sub.add_parser("solution", help="[learner] a task's reference solution, once yours passes")
    p.add_argument("exercise", nargs="?")
    p.add_argument("task", nargs="?")
    p.set_defaults(run=commands.run, job=solution)


def solution(args) -> int:
    if not args.exercise or not args.task:
        raise UsageError(
            _(
                "which task? e.g. make solution EX=ex03 TASK=WeirdInit "
                "(it shows the reference once your task passes)"
            )
        )
    ex = catalogue.exercise(args.exercise)
    task = ex.task(args.task)
    where = f"{ex.name}.{task.name}"
    source = reference(ex.name, task.name)
    if source is None:
        said = _(
            "this edition of the kata ships no reference solutions (your instructor decides: "
            "make release SOLUTIONS=after-pass); {where} passes or not, compare your code "
            "with a classmate's or ask"
        )
        raise UsageError(said.format(where=where))
    print(_("checking that {where} passes first…").format(where=where), flush=True)
    try:
        status = grade_quietly(ex.name, task.name)[task.key].status
    except (Interrupted, KeyboardInterrupt):
        print(_("interrupted: nothing shown"), file=sys.stderr)
        return 130
    if status != outcomes.Status.DONE:
        said = _(
            "not yet: {where} is {status}, and its reference solution is shown only once "
            "yours passes."
        )
        print(said.format(where=where, status=label_text(status).lstrip("✓✗·! ")), file=sys.stderr)
        selected = f"EX={ex.short} TASK={task.name}"
        print(f"  make test {selected}   " + _("what is wrong"), file=sys.stderr)
        print(f"  make hint {selected}   " + _("a nudge"), file=sys.stderr)
        return 1
    print(_("{where} passes. The reference solution, to compare with yours:").format(where=where))
    print(f"\n{source}")
    return 0
