"""Mutants and alternatives: every wrong implementation in ``tests/mutants/<exercise>.toml``
is killed by a test of its exercise; every right implementation written differently, in
``tests/alternatives/<exercise>/``, passes every test (none over-specified)."""

import ast
import tomllib

from kata import ROOT
from kata.core import catalogue
from kata.dev.verify.jobs import Job, short, suite_paths

MUTANTS = ROOT / "tests" / "mutants"
ALTERNATIVES = ROOT / "tests" / "alternatives"
MIN_MUTANTS_PER_EXERCISE = 5
MIN_MUTANTS = 35


def mutants(exercise: str) -> dict[str, tuple[str, str]]:
    """``{name: (mistake, module source)}`` from ``tests/mutants/<exercise>.toml``; an
    edit's ``old`` text must occur exactly once in the solution (else: ``ValueError``)."""
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


def alternatives(exercise: str) -> dict[str, tuple[str, str]]:
    """``{name: (approach, module source)}`` from ``tests/alternatives/<exercise>/``, the
    approach being the first line of the module's docstring."""
    out = {}
    for f in sorted((ALTERNATIVES / exercise).glob("*.py")):
        source = f.read_text(encoding="utf-8")
        out[f.stem] = ((ast.get_docstring(ast.parse(source)) or "").partition("\n")[0], source)
    return out


class Variants:
    """One of the two checks: ``Variants("mutant")`` or ``Variants("alternative")``."""

    def __init__(self, kind: str):
        self.kind = kind
        self.docs: dict[str, str] = {}
        self.problems: list[str] = []

    def jobs(self, exercises: list[str], _args) -> list[Job]:
        read = mutants if self.kind == "mutant" else alternatives
        # a mutant is killed by its first failing test: the rest need not run
        options = ("--maxfail=1",) if self.kind == "mutant" else ()
        out = []
        for ex in exercises:
            try:
                found = read(ex)
            except (ValueError, KeyError, tomllib.TOMLDecodeError) as exc:
                self.problems.append(f"{ex}: cannot read its {self.kind}s: {exc}")
                continue
            for variant, (doc, source) in found.items():
                self.docs[key := f"{ex}/{variant}"] = doc
                out.append(Job((self.kind, key), suite_paths(ex), source, ex, options=options))
        return out

    def report(self, verdicts, exercises: list[str], _args) -> list[str]:
        """The kill table (mutants) or the acceptance list (alternatives)."""
        mutant = self.kind == "mutant"
        rows = {name: v for (kind, name), v in verdicts.items() if kind == self.kind}
        bad, lines, good = list(self.problems), [], 0
        for ex in exercises:
            mine = sorted(n for n in rows if n.startswith(ex + "/"))
            if mutant and len(mine) < MIN_MUTANTS_PER_EXERCISE:
                bad.append(f"{ex}: {len(mine)} mutants, at least {MIN_MUTANTS_PER_EXERCISE} wanted")
            lines += [f"  {ex} ({len(mine)})"] if mine else []
            for name in mine:
                failed = [n for n, ok in rows[name].items() if not ok]
                doc, right = self.docs.get(name, ""), bool(failed) == mutant
                good += right
                if mutant:
                    verdict = f"killed by {short(failed)}" if failed else "SURVIVED"
                    wrong = f"mutant survived: {name} — {doc}"
                else:
                    verdict = f"REJECTED by {short(failed)}" if failed else "accepted"
                    wrong = f"alternative rejected: {name} by {short(failed, 10)}"
                bad += [] if right else [wrong]
                mark = "✓" if right else "✗"
                lines.append(f"    {mark} {name.split('/', 1)[1]}: {doc}\n        {verdict}")
        n = len(rows)
        if mutant:
            print(
                f"\nmutants: {good}/{n} killed ({100 * good / max(n, 1):.0f}%) — each a realistic wrong answer"
            )
            if n < MIN_MUTANTS and len(exercises) == len(catalogue.exercises()):
                bad.append(f"only {n} mutants in all, at least {MIN_MUTANTS} wanted")
        else:
            print(f"\nalternatives: {good}/{n} accepted — right answers written differently")
        print("\n".join(lines))
        for b in bad:
            print("  ✗", b)
        return bad
