"""Stubbing: a module cut down to its stub, with every public signature and docstring
kept and every body replaced by ``raise NotImplementedError``.

Used by the maintainers' ``kata dev stubs`` (``exercises/`` from ``solutions/``)
and by the learner's ``kata reset``, which, where no solution ships (the student
edition), makes the stub from the learner's own file: its lesson and docstrings
stay, its code goes.

The stub is cut out of the source *text* (the syntax tree only says where each
piece starts and ends), so every comment outside a body survives: the jupytext
cell markers (``# %%``, ``# %% [markdown]``), the markdown cells and the check
cells that make each exercise a notebook too. What goes: the bodies of public
functions and methods (their docstrings stay), decorators (they are part of the
answer, e.g. Keras registration), private functions, classes and assignments
(``_name``), a class's other members, and the comments just above what is
removed or at the end of a removed body.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

TODO = "raise NotImplementedError"
_CELL_MARKER = re.compile(r"\s*# %%")


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


class _Source:
    """The source's lines and the edits to make, as (start, end, text) character spans."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.edits: list[tuple[int, int, str]] = []

    def offset(self, lineno: int, col: int) -> int:
        """The character offset of (1-based line, UTF-8 byte column), as ``ast`` reports them."""
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8"))

    def line_start(self, lineno: int) -> int:
        return self.starts[lineno - 1]

    def line_end(self, lineno: int) -> int:
        return self.starts[lineno]

    def first_line(self, node: ast.stmt) -> int:
        decorators = getattr(node, "decorator_list", None)
        return decorators[0].lineno if decorators else node.lineno

    def comments_above(self, lineno: int) -> int:
        """The first line of the comment block right above ``lineno`` (no blank line
        between), cell markers excluded: those belong to the notebook, not the code."""
        while lineno > 1:
            above = self.lines[lineno - 2]
            if not above.lstrip().startswith("#") or _CELL_MARKER.match(above):
                break
            lineno -= 1
        return lineno

    def after_code(self, node: ast.stmt, indent: int) -> int:
        """Where a body ending with ``node`` ends: a comment after it on its line goes
        with it, and so do the comment lines right below indented deeper than
        ``indent`` (the header's column)."""
        end = self.offset(node.end_lineno, node.end_col_offset)
        lineno = node.end_lineno
        if self.text[end : self.line_end(lineno)].strip().startswith("#"):
            end = self.line_end(lineno)
        while lineno < len(self.lines):
            below = self.lines[lineno]
            deeper = len(below) - len(below.lstrip()) > indent
            if not (below.lstrip().startswith("#") and deeper) or _CELL_MARKER.match(below):
                break
            lineno += 1
            end = self.line_end(lineno)
        if end == self.line_end(lineno) and self.lines[lineno - 1].endswith("\n"):
            end -= 1  # keep the line break
        return end

    def remove(self, node: ast.stmt) -> None:
        """Delete a statement with its decorators and the comments right above it."""
        start = self.line_start(self.comments_above(self.first_line(node)))
        self.edits.append((start, self.line_end(node.end_lineno), ""))

    def stub_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Replace a function's body (its docstring kept) and drop its decorators."""
        if node.decorator_list:
            self.edits.append(
                (self.line_start(node.decorator_list[0].lineno), self.line_start(node.lineno), "")
            )
        body = node.body
        end = self.after_code(body[-1], node.col_offset)
        if _is_docstring(body[0]):
            doc = body[0]
            indent = " " * (doc.col_offset if doc.lineno != node.lineno else node.col_offset + 4)
            start = self.offset(doc.end_lineno, doc.end_col_offset)
            self.edits.append((start, end, f"\n{indent}{TODO}"))
        else:
            self.edits.append((self.offset(body[0].lineno, body[0].col_offset), end, TODO))

    def stub_class(self, node: ast.ClassDef) -> None:
        """Keep the docstring and the public methods (stubbed); drop the rest."""
        if node.decorator_list:
            self.edits.append(
                (self.line_start(node.decorator_list[0].lineno), self.line_start(node.lineno), "")
            )
        if node.body[0].lineno == node.lineno:
            return  # ``class C: ...`` on one line: nothing to hide
        kept = 0
        for i, item in enumerate(node.body):
            if i == 0 and _is_docstring(item):
                kept += 1
            elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public(item.name):
                self.stub_body(item)
                kept += 1
            else:
                self.remove(item)
        if not kept:
            at = self.line_end(node.body[-1].end_lineno)
            self.edits.append((at, at, " " * (node.col_offset + 4) + "pass\n"))

    def apply(self) -> str:
        out, at = [], 0
        for start, end, text in sorted(self.edits):
            if start < at:
                raise AssertionError("overlapping stub edits")  # a bug here, not in the source
            out += [self.text[at:start], text]
            at = end
        out.append(self.text[at:])
        return "".join(out)


def stub_source(source: str) -> str:
    """The stub module for one module's source (``SyntaxError`` if it does not parse)."""
    tree = ast.parse(source)
    src = _Source(source)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _public(node.name):
                src.stub_body(node)
            else:
                src.remove(node)
        elif isinstance(node, ast.ClassDef):
            if _public(node.name):
                src.stub_class(node)
            else:
                src.remove(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not all(isinstance(t, ast.Name) and _public(t.id) for t in targets):
                src.remove(node)
    text = src.apply()
    return text if text.endswith("\n") else text + "\n"


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
