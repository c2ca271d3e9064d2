"""Doctests: every ``>>>`` example in ``solutions/`` (lessons and docstrings) runs
and shows what it says. Each docstring is run on its own, with only its module's
names, so an example that leans on a name defined in another docstring fails.

Runs ``pytest --doctest-modules`` on the solutions in a verify worker, with
``ELLIPSIS`` (``...`` stands for any text, e.g. a layer's numbered name) and
``NORMALIZE_WHITESPACE``.
"""

from __future__ import annotations

from kata import ROOT
from kata.dev.verify.jobs import Job, short

NAME = "doctests"
OPTIONS = (
    "--doctest-modules",
    "-o",
    "doctest_optionflags=ELLIPSIS NORMALIZE_WHITESPACE",
)


def paths(exercises: list[str]) -> tuple[str, ...]:
    return tuple(
        str(ROOT / "solutions" / f"{e}.py")
        for e in exercises
        if (ROOT / "solutions" / f"{e}.py").is_file()
    )


def jobs(exercises: list[str], _args) -> list[Job]:
    files = paths(exercises)
    return [Job("doctest", "solutions", files, None, "", None, OPTIONS)] if files else []


def report(verdicts, exercises: list[str], _args) -> list[str]:
    got = verdicts.get(("doctest", "solutions"), {})
    failed = sorted(n for n, ok in got.items() if not ok)
    ok = bool(got) and not failed
    print(
        f"\ndoctests: the >>> examples of solutions/ run: {'✓' if ok else '✗'} "
        f"{len(got) - len(failed)}/{len(got)} docstrings pass"
        + ("" if ok else f" — {short(failed, 10)}")
    )
    if not paths(exercises):
        return []
    if not got:
        return ["doctests: no docstring was run"]
    problems = [
        f"doctest fails: {n} (see: .venv/bin/python -m pytest --doctest-modules "
        f"-o doctest_optionflags='ELLIPSIS NORMALIZE_WHITESPACE' {n.split('::')[0]})"
        for n in failed
    ]
    for line in problems:
        print("  ✗", line)
    return problems
