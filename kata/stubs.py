"""Make the learner's stubs from the reference solutions, so the two never drift.

``python -m kata.stubs`` rewrites ``exercises/`` from ``solutions/``: every public
function and method keeps its signature and docstring and its body becomes
``raise NotImplementedError`` (decorators go: they are part of the answer);
private helpers (``_name``) are dropped; the module
docstring (the lesson), imports and public constants stay. ``--check`` only
reports exercises that differ from what would be generated (used by ``make
verify``), and never writes.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from kata import ROOT, catalogue

TODO = "raise NotImplementedError"


def _stub_body(node) -> list[ast.stmt]:
    body: list[ast.stmt] = []
    doc = ast.get_docstring(node, clean=False)
    if doc is not None:
        body.append(node.body[0])
    body.append(ast.parse(TODO).body[0])
    return body


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def stub_source(source: str) -> str:
    """The stub module for one solution module's source."""
    tree = ast.parse(source)
    keep: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not _public(node.name):
                continue
            node.body = _stub_body(node)
            node.decorator_list = []  # part of the answer (e.g. Keras registration)
        elif isinstance(node, ast.ClassDef):
            if not _public(node.name):
                continue
            node.decorator_list = []
            members = []
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if not _public(item.name):
                        continue
                    item.body = _stub_body(item)
                    members.append(item)
                elif isinstance(item, ast.Expr) and isinstance(
                    getattr(item, "value", None), ast.Constant
                ):
                    members.append(item)  # the class docstring
            node.body = members or [ast.parse("pass").body[0]]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not all(isinstance(t, ast.Name) and _public(t.id) for t in targets):
                continue
        keep.append(node)
    tree.body = keep
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _format(text: str) -> str:
    """Format with ruff when it is installed, so stubs read like hand-written code."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return text
    done = subprocess.run(
        [ruff, "format", "--quiet", "--stdin-filename", "stub.py", "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return done.stdout if done.returncode == 0 else text


def generate(name: str) -> str:
    return _format(stub_source((ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kata.stubs", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    parser.add_argument("names", nargs="*", help="exercises to stub (default: all)")
    args = parser.parse_args(argv)
    stale = []
    for name in [catalogue.exercise(n).name for n in args.names] or catalogue.names():
        text = generate(name)
        path = ROOT / "exercises" / f"{name}.py"
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote exercises/{name}.py")
    if args.check:
        if stale:
            print("exercises/ differ from the stubs generated from solutions/: " + ", ".join(stale))
            print("regenerate them with: python -m kata.stubs")
            return 1
        print(f"stubs: exercises/ match solutions/ ({len(catalogue.names())} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
