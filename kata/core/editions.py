"""Which parts of the ``kata`` package each edition carries: whole subpackages, so a
new module ships wherever its subpackage does, with no file list to keep up to date.
"""

from __future__ import annotations

from pathlib import Path

from kata.core.files import CACHE_PATTERNS

# The package's top-level modules travel with every edition.
TOP = ("__init__.py", "__main__.py", "cli.py")
# The student edition: what a learner runs.
STUDENT = ("core", "testing", "learner")
# The grader's tree (sandbox) and the Gradescope bundle: what grading runs.
GRADING = ("core", "testing", "grading")


def kata_files(root: Path, subpackages: tuple[str, ...]) -> list[tuple[Path, str]]:
    """(file, path relative to the repository) of the package's top level and the
    given subpackages, caches left out."""
    package = root / "kata"
    out = [(package / n, f"kata/{n}") for n in TOP if (package / n).is_file()]
    for sub in subpackages:
        for p in sorted((package / sub).rglob("*")):
            rel = p.relative_to(root)
            if p.is_file() and not any(
                rel.match(pat) or pat in rel.parts for pat in CACHE_PATTERNS
            ):
                out.append((p, rel.as_posix()))
    return out


def copy_kata(root: Path, dest: Path, subpackages: tuple[str, ...]) -> None:
    """Copy the package's top level and the given subpackages under ``dest/kata``."""
    for src, rel in kata_files(root, subpackages):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(src.read_bytes())
