"""The one ``kata`` command: each subcommand's module adds its subparser to one argparse
tree (``add_parser``) with a default ``run(args)``; a command that passes unknown options
on (``kata test`` to pytest) also sets a default ``rest``, where they arrive."""

import argparse
import contextlib
import importlib
import signal
import sys
from pathlib import Path

from kata.core import catalogue
from kata.core.i18n import _

# (name, module adding its subparser, who it is for), in the order of ``kata --help``.
COMMANDS = (
    ("test", "kata.learner.run", "learner"),
    ("progress", "kata.learner.commands", "learner"),
    ("hint", "kata.learner.commands", "learner"),
    ("reset", "kata.learner.commands", "learner"),
    ("watch", "kata.learner.watch", "learner"),
    ("lang", "kata.learner.lang", "learner"),
    ("notebook", "kata.learner.lab", "learner"),
    ("solution", "kata.learner.solution", "learner"),
    ("classroom", "kata.learner.classroom", "learner"),
    ("grade", "kata.grading.grade", "instructor"),
    ("grade-all", "kata.grading.gradebook", "instructor"),
    ("gradescope", "kata.grading.gradescope", "instructor"),
    ("release", "kata.dev.release", "instructor"),
    ("dev", "kata.dev", "maintainer"),
)


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The tree of this edition's subcommands; only ``command``'s when given."""
    p = argparse.ArgumentParser(
        prog="kata",
        description="tf-params-kata: learn to access, initialize and share Keras 3 parameters.",
        epilog="Run `kata <subcommand> --help` for a subcommand's options.",
    )
    sub = p.add_subparsers(dest="command", metavar="<subcommand>", required=True)
    wanted = [m for n, m, _w in COMMANDS if command in (None, n) and available(m)]
    for module in dict.fromkeys(wanted):
        importlib.import_module(module).add_parser(sub)
    return p


def available(module: str) -> bool:
    """``module`` is a file of this ``kata`` package (looked for there, not imported)."""
    path = Path(__file__).parent.joinpath(*module.split(".")[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def listen_to_ctrl_c() -> None:
    """Make Ctrl-C stop the command even when the shell started it with SIGINT ignored
    (a script's ``cmd &``: Python would never raise ``KeyboardInterrupt``)."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        with contextlib.suppress(ValueError):  # ValueError: not the main thread, not ours
            signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    listen_to_ctrl_c()
    name = argv[0] if argv else "-"
    command = next((c for c in COMMANDS if c[0] == name), None)
    if command and not available(command[1]):
        msg = _("error: `kata {name}` is for {who}s and is not part of this edition of the kata")
        print(msg.format(name=name, who=command[2]), file=sys.stderr)
        return 2
    p = parser(name if command else None)
    if not command and not name.startswith("-"):
        p.error(_("unknown subcommand {name} (see kata --help)").format(name=repr(name)))
    args, rest = p.parse_known_args(argv)
    if rest and "rest" not in vars(args):
        p.parse_args(argv)  # argparse's own error: unrecognized arguments
    args.rest = rest
    try:
        return int(args.run(args) or 0)
    except catalogue.UnknownName as exc:  # an exercise or task name the command was given
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
