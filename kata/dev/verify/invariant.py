"""Invariant: every graded test passes on ``solutions/`` and fails on the stubs
(generated from the solutions, so a learner's own work never counts here)."""

from __future__ import annotations

from kata.dev import stubs
from kata.dev.verify.jobs import Job, suite_paths

NAME = "invariant"


def jobs(exercises: list[str], _args) -> list[Job]:
    out = []
    for name in exercises:
        out.append(Job("solution", name, suite_paths(name), None, name))
        out.append(Job("stub", name, suite_paths(name), stubs.generate(name), name))
    return out


def report(verdicts, exercises: list[str], _args) -> list[str]:
    print("invariant: every graded test passes on solutions/ and fails on the stub")
    bad = []
    for name in exercises:
        sol, stub = verdicts.get(("solution", name), {}), verdicts.get(("stub", name), {})
        fail_on_solution = [n for n, ok in sol.items() if not ok]
        pass_on_stub = [n for n, ok in stub.items() if ok]
        ok = sol and stub and not fail_on_solution and not pass_on_stub
        print(
            f"  {'✓' if ok else '✗'} {name}: {sum(sol.values())}/{len(sol)} pass on solutions/, "
            f"{len(stub) - sum(stub.values())}/{len(stub)} fail on the stub"
        )
        bad += [f"fails on solutions/: {n}" for n in fail_on_solution]
        bad += [f"passes on the stub: {n}" for n in pass_on_stub]
        if not sol or not stub:
            bad.append(f"{name}: no verdicts")
    for b in bad:
        print("    ✗", b)
    return bad
