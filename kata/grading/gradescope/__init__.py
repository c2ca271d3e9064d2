"""The Gradescope autograder: ``kata gradescope [--out autograder.zip]`` (``make gradescope``).

The zip holds the scripts Gradescope runs and ``grade-args.txt`` at its root, and ``files()``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from kata import ROOT
from kata.core import editions

HERE = Path(__file__).resolve().parent
# The zip's root: the two scripts Gradescope runs and run_autograder's options of kata
# grade, kept as real files beside this module; their modes in the zip.
AT_ROOT = {"setup.sh": 0o755, "run_autograder": 0o755, "grade-args.txt": 0o644}

SOURCE_FILES = ("pyproject.toml", "constraints.txt", "README.md", "LICENSE")


def _info(name: str, mode: int = 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # reproducible zips
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def files(root: Path = ROOT) -> list[tuple[Path, str]]:
    """(file, name in the zip) of the grading source."""
    out = [(root / f, f) for f in SOURCE_FILES if (root / f).is_file()]
    out += [(p, n) for p, n in editions.kata_files(root, editions.GRADING) if p.name not in AT_ROOT]
    tests = [*sorted(root.glob("tests/*.py")), *sorted(root.glob("tests/hidden/*.py"))]
    return out + [(p, p.relative_to(root).as_posix()) for p in tests]


def build(out: Path, root: Path = ROOT) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        for name, mode in AT_ROOT.items():
            zf.writestr(_info(name, mode), (HERE / name).read_bytes())
        for path, name in files(root):
            zf.writestr(_info(name), path.read_bytes())
    return out


def add_parser(sub) -> None:
    p = sub.add_parser(
        "gradescope",
        help="[instructor] build autograder.zip",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--out", default=str(ROOT / "autograder.zip"))
    p.set_defaults(run=run)


def run(args) -> int:
    out = build(Path(args.out))
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    print(
        f"wrote {out}: {len(names)} files (setup.sh, run_autograder, grade-args.txt, "
        "constraints.txt, kata/, tests/ with hidden tests)"
    )
    return 0
