"""Babel extraction methods for the long texts, so they are translated in the same
``.po`` catalog as the short messages (``kata/core/locale/babel.cfg`` names them;
``make messages`` runs ``pybabel extract``): the titles and hints of
``catalogue.toml``, and the lessons — the docstrings the stub of each ``solutions/``
module keeps (a solution's private helpers are no lesson). The message id is the
English text; the comment says where it comes from."""

from __future__ import annotations

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
    stub = stubbing.make_stub(fileobj.read().decode("utf-8"))
    for doc in _lessons.docstrings(stub):
        yield 0, None, doc.text, [f"{Path(fileobj.name).stem}: {doc.key}"]
