"""A Jupyter notebook (``.ipynb``) read as the Python module its code cells make.

Used by the target loader (``make test`` on a folder of notebooks) and by the
grader, which turns each submitted notebook into ``<name>.py`` text before it
copies the modules into its sandbox::

    from kata.core import ipynb
    text = ipynb.module_text_of(data, name)   # str; NotebookError if it is no notebook
    module = ipynb.convert(path)              # .text, .notes, .where(line) for messages

Only code cells count. IPython-only lines, which are not Python, are dropped with
a note: magics (``%matplotlib inline``), shell lines (``!pip install …``,
``files = !ls``) and help (``keras.layers.Dense?``); a cell magic other than
``%%time``, ``%%timeit`` and ``%%capture`` (whose body is Python) drops its whole
cell. A cell tagged ``scratch`` (the learner's exploration) is dropped, as
``drop_scratch`` drops it from a ``.py`` file. A cell that only runs the kata's checks (``import kata`` and
``kata.check(…)``, unguarded) is dropped too: checks never run when grading. The
exercises' own guarded check cells (``if __name__ == "__main__":``) are kept, and
``from __future__`` imports (legal atop any cell) move to the top of the module.

The notebook file format is JSON (nbformat 4); it is read with the standard
library, so grading needs none of the notebook packages.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kata.core.i18n import _

SUFFIX = ".ipynb"
PYTHON_CELL_MAGICS = ("time", "timeit", "capture")
_IPYTHON_LINE = re.compile(
    r"""^\s*(?:
        [%!?]                              # %magic, !shell, ?help
      | [\w.]+\s*\?{1,2}\s*$               # name? / name??
      | [\w.,\s()\[\]]+?=\s*[%!]           # x = !ls, x = %time f()
    )""",
    re.VERBOSE,
)


_FUTURE = re.compile(r"^from\s+__future__\s+import\s+[\w\s,()]+$")
SCRATCH = "scratch"  # the cell tag that keeps a cell out of grading
_MARKER = re.compile(r"^# %%(?P<rest>.*)$")  # a jupytext percent-format cell marker
_TAGS = re.compile(r"\btags=(?P<tags>\[[^\]]*\])")


class NotebookError(ValueError):
    """The file is not a Jupyter notebook this reader understands (one-line message)."""


@dataclass
class Module:
    """The module text of a notebook, with where each of its lines came from."""

    text: str
    notes: list[str] = field(default_factory=list)  # what was dropped, one line each
    origin: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    # line of ``text`` (1-based) -> (cell number, line in that cell, the cell's first line)

    def where(self, lineno: int | None) -> str:
        """``cell 4 ("def my_init():"), line 2`` for a line of ``text``."""
        if lineno not in self.origin:
            return ""
        cell, line, first = self.origin[lineno]
        head = first.strip()
        head = head if len(head) <= 40 else head[:37] + "..."
        return f'cell {cell} ("{head}"), line {line}'


def _marker_tags(rest: str) -> list[str]:
    """The tags of a percent-format cell marker's ``rest`` (``tags=["scratch"]``)."""
    found = _TAGS.search(rest)
    if not found:
        return []
    try:
        tags = json.loads(found["tags"])
    except ValueError:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def drop_scratch(text: str | bytes) -> tuple[str | bytes, list[str]]:
    """``text`` (a percent-format module) without its cells tagged ``scratch``, and a
    note for each: a learner's exploration kept in the file, never graded.

    jupytext writes a notebook cell's tags into the ``.py`` as ``# %% tags=["scratch"]``;
    such a cell runs to the next ``# %%`` line. Its lines are blanked, not removed,
    so every other line keeps its number (messages and tracebacks name the right
    line). Bytes in, bytes out (any encoding: the markers are ASCII)."""
    if isinstance(text, bytes):
        kept, notes = drop_scratch(text.decode("utf-8", "surrogateescape"))
        return kept.encode("utf-8", "surrogateescape"), notes
    out, notes, dropping = [], [], False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = _MARKER.match(line.rstrip("\r\n"))
        if marker:
            dropping = SCRATCH in _marker_tags(marker["rest"])
            if dropping:
                notes.append(
                    _('line {line}: a cell tagged "{tag}" (not graded)').format(
                        line=number, tag=SCRATCH
                    )
                )
        if dropping:
            line = line[len(line.rstrip("\r\n")) :]  # its line break only
        out.append(line)
    return "".join(out), notes


