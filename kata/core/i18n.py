"""The kata's languages: English (the source) and Simplified Chinese, English the fallback.

* **Which language:** ``KATA_LANG=zh`` or ``KATA_LANG=en`` decides; otherwise the
  first non-empty of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (the order
  gettext reads them) chooses Chinese when it starts with ``zh``. Read at each call,
  so a test or a subprocess can switch.
* **Every text** goes through Python's ``gettext``: the short messages (tables,
  status words, next-step lines, errors, failure messages) as
  ``_("std {got}, expected {want}")`` then ``.format(got=…, want=…)`` — named
  placeholders, so a translation can reorder them; the long texts (the catalogue's
  titles and hints, the lessons = the exercises' docstrings) with their English as
  the message id (``kata.dev.extractors`` finds them). The catalog is
  ``locale/zh/LC_MESSAGES/kata.po``, kept with Babel (``make messages``, which marks
  the translation of a changed English text *fuzzy*) and compiled to the ``kata.mo``
  beside it, which is committed so a fresh clone needs no build step. A text
  without a translation, or with a fuzzy one, shows in English.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import os
import re
import textwrap
from pathlib import Path

LOCALE = Path(__file__).with_name("locale")
DOMAIN = "kata"
ENGLISH = "en"
LANGUAGES = ("en", "zh")  # the source language first
NAMES = {"en": "English", "zh": "简体中文"}
ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language() -> str:
    """``"zh"`` or ``"en"``: ``KATA_LANG`` first, then the gettext locale variables."""
    from kata.core import settings  # it imports this module

    forced = settings.get("KATA_LANG").lower()
    if forced:
        return "zh" if forced.startswith("zh") else ENGLISH
    for var in ENV_VARS:
        value = os.environ.get(var, "").strip()
        if value:
            return "zh" if value.split(":")[0].lower().startswith("zh") else ENGLISH
    return ENGLISH


@functools.cache
def _translation(lang: str) -> _gettext.NullTranslations:
    if lang == ENGLISH:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (itself when it has no translation)."""
    return _translation(language()).gettext(message) or message


def translate(message: str, lang: str) -> str:
    """``message`` in ``lang`` (not the current language): for texts written into files."""
    return (message and _translation(lang).gettext(message)) or message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, translated."""
    return _translation(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now (module constants);
    translate it with ``_()`` where it is shown."""
    return message


# The catalogue's long texts, translated like any message (their English is the msgid).


def task_title(task) -> str:
    return _(task.title)


def task_hint(task, level: int) -> str:
    """Hint ``level`` (1-based) of a catalogue task."""
    return _(task.hints[level - 1])


# ---------------------------------------------------------------- terminal width


def cells(text: str) -> int:
    """The terminal cells ``text`` takes (a Chinese character takes two)."""
    from rich.cells import cell_len

    return cell_len(text)


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal cells, with ``…`` when cut."""
    if cells(text) <= width:
        return text
    from rich.cells import set_cell_size

    return set_cell_size(text, max(width - 1, 0)) + "…"


# ------------------------------------------------------------- Chinese typography

# Chinese line breaking (the rules of GB/T 15834 and the W3C's clreq): a line never
# starts with closing punctuation nor ends with opening punctuation.
NO_LINE_START = frozenset("，。、；：？！）》」』】〉〕…—’”%,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〈〔‘“([{")
_TOKENS = re.compile(r" +|[!-~]+|.")  # spaces, an ASCII word, one other character
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_STRAY_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def _closing(token: str) -> bool:
    """Closing punctuation: ``）``, ``。``, or an ASCII token of only such marks (``),``),
    not an identifier that starts with a dot (``.kernel``)."""
    return all(c in NO_LINE_START for c in token)


def _opening(token: str) -> bool:
    return all(c in NO_LINE_END for c in token)


def wrap(text: str, *, width: int, indent: str = "") -> str:
    """``text`` wrapped to ``width`` terminal cells: between words, and between any two
    Chinese characters (Chinese has no spaces and each character takes two cells),
    never with closing punctuation (``）``, ``。``, ``、``) at a line's start or opening
    punctuation at its end: the character before moves down with it (when the line
    has nothing to give, the mark hangs past the margin)."""
    if cells(text) == len(text):  # no wide characters: ordinary word wrapping
        return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)
    lines: list[str] = []
    line: list[str] = []
    for token in _TOKENS.findall(text):
        if line and cells(indent + "".join(line) + token) > width:
            carry: list[str] = []
            while len(line) > 1 and _closing((carry or [token])[0]):
                carry.insert(0, line.pop())
            while line and (line[-1].isspace() or _opening(line[-1])):
                carry.insert(0, line.pop())
            if not line or _closing((carry or [token])[0]):
                line += carry  # no place to break: the marks hang past the margin
            else:
                lines.append("".join(line).rstrip())
                line = carry
                while line and line[0].isspace():
                    line.pop(0)
        if line or not token.isspace():
            line.append(token)
    if line:
        lines.append("".join(line).rstrip())
    return "\n".join(indent + ln for ln in lines)


def tidy(text: str) -> str:
    """``text`` without the stray spaces that filling a Chinese message's placeholders
    with Chinese leaves ("kernel 的值 的标准差" → "kernel 的值的标准差"): a single space
    between two Chinese characters or punctuation marks goes; spaces between Chinese
    and Latin letters or digits stay. English text is returned as it is."""
    return _STRAY_SPACE.sub("", text) if language() != ENGLISH else text
