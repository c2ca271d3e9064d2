"""Stubs: a module with every public signature and docstring kept and every body
replaced by ``raise NotImplementedError``.

Used by the maintainers' ``kata dev stubs`` (``exercises/`` from ``solutions/``)
and by the learner's ``kata reset``, which, where no solution ships (the student
edition), makes the stub from the learner's own file: its lesson and docstrings
stay, its code goes.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

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


def format_source(text: str) -> str:
    """Format with ruff when it is installed, so stubs read like hand-written code."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return text
    done = subprocess.run(
        [ruff, "format", "--quiet", "--stdin-filename", "stub.py", "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return done.stdout if done.returncode == 0 else text


def make_stub(source: str) -> str:
    """The formatted stub of a module's source (``SyntaxError`` if it does not parse)."""
    return format_source(stub_source(source))
