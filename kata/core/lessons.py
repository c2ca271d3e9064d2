"""The lessons of an exercise module — its module, class and function docstrings — in
English or in a translation (``kata/core/locale/<lang>/lessons/<exercise>.toml``).

``localize`` rewrites only the docstring literals of a module's source, byte offsets
from ``ast``: every other byte (code, comments such as jupytext's ``# %%`` cell
markers, blank lines) stays as it is. Used by ``kata lang`` and ``kata reset``
(learner) and by the translation check of ``kata dev verify`` (maintainer).
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass

from kata.core.i18n import ENGLISH, LANGUAGES, long_text

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


def translation(exercise: str, key: str, english: str, lang: str) -> str:
    """The lesson text ``key`` of ``exercise`` in ``lang`` (the English when missing or stale)."""
    return long_text(f"lessons/{exercise}", key, english, lang)


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


def language_of(source: str, exercise: str, english: dict[str, str]) -> str | None:
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
        if text == translation(exercise, MODULE, eng, lang):
            return lang
    return None


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
        known = {
            lg: e.text if lg == ENGLISH else translation(exercise, d.key, e.text, lg)
            for lg in LANGUAGES
        }
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
    return data.decode("utf-8"), kept
