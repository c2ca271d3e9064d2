"""Parity: ``exercises/`` and ``solutions/`` define the same public names with the
same signatures and docstrings (the docstrings are the learner's contract), and
every catalogue task is defined. Everything compared lives in this repository."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from kata import ROOT
from kata.core import catalogue

NAME = "parity"


@dataclass
class Api:
    """Public names of a module: ``name -> (signature, docstring)``."""

    names: dict[str, tuple[str, str]] = field(default_factory=dict)


def public_api(path: Path) -> Api:
    """Public functions and classes of a module: signature text and docstring."""
    api = Api()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            if isinstance(node, ast.FunctionDef):
                sig = ast.unparse(node.args)
            else:
                init = next(
                    (
                        n
                        for n in node.body
                        if isinstance(n, ast.FunctionDef) and n.name == "__init__"
                    ),
                    None,
                )
                bases = ", ".join(ast.unparse(b) for b in node.bases)
                sig = f"({bases}) init({ast.unparse(init.args) if init else ''})"
            api.names[node.name] = (sig, ast.get_docstring(node) or "")
    return api


def problems(root: Path = ROOT) -> list[str]:
    """Every disagreement between ``exercises/``, ``solutions/`` and the catalogue."""
    out = []
    for ex in catalogue.exercises():
        sol, exe = root / "solutions" / ex.filename, root / "exercises" / ex.filename
        if not sol.exists() or not exe.exists():
            out.append(
                f"{ex.name}: missing {'solutions' if not sol.exists() else 'exercises'}/{ex.filename}"
            )
            continue
        a, b = public_api(sol), public_api(exe)
        for name in sorted(set(a.names) | set(b.names)):
            if name not in a.names or name not in b.names:
                out.append(
                    f"{ex.name}.{name}: only in {'solutions' if name in a.names else 'exercises'}/"
                )
            elif a.names[name] != b.names[name]:
                what = "signature" if a.names[name][0] != b.names[name][0] else "docstring"
                out.append(f"{ex.name}.{name}: {what} differs between solutions/ and exercises/")
        for where, api in (("solutions", a), ("exercises", b)):
            if missing := {t.name for t in ex.tasks} - set(api.names):
                out.append(f"{ex.name}: catalogue tasks not defined in {where}/: {sorted(missing)}")
    return out


def jobs(_exercises, _args) -> list:
    return []


def report(_verdicts, _exercises, _args) -> list[str]:
    found = problems()
    print(
        "\nparity of names, signatures and docstrings, exercises/ = solutions/ = catalogue: "
        + ("✓" if not found else f"{len(found)} problem(s)")
    )
    for p in found:
        print("  ✗", p)
    return found
