"""Prove the graded suites: ``python -m kata.verify`` (part of ``make verify``).

Five checks, each printed as a table, any failure making the exit status 1:

1. invariant — every graded test passes on ``solutions/`` and fails on the stubs
   (generated from the solutions, so a learner's own work never counts here);
2. mutants — every wrong implementation in ``tests/mutants/<exercise>/`` is
   killed by at least one test of its exercise (a kill table names the tests);
3. alternatives — every right implementation written differently, in
   ``tests/alternatives/<exercise>/``, passes every test (none over-specified);
4. parity — ``exercises/``, ``solutions/`` and ``../shared/curriculum.md`` agree
   on public names, signatures and docstrings;
5. seeds — the solutions pass under several ``KATA_SEED`` values.

Grading runs in-process (``pytest.main``) in a pool of worker processes, one per
core, so TensorFlow is imported once per worker and not once per mutant.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures as cf
import contextlib
import io
import multiprocessing
import os
import re
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kata import ROOT, catalogue, import_quietly, stubs

TESTS = ROOT / "tests"
MUTANTS = TESTS / "mutants"
ALTERNATIVES = TESTS / "alternatives"
CURRICULUM = ROOT.parent / "shared" / "curriculum.md"
SEEDS = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946)


# ------------------------------------------------------------ running pytest


class _Collector:
    """Records each test's verdict (passed, or failed/errored in any phase)."""

    def __init__(self):
        self.passed: dict[str, bool] = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.failed:
            ok = report.passed and self.passed.get(report.nodeid, True)
            if report.when == "teardown" and report.failed:
                ok = False
            self.passed[report.nodeid] = ok


def test_files(exercise: str) -> list[str]:
    """The graded test files of one exercise (visible and hidden)."""
    files = [TESTS / f"test_{exercise}.py", TESTS / "hidden" / f"test_{exercise}.py"]
    return [str(f) for f in files if f.exists()]


def run_pytest(paths: list[str], target: str, seed: int | None = None) -> dict[str, bool]:
    """Grade ``target`` with the given test files in this process; ``{nodeid: passed}``."""
    import pytest

    collector = _Collector()
    old = os.environ.get("KATA_SEED")
    if seed is not None:
        os.environ["KATA_SEED"] = str(seed)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main(
                [*paths, "--target", target, "-p", "no:cacheprovider", "-q"], plugins=[collector]
            )
    finally:
        if old is None:
            os.environ.pop("KATA_SEED", None)
        else:
            os.environ["KATA_SEED"] = old
    import keras

    keras.backend.clear_session()
    if code not in (0, 1) or not collector.passed:
        raise RuntimeError(f"pytest exit code {int(code)} for {paths} on {target}: nothing graded")
    return collector.passed


def _job(
    kind: str, name: str, paths: list[str], source: str | None, exercise: str, seed: int | None
):
    """Worker: grade one module's source (or solutions/ when None) and return the verdicts."""
    if source is None:
        return kind, name, run_pytest(paths, str(ROOT / "solutions"), seed)
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as tmp:
        Path(tmp, f"{exercise}.py").write_text(source, encoding="utf-8")
        return kind, name, run_pytest(paths, tmp, seed)


def mutants(exercise: str) -> dict[str, tuple[str, str]]:
    """``{name: (mistake, module source)}`` from ``tests/mutants/<exercise>.toml``.

    Each mutant is the reference solution with its edits applied: every ``old``
    text must occur exactly once, so a mutant that no longer fits the solution is
    reported instead of silently testing something else.
    """
    path = MUTANTS / f"{exercise}.toml"
    if not path.exists():
        return {}
    solution = (ROOT / "solutions" / f"{exercise}.py").read_text(encoding="utf-8")
    out = {}
    for name, mutant in tomllib.loads(path.read_text(encoding="utf-8")).items():
        source = solution
        for edit in mutant["edit"]:
            if source.count(edit["old"]) != 1:
                raise ValueError(
                    f"{path.relative_to(ROOT)} [{name}]: an edit's old text is not found exactly "
                    f"once in solutions/{exercise}.py (update the mutant to the solution)"
                )
            source = source.replace(edit["old"], edit["new"])
        out[name] = (mutant["mistake"], source)
    return out


def _warm():
    import_quietly()  # each worker pays TensorFlow's import once


# ------------------------------------------------------------------ parity


@dataclass
class Api:
    names: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # name -> (signature, docstring)


def public_api(path: Path) -> Api:
    """Public functions and classes of a module: signature text and docstring."""
    api = Api()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            if isinstance(node, ast.FunctionDef):
                sig = ast.unparse(node.args)
            else:
                init = next(
                    (
                        n
                        for n in node.body
                        if isinstance(n, ast.FunctionDef) and n.name == "__init__"
                    ),
                    None,
                )
                bases = ", ".join(ast.unparse(b) for b in node.bases)
                sig = f"({bases}) init({ast.unparse(init.args) if init else ''})"
            api.names[node.name] = (sig, ast.get_docstring(node) or "")
    return api


