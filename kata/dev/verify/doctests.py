"""Doctests: every ``>>>`` example in ``solutions/`` shows what it says, each docstring
on its own with only its module's names (``pytest --doctest-modules``; ``...``: any text)."""

from kata import ROOT
from kata.dev.verify.jobs import Job, short

FLAGS = "doctest_optionflags=ELLIPSIS NORMALIZE_WHITESPACE"


def jobs(exercises: list[str], _args) -> list[Job]:
    files = [ROOT / "solutions" / f"{e}.py" for e in exercises]
    paths = tuple(str(f) for f in files if f.is_file())
    options = ("--doctest-modules", "-o", FLAGS)
    return [Job(("doctest", "solutions"), paths, options=options)] if paths else []


def report(verdicts, exercises: list[str], args) -> list[str]:
    got = verdicts.get(("doctest", "solutions"), {})
    failed = sorted(n for n, ok in got.items() if not ok)
    ok = bool(got) and not failed
    print(
        f"\ndoctests: the >>> examples of solutions/ run: {'✓' if ok else '✗'} "
        f"{len(got) - len(failed)}/{len(got)} docstrings pass"
        + ("" if ok else f" — {short(failed, 10)}")
    )
    if not got:  # no docstring run: a problem only if there was a solution to run them in
        return ["doctests: no docstring was run"] if jobs(exercises, args) else []
    problems = [
        f"doctest fails: {n} (see: .venv/bin/python -m pytest --doctest-modules "
        f"-o '{FLAGS}' {n.split('::')[0]})"
        for n in failed
    ]
    for line in problems:
        print("  ✗", line)
    return problems
