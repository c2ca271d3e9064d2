"""``kata lang zh|en`` (``make lang LANG=zh``): the lessons of ``exercises/`` in your language.

Rewrites the docstrings of each exercise module (its lessons) into Chinese or back
into English and leaves every other byte of the file — your code — as it is. Each
file it changes is backed up first in ``.kata/backups/`` (as ``make reset`` does). A
docstring you edited yourself is left alone, and said so. The messages of the other
commands follow ``KATA_LANG`` (or your locale): ``KATA_LANG=zh make test``.
"""

from __future__ import annotations

import sys

from kata import ROOT
from kata.core import catalogue, lessons
from kata.core.backups import backup
from kata.core.i18n import LANGUAGES, NAMES, _


class LangError(Exception):
    """Bad input or a file that cannot be changed safely: nothing was changed."""


def choose(raw: str) -> str:
    """``zh`` or ``en`` from what the learner typed (``zh_CN.UTF-8``, ``EN``…)."""
    value = raw.strip().lower()
    for lang in LANGUAGES:
        if value.startswith(lang):
            return lang
    raise LangError(
        _("unknown language {name}; the languages are: {names}").format(
            name=repr(raw), names=", ".join(LANGUAGES)
        )
    )


def plan(lang: str, folder=None) -> list[tuple]:
    """``(exercise, path, new text or None, kept keys, problem)`` for every exercise file."""
    from kata.learner.commands import UsageError, pristine_stub

    folder = folder or ROOT / "exercises"
    out = []
    for ex in catalogue.exercises():
        path = folder / ex.filename
        if not path.is_file():
            continue
        source = path.read_text(encoding="utf-8")
        try:
            stub = pristine_stub(ex.name)
            new, kept = lessons.localize(source, ex.name, lang, stub)
        except SyntaxError as exc:
            problem = _("does not parse (line {line}: {message}); left as it is").format(
                line=exc.lineno, message=exc.msg
            )
            out.append((ex, path, None, [], problem))
            continue
        except UsageError as exc:
            out.append((ex, path, None, [], str(exc)))
            continue
        out.append((ex, path, new if new != source else None, kept, ""))
    return out


def switch(lang: str, folder=None, backups=None) -> int:
    """Rewrite the lessons of the exercise files in ``folder`` (``exercises/``) into
    ``lang``, each changed file backed up first into ``backups`` (``.kata/backups/``)."""
    todo = plan(lang, folder)
    changed = [(ex, path, new) for ex, path, new, _kept, _p in todo if new is not None]
    saved = []
    for _ex, path, _new in changed:  # every backup before any write
        try:
            saved.append(backup(path, backups) if backups else backup(path))
        except OSError as exc:
            raise LangError(
                _("could not back up {file} ({error}); nothing was changed").format(
                    file=path.name, error=exc
                )
            ) from None
    for (_ex, path, new), copy in zip(changed, saved):
        path.write_text(new, encoding="utf-8")
        print(
            _("{file}: lessons now in {language} (backup: {backup})").format(
                file=f"exercises/{path.name}", language=NAMES[lang], backup=_rel(copy)
            )
        )
    for _ex, path, new, kept, problem in todo:
        if problem:
            print(_("{file}: {problem}").format(file=f"exercises/{path.name}", problem=problem))
        elif new is None and not kept:
            print(
                _("{file}: lessons already in {language}").format(
                    file=f"exercises/{path.name}", language=NAMES[lang]
                )
            )
        if kept:
            print(
                _("{file}: kept your own text of {names}").format(
                    file=f"exercises/{path.name}", names=", ".join(kept)
                )
            )
    if lang != "en":
        print(_("messages in Chinese too: KATA_LANG=zh make test (or export KATA_LANG=zh)"))
    return 0


def _rel(path):
    try:
        return path.relative_to(ROOT)
    except ValueError:
        return path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "lang",
        help="[learner] lessons in English or Chinese: kata lang zh|en",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("language", help="zh (简体中文) or en (English)")
    p.set_defaults(run=run)


def run(args) -> int:
    try:
        return switch(choose(args.language))
    except LangError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
