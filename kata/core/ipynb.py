"""A Jupyter notebook (``.ipynb``, nbformat 4, read with the standard library: grading
needs no notebook package) as the Python module its code cells make.

Dropped with a note: IPython-only lines (``%magic``, ``!shell``, ``x = !ls``, ``name?``),
the cell of a cell magic other than ``%%time``, ``%%timeit`` and ``%%capture``, cells
tagged ``scratch`` (also from a percent-format ``.py``: ``drop_scratch``) and unguarded
check cells (``import kata`` and ``kata.check(…)``: checks never run when grading).
``from __future__`` imports move to the top of the module.
"""

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kata.core.i18n import _

SUFFIX = ".ipynb"
PYTHON_CELL_MAGICS = ("time", "timeit", "capture")
# %magic, !shell, ?help | name? and name?? | x = !ls, x = %time f()
_IPYTHON_LINE = re.compile(r"^\s*(?:[%!?]|[\w.]+\s*\?{1,2}\s*$|[\w.,\s()\[\]]+?=\s*[%!])")
_FUTURE = re.compile(r"^from\s+__future__\s+import\s+[\w\s,()]+$")
SCRATCH = "scratch"  # the cell tag that keeps a cell out of grading
_SCRATCH_MARKER = re.compile(r'^# %%.*\btags=\[[^\]]*"scratch"')  # as jupytext writes it


class NotebookError(ValueError):
    """The file is not a Jupyter notebook this reader understands (one-line message)."""


@dataclass
class Module:
    """The module text of a notebook, with where each of its lines came from."""

    text: str
    notes: list[str] = field(default_factory=list)  # what was dropped, one line each
    origin: dict[int, str] = field(default_factory=dict)
    # line of ``text`` (1-based) -> ``cell 4 ("def my_init():"), line 2``


def drop_scratch(text: str) -> tuple[str, list[str]]:
    """``text`` (a percent-format module) without its cells tagged ``scratch`` (from
    ``# %% tags=["scratch"]`` to the next ``# %%``), and a note for each. Their lines
    are blanked, not removed, so every other line keeps its number."""
    out, notes, dropping = [], [], False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.startswith("# %%"):
            dropping = bool(_SCRATCH_MARKER.match(line))
            if dropping:
                said = _('line {line}: a cell tagged "{tag}" (not graded)')
                notes.append(said.format(line=number, tag=SCRATCH))
        out.append(line[len(line.rstrip("\r\n")) :] if dropping else line)
    return "".join(out), notes


def move_future(line: str, future: list[str]) -> str:
    """``line``; a ``from __future__`` import (legal atop any cell in IPython, only atop a
    module) is added to ``future``, to go first, and commented out where it was."""
    if not _FUTURE.match(line):
        return line
    future.append(line)
    return "# (moved to the top) " + line


def _is_check_cell(code: str) -> bool:
    """Only ``import kata`` and ``kata.check(...)`` calls, at the top level."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    return bool(body) and all(
        (isinstance(node, ast.Import) and [a.name for a in node.names] == ["kata"])
        or (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "kata.check"
        )
        for node in body
    )


def _cells(data: bytes, name: str) -> list[dict]:
    try:
        notebook = json.loads(data)
    except ValueError as exc:  # not JSON, or not text at all
        raise NotebookError(f"{name} is not a Jupyter notebook (invalid JSON: {exc})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"{name} is not a Jupyter notebook (no list of cells)")
    if notebook.get("nbformat") != 4:
        raise NotebookError(
            f"{name} is a notebook of format {notebook.get('nbformat')!r}; save it with a "
            "current Jupyter (format 4)"
        )
    return [c for c in notebook["cells"] if isinstance(c, dict)]


def convert(path: str | Path, data: bytes | None = None) -> Module:
    """The module of the code cells of the notebook at ``path`` (or of its content ``data``)."""
    path = Path(path)
    data = path.read_bytes() if data is None else data
    out: list[str] = [f"# Python module made by kata from {path.name} (its code cells)"]
    origin: dict[int, str] = {}
    notes: list[str] = []
    future: list[str] = []
    for number, cell in enumerate(_cells(data, path.name), start=1):
        source = cell.get("source", "")
        code = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") != "code" or not code.strip():
            continue
        lines = code.splitlines()
        first = lines[0]
        head = first.strip()
        head = head if len(head) <= 40 else head[:37] + "..."  # names the cell in messages
        magic = (first.lstrip()[2:].split() or [""])[0]
        metadata = cell.get("metadata")
        tags = metadata.get("tags") if isinstance(metadata, dict) else None
        if isinstance(tags, list) and SCRATCH in tags:
            said = _('cell {cell}: tagged "{tag}" (not graded)')
            notes.append(said.format(cell=number, tag=SCRATCH))
        elif _is_check_cell(code):
            notes.append(f"cell {number}: a check cell (checks do not run when graded)")
        elif first.lstrip().startswith("%%") and magic not in PYTHON_CELL_MAGICS:
            notes.append(f"cell {number}: %%{magic} cell (not Python)")
        else:
            out += ["", f"# %% cell {number}"]
            for i, line in enumerate(lines, start=1):
                line = move_future(line, future)
                if _IPYTHON_LINE.match(line):
                    notes.append(f"cell {number}, line {i}: {line.strip()[:60]}")
                    indent = line[: len(line) - len(line.lstrip())]
                    line = (
                        f"{indent}pass  # IPython line dropped by kata" if indent else "# " + line
                    )
                out.append(line)
                origin[len(out)] = f'cell {number} ("{head}"), line {i}'
    out[1:1] = future  # after the first comment line; the line map moves with them
    origin = {k + len(future): v for k, v in origin.items()}
    return Module("\n".join(out) + "\n", notes, origin)


def module_text_of(data: bytes, name: str) -> str:
    """The module text of notebook ``data``, what it dropped noted atop (the grader's ``.py``)."""
    module = convert(name, data)
    return "".join(f"# dropped: {n}\n" for n in module.notes) + module.text
