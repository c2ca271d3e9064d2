"""Translations: every text ``pybabel extract`` finds has a current translation in each
language's ``kata.po``, compiled in its ``kata.mo``, and the graded suites hold no English
prose outside ``_()``/``N_()``."""

import ast
import re
import string
from pathlib import Path

from kata import ROOT
from kata.core import i18n
from kata.dev.verify.jobs import listed

CONFIG = i18n.LOCALE / "babel.cfg"
_WORDS = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")  # English prose: two words in a row


def _show(path: Path, root: Path) -> str:
    return str(path.relative_to(root) if path.is_relative_to(root) else path)


def _fields(text: str) -> set[str]:
    try:
        return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return {"<not a valid format string>"}


def extracted(root: Path = ROOT) -> set[str]:
    """The message ids the code marks for translation, as ``pybabel extract`` finds them."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(CONFIG, encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = extract_from_dir(root, method_map, options_map)
    return {m if isinstance(m, str) else m[0] for _file, _line, m, _comments, _ctx in found}


def message_problems(lang: str, root: Path = ROOT, locale: Path = i18n.LOCALE) -> list[str]:
    """Missing, fuzzy (stale), obsolete and malformed translations of ``lang``'s catalog,
    and a ``.mo`` that is not the compiled ``.po``."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    po = locale / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    if not po.is_file():
        return [f"{lang}: {_show(po, root)} is missing (pybabel init)"]
    with open(po, "rb") as f:
        messages = [m for m in read_po(f) if m.id and isinstance(m.id, str)]
    fuzzy = [m.id for m in messages if m.fuzzy]
    out = [f"{lang}: stale message (fuzzy; its English changed): {mid!r}" for mid in fuzzy]
    translated = {m.id: m.string for m in messages if m.string and not m.fuzzy}
    for mid, text in translated.items():
        if _fields(mid) != _fields(text):
            out.append(
                f"{lang}: placeholders differ: {sorted(_fields(mid))} in {mid!r}, "
                f"{sorted(_fields(text))} in its translation"
            )
    wanted = extracted(root)
    missing = wanted - set(translated) - set(fuzzy)
    out += [f"{lang}: missing message: {mid!r}" for mid in sorted(missing)]
    out += [
        f"{lang}: obsolete message (no such English text; make messages): {mid!r}"
        for mid in sorted(set(translated) - wanted)
    ]
    mo = po.with_suffix(".mo")
    if mo.is_file():
        with open(mo, "rb") as f:
            compiled = {m.id: m.string for m in read_mo(f) if m.id and m.string}
    if not mo.is_file() or compiled != translated:
        out.append(f"{lang}: {_show(mo, root)} is not the compiled .po (pybabel compile)")
    return out


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
    return out + [p for lang in i18n.LANGUAGES[1:] for p in message_problems(lang, root)]


def report(_verdicts, _exercises, _args) -> list[str]:
    languages = ", ".join(i18n.LANGUAGES[1:])
    return listed(f"translations (messages, catalogue, lessons) current in {languages}", problems())
