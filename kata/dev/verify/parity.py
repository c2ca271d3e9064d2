"""Parity: ``exercises/``, ``solutions/`` and the catalogue agree on public names,
signatures and docstrings; the lessons and the READMEs' exercise tables agree with the
catalogue; the texts name the pinned versions; each Chinese guide keeps up with its
English one. Everything compared lives in this repository."""

import ast
import re
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, i18n
from kata.dev.verify.jobs import listed

ZH_CATALOG = (i18n.LOCALE / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").relative_to(ROOT)
SECTION = re.compile(r"(?<![\d.])4\.2\.\d+(?![\d])")
PINNED = {"Keras": "keras", "TensorFlow": "tensorflow"}  # how the texts name them -> pin
_VERSION = re.compile(r"\b(Keras|TensorFlow) (\d+\.\d+\.\d+)\b")
# The English guides and their Chinese versions.
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


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def public_api(path: Path) -> dict[str, tuple[str, str]]:
    """``{name: (signature, docstring)}`` of a module's public functions and classes (a
    class's signature: its bases and its ``__init__``'s arguments)."""
    out = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            if isinstance(node, ast.FunctionDef):
                sig = ast.unparse(node.args)
            else:
                init = [n for n in node.body if getattr(n, "name", "") == "__init__"]
                args = ast.unparse(init[0].args) if init else ""
                sig = f"({', '.join(map(ast.unparse, node.bases))}) init({args})"
            out[node.name] = (sig, ast.get_docstring(node) or "")
    return out


def problems(root: Path = ROOT) -> list[str]:
    """Every disagreement between ``exercises/``, ``solutions/`` and the catalogue."""
    out = []
    for ex in catalogue.exercises():
        paths = {d: root / d / ex.filename for d in ("solutions", "exercises")}
        if missing := [d for d, p in paths.items() if not p.exists()]:
            out.append(f"{ex.name}: missing {missing[0]}/{ex.filename}")
            continue
        apis = {d: public_api(p) for d, p in paths.items()}
        sol, exe = apis.values()
        for name in sorted(sol.keys() | exe.keys()):
            if name not in sol or name not in exe:
                where = "solutions" if name in sol else "exercises"
                out.append(f"{ex.name}.{name}: only in {where}/")
            elif sol[name] != exe[name]:
                what = "signature" if sol[name][0] != exe[name][0] else "docstring"
                out.append(f"{ex.name}.{name}: {what} differs between solutions/ and exercises/")
        for where, api in apis.items():
            if missing := {t.name for t in ex.tasks} - set(api):
                out.append(f"{ex.name}: catalogue tasks not defined in {where}/: {sorted(missing)}")
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def _first_paragraph(text: str) -> str:
    return _flat(text.strip().split("\n\n", 1)[0])


def _zh(root: Path) -> dict[str, str]:
    """The Chinese texts of the catalog at ``root``, by where their English comes from
    (``kata.dev.extractors``'s comment, ``ex01_access_params: module``) or by their English."""
    from babel.messages.pofile import read_po

    if not (root / ZH_CATALOG).exists():
        return {}
    with open(root / ZH_CATALOG, "rb") as f:
        messages = [m for m in read_po(f) if isinstance(m.id, str) and m.string]
    return {(m.auto_comments or [m.id])[0]: m.string for m in messages}


def citation_problems(root: Path = ROOT) -> list[str]:
    """Where an exercise cites the book otherwise than its catalogue ``book`` says, and
    where a README's exercise table lists other tasks than the catalogue."""
    out, zh = [], _zh(root)
    readmes = {name: _read(root / name) for name in GUIDES[0]}
    for ex in catalogue.exercises():
        numbers = sorted(set(SECTION.findall(ex.book)))
        places: dict[str, tuple[str | None, bool]] = {}  # where -> (text, must hold the book)
        if (sol := _read(root / "solutions" / ex.filename)) is not None:
            doc = _first_paragraph(ast.get_docstring(ast.parse(sol)) or "")
            places[f"solutions/{ex.filename}: the lesson's first paragraph"] = (doc, True)
        for readme, text in readmes.items():
            if text is None:
                continue
            row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{ex.name}` |")), None)
            english = readme == "README.md"
            places[f"{readme}: the exercise table's row"] = (row and _flat(row), english)
            tasks = row and re.findall(r"`([^`]+)`", row.strip().strip("|").split("|")[-1])
            if row and tasks != (want := [t.name for t in ex.tasks]):
                out.append(
                    f"{readme}: the exercise table lists {ex.name}'s tasks as {tasks}; "
                    f"the catalogue has {want}"
                )
        if zh:
            text = zh.get(f"{ex.name}: module")
            where = f"{ZH_CATALOG}: the Chinese of the module lesson's first paragraph"
            places[where] = (text and _first_paragraph(text), False)
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


def pins(root: Path = ROOT) -> dict[str, str]:
    """``package -> version`` of the ``name==version`` lines of ``constraints.txt``."""
    text = _read(root / "constraints.txt") or ""
    return {n.lower(): v for n, v in re.findall(r"^\s*([^\s#=]+)\s*==\s*([^\s#]+)", text, re.M)}


def version_problems(root: Path = ROOT) -> list[str]:
    """Lessons and guides naming other Keras/TensorFlow versions than the pins, and
    module lessons whose "Keras 3 facts" do not say which versions they were checked on."""
    if not (pinned := pins(root)):
        return ["constraints.txt: missing or without name==version pins"]
    names = [f"solutions/{ex.filename}" for ex in catalogue.exercises()]
    names += [name for pair in GUIDES for name in pair]
    texts = {name: text for name in names if (text := _read(root / name)) is not None}
    texts[f"{ZH_CATALOG} (the translations)"] = "\n".join(_zh(root).values())
    out = []
    for where, text in texts.items():
        named = _VERSION.findall(_flat(text))
        for name, version in sorted(set(named)):
            if version != (want := pinned.get(PINNED[name])):
                out.append(f"{where}: names {name} {version}; constraints.txt pins {want}")
        facts = where.startswith("solutions/") and "Keras 3 facts" in _flat(text)
        if facts and {name for name, _v in named} != set(PINNED):
            out.append(f"{where}: its Keras 3 facts do not name the Keras and TensorFlow versions")
    return out


def readme_problems(root: Path = ROOT) -> list[str]:
    """What a Chinese guide (``GUIDES``) lacks of its English one: a section (by
    ``README_SECTIONS``), a learner target the English names (``make notebook``; the
    Makefile's ``## `` help without ``[``), a ``KATA_`` variable or an option."""
    out = []
    makefile = _read(root / "Makefile") or ""
    targets = set(re.findall(r"^([a-z][a-z-]*):.*## (?!\[)", makefile, re.M))
    for en_name, zh_name in GUIDES:
        en, zh = _read(root / en_name), _read(root / zh_name)
        if en is None or zh is None:
            out += [f"{n}: missing" for n, text in ((en_name, en), (zh_name, zh)) if text is None]
            continue
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
            ("learner target", {f"make {t}" for t in _MAKE.findall(en) if t in targets}),
            ("KATA_ variable", set(_KATA_VAR.findall(en))),
            ("option", set(_OPTION.findall(en))),
        ):
            out += [
                f"{zh_name}: lacks the {kind} {item} that {en_name} names"
                for item in sorted(found)
                if item not in zh
            ]
    return out


def report(_verdicts, _exercises, _args) -> list[str]:
    checks = (problems, citation_problems, version_problems, readme_problems)
    return listed(
        "parity of names, signatures, docstrings, book citations, pinned versions and the"
        " READMEs' sections, targets, variables and options, exercises/ = solutions/ ="
        " catalogue = READMEs = constraints.txt",
        [problem for check in checks for problem in check()],
    )
