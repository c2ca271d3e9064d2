"""``kata lang zh|en`` (``make lang LANG=zh``): the lessons of ``exercises/`` in your language.

Only the lessons (the docstrings) change, each file backed up first; a docstring you
edited yourself is left alone. The other commands follow ``KATA_LANG`` instead.
"""

from __future__ import annotations

from kata import ROOT
from kata.core import catalogue, lessons, target
from kata.core.i18n import LANGUAGES, NAMES, _
from kata.core.state import BACKUPS
from kata.learner import commands
from kata.learner.commands import pristine_stub, safe_backup
from kata.learner.run import UsageError


def choose(raw: str) -> str:
    """``zh`` or ``en`` from what the learner typed (``zh_CN.UTF-8``, ``EN``…)."""
    lang = next((lang for lang in LANGUAGES if raw.strip().lower().startswith(lang)), None)
    if lang is None:
        said = _("unknown language {name}; the languages are: {names}")
        raise UsageError(said.format(name=repr(raw), names=", ".join(LANGUAGES)))
    return lang


def switch(lang: str, folder=None, backups=BACKUPS) -> int:
    """Rewrite the lessons of the exercise files in ``folder`` (``exercises/``) into
    ``lang``, each changed file backed up first into ``backups``."""
    todo = []  # (file, new text or None, the lessons kept, a problem)
    for ex in catalogue.exercises():
        path = (folder or ROOT / "exercises") / ex.filename
        if not path.is_file():
            continue
        source = path.read_text(encoding="utf-8")
        try:
            new, kept = lessons.localize(source, ex.name, lang, pristine_stub(ex.name))
            todo.append((path, None if new == source else new, kept, ""))
        except SyntaxError as exc:
            said = _("does not parse (line {line}: {message}); left as it is")
            todo.append((path, None, [], said.format(line=exc.lineno, message=exc.msg)))
        except UsageError as exc:
            todo.append((path, None, [], str(exc)))
    saved = {p: safe_backup(p, backups) for p, new, *_ in todo if new is not None}  # all first
    language = NAMES[lang]
    for path, new, kept, problem in todo:
        file = f"exercises/{path.name}"
        if new is not None:
            path.write_text(new, encoding="utf-8")
            shown = target.describe(saved[path])
            said = _("{file}: lessons now in {language} (backup: {backup})")
            print(said.format(file=file, language=language, backup=shown))
        elif problem:
            print(_("{file}: {problem}").format(file=file, problem=problem))
        elif not kept:
            print(_("{file}: lessons already in {language}").format(file=file, language=language))
        if kept:
            said = _("{file}: kept your own text of {names}")
            print(said.format(file=file, names=", ".join(kept)))
    if lang != "en":
        print(_("messages in Chinese too: KATA_LANG=zh make test (or export KATA_LANG=zh)"))
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser(
        "lang",
        help="[learner] lessons in English or Chinese: kata lang zh|en",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("language", help="zh (简体中文) or en (English)")
    p.set_defaults(run=commands.run, job=lambda args: switch(choose(args.language)))
