"""Which subpackages of ``kata`` each edition carries (whole: no file list to keep)."""

from pathlib import Path

from kata.core.files import CACHE_PATTERNS

TOP = ("__init__.py", "__main__.py", "cli.py")  # with every edition
STUDENT = ("core", "testing", "learner")  # what a learner runs
GRADING = ("core", "testing", "grading")  # the grader's sandbox and the Gradescope bundle


def kata_files(root: Path, subpackages: tuple[str, ...]) -> list[tuple[Path, str]]:
    """(file, path relative to ``root``) of the top level and ``subpackages``, caches left out."""
    package = root / "kata"
    paths = [package / n for n in TOP]
    paths += [p for sub in subpackages for p in sorted((package / sub).rglob("*"))]
    rels = [(p, p.relative_to(root)) for p in paths if p.is_file()]
    return [
        (p, rel.as_posix())
        for p, rel in rels
        if not any(rel.match(pat) or pat in rel.parts for pat in CACHE_PATTERNS)
    ]


def copy_kata(root: Path, dest: Path, subpackages: tuple[str, ...]) -> None:
    """Copy the package's top level and ``subpackages`` under ``dest/kata``."""
    for src, rel in kata_files(root, subpackages):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(src.read_bytes())
