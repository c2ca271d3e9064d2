"""Translations: every translatable text has a current translation in every language.

* Messages (gettext): the texts ``pybabel extract`` finds (``kata/core/locale/babel.cfg``)
  — the messages of the code, the catalogue's titles and hints and the lessons
  (``kata.dev.extractors``) — each have a translation in
  ``locale/<lang>/LC_MESSAGES/kata.po`` that is not fuzzy (``pybabel update`` marks
  a translation fuzzy when its English changed), with the same ``{placeholders}``;
  the catalog holds no translation of a text that no longer exists; and the
  committed ``kata.mo`` is the compiled ``kata.po``.
* Graded suites (``tests/helpers.py``, ``tests/test_*.py``): no English text of two
  words or more outside ``_()`` / ``N_()`` (docstrings aside), so a failure message
  a suite adds without marking it is listed instead of showing in English.

``make messages`` re-extracts and updates the catalogs and then runs this check.
"""

from __future__ import annotations

import ast
import gettext
import re
import string
from pathlib import Path

from kata import ROOT
from kata.core import i18n

NAME = "translations"
CONFIG = i18n.LOCALE / "babel.cfg"


def _show(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _fields(text: str) -> set[str]:
    try:
        return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return {"<not a valid format string>"}


def extracted(root: Path = ROOT) -> set[str]:
    """The message ids the code marks for translation (as ``pybabel extract`` finds them)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(CONFIG, encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    out = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        root, method_map, options_map
    ):
        out.add(message if isinstance(message, str) else message[0])
    return out


def message_problems(lang: str, root: Path = ROOT, locale: Path = i18n.LOCALE) -> list[str]:
    """Missing, fuzzy (stale) and malformed translations of the gettext catalog of ``lang``."""
    from babel.messages.pofile import read_po

    po = locale / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if not po.is_file():
        return [f"{lang}: {_show(po, root)} is missing (pybabel init)"]
    with open(po, "rb") as f:
        cat = read_po(f)
    out = []
    translated = {}
    for m in cat:
        if not m.id or not isinstance(m.id, str):
            continue
        if m.fuzzy:
            out.append(f"{lang}: stale message (fuzzy; its English changed): {m.id!r}")
        elif m.string:
            translated[m.id] = m.string
            if _fields(m.id) != _fields(m.string):
                out.append(
                    f"{lang}: placeholders differ: {sorted(_fields(m.id))} in {m.id!r}, "
                    f"{sorted(_fields(m.string))} in its translation"
                )
    wanted = extracted(root)
    for mid in sorted(wanted - set(translated)):
        if not any(mid == m.id and m.fuzzy for m in cat):
            out.append(f"{lang}: missing message: {mid!r}")
    for mid in sorted(set(translated) - wanted):
        out.append(f"{lang}: obsolete message (no such English text; make messages): {mid!r}")
    try:
        with open(mo, "rb") as f:
            compiled = {
                k: v for k, v in gettext.GNUTranslations(f)._catalog.items() if k and v
            }  # the header ("" key) aside
    except OSError:
        compiled = None
    if compiled is None or compiled != translated:
        out.append(f"{lang}: {_show(mo, root)} is not the compiled .po (pybabel compile)")
    return out


_WORDS = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")  # English prose: two words in a row


def suite_files(root: Path = ROOT) -> list[Path]:
    """The graded suites' files whose messages are translated (see babel.cfg)."""
    tests = root / "tests"
    return [p for p in [tests / "helpers.py", *sorted(tests.glob("test_*.py"))] if p.is_file()]


def unmarked_texts(path: Path, root: Path = ROOT) -> list[str]:
    """English prose in ``path`` outside ``_()``/``N_()`` and docstrings: a failure
    message (or a piece of one) a learner would read untranslated."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "N_"):
            skip.update(id(n) for n in ast.walk(node))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))  # a docstring (or a bare expression)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            skip.update(id(n) for n in node.values)
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _WORDS.search(text):
            out.append(
                f"{_show(path, root)}:{node.lineno}: text not marked for translation "
                f"(wrap it with _() and named placeholders): {text[:70]!r}"
            )
    return out


def problems(root: Path = ROOT) -> list[str]:
    out = [p for path in suite_files(root) for p in unmarked_texts(path, root)]
    for lang in i18n.LANGUAGES[1:]:
        try:
            out += message_problems(lang, root)
        except ImportError:
            out.append("Babel is not installed (pip install -e '.[dev]')")
    return out


def jobs(_exercises, _args) -> list:
    return []


def report(_verdicts, _exercises, _args) -> list[str]:
    found = problems()
    print(
        "\ntranslations (messages, catalogue, lessons) current in "
        + ", ".join(i18n.LANGUAGES[1:])
        + ": "
        + ("✓" if not found else f"{len(found)} problem(s)")
    )
    for p in found:
        print("  ✗", p)
    return found
