"""The maintainers' tools (``kata dev stubs|verify|bench``) and ``kata release``. Not in
the student edition; nothing outside ``kata.dev`` imports it."""

import importlib

TOOLS = ("kata.dev.stubs", "kata.dev.verify", "kata.dev.bench")


def add_parser(sub) -> None:
    p = sub.add_parser("dev", help="[maintainer] maintainer tools: kata dev --help")
    tools = p.add_subparsers(dest="tool", metavar="<tool>", required=True)
    for module in TOOLS:
        importlib.import_module(module).add_parser(tools)
