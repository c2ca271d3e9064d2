"""The lessons of an exercise module — its module, class and function docstrings — in
English or translated (each docstring is a message of the gettext catalog), and
its notebook headings (the jupytext markdown cells: the title, the line on how the
notebook works, each task's heading) in the same language.

``localize`` rewrites only the docstring literals of a module's source, byte offsets
from ``ast``: every other byte (code, comments such as jupytext's ``# %%`` cell
markers, blank lines) stays as it is. Used by ``kata lang`` and ``kata reset``
(learner); ``docstrings`` by ``make messages``, which extracts the lessons to
translate (``kata.dev.extractors``).
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass

from kata.core.i18n import ENGLISH, LANGUAGES, N_, translate, wrap

MODULE = "module"  # the key of the module docstring


@dataclass(frozen=True)
class Doc:
    """One docstring: its key (``module``, ``WeirdInit``, ``WeirdInit.__call__``), its
    cleaned text, and where its literal sits in the source (byte offsets)."""

    key: str
    text: str
    start: int
    end: int
    indent: int  # the column of the literal: the indentation of its lines


def _line_starts(data: bytes) -> list[int]:
    starts, pos = [0], 0
    while (pos := data.find(b"\n", pos) + 1) > 0:
        starts.append(pos)
    return starts


def docstrings(source: str) -> list[Doc]:
    """Every module, class and function docstring of ``source`` (``SyntaxError`` if it
    does not parse), in source order."""
    tree = ast.parse(source)
    starts = _line_starts(source.encode("utf-8"))
    out: list[Doc] = []

    def visit(node, prefix: str) -> None:
        body = getattr(node, "body", [])
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            c = body[0].value
            key = prefix.rstrip(".") or MODULE
            out.append(
                Doc(
                    key,
                    inspect.cleandoc(c.value),
                    starts[c.lineno - 1] + c.col_offset,
                    starts[c.end_lineno - 1] + c.end_col_offset,
                    c.col_offset,
                )
            )
        for child in body:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return out


def lessons(source: str) -> dict[str, str]:
    """``key -> text`` of every docstring of ``source``."""
    return {d.key: d.text for d in docstrings(source)}


def literal(text: str, indent: int, closing_line: bool) -> str:
    """A triple-quoted docstring literal for ``text`` at column ``indent``."""
    pad = " " * indent
    lines = text.split("\n")
    body = lines[0] + "".join("\n" + (pad + ln if ln.strip() else "") for ln in lines[1:])
    if closing_line:
        body += "\n" + pad
    body = body.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return f'"""{body}"""'


def language_of(source: str, english: dict[str, str]) -> str | None:
    """The language the module docstring of ``source`` is written in, if it is one of
    the kata's texts (``None`` when the learner edited it, or it does not parse)."""
    try:
        text = lessons(source).get(MODULE)
    except SyntaxError:
        return None
    eng = english.get(MODULE)
    if text is None or eng is None:
        return None
    if text == eng:
        return ENGLISH
    for lang in LANGUAGES[1:]:
        if text == translate(eng, lang):
            return lang
    return None


# The notebook headings of an exercise file (markdown cells, as comments).
TITLE = N_("{exercise}: {title}")  # the title cell's heading
TASK_HEADING = N_("Task `{task}`: {title}")  # each task's heading
INTRO = N_(
    "The lesson is the docstring of the next cell. Each task has a markdown cell, a code "
    "cell to fill in, and a check cell that grades what this kernel holds now with the "
    "tests of `make test` (run the code cell first, then its check cell)."
)
COMMENT_WIDTH = 88


def headings(exercise: str, lang: str, stub: str) -> list[str]:
    """The notebook headings of ``exercise`` in ``lang``, each the exact comment lines it
    takes in a file (the English ones as the stub ``stub`` has them)."""
    from kata.core import catalogue

    ex = catalogue.exercise(exercise)
    title = translate(ex.title, lang)
    out = [f"# # {translate(TITLE, lang).format(exercise=ex.short, title=title)}"]
    for t in ex.tasks:
        title = translate(t.title, lang)
        out.append(f"# ## {translate(TASK_HEADING, lang).format(task=t.name, title=title)}")
    if lang == ENGLISH:
        return [*out, _comment_block(stub, INTRO)]
    return [*out, wrap(translate(INTRO, lang), width=COMMENT_WIDTH, indent="# ")]


def _comment_block(source: str, text: str) -> str:
    """The consecutive ``# …`` lines of ``source`` that read ``text``, or ""."""
    lines = source.splitlines()
    want = " ".join(text.split())
    for i in range(len(lines)):
        for j in range(i + 1, min(i + 8, len(lines)) + 1):
            block = lines[i:j]
            if not block[-1].startswith("# "):
                break
            if " ".join(" ".join(ln[2:] for ln in block).split()) == want:
                return "\n".join(block)
    return ""


def localize_headings(source: str, exercise: str, lang: str, stub: str) -> str:
    """``source`` with the notebook headings it holds in another language (exactly as
    the kata wrote them) in ``lang``; a heading the learner edited is left alone."""
    want = headings(exercise, lang, stub)
    for other in LANGUAGES:
        if other != lang:
            for old, new in zip(headings(exercise, other, stub), want):
                if old and new and old != new:  # whole lines only
                    source = ("\n" + source + "\n").replace(f"\n{old}\n", f"\n{new}\n")[1:-1]
    return source


def localize(source: str, exercise: str, lang: str, stub: str) -> tuple[str, list[str]]:
    """``source`` with its lessons in ``lang``; and the keys of the docstrings left
    alone because they are neither the English of ``stub`` nor its translation (the
    learner's own text). The English comes byte for byte from ``stub``'s literals."""
    data = source.encode("utf-8")
    sdata = stub.encode("utf-8")
    english = {d.key: d for d in docstrings(stub)}
    edits, kept = [], []
    for d in docstrings(source):
        e = english.get(d.key)
        if e is None:
            continue  # the learner's own function: not a lesson
        known = {lg: translate(e.text, lg) for lg in LANGUAGES}
        if d.text == known.get(lang, e.text):
            continue
        if d.text not in known.values():
            kept.append(d.key)
            continue
        if lang == ENGLISH:
            new = sdata[e.start : e.end]
        else:
            old = sdata[e.start : e.end].decode("utf-8")
            closing = old.endswith("\n" + " " * e.indent + '"""')
            new = literal(known[lang], d.indent, closing).encode("utf-8")
        edits.append((d.start, d.end, new))
    for start, end, new in sorted(edits, reverse=True):
        data = data[:start] + new + data[end:]
    return localize_headings(data.decode("utf-8"), exercise, lang, stub), kept
