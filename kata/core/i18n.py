"""The kata's languages: English (the source, and the fallback) and Simplified Chinese,
by ``gettext`` from ``locale/zh/LC_MESSAGES/kata.mo`` (docs/maintainers.md, "Translations");
a text without a translation, or with a fuzzy one, shows in English."""

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
    """``"zh"`` or ``"en"``: ``KATA_LANG`` first, then the first locale variable set (read
    at each call, so a test or a subprocess can switch)."""
    from kata.core import settings  # it imports this module

    locale = (os.environ.get(var, "").strip() for var in ENV_VARS)
    value = settings.get("KATA_LANG") or next((v for v in locale if v), "")
    return "zh" if value.split(":")[0].lower().startswith("zh") else ENGLISH


@functools.cache
def _translation(lang: str) -> _gettext.NullTranslations:
    if lang == ENGLISH:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (itself when it has no translation)."""
    return translate(message, language())


def translate(message: str, lang: str) -> str:
    """``message`` in ``lang`` (not the current language): for texts written into files."""
    return (message and _translation(lang).gettext(message)) or message


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now (``_()`` where it shows)."""
    return message


def task_title(task) -> str:
    return _(task.title)


def task_hint(task, level: int) -> str:
    """Hint ``level`` (1-based) of a catalogue task."""
    return _(task.hints[level - 1])


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


# Chinese line breaking (GB/T 15834, the W3C's clreq): a line never starts with closing
# punctuation nor ends with opening punctuation (a token of only such marks: ``），``).
NO_LINE_START = frozenset("，。、；：？！）》」』】〉〕…—’”%,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〈〔‘“([{")
_TOKENS = re.compile(r" +|[!-~]+|.")  # spaces, an ASCII word, one other character
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_STRAY_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def wrap(text: str, *, width: int, indent: str = "") -> str:
    """``text`` wrapped to ``width`` terminal cells, between words and between Chinese
    characters, never with closing punctuation at a line's start or opening punctuation
    at its end (the character before moves down, or the mark hangs past the margin)."""
    if cells(text) == len(text):  # no wide characters: ordinary word wrapping
        return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)
    lines: list[str] = []
    line: list[str] = []
    for token in _TOKENS.findall(text):
        if line and cells(indent + "".join(line) + token) > width:
            carry: list[str] = []
            while len(line) > 1 and set((carry or [token])[0]) <= NO_LINE_START:
                carry.insert(0, line.pop())
            while line and (line[-1].isspace() or set(line[-1]) <= NO_LINE_END):
                carry.insert(0, line.pop())
            if not line or set((carry or [token])[0]) <= NO_LINE_START:
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
    """Chinese ``text`` without the single spaces that filling placeholders with Chinese
    leaves between two Chinese characters ("的值 的标准差" → "的值的标准差")."""
    return _STRAY_SPACE.sub("", text) if language() != ENGLISH else text
