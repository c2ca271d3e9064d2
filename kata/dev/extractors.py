"""Babel extraction methods (named in ``kata/core/locale/babel.cfg``) for the long texts:
the catalogue's titles and hints, and the lessons (the docstrings a stub keeps). The
message id is the English text; the comment says where it comes from."""

from pathlib import Path

from kata.core import catalogue as _catalogue
from kata.core import lessons as _lessons
from kata.core import stubbing


def catalogue(fileobj, _keywords, _comment_tags, options):
    """``(line, None, text, [where])`` of each exercise's title, task title and hint."""
    for ex in _catalogue.parse(fileobj.read().decode("utf-8")):
        yield 0, None, ex.title, [f"{ex.name}: title"]
        for t in ex.tasks:
            yield 0, None, t.title, [f"{ex.name}.{t.name}: title"]
            for level, hint in enumerate(t.hints, 1):
                yield 0, None, hint, [f"{ex.name}.{t.name}: hint {level}"]


def lessons(fileobj, _keywords, _comment_tags, options):
    """``(line, None, text, [where])`` of each docstring of the module's stub."""
    for doc in _lessons.docstrings(stubbing.make_stub(fileobj.read().decode("utf-8"))):
        yield 0, None, doc.text, [f"{Path(fileobj.name).stem}: {doc.key}"]
