"""Parity: ``exercises/`` and ``solutions/`` define the same public names with the
same signatures and docstrings (the docstrings are the learner's contract), and
every catalogue task is defined. Each exercise cites the book the same way
everywhere: the lesson's first paragraph and the README's exercise table hold the
catalogue's ``book`` text (and the table lists the catalogue's tasks, in order), and these and their Chinese versions name the same
numbered sections of the chapter (4.2.1–4.2.3), or none. The Keras and TensorFlow
versions the lessons (English and Chinese) and the READMEs say they were checked
on are the ones ``constraints.txt`` pins. README.zh-CN.md keeps up with README.md:
every section (``README_SECTIONS`` names its Chinese heading), learner target, ``KATA_``
variable and option the English names. Everything compared lives in this
repository."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, i18n

NAME = "parity"


@dataclass
class Api:
    """Public names of a module: ``name -> (signature, docstring)``."""

    names: dict[str, tuple[str, str]] = field(default_factory=dict)


def public_api(path: Path) -> Api:
    """Public functions and classes of a module: signature text and docstring."""
    api = Api()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            if isinstance(node, ast.FunctionDef):
                sig = ast.unparse(node.args)
            else:
                init = next(
                    (
                        n
                        for n in node.body
                        if isinstance(n, ast.FunctionDef) and n.name == "__init__"
                    ),
                    None,
                )
                bases = ", ".join(ast.unparse(b) for b in node.bases)
                sig = f"({bases}) init({ast.unparse(init.args) if init else ''})"
            api.names[node.name] = (sig, ast.get_docstring(node) or "")
    return api


def problems(root: Path = ROOT) -> list[str]:
    """Every disagreement between ``exercises/``, ``solutions/`` and the catalogue."""
    out = []
    for ex in catalogue.exercises():
        sol, exe = root / "solutions" / ex.filename, root / "exercises" / ex.filename
        if not sol.exists() or not exe.exists():
            out.append(
                f"{ex.name}: missing {'solutions' if not sol.exists() else 'exercises'}/{ex.filename}"
            )
            continue
        a, b = public_api(sol), public_api(exe)
        for name in sorted(set(a.names) | set(b.names)):
            if name not in a.names or name not in b.names:
                out.append(
                    f"{ex.name}.{name}: only in {'solutions' if name in a.names else 'exercises'}/"
                )
            elif a.names[name] != b.names[name]:
                what = "signature" if a.names[name][0] != b.names[name][0] else "docstring"
                out.append(f"{ex.name}.{name}: {what} differs between solutions/ and exercises/")
        for where, api in (("solutions", a), ("exercises", b)):
            if missing := {t.name for t in ex.tasks} - set(api.names):
                out.append(f"{ex.name}: catalogue tasks not defined in {where}/: {sorted(missing)}")
    return out


SECTION = re.compile(r"(?<![\d.])4\.2\.\d+(?![\d])")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _first_paragraph(text: str) -> str:
    return _flat(text.strip().split("\n\n", 1)[0])


def _table_row(readme: Path, name: str) -> str | None:
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| `{name}` |"):
            return line
    return None


ZH_CATALOG = (i18n.LOCALE / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").relative_to(ROOT)


def _zh(root: Path) -> dict[str, str]:
    """The Chinese texts of the catalog in the tree at ``root``, by where their English
    comes from (the comment ``kata.dev.extractors`` writes: ``ex01_access_params: module``)
    or else by their English."""
    from babel.messages.pofile import read_po

    path = root / ZH_CATALOG
    if not path.exists():
        return {}
    with open(path, "rb") as f:
        return {
            (m.auto_comments or [m.id])[0]: m.string
            for m in read_po(f)
            if isinstance(m.id, str) and m.string
        }


def citation_problems(root: Path = ROOT) -> list[str]:
    """Where an exercise cites the book otherwise than its catalogue ``book`` says."""
    out = []
    zh = _zh(root)
    for ex in catalogue.exercises():
        numbers = sorted(set(SECTION.findall(ex.book)))
        places: dict[str, tuple[str | None, bool]] = {}  # where -> (text, must hold the book)
        sol = root / "solutions" / ex.filename
        if sol.exists():
            doc = ast.get_docstring(ast.parse(sol.read_text(encoding="utf-8"))) or ""
            places[f"solutions/{ex.filename}: the lesson's first paragraph"] = (
                _first_paragraph(doc),
                True,
            )
        for readme, english in (("README.md", True), ("README.zh-CN.md", False)):
            if (root / readme).exists():
                row = _table_row(root / readme, ex.name)
                places[f"{readme}: the exercise table's row"] = (row and _flat(row), english)
        if zh:
            text = zh.get(f"{ex.name}: module")
            places[f"{ZH_CATALOG}: the Chinese of the module lesson's first paragraph"] = (
                text and _first_paragraph(text),
                False,
            )
        for where, (text, english) in places.items():
            if text is None:
                out.append(f"{ex.name}: {where} is missing")
                continue
            cited = sorted(set(SECTION.findall(text)))
            if english and _flat(ex.book) not in text:
                out.append(f"{ex.name}: {where} does not cite the catalogue's book: {ex.book}")
            if cited != numbers or "§" in text:
                out.append(
                    f"{ex.name}: {where} cites section(s) {cited or 'none'}"
                    + (" with §" if "§" in text else "")
                    + f"; the catalogue's book cites {numbers or 'no numbered section'}"
                )
    return out


def task_table_problems(root: Path = ROOT) -> list[str]:
    """Where a README's exercise table lists other tasks than the catalogue (a task
    added, renamed or removed and the table not told)."""
    out = []
    for readme in ("README.md", "README.zh-CN.md"):
        if not (root / readme).exists():
            continue
        for ex in catalogue.exercises():
            row = _table_row(root / readme, ex.name)
            if row is None:
                continue  # citation_problems says the row is missing
            cells = [c.strip() for c in row.strip().strip("|").split("|")]
            listed = re.findall(r"`([^`]+)`", cells[-1])
            want = [t.name for t in ex.tasks]
            if listed != want:
                out.append(
                    f"{readme}: the exercise table lists {ex.name}'s tasks as {listed}; "
                    f"the catalogue has {want}"
                )
    return out


PINNED = {"Keras": "keras", "TensorFlow": "tensorflow"}  # how the texts name them -> pin
_VERSION = re.compile(r"\b(Keras|TensorFlow) (\d+\.\d+\.\d+)\b")


def pins(root: Path = ROOT) -> dict[str, str]:
    """``package -> version`` of the ``name==version`` lines of ``constraints.txt``."""
    out = {}
    path = root / "constraints.txt"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, sep, version = line.split("#", 1)[0].strip().partition("==")
            if sep:
                out[name.strip().lower()] = version.strip()
    return out


def version_problems(root: Path = ROOT) -> list[str]:
    """Lessons and READMEs that name other Keras/TensorFlow versions than the pins, and
    module lessons with "Keras 3 facts" that do not say which versions they were
    checked on."""
    pinned = pins(root)
    if not pinned:
        return ["constraints.txt: missing or without name==version pins"]
    texts: dict[str, str] = {}
    for ex in catalogue.exercises():
        sol = root / "solutions" / ex.filename
        if sol.exists():
            texts[f"solutions/{ex.filename}"] = sol.read_text(encoding="utf-8")
    texts[f"{ZH_CATALOG} (the translations)"] = "\n".join(_zh(root).values())
    for readme in (name for pair in GUIDES for name in pair):
        if (root / readme).exists():
            texts[readme] = (root / readme).read_text(encoding="utf-8")
    out = []
    for where, text in texts.items():
        flat = _flat(text)
        for name, version in sorted(set(_VERSION.findall(flat))):
            want = pinned.get(PINNED[name])
            if version != want:
                out.append(f"{where}: names {name} {version}; constraints.txt pins {want}")
        says = {name for name, _v in _VERSION.findall(flat)}
        if where.startswith("solutions/") and "Keras 3 facts" in flat and says != set(PINNED):
            out.append(f"{where}: its Keras 3 facts do not name the Keras and TensorFlow versions")
    return out


# The English guides and their Chinese versions: the README (the learner's), and the
# instructors' and maintainers' guides it links to.
GUIDES = (
    ("README.md", "README.zh-CN.md"),
    ("docs/instructors.md", "docs/instructors.zh-CN.md"),
    ("docs/maintainers.md", "docs/maintainers.zh-CN.md"),
)
# Each section of an English guide and the heading of its Chinese version.
# A new English section needs its Chinese name here, and its Chinese text.
README_SECTIONS = {
    "Quick start": "快速开始",
    "The exercises": "练习",
    "Working through the kata": "如何做练习",
    "Reading the output": "读懂输出",
    "A learner's walkthrough": "一次真实的练习过程",
    "Languages: 中文": "中文界面",
    "Choosing what is graded: `KATA_TARGET` and `KATA_SEED`": (
        "选择评分对象：`KATA_TARGET` 和 `KATA_SEED`"
    ),
    "Working in Jupyter": "在 Jupyter 中练习",
    "For instructors and maintainers": "教师与维护者",
    "For instructors: grading": "教师：评分",
    "Gradescope": "Gradescope",
    "GitHub Classroom": "GitHub Classroom",
    "For maintainers": "维护者",
    "Translations (`make messages`)": "翻译（`make messages`）",
    "Dependencies: `constraints.txt` and `make upgrade`": "依赖：`constraints.txt` 和 `make upgrade`",
    "Speed (`make bench`)": "速度（`make bench`）",
    "Layout": "目录结构",
}
_HEADING = re.compile(r"^#{2,3} (.+?)\s*$", re.M)
_MAKE = re.compile(r"\bmake ([a-z][a-z-]*)\b")
_KATA_VAR = re.compile(r"\bKATA_[A-Z_]+\b")
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]+\b")


def _learner_targets(root: Path) -> set[str]:
    """The Makefile's learner targets (``make help`` lists them: ``## `` without ``[``)."""
    path = root / "Makefile"
    if not path.exists():
        return set()
    found = re.findall(r"^([a-z][a-z-]*):.*## (?!\[)", path.read_text(encoding="utf-8"), re.M)
    return set(found)


