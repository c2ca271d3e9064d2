"""tests/mutants/PROMISES.md, the maintainers' table of docstring promises and the
mutants that break them, names only mutants that exist and names every mutant."""

from __future__ import annotations

import re
import tomllib

from kata import ROOT

MUTANTS = ROOT / "tests" / "mutants"
TABLE = MUTANTS / "PROMISES.md"


def table_ids(text: str) -> dict[str, set[str]]:
    """``{exercise: {mutant id, …}}`` from the Mutants column (the third) of each
    ``## <exercise>`` section's table."""
    out: dict[str, set[str]] = {}
    exercise = None
    for line in text.splitlines():
        if line.startswith("## "):
            exercise = line[3:].strip()
            out[exercise] = set()
        elif exercise and line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            out[exercise] |= set(re.findall(r"`([a-z0-9_]+)`", cells[2]))
    return out


def toml_ids(exercise: str) -> set[str]:
    return set(tomllib.loads((MUTANTS / f"{exercise}.toml").read_text(encoding="utf-8")))


def test_the_table_parser_reads_the_mutants_column_only():
    text = "## ex09_x\n\n| `f` | promise with `code` | `m_one`, `m_two` | note `n` |\n"
    assert table_ids(text) == {"ex09_x": {"m_one", "m_two"}}


def test_every_exercise_with_mutants_has_a_section():
    sections = set(table_ids(TABLE.read_text(encoding="utf-8")))
    assert sections == {p.stem for p in MUTANTS.glob("ex*.toml")}


def test_every_named_mutant_exists():
    for exercise, named in table_ids(TABLE.read_text(encoding="utf-8")).items():
        missing = named - toml_ids(exercise)
        assert not missing, f"PROMISES.md names mutants not in {exercise}.toml: {sorted(missing)}"


def test_every_mutant_is_named():
    for exercise, named in table_ids(TABLE.read_text(encoding="utf-8")).items():
        unnamed = toml_ids(exercise) - named
        assert not unnamed, (
            f"mutants of {exercise}.toml that no promise in PROMISES.md names: {sorted(unnamed)}"
        )
