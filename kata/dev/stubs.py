"""Make the learner's stubs from the reference solutions, so the two never drift.

``kata dev stubs`` (``make stubs``) rewrites ``exercises/`` from ``solutions/``
(see ``kata.core.stubbing`` for what a stub keeps). An exercise file that is still the
stub of the last commit (``git show HEAD:exercises/<name>.py``, itself a stub) holds no
work: it is rewritten when its solution changed. Any other file that differs from its
new stub holds someone's work: it is saved to ``.kata/backups/`` first, and without
``--force`` (``FORCE=1``) nothing is written at all.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, stubbing
from kata.core.backups import backup


def generate(name: str) -> str:
    """The stub of exercise ``name``, made from ``solutions/``."""
    return stubbing.make_stub((ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8"))


def untouched(path: Path) -> bool:
    """``path`` is the stub the last commit holds (outside git, or for a file git does
    not know, nothing is untouched: the file is protected)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"HEAD:{path.relative_to(ROOT).as_posix()}"],
            capture_output=True,
            timeout=60,
        )
        committed = done.stdout.decode("utf-8") if done.returncode == 0 else None
        return (
            committed is not None
            and path.read_text(encoding="utf-8") == committed
            and stubbing.stub_source(committed) == committed
        )
    except (OSError, UnicodeDecodeError, SyntaxError, subprocess.SubprocessError):
        return False


def add_parser(sub) -> None:
    p = sub.add_parser(
        "stubs",
        help="regenerate exercises/ from solutions/",
        description=__doc__.splitlines()[0],
    )
    p.add_argument(
        "--force", action="store_true", help="overwrite exercises that differ (backed up first)"
    )
    p.add_argument("names", nargs="*", help="exercises to stub (default: all)")
    p.set_defaults(run=run)


def run(args) -> int:
    try:
        names = [catalogue.exercise(n).name for n in args.names] or catalogue.names()
    except catalogue.UnknownName as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = {}
    for name in names:
        text = generate(name)
        path = ROOT / "exercises" / f"{name}.py"
        if not (path.exists() and path.read_text(encoding="utf-8") == text):
            stale[name] = text
    edited = [
        n
        for n in stale
        if (ROOT / "exercises" / f"{n}.py").exists()
        and not untouched(ROOT / "exercises" / f"{n}.py")
    ]
    if edited and not args.force:
        print(
            "refusing to overwrite exercises that differ from their stubs (someone's work?): "
            + ", ".join(edited)
            + "\nrun `make stubs FORCE=1` to back them up to .kata/backups/ and regenerate",
            file=sys.stderr,
        )
        return 1
    for name, text in stale.items():
        path = ROOT / "exercises" / f"{name}.py"
        if name in edited:
            print(f"backed up exercises/{name}.py as {backup(path).relative_to(ROOT)}")
        path.write_text(text, encoding="utf-8")
        print(f"wrote exercises/{name}.py")
    if not stale:
        print(f"stubs: exercises/ already match solutions/ ({len(names)} modules)")
    return 0
