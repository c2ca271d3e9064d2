"""tf-params-kata's tooling, one subpackage per audience:

* ``kata.core`` — what every tool shares: the catalogue, the target loader,
  seeding, the results vocabulary, the ``.kata/`` state files, stub making;
* ``kata.testing`` — what runs inside a graded pytest run: the plugin, its
  fixtures and the statistical checks;
* ``kata.learner`` — the learner's commands: progress, hint, reset, watch, the
  tables, the GitHub Classroom export;
* ``kata.grading`` — the instructor's grader: sandbox, reports, gradebook,
  Gradescope bundle;
* ``kata.dev`` — the maintainers' tools: stubs, release, bench (make bench), verify (not in
  the student edition).

``kata`` (``kata.cli``) is the one command; the Makefile's targets call it.
``kata.check("ex03")`` grades an exercise in a notebook's live kernel
(``kata.learner.notebook``); importing ``kata`` stays cheap: the checker, pytest
and TensorFlow load on the first check.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Keep TensorFlow's C++ start-up chatter out of the learner's terminal (set before
# any TensorFlow import: every tool and the test plugin import this package first).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def check(exercise: str, task: str | None = None):
    """Grade ``exercise`` (e.g. ``"ex03"``), or one ``task`` of it, as this notebook's
    kernel defines it now, with the graded tests; returns a ``CheckResult`` that
    shows as a table (see ``kata.learner.notebook``)."""
    import sys

    from kata.learner import notebook

    return notebook.check(exercise, task, frame=sys._getframe(1))
