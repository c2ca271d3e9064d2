"""Invariant: every graded test passes on ``solutions/`` and fails on the stubs
(generated from the solutions, so a learner's own work never counts here)."""

from kata.dev import stubs
from kata.dev.verify.jobs import Job, suite_paths


def jobs(exercises: list[str], _args) -> list[Job]:
    return [
        Job((kind, name), suite_paths(name), stubs.generate(name) if kind == "stub" else None, name)
        for name in exercises
        for kind in ("solution", "stub")
    ]


def report(verdicts, exercises: list[str], _args) -> list[str]:
    print("invariant: every graded test passes on solutions/ and fails on the stub")
    bad = []
    for name in exercises:
        sol, stub = verdicts.get(("solution", name), {}), verdicts.get(("stub", name), {})
        failing = [f"fails on solutions/: {n}" for n, ok in sol.items() if not ok]
        failing += [f"passes on the stub: {n}" for n, ok in stub.items() if ok]
        print(
            f"  {'✓' if sol and stub and not failing else '✗'} {name}: {sum(sol.values())}/"
            f"{len(sol)} pass on solutions/, {len(stub) - sum(stub.values())}/{len(stub)} "
            "fail on the stub"
        )
        bad += failing + ([] if sol and stub else [f"{name}: no verdicts"])
    for b in bad:
        print("    ✗", b)
    return bad
