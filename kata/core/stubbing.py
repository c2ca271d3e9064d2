"""A module cut down to its stub: every public signature and docstring kept, every body
``raise NotImplementedError`` (``kata dev stubs``; ``kata reset`` where no solution
ships). The stub is cut out of the source text, so every comment outside a body
survives (the jupytext cells: markers, markdown, check cells). What goes: public
bodies, decorators (part of the answer, e.g. Keras registration), private functions,
classes and assignments, a class's other members, and the comments just above what is
removed or at the end of a removed body."""

import ast
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kata import ROOT

TODO = "raise NotImplementedError"
_CELL_MARKER = re.compile(rb"\s*# %%")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


class Source:
    """A source's UTF-8 lines as ``ast`` counts them, and the (start, end, bytes) edits to make."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8")
        self.lines = self.data.splitlines(keepends=True)
        self.starts = [0, *itertools.accumulate(map(len, self.lines))]  # of each line
        self.edits: list[tuple[int, int, bytes]] = []

    def offset(self, lineno: int, col: int) -> int:
        return self.starts[lineno - 1] + col

    def comments_above(self, lineno: int) -> int:
        """The first line of the comment block right above ``lineno`` (no blank line
        between), cell markers excluded: those belong to the notebook, not the code."""
        while lineno > 1:
            above = self.lines[lineno - 2]
            if not above.lstrip().startswith(b"#") or _CELL_MARKER.match(above):
                break
            lineno -= 1
        return lineno

    def after_code(self, node: ast.stmt, indent: int) -> int:
        """Where a body ending with ``node`` ends, with its line's comment and the comment
        lines right below indented deeper than ``indent`` (the header's column)."""
        end = self.offset(node.end_lineno, node.end_col_offset)
        lineno = node.end_lineno
        if self.data[end : self.starts[lineno]].strip().startswith(b"#"):
            end = self.starts[lineno]
        while lineno < len(self.lines):
            below = self.lines[lineno]
            deeper = len(below) - len(below.lstrip()) > indent
            if not (below.lstrip().startswith(b"#") and deeper) or _CELL_MARKER.match(below):
                break
            lineno += 1
            end = self.starts[lineno]
        if end == self.starts[lineno] and self.lines[lineno - 1].endswith(b"\n"):
            end -= 1  # keep the line break
        return end

    def remove(self, node: ast.stmt) -> None:
        """Delete a statement with its decorators and the comments right above it."""
        first = (getattr(node, "decorator_list", None) or [node])[0].lineno
        self.edits.append(
            (self.starts[self.comments_above(first) - 1], self.starts[node.end_lineno], b"")
        )

    def drop_decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        if node.decorator_list:
            start = self.starts[node.decorator_list[0].lineno - 1]
            self.edits.append((start, self.starts[node.lineno - 1], b""))

    def stub_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Replace a function's body (its docstring kept) and drop its decorators."""
        self.drop_decorators(node)
        body = node.body
        end = self.after_code(body[-1], node.col_offset)
        if ast.get_docstring(node) is not None:
            doc = body[0]
            indent = " " * (doc.col_offset if doc.lineno != node.lineno else node.col_offset + 4)
            start = self.offset(doc.end_lineno, doc.end_col_offset)
            self.edits.append((start, end, f"\n{indent}{TODO}".encode()))
        else:
            self.edits.append((self.offset(body[0].lineno, body[0].col_offset), end, TODO.encode()))

    def stub_class(self, node: ast.ClassDef) -> None:
        """Keep the docstring and the public methods (stubbed); drop the rest."""
        self.drop_decorators(node)
        if node.body[0].lineno == node.lineno:
            return  # ``class C: ...`` on one line: nothing to hide
        kept = ast.get_docstring(node) is not None
        for item in node.body[1 if kept else 0 :]:  # the docstring stays as it is
            if isinstance(item, _DEFS) and _public(item.name):
                self.stub_body(item)
                kept = True
            else:
                self.remove(item)
        if not kept:
            at = self.starts[node.body[-1].end_lineno]
            self.edits.append((at, at, b" " * (node.col_offset + 4) + b"pass\n"))

    def apply(self) -> str:
        out, at = [], 0
        for start, end, text in sorted(self.edits):
            if start < at:
                raise AssertionError("overlapping stub edits")  # a bug here, not in the source
            out += [self.data[at:start], text]
            at = end
        return b"".join([*out, self.data[at:]]).decode("utf-8")


def stub_source(source: str) -> str:
    """The stub module for one module's source (``SyntaxError`` if it does not parse)."""
    src = Source(source)
    for node in ast.parse(source).body:
        if isinstance(node, (*_DEFS, ast.ClassDef)) and not _public(node.name):
            src.remove(node)
        elif isinstance(node, _DEFS):
            src.stub_body(node)
        elif isinstance(node, ast.ClassDef):
            src.stub_class(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not all(isinstance(t, ast.Name) and _public(t.id) for t in targets):
                src.remove(node)
    text = src.apply()
    return text if text.endswith("\n") else text + "\n"


def make_stub(source: str) -> str:
    """``stub_source``, formatted with ruff when it is installed to read like hand-written code."""
    text = stub_source(source)
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