def _is_scratch(cell: dict) -> bool:
    tags = (
        cell.get("metadata", {}).get("tags", []) if isinstance(cell.get("metadata"), dict) else []
    )
    return isinstance(tags, list) and SCRATCH in tags


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _is_check_cell(code: str) -> bool:
    """Only ``import kata`` and ``kata.check(...)`` calls, at the top level."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    if not body:
        return False
    for node in body:
        if isinstance(node, ast.Import) and [a.name for a in node.names] == ["kata"]:
            continue
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "kata.check"
        ):
            continue
        return False
    return True


def _cells(data: bytes, name: str) -> list[dict]:
    try:
        data = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{name} is not a text file") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{name} is not a Jupyter notebook (invalid JSON, line {exc.lineno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(f"{name} is not a Jupyter notebook (no list of cells)")
    if data.get("nbformat") != 4:
        raise NotebookError(
            f"{name} is a notebook of format {data.get('nbformat')!r}; save it with a "
            "current Jupyter (format 4)"
        )
    return [c for c in data["cells"] if isinstance(c, dict)]


def convert(path: str | Path) -> Module:
    """The module made of the code cells of the notebook at ``path``."""
    path = Path(path)
    return convert_bytes(path.read_bytes(), path.name)


def convert_bytes(data: bytes, name: str) -> Module:
    """The module made of the code cells of a notebook's file content ``data``."""
    out: list[str] = [f"# Python module made by kata from {name} (its code cells)"]
    origin: dict[int, tuple[int, int, str]] = {}
    notes: list[str] = []
    future: list[str] = []
    for number, cell in enumerate(_cells(data, name), start=1):
        if cell.get("cell_type") != "code":
            continue
        code = _source(cell)
        if not code.strip():
            continue
        lines = code.splitlines()
        first = lines[0]
        if _is_scratch(cell):
            notes.append(
                _('cell {cell}: tagged "{tag}" (not graded)').format(cell=number, tag=SCRATCH)
            )
            continue
        if _is_check_cell(code):
            notes.append(f"cell {number}: a check cell (checks do not run when graded)")
            continue
        if first.lstrip().startswith("%%"):
            magic = first.lstrip()[2:].split(maxsplit=1)[0] if first.strip() != "%%" else ""
            if magic not in PYTHON_CELL_MAGICS:
                notes.append(f"cell {number}: %%{magic} cell (not Python)")
                continue
        out += ["", f"# %% cell {number}"]
        for i, line in enumerate(lines, start=1):
            if _FUTURE.match(line):  # legal atop any cell in IPython, only atop a module
                future.append(line)
                line = "# (moved to the top) " + line
            elif _IPYTHON_LINE.match(line):
                notes.append(f"cell {number}, line {i}: {line.strip()[:60]}")
                indent = line[: len(line) - len(line.lstrip())]
                line = f"{indent}pass  # IPython line dropped by kata" if indent else "# " + line
            out.append(line)
            origin[len(out)] = (number, i, first)
    if future:  # after the first comment line; the line map moves with them
        out[1:1] = future
        origin = {(k + len(future) if k > 1 else k): v for k, v in origin.items()}
    return Module("\n".join(out) + "\n", notes, origin)


def module_text_of(data: bytes, name: str) -> str:
    """The Python text of the code cells of a notebook's file content ``data`` (named
    ``name``), the dropped lines noted at the top (what the grader copies as ``<name>.py``)."""
    module = convert_bytes(data, name)
    head = "".join(f"# dropped: {n}\n" for n in module.notes)
    return head + module.text
