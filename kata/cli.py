"""The one ``kata`` command: ``kata <subcommand> [options]`` (``kata --help``).

Each subcommand hands its arguments to the module that does the job; the
Makefile's targets are thin aliases of these. Instructor and maintainer
subcommands are absent from the student edition and say so.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import signal
import sys
from pathlib import Path

from kata.core.i18n import _

# (name, module, who, help). Order is the order of ``kata --help``.
COMMANDS = (
    ("test", "kata.learner.run", "learner", "grade your exercises (pytest with the kata's report)"),
    ("progress", "kata.learner.commands", "learner", "every task: done / failing / not started"),
    ("hint", "kata.learner.commands", "learner", "the next hint for a task"),
    ("reset", "kata.learner.commands", "learner", "back up an exercise and restore its stub"),
    ("watch", "kata.learner.watch", "learner", "re-grade an exercise each time you save it"),
    ("lang", "kata.learner.lang", "learner", "lessons in English or Chinese: kata lang zh|en"),
    ("notebook", "kata.learner.lab", "learner", "the exercises as notebooks in JupyterLab"),
    (
        "solution",
        "kata.learner.solution",
        "learner",
        "a task's reference solution, once yours passes",
    ),
    ("classroom", "kata.learner.classroom", "learner", "GitHub Classroom points for exercises/"),
    ("grade", "kata.grading.grade", "instructor", "grade one submission in the sandbox"),
    ("grade-all", "kata.grading.gradebook", "instructor", "grade a folder of submissions"),
    ("gradescope", "kata.grading.gradescope", "instructor", "build autograder.zip"),
    ("release", "kata.dev.release", "instructor", "build the student edition, checked"),
    ("dev", None, "maintainer", "maintainer tools: stubs, verify"),
)
DEV = (
    ("stubs", "kata.dev.stubs", "regenerate exercises/ from solutions/"),
    ("verify", "kata.dev.verify", "prove the graded suites (mutants, alternatives, seeds, parity)"),
)
# The learner's subcommands that live in one module with its own sub-parser.
SHARED = {"progress", "hint", "reset"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kata",
        description="tf-params-kata: learn to access, initialize and share Keras 3 parameters.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run `kata <subcommand> --help` for a subcommand's options.",
    )
    sub = p.add_subparsers(dest="command", metavar="<subcommand>", required=True)
    for name, module, who, text in COMMANDS:
        if available(module or "kata.dev"):  # the student edition lists the learner's only
            sub.add_parser(name, help=f"[{who}] {text}", add_help=False)
    return p


def available(module: str) -> bool:
    """``module`` is part of this edition of the kata: a file of this ``kata`` package
    (found without importing it; another install's copy does not count)."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:  # its package is not there
        return False
    here = Path(__file__).resolve().parent
    return bool(spec and spec.origin) and Path(spec.origin).resolve().is_relative_to(here)


def _unavailable(name: str, who: str) -> int:
    print(
        _("error: `kata {name}` is for {who}s and is not part of this edition of the kata").format(
            name=name, who=who
        ),
        file=sys.stderr,
    )
    return 2


def _run(module: str, name: str, who: str, argv: list[str]) -> int:
    if not available(module):
        return _unavailable(name, who)
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == module or module.startswith(exc.name + ".")):
            return _unavailable(name, who)
        raise
    return int(mod.main(argv) or 0)


def _dev(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: kata dev <tool> [options]\n\nmaintainer tools:")
        for name, _m, text in DEV:
            print(f"  {name:<8} {text}")
        return 0 if argv else 2
    for name, module, _text in DEV:
        if argv[0] == name:
            return _run(module, f"dev {name}", "maintainer", argv[1:])
    print(
        _("error: unknown dev tool {name}; the tools are: {tools}").format(
            name=repr(argv[0]), tools=", ".join(n for n, *_rest in DEV)
        ),
        file=sys.stderr,
    )
    return 2


def listen_to_ctrl_c() -> None:
    """Make Ctrl-C (SIGINT) stop the command, as its help says, even when the shell
    started it with SIGINT ignored: a script's ``cmd &`` does that, and Python then
    never raises ``KeyboardInterrupt`` (``make watch`` would not stop, nor would
    ``make test`` in a loop)."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        try:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        except ValueError:  # main() called from another thread: not ours to change
            pass


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    listen_to_ctrl_c()
    parser = _parser()
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    for command, module, who, _text in COMMANDS:
        if command != name:
            continue
        if module is None:
            return _dev(rest)
        if name in SHARED:
            return _run(module, name, who, [name, *rest])
        return _run(module, name, who, rest)
    parser.error(_("unknown subcommand {name} (see kata --help)").format(name=repr(name)))
    return 2


if __name__ == "__main__":
    sys.exit(main())
