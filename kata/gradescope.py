"""The Gradescope autograder: ``python -m kata.gradescope [--out autograder.zip]`` (``make gradescope``).

The zip holds ``setup.sh`` and ``run_autograder`` at its root and the pristine
grading source: ``pyproject.toml``, ``README.md``, ``kata/`` and the graded tests
with the hidden ones (no solutions, no exercises, no mutants or tooling).
Gradescope unpacks it into ``/autograder/source``, runs ``setup.sh`` once, then
``run_autograder`` per submission: ``kata.grade`` takes the exercise modules
from ``/autograder/submission`` and writes ``/autograder/results/results.json``.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

from kata import ROOT

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip curl ca-certificates >/dev/null
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  # The kata needs Python >= 3.11; install one where the unprivileged test user can run it.
  curl -LsSf https://astral.sh/uv/install.sh | env UV_INSTALL_DIR=/usr/local/bin sh
  export UV_PYTHON_INSTALL_DIR=/opt/uv-python
  uv python install 3.11
  PY="$(uv python find 3.11)"
fi
"$PY" -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet --upgrade pip
/autograder/venv/bin/pip install --quiet -e /autograder/source
chmod -R a+rX /autograder/venv /autograder/source
"""

RUN = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission: the student's files are in
# /autograder/submission; only the exercise modules (exNN_*.py, at the top or in
# exercises/) are graded, in a pristine copy of the kata's tests.
set -uo pipefail
cd /autograder/source
mkdir -p /autograder/results
rm -f /autograder/results/results.json
PYTHONPATH=/autograder/source /autograder/venv/bin/python -m kata.grade /autograder/submission \
  --out /autograder/results --quiet ${KATA_GRADE_ARGS:-}
status=$?
if [ "$status" -ne 0 ] || [ ! -s /autograder/results/results.json ]; then
  printf '%s\n' '{"score": 0, "output": "The autograder could not grade this submission (exit '"$status"'); please tell the course staff.", "tests": []}' \
    > /autograder/results/results.json
fi
"""

SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")
KATA_EXCLUDED = {"release.py", "gradescope.py", "gradebook.py", "stubs.py", "verify.py", "pristine"}
TEST_DIRS = ("hidden",)


def _info(name: str, mode: int = 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # reproducible zips
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def files(root: Path = ROOT) -> list[tuple[Path, str]]:
    """(file, name in the zip) of the grading source."""
    out = [(root / f, f) for f in SOURCE_FILES if (root / f).is_file()]
    for p in sorted((root / "kata").rglob("*")):
        rel = p.relative_to(root / "kata")
        if p.is_file() and rel.parts[0] not in KATA_EXCLUDED and "__pycache__" not in rel.parts:
            out.append((p, f"kata/{rel.as_posix()}"))
    tests = root / "tests"
    for p in sorted(tests.glob("*.py")):
        out.append((p, f"tests/{p.name}"))
    for d in TEST_DIRS:
        for p in sorted((tests / d).glob("*.py")):
            out.append((p, f"tests/{d}/{p.name}"))
    return out


def build(out: Path, root: Path = ROOT) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(_info("setup.sh", 0o755), SETUP)
        zf.writestr(_info("run_autograder", 0o755), RUN)
        for path, name in files(root):
            zf.writestr(_info(name), path.read_bytes())
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m kata.gradescope", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--out", default=str(ROOT / "autograder.zip"))
    args = p.parse_args(argv)
    out = build(Path(args.out))
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    print(
        f"wrote {out}: {len(names)} files (setup.sh, run_autograder, kata/, tests/ with hidden tests)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
