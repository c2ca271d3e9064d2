"""Prove the graded suites: ``kata dev verify`` (part of ``make verify``).

Each check is a module of this package with ``report`` (its problems make the exit status
1) and, if it grades code, ``jobs``, run by ``jobs.run_all``."""

import os
import time

from kata.core import catalogue
from kata.dev.verify import doctests, invariant, jobs, parity, seeds, translations
from kata.dev.verify.variants import Variants

CHECKS = ("invariant", "mutants", "alternatives", "parity", "seeds", "translations", "doctests")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="prove the graded suites (mutants, alternatives, seeds, parity)",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    p.add_argument(
        "--seeds", type=int, default=len(seeds.SEEDS), help="how many KATA_SEED values to sweep"
    )
    p.add_argument("--only", choices=CHECKS, nargs="*", help="run only these checks")
    p.add_argument("--exercises", nargs="*", help="limit to these exercises (e.g. ex01 ex03)")
    p.set_defaults(run=run)


def run(args) -> int:
    start = time.perf_counter()
    wanted = {catalogue.exercise(n).name for n in args.exercises or catalogue.names()}
    exercises = [n for n in catalogue.names() if n in wanted and jobs.suite_paths(n)]
    modules = (invariant, parity, seeds, translations, doctests)
    named = {m.__name__.rsplit(".", 1)[1]: m for m in modules}
    only = args.only or CHECKS
    # "mutants" and "alternatives": Variants("mutant"), Variants("alternative")
    checks = [named.get(n) or Variants(n.removesuffix("s")) for n in CHECKS if n in only]
    todo = [
        job for check in checks if hasattr(check, "jobs") for job in check.jobs(exercises, args)
    ]
    verdicts, failures = jobs.run_all(todo, args.jobs)
    for check in checks:
        failures += check.report(verdicts, exercises, args)
    took = time.perf_counter() - start
    print(f"\nverify: {len(failures)} problem(s) in {took:.1f} s with {args.jobs} worker(s)")
    return 1 if failures else 0
