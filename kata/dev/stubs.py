"""Make the learner's stubs from the reference solutions, so the two never drift."""

import subprocess
import sys
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, stubbing
from kata.core.state import backup


def generate(name: str) -> str:
    """The stub of exercise ``name``, made from ``solutions/``."""
    return stubbing.make_stub((ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8"))


def untouched(path: Path) -> bool:
    """``path`` is the stub the last commit holds (not so outside git, or for a file git
    does not know: the file is then protected)."""
    show = ["git", "-C", str(ROOT), "show", f"HEAD:{path.relative_to(ROOT).as_posix()}"]
    try:
        done = subprocess.run(show, capture_output=True, encoding="utf-8", timeout=60)
        committed = done.stdout if done.returncode == 0 else None
        return committed == path.read_text(encoding="utf-8") == stubbing.stub_source(committed)
    except (OSError, ValueError, SyntaxError, subprocess.SubprocessError):
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
    names = [catalogue.exercise(n).name for n in args.names] or catalogue.names()
    stale, edited = {}, []
    for name in names:
        path, text = ROOT / "exercises" / f"{name}.py", generate(name)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale[path] = text
            if path.exists() and not untouched(path):
                edited.append(path)
    if edited and not args.force:
        print(
            "refusing to overwrite exercises that differ from their stubs (someone's work?): "
            + ", ".join(p.stem for p in edited)
            + "\nrun `make stubs FORCE=1` to back them up to .kata/backups/ and regenerate",
            file=sys.stderr,
        )
        return 1
    for path, text in stale.items():
        if path in edited:
            print(f"backed up exercises/{path.name} as {backup(path).relative_to(ROOT)}")
        path.write_text(text, encoding="utf-8")
        print(f"wrote exercises/{path.name}")
    if not stale:
        print(f"stubs: exercises/ already match solutions/ ({len(names)} modules)")
    return 0