def curriculum_api(text: str) -> dict[str, dict[str, str | None]]:
    """``{exercise: {name: "arg=default, ..." or None}}`` from the contract's tables."""
    out: dict[str, dict[str, str | None]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"## (ex\d\d_\w+)", line)
        if m:
            current = out.setdefault(m.group(1), {})
            continue
        if line.startswith("## "):
            current = None
        m = re.match(r"\| `(\w+)(?:\((.*?)\))?` \|", line)
        if current is not None and m:
            current[m.group(1)] = m.group(2)
    return out


def _params(sig: str) -> list[tuple[str, str | None]]:
    """``[(name, default)]`` from an argument list like ``net, mean=0.0``."""
    out = []
    for part in [p.strip() for p in sig.split(",") if p.strip()]:
        name, _, default = part.partition("=")
        name = name.split(":")[0].strip()
        out.append((name, default.strip() or None))
    return out


def parity() -> list[str]:
    problems = []
    contract = (
        curriculum_api(CURRICULUM.read_text(encoding="utf-8")) if CURRICULUM.exists() else None
    )
    for ex in catalogue.exercises():
        sol, exe = ROOT / "solutions" / ex.filename, ROOT / "exercises" / ex.filename
        if not sol.exists() or not exe.exists():
            problems.append(
                f"{ex.name}: missing {'solutions' if not sol.exists() else 'exercises'}/{ex.filename}"
            )
            continue
        a, b = public_api(sol), public_api(exe)
        for name in sorted(set(a.names) | set(b.names)):
            if name not in a.names or name not in b.names:
                problems.append(
                    f"{ex.name}.{name}: only in {'solutions' if name in a.names else 'exercises'}/"
                )
            elif a.names[name] != b.names[name]:
                what = "signature" if a.names[name][0] != b.names[name][0] else "docstring"
                problems.append(
                    f"{ex.name}.{name}: {what} differs between solutions/ and exercises/"
                )
        tasks = {t.name for t in ex.tasks}
        if missing := tasks - set(a.names):
            problems.append(
                f"{ex.name}: catalogue tasks not defined in solutions/: {sorted(missing)}"
            )
        if contract is None:
            continue
        names = contract.get(ex.name, {})
        if set(names) != tasks:
            problems.append(
                f"{ex.name}: catalogue tasks {sorted(tasks)} != curriculum {sorted(names)}"
            )
        for name, args in names.items():
            if name not in a.names or args is None:
                continue
            sig = a.names[name][0]
            sig = sig.split("init(", 1)[1][:-1] if " init(" in sig else sig
            have = [p for p in _params(sig) if p[0] not in ("self", "*", "**kwargs")]
            want = _params(args)
            if have[: len(want)] != want or any(d is None for _, d in have[len(want) :]):
                problems.append(
                    f"{ex.name}.{name}: signature ({sig}) does not match the curriculum ({args})"
                )
    return problems


# ------------------------------------------------------------------- report


def report_invariant(outcomes, exercises) -> list[str]:
    print("invariant: every graded test passes on solutions/ and fails on the stub")
    bad = []
    for name in exercises:
        sol, stub = outcomes.get(("solution", name), {}), outcomes.get(("stub", name), {})
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


def report_catalogue(kind: str, outcomes, exercises, docs: dict[str, str]) -> list[str]:
    """The kill table (mutants) or the acceptance list (alternatives)."""
    rows = {name: v for (k, name), v in outcomes.items() if k == kind}
    bad = []
    lines = []
    for ex in exercises:
        mine = sorted(n for n in rows if n.startswith(ex + "/"))
        if kind == "mutant" and len(mine) < 5:
            bad.append(f"{ex}: {len(mine)} mutants, at least 5 wanted")
        if mine:
            lines.append(f"  {ex} ({len(mine)})")
        for name in mine:
            failed = [n for n, ok in rows[name].items() if not ok]
            doc = docs.get(name, "")
            stem = name.split("/", 1)[1]
            if kind == "mutant":
                mark, verdict = (
                    ("✓", f"killed by {_short(failed)}") if failed else ("✗", "SURVIVED")
                )
                if not failed:
                    bad.append(f"mutant survived: {name} — {doc}")
            else:
                mark, verdict = (
                    ("✓", "accepted") if not failed else ("✗", f"REJECTED by {_short(failed)}")
                )
                if failed:
                    bad.append(f"alternative rejected: {name} by {_short(failed, 10)}")
            lines.append(f"    {mark} {stem}: {doc}\n        {verdict}")
    n = len(rows)
    good = n - sum(1 for b in bad if b.startswith(("mutant survived", "alternative rejected")))
    if kind == "mutant":
        print(
            f"\nmutants: {good}/{n} killed ({100 * good / max(n, 1):.0f}%) — each a realistic wrong answer"
        )
        if n < 35 and len(exercises) == len(catalogue.exercises()):
            bad.append(f"only {n} mutants in all, at least 35 wanted")
    else:
        print(f"\nalternatives: {good}/{n} accepted — right answers written differently")
    print("\n".join(lines))
    for b in bad:
        print("  ✗", b)
    return bad