def readme_problems(root: Path = ROOT) -> list[str]:
    """What a Chinese guide (``GUIDES``: README.zh-CN.md, docs/*.zh-CN.md) lacks of its
    English one: a section (by ``README_SECTIONS``), a learner target the English names
    (``make notebook``), a ``KATA_`` variable or an option (``--run-quarantined``)."""
    out = []
    targets = _learner_targets(root)
    for en_name, zh_name in GUIDES:
        en_path, zh_path = root / en_name, root / zh_name
        if not en_path.exists() or not zh_path.exists():
            out += [f"{p.relative_to(root)}: missing" for p in (en_path, zh_path) if not p.exists()]
            continue
        en, zh = en_path.read_text(encoding="utf-8"), zh_path.read_text(encoding="utf-8")
        zh_headings = set(_HEADING.findall(zh))
        for heading in _HEADING.findall(en):
            if heading not in README_SECTIONS:
                out.append(
                    f"{en_name}: section {heading!r} has no Chinese heading in "
                    "kata/dev/verify/parity.py README_SECTIONS"
                )
            elif README_SECTIONS[heading] not in zh_headings:
                out.append(
                    f"{zh_name}: lacks the section {README_SECTIONS[heading]!r} "
                    f"({en_name}'s {heading!r})"
                )
        for kind, found in (
            ("learner target", sorted({f"make {t}" for t in _MAKE.findall(en) if t in targets})),
            ("KATA_ variable", sorted(set(_KATA_VAR.findall(en)))),
            ("option", sorted(set(_OPTION.findall(en)))),
        ):
            for item in found:
                if item not in zh:
                    out.append(f"{zh_name}: lacks the {kind} {item} that {en_name} names")
    return out


def jobs(_exercises, _args) -> list:
    return []


def report(_verdicts, _exercises, _args) -> list[str]:
    found = (
        problems()
        + citation_problems()
        + task_table_problems()
        + version_problems()
        + readme_problems()
    )
    print(
        "\nparity of names, signatures, docstrings, book citations, pinned versions and"
        " the READMEs' sections, targets, variables and options,"
        " exercises/ = solutions/ = catalogue = READMEs = constraints.txt: "
        + ("✓" if not found else f"{len(found)} problem(s)")
    )
    for p in found:
        print("  ✗", p)
    return found
