"""The lessons of an exercise module (its module, class and function docstrings, each a
message of the gettext catalog) and its notebook headings (jupytext markdown cells), in
English or translated. ``localize`` rewrites only the docstring literals (offsets from
``ast``) and the heading lines: every other byte stays as it is."""

import ast
from dataclasses import dataclass

from kata.core import catalogue
from kata.core.i18n import ENGLISH, LANGUAGES, N_, translate, wrap
from kata.core.stubbing import Source

MODULE = "module"  # the key of the module docstring


@dataclass(frozen=True)
class Doc:
    """One docstring: its key (``module``, ``WeirdInit.__call__``), text and byte offsets."""

    key: str
    text: str
    start: int
    end: int
    indent: int  # the column of the literal: the indentation of its lines


def docstrings(source: str) -> list[Doc]:
    """Every docstring of ``source`` in order (``SyntaxError`` if it does not parse)."""
    tree = ast.parse(source)
    src = Source(source)
    out: list[Doc] = []

    def visit(node, prefix: str) -> None:
        text = ast.get_docstring(node)
        if text is not None:
            c = node.body[0].value
            start = src.offset(c.lineno, c.col_offset)
            end = src.offset(c.end_lineno, c.end_col_offset)
            out.append(Doc(prefix.rstrip(".") or MODULE, text, start, end, c.col_offset))
        for child in node.body:
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
    return next((lang for lang in LANGUAGES if eng and text == translate(eng, lang)), None)


# The notebook headings of an exercise file (markdown cells, as comments).
TITLE = N_("{exercise}: {title}")  # the title cell's heading
TASK_HEADING = N_("Task `{task}`: {title}")  # each task's heading
INTRO = N_(
    "The lesson is the docstring of the next cell. Each task has a markdown cell, a code "
    "cell to fill in, and a check cell that grades what this kernel holds now with the "
    "tests of `make test` (run the code cell first, then its check cell)."
)
COMMENT_WIDTH = 88


def headings(exercise: str, lang: str) -> list[str]:
    """The notebook headings of ``exercise`` in ``lang``, each the comment lines it takes."""
    ex = catalogue.exercise(exercise)
    title = translate(TITLE, lang).format(exercise=ex.short, title=translate(ex.title, lang))
    out = [f"# # {title}"]
    for t in ex.tasks:
        title = translate(TASK_HEADING, lang).format(task=t.name, title=translate(t.title, lang))
        out.append(f"# ## {title}")
    return [*out, wrap(translate(INTRO, lang), width=COMMENT_WIDTH, indent="# ")]


def localize(source: str, exercise: str, lang: str, stub: str) -> tuple[str, list[str]]:
    """``source`` with its lessons and notebook headings in ``lang``; and the keys of the
    docstrings left alone because they are neither the English of ``stub`` nor its
    translation (the learner's own text). The English comes byte for byte from ``stub``;
    a heading the learner edited is left alone."""
    src = Source(source)
    sdata = stub.encode("utf-8")
    english = {d.key: d for d in docstrings(stub)}
    kept = []
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
        new = sdata[e.start : e.end]
        if lang != ENGLISH:
            closing = new.endswith(("\n" + " " * e.indent + '"""').encode("utf-8"))
            new = literal(known[lang], d.indent, closing).encode("utf-8")
        src.edits.append((d.start, d.end, new))
    source = "\n" + src.apply() + "\n"
    for other in set(LANGUAGES) - {lang}:  # whole lines only
        for old, new in zip(headings(exercise, other), headings(exercise, lang)):
            source = source.replace(f"\n{old}\n", f"\n{new}\n") if old != new else source
    return source[1:-1], kept
