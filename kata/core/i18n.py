"""The kata's languages: English (the source) and Simplified Chinese, English the fallback.

* **Which language:** ``KATA_LANG=zh`` or ``KATA_LANG=en`` decides; otherwise the
  first non-empty of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (the order
  gettext reads them) chooses Chinese when it starts with ``zh``. Read at each call,
  so a test or a subprocess can switch.
* **Short messages** (tables, status words, next-step lines, errors, failure
  messages) go through Python's ``gettext``: ``_("std {got}, expected {want}")``
  then ``.format(got=…, want=…)`` — named placeholders, so a translation can reorder
  them. The catalog is ``locale/zh/LC_MESSAGES/kata.po``, kept with Babel
  (``make messages``) and compiled to the ``kata.mo`` beside it, which is committed
  so a fresh clone needs no build step. A message without a translation shows in
  English.
* **Long texts** (the catalogue's titles and hints, the lessons = the exercises'
  docstrings) live in TOML files per language, ``locale/zh/catalogue.toml`` and
  ``locale/zh/lessons/<exercise>.toml``: one table per text with ``english_sha``
  (the hash of the English it translates) and ``text``. A translation whose hash no
  longer matches the English is stale and is not shown: the English is.
  ``kata dev verify`` lists missing and stale translations (``kata.dev.verify.translations``).
"""

from __future__ import annotations

import functools
import gettext as _gettext
import hashlib
import os
import re
import textwrap
import tomllib
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
    return _translation(lang).gettext(message) or message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, translated."""
    return _translation(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now (module constants);
    translate it with ``_()`` where it is shown."""
    return message


# ------------------------------------------------------------------ long texts


def english_sha(text: str) -> str:
    """The hash a translation records of the English text it translates."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


def long_texts_path(lang: str, name: str) -> Path:
    """``catalogue`` or ``lessons/<exercise>`` of ``lang``, as a path."""
    return LOCALE / lang / f"{name}.toml"


@functools.cache
def _long_texts(lang: str, name: str) -> dict[str, dict]:
    path = long_texts_path(lang, name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # no file, or a broken one: English everywhere
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def long_text(name: str, key: str, english: str, lang: str | None = None) -> str:
    """The translation of the English text ``english`` stored under ``key`` in the
    file ``name`` (``catalogue``, ``lessons/ex03_custom_init``) of ``lang`` (default:
    the current language); ``english`` itself when the translation is missing or
    translates another version of the English."""
    lang = lang or language()
    if lang == ENGLISH:
        return english
    entry = _long_texts(lang, name).get(key)
    if entry and entry.get("english_sha") == english_sha(english) and entry.get("text"):
        return str(entry["text"])
    return english


def entries(lang: str, name: str) -> dict[str, dict]:
    """Every entry of a long-text file: ``key -> {english_sha, text}`` (for the checks)."""
    return _long_texts(lang, name)


# The catalogue's texts, by the keys of locale/<lang>/catalogue.toml.


def task_title(task) -> str:
    return long_text("catalogue", f"{task.exercise}.{task.name}.title", task.title)


def task_hint(task, level: int) -> str:
    """Hint ``level`` (1-based) of a catalogue task."""
    return long_text("catalogue", f"{task.exercise}.{task.name}.hint{level}", task.hints[level - 1])


def catalogue_texts():
    """``(key, english)`` of every text of the catalogue that a language translates."""
    from kata.core import catalogue

    for ex in catalogue.exercises():
        yield f"{ex.name}.title", ex.title
        for t in ex.tasks:
            yield f"{ex.name}.{t.name}.title", t.title
            for i, h in enumerate(t.hints, 1):
                yield f"{ex.name}.{t.name}.hint{i}", h


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
