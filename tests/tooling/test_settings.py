"""Tooling tests of kata.core.settings: it alone reads the ``KATA_*`` variables, every
one the kata names is a knob, and the READMEs' tables of knobs are generated from it."""

from __future__ import annotations

import ast
import re

from kata import ROOT
from kata.core import settings
from kata.core.i18n import translate

BEGIN, END = "<!-- settings: begin -->", "<!-- settings: end -->"
HEADERS = {"en": ("variable", "default", "meaning"), "zh": ("变量", "默认值", "含义")}
KATA_NAME = re.compile(r"\bKATA_[A-Z]+(?:_[A-Z]+)*\b")


def _environ(node: ast.AST) -> bool:
    """``os.environ`` or ``environ``."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def environ_reads(tree: ast.AST) -> list[ast.AST]:
    """The keys read from the environment: ``os.environ[k]``, ``os.environ.get/pop(k)``,
    ``os.getenv(k)``."""
    keys = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _environ(node.value):
                keys.append(node.slice)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
            func = node.func
            if (func.attr in ("get", "pop", "setdefault") and _environ(func.value)) or (
                func.attr == "getenv"
            ):
                keys.append(node.args[0])
    return keys


def kata_reads(path) -> list[str]:
    """``file:line`` of each read of a ``KATA_*`` variable in ``path``: a string key, or a
    name (``ENV_VAR``, ``guard.SWITCH``) some module of kata/ sets to one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{key.lineno}"
        for key in environ_reads(tree)
        if any(v.startswith("KATA_") for v in _values(key, CONSTANTS))
    ]


def _values(key: ast.AST, constants: dict[str, set[str]]) -> set[str]:
    """The strings ``key`` may be: itself, or what a module sets its name to."""
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return {key.value}
    name = key.id if isinstance(key, ast.Name) else getattr(key, "attr", None)
    return constants.get(name, set())


def _constants() -> dict[str, set[str]]:
    """Module-level ``NAME = "…"`` of every module of kata/: name -> values."""
    out: dict[str, set[str]] = {}
    for path in (ROOT / "kata").rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for t in node.targets:
                    if isinstance(t, ast.Name) and isinstance(node.value.value, str):
                        out.setdefault(t.id, set()).add(node.value.value)
    return out


CONSTANTS = _constants()


def test_only_settings_reads_a_kata_variable():
    module = ROOT / "kata" / "core" / "settings.py"
    found = [r for p in sorted((ROOT / "kata").rglob("*.py")) if p != module for r in kata_reads(p)]
    assert found == [], "read these through kata.core.settings.get: " + ", ".join(found)


def test_the_scan_sees_each_way_of_reading_the_environment():
    constants = {"ENV_VAR": {"KATA_TARGET"}, "SWITCH": {"KATA_GUARD"}}
    for code in (
        'os.environ.get("KATA_SEED")',
        'os.environ["KATA_LANG"]',
        'os.environ.pop("KATA_GRADE_STREAM", None)',
        'os.getenv("KATA_X")',
        "os.environ.get(ENV_VAR)",  # a module's own name for the variable
        "os.environ.get(guard.SWITCH)",  # another module's
    ):
        (key,) = environ_reads(ast.parse(code))
        assert any(v.startswith("KATA_") for v in _values(key, constants)), code
    assert environ_reads(ast.parse('os.environ["KATA_SEED"] = "1"')) == []  # a write
    assert _values(environ_reads(ast.parse('os.environ.get("HOME")'))[0], constants) == {"HOME"}


def test_every_kata_variable_named_in_the_code_is_a_knob():
    """A ``KATA_*`` variable written for a child process or named in a message is in
    the table too (string constants and keyword names such as ``KATA_GRADE_RUN=…``)."""
    named = set()
    for path in (ROOT / "kata").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named |= set(KATA_NAME.findall(node.value))
            elif isinstance(node, ast.keyword) and node.arg:
                named |= set(KATA_NAME.findall(node.arg))
    assert "KATA_GRADE_RUN" in named and "KATA_SEED" in named
    assert named - set(settings.KNOBS) == set()


def table(lang: str) -> str:
    """The table of knobs a README of ``lang`` shows, generated from ``KNOBS``."""
    head = HEADERS[lang]
    rows = [f"| {' | '.join(head)} |", "|" + "---|" * len(head)]
    for k in settings.KNOBS.values():
        default = f"`{k.default}`" if k.default else "—"
        rows.append(f"| `{k.name}` | {default} | {translate(k.meaning, lang)} |")
    return "\n".join(rows)


def test_the_readmes_tables_of_knobs_are_generated_from_settings():
    docs = [ROOT / "README.md", ROOT / "README.zh-CN.md", *sorted(ROOT.glob("docs/**/*.md"))]
    langs = set()
    for path in docs:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        for shown in re.findall(rf"{BEGIN}\n(.*?)\n{END}", text, re.S):
            lang = "zh" if "zh" in path.name else "en"
            langs.add(lang)
            want = table(lang)
            assert shown == want, f"{path.name}: put this between the markers:\n{want}"
    assert langs == {"en", "zh"}  # an English and a Chinese table