def report_parity() -> list[str]:
    problems = parity()
    where = "exercises/ = solutions/" + (
        " = ../shared/curriculum.md"
        if CURRICULUM.exists()
        else " (../shared/curriculum.md not found: contract not compared)"
    )
    print(
        f"\nparity of names, signatures and docstrings, {where}: "
        + ("✓" if not problems else f"{len(problems)} problem(s)")
    )
    for p in problems:
        print("  ✗", p)
    return problems


def report_seeds(outcomes, seeds) -> list[str]:
    print("\nseed sweep: solutions/ under other KATA_SEED values")
    bad = []
    for seed in seeds:
        verdicts = outcomes.get(("seed", str(seed)), {})
        failed = [n for n, ok in verdicts.items() if not ok]
        ok = verdicts and not failed
        print(
            f"  {'✓' if ok else '✗'} KATA_SEED={seed}: {len(verdicts) - len(failed)}/{len(verdicts)} pass"
            + ("" if ok else f" — {_short(failed)}")
        )
        if not ok:
            bad.append(f"solutions fail under KATA_SEED={seed}: {_short(failed, 10)}")
    return bad


def _doc(path: Path) -> str:
    """The first line of a module's docstring: a mutant's mistake, an alternative's approach."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.splitlines()[0] if doc else ""


def _short(nodeids: list[str], limit: int = 3) -> str:
    names = [n.split("::")[-1] for n in nodeids]
    return ", ".join(names[:limit]) + (f" (+{len(names) - limit})" if len(names) > limit else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kata.verify", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument(
        "--seeds", type=int, default=len(SEEDS), help="how many KATA_SEED values to sweep"
    )
    parser.add_argument(
        "--only", choices=["invariant", "mutants", "alternatives", "parity", "seeds"], nargs="*"
    )
    parser.add_argument("--exercises", nargs="*", help="limit to these exercises (e.g. ex01 ex03)")
    args = parser.parse_args(argv)
    only = set(args.only or ["invariant", "mutants", "alternatives", "parity", "seeds"])
    start = time.perf_counter()
    failures: list[str] = []

    wanted = {catalogue.exercise(n).name for n in args.exercises} if args.exercises else None
    exercises = [
        e.name
        for e in catalogue.exercises()
        if test_files(e.name) and (wanted is None or e.name in wanted)
    ]
    jobs = []
    docs: dict[str, str] = {}  # mutant's mistake / alternative's approach, by name
    if "invariant" in only:
        for name in exercises:
            jobs.append(("solution", name, test_files(name), None, name, None))
            jobs.append(("stub", name, test_files(name), stubs.generate(name), name, None))
    if "mutants" in only:
        for name in exercises:
            try:
                found = mutants(name)
            except (ValueError, KeyError, tomllib.TOMLDecodeError) as exc:
                failures.append(f"{name}: cannot read its mutants: {exc}")
                continue
            for mutant, (mistake, source) in found.items():
                docs[f"{name}/{mutant}"] = mistake
                jobs.append(("mutant", f"{name}/{mutant}", test_files(name), source, name, None))
    if "alternatives" in only:
        for name in exercises:
            for f in sorted((ALTERNATIVES / name).glob("*.py")):
                docs[f"{name}/{f.stem}"] = _doc(f)
                source = f.read_text(encoding="utf-8")
                jobs.append(
                    ("alternative", f"{name}/{f.stem}", test_files(name), source, name, None)
                )
    if "seeds" in only:
        all_files = [p for e in exercises for p in test_files(e)]
        for seed in SEEDS[: args.seeds]:
            jobs.append(("seed", str(seed), all_files, None, "", seed))

    outcomes: dict[tuple[str, str], dict[str, bool]] = {}
    if jobs:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(
            max_workers=max(1, args.jobs), mp_context=ctx, initializer=_warm
        ) as pool:
            futures = [pool.submit(_job, *j) for j in jobs]
            for fut in cf.as_completed(futures):
                try:
                    kind, name, verdicts = fut.result()
                except Exception as exc:  # a job that could not grade is a failure, never a pass
                    failures.append(f"a grading job failed: {exc}")
                    continue
                outcomes[(kind, name)] = verdicts

    if "invariant" in only:
        failures += report_invariant(outcomes, exercises)
    for kind in ("mutant", "alternative"):
        if kind + "s" in only:
            failures += report_catalogue(kind, outcomes, exercises, docs)
    if "parity" in only:
        failures += report_parity()
    if "seeds" in only:
        failures += report_seeds(outcomes, SEEDS[: args.seeds])

    took = time.perf_counter() - start
    print(f"\nverify: {len(failures)} problem(s) in {took:.1f} s with {args.jobs} worker(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
