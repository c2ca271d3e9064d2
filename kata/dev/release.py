"""The student edition: ``kata release [--out dist/student]`` (``make release``).

Copies what a learner needs — ``Makefile`` (minus the blocks between ``#
instructor-only: begin`` and ``# instructor-only: end``), ``pyproject.toml``,
``README.md``, ``kata/`` (its learner subpackages: ``kata.core.editions.STUDENT``), ``exercises/`` and the
graded suites of ``tests/`` with their helpers — and nothing that reveals
answers: no ``solutions/``, hidden tests, mutants, alternatives or grading
tools (``--solutions after-pass`` packs the references for ``make solution``,
which shows one only once the learner's task passes). Removed Makefile targets
say they are instructor-only and fail; the README keeps its student-only blocks
and mentions none of what the edition lacks. Then it checks the copy: no line of a solution body appears in it,
no function of it computes a solution's body (compared as syntax trees, names aside), and
its own pytest, run as a learner would, reports every task as not started.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, editions, references
from kata.core.files import write_json
from kata.dev import stubs

FILES = (
    "Makefile",
    "pyproject.toml",
    "constraints.txt",
    "README.md",
    "README.zh-CN.md",
    "LICENSE",
    ".gitignore",
    ".github/workflows/classroom.yml",
)
ASSETS = ("docs/jupyter.png",)  # binary files the README shows, copied as they are
DIRS = ("exercises",)
TEST_DIRS_EXCLUDED = {"hidden", "mutants", "alternatives", "tooling"}
MARK = ".kata-release"
BEGIN, END = "# instructor-only: begin", "# instructor-only: end"
STUDENT_BEGIN, STUDENT_END = "# student-only: begin", "# student-only: end"
# What the edition's README must not mention: it has none of these.
README_FORBIDDEN = (
    "solutions/",
    "hidden/",
    "mutants/",
    "alternatives/",
    "tooling/",
    ".ci/run",
    "--target solutions",
    "help-dev",
    "make verify",
    "instructors' section",
    "For instructors",
)
READMES = ("README.md", "README.zh-CN.md")


def _slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces
    to hyphens (letters of any script kept)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def readme_problems(text: str, name: str = "README.md") -> list[str]:
    """What a README of the edition points to that the edition lacks: a link to a
    section that is not in it, a mention of what was left out."""
    heads = {_slug(ln.lstrip("#")) for ln in text.splitlines() if ln.startswith("#")}
    out = [
        f"{name} links to #{anchor}, a section it does not have"
        for anchor in dict.fromkeys(re.findall(r"\]\(#([^)\s]+)\)", text))
        if anchor not in heads
    ]
    if name == "README.md":
        out += [
            f"README.md mentions {word!r}, which the student edition does not have"
            for word in README_FORBIDDEN
            if word in text
        ]
    return out


def _strip_instructor(text: str) -> str:
    """Drop the blocks between the instructor-only markers (``# …`` lines in the
    Makefile, ``<!-- … -->`` comments in the README), and keep the text of the
    student-only blocks, which the kata's own README hides in a comment."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        bare = line.strip().removeprefix("<!--").removesuffix("-->").strip()
        if bare.startswith(BEGIN):
            skipping = True
        elif bare.startswith(END):
            skipping = False
        elif bare.startswith((STUDENT_BEGIN, STUDENT_END)):
            continue
        elif not skipping:
            out.append(line)
    return "".join(out)


def removed_targets(makefile: str) -> list[str]:
    """The targets defined inside the Makefile's instructor-only blocks."""
    names, inside = [], False
    for line in makefile.splitlines():
        bare = line.strip()
        if bare.startswith(BEGIN):
            inside = True
        elif bare.startswith(END):
            inside = False
        elif inside and (m := re.match(r"^([a-z][a-z0-9-]*):(?!=)", line)):
            names.append(m.group(1))
    return names


def student_makefile(text: str) -> str:
    """The Makefile without its instructor-only blocks, plus a rule that makes each
    removed target say it is instructor-only and fail (not "Nothing to be done")."""
    gone = removed_targets(text)
    out = _strip_instructor(text)
    if gone:
        out += (
            "\n# Instructor and maintainer targets are not part of the student edition.\n"
            f".PHONY: {' '.join(gone)}\n"
            f"{' '.join(gone)}:\n"
            '\t@echo "make $@ is for instructors and maintainers: it is not part of the student '
            'edition of the kata (make help lists yours)" >&2; exit 2\n'
        )
    return out


def _ignore(_dir, names):
    return [
        n for n in names if n in ("__pycache__", ".pytest_cache", ".kata") or n.endswith(".pyc")
    ]


def build(out: Path, root: Path = ROOT, solutions: str = "none") -> Path:
    """Write the student edition into ``out`` (replacing an earlier release there)."""
    if out.exists():
        if not (out / MARK).exists() and any(out.iterdir()):
            raise SystemExit(f"error: {out} exists and is not a release; remove it first")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARK).write_text("made by kata release\n")
    for name in FILES:
        src = root / name
        if src.is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            text = src.read_text(encoding="utf-8")
            if name == "Makefile":
                text = student_makefile(text)
            elif name in ("README.md", "README.zh-CN.md"):
                text = _strip_instructor(text)
            (out / name).write_text(text, encoding="utf-8")
    for name in ASSETS:
        if (root / name).is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / name, out / name)
    for name in DIRS:
        shutil.copytree(root / name, out / name, ignore=_ignore)
    editions.copy_kata(root, out, editions.STUDENT)
    _pristine_stubs(out / "kata" / "learner" / "pristine", root)
    if solutions == "after-pass":  # make solution shows them once a task passes
        write_json(out / references.PACKED.relative_to(ROOT), references.pack(root))
    tests = out / "tests"
    tests.mkdir()
    for path in sorted((root / "tests").iterdir()):
        if path.is_file() and path.suffix == ".py":
            shutil.copy2(path, tests / path.name)
        elif path.is_dir() and path.name not in TEST_DIRS_EXCLUDED | {"__pycache__"}:
            shutil.copytree(path, tests / path.name, ignore=_ignore)
    return out


def _pristine_stubs(dest: Path, root: Path) -> None:
    """The stubs ``make reset`` restores (``kata.learner.commands`` reads ``kata/learner/pristine/``)."""
    dest.mkdir(parents=True, exist_ok=True)
    for e in catalogue.exercises():
        if (root / "solutions" / e.filename).is_file():
            (dest / e.filename).write_text(stubs.generate(e.name), encoding="utf-8")
        elif (root / "exercises" / e.filename).is_file():
            shutil.copyfile(root / "exercises" / e.filename, dest / e.filename)


# ---------------------------------------------------------------------- checks


def _functions(source: str):
    """``(name, body)`` of every function in ``source``, the body without its docstring."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.body[1:] if ast.get_docstring(node) else node.body


def _bodies(source: str) -> dict[str, str]:
    """Fingerprints (AST dumps) of the non-trivial function bodies in ``source``."""
    out = {}
    for name, body in _functions(source):
        dump = "\n".join(ast.dump(stmt) for stmt in body)
        if body and "NotImplementedError" not in dump:
            out[dump] = name
    return out


MIN_ANSWER_NODES = 25  # a body smaller than this (``layer.trainable = False``) is no answer


class _Anonymous(ast.NodeTransformer):
    """Forget the names a writer chooses: every variable and argument becomes ``_``
    (attributes, keywords and constants stay: ``keras.layers.Dense(_, activation="relu")``)."""

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id="_", ctx=ast.Load()), node)

    def visit_arg(self, node):
        return ast.copy_location(ast.arg(arg="_"), node)


def _steps(body: list[ast.stmt]) -> list[ast.AST]:
    """What each statement computes: an assignment's or a return's value, else the statement."""
    return [
        s.value
        if isinstance(s, (ast.Assign, ast.AnnAssign, ast.Return, ast.Expr)) and s.value
        else s
        for s in body
    ]


def _size(node: ast.AST) -> int:
    return sum(1 for _ in ast.walk(node))


def answer_steps(source: str) -> dict[str, list[str]]:
    """Each non-trivial function of a solution module: the normalized dumps of what its
    statements compute (names forgotten), ``{function: [dump, …]}``."""
    out = {}
    for name, body in _functions(source):
        steps = _steps(body)
        if sum(map(_size, steps)) >= MIN_ANSWER_NODES and not any(
            "NotImplementedError" in ast.dump(s) for s in steps
        ):
            out[name] = [ast.dump(_Anonymous().visit(s)) for s in steps]
    return out


def holds_answers(source: str, answers: dict[str, list[str]]) -> list[str]:
    """The answers (``{name: steps}``) that one function of ``source`` computes whole:
    every step of the answer, names aside, among what that function computes (at any
    depth, in any order, beside other statements)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner = [s for s in ast.walk(node) if isinstance(s, ast.stmt) and s is not node] or [
                node.body
            ]
            mine = {ast.dump(_Anonymous().visit(s)) for s in _steps(inner)}
            found += [name for name, steps in answers.items() if set(steps) <= mine]
    return sorted(set(found))


def _public_lines(root: Path) -> set[str]:
    """Lines the learner sees anyway: stubs, graded tests, helpers, the kata package, README."""
    files = [
        *(root / "exercises").glob("*.py"),
        *(root / "tests").glob("*.py"),
        *(root / "kata").rglob("*.py"),
    ]
    files += [root / "README.md"]
    return {
        line.strip()
        for f in files
        if f.is_file()
        for line in f.read_text(encoding="utf-8").splitlines()
    }


def solution_lines(root: Path = ROOT) -> set[str]:
    """Distinctive lines of the solutions' function bodies: in no public file of the kata."""
    public = _public_lines(root)
    lines: set[str] = set()
    for sol in (root / "solutions").glob("*.py"):
        src = sol.read_text(encoding="utf-8").splitlines()
        for _name, body in _functions("\n".join(src)):
            for stmt in body:
                for line in src[stmt.lineno - 1 : stmt.end_lineno]:
                    s = line.strip()
                    if len(s) >= 20 and s not in public and not s.startswith(("#", '"', "'")):
                        lines.add(s)
    return lines


def leaks(out: Path, root: Path = ROOT) -> list[str]:
    """Forbidden paths in the release, and files holding a solution's function body or lines."""
    forbidden = ["solutions", *(f"tests/{d}" for d in sorted(TEST_DIRS_EXCLUDED))]
    problems = [f"{p} present" for p in forbidden if (out / p).exists()]
    problems += [
        f"kata/{p.name} present (not for learners)"
        for p in (out / "kata").iterdir()
        if p.is_dir() and p.name not in editions.STUDENT and p.name != "__pycache__"
    ]
    for name in READMES:
        if (out / name).is_file():
            problems += readme_problems((out / name).read_text(encoding="utf-8"), name)
    secret_lines = solution_lines(root)
    secret_bodies = {
        k: f"{p.stem}.{v}"
        for p in (root / "solutions").glob("*.py")
        for k, v in _bodies(p.read_text(encoding="utf-8")).items()
    }
    answers = {
        f"{p.stem}.{name}": steps
        for p in (root / "solutions").glob("*.py")
        for name, steps in answer_steps(p.read_text(encoding="utf-8")).items()
    }
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rel = path.relative_to(out)
        if path.suffix == ".py":
            try:
                same = [secret_bodies[b] for b in _bodies(text) if b in secret_bodies]
            except SyntaxError:
                same = []
            if same:
                problems.append(f"{rel}: the body of {', '.join(sorted(same))}")
            try:
                rewritten = [a for a in holds_answers(text, answers) if a not in same]
            except SyntaxError:
                rewritten = []
            if rewritten:
                problems.append(
                    f"{rel}: computes what the body of {', '.join(rewritten)} computes "
                    "(names aside): a test that builds its reference this way hands over the answer"
                )
        found = {line.strip() for line in text.splitlines()} & secret_lines
        if found:
            problems.append(f"{rel}: {len(found)} solution lines, e.g. {sorted(found)[0]!r}")
    return problems


def learner_run(out: Path) -> tuple[int, dict]:
    """Run the release's pytest as a learner would (its own kata/ first); its exit code and state."""
    state = out / ".kata" / "release-check.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KATA_", "PYTEST_ADDOPTS"))}
    env["PYTHONPATH"] = str(out)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--kata-state", str(state)]
    proc = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True)
    print(proc.stdout[-2500:])
    data = json.loads(state.read_text()) if state.is_file() else {}
    shutil.rmtree(out / ".kata", ignore_errors=True)
    return proc.returncode, data


def check(out: Path) -> list[str]:
    problems = leaks(out)
    code, data = learner_run(out)
    tasks = data.get("tasks", {})
    if not tasks:
        problems.append(f"the release's pytest recorded no tasks (exit {code})")
    started = [k for k, v in tasks.items() if set(v["outcomes"]) - {"not started", "missing"}]
    if started:
        problems.append(f"tasks not reported 'not started' in the release: {started[:5]}")
    if data and not Path(data.get("target", "")).resolve().is_relative_to(out.resolve()):
        problems.append(f"the release's tests graded {data.get('target')}, not its own exercises/")
    return problems


def add_parser(sub) -> None:
    p = sub.add_parser(
        "release",
        help="[instructor] build the student edition, checked",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--out", default=str(ROOT / "dist" / "student"))
    p.add_argument("--no-check", action="store_true", help="skip running the release's tests")
    p.add_argument(
        "--solutions",
        choices=("none", "after-pass"),
        default="none",
        help="after-pass: ship the reference solutions, which `make solution` shows only once "
        "the learner's task passes (default none: a graded course must not ship answers)",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    out = build(Path(args.out).resolve(), solutions=args.solutions)
    print(f"wrote the student edition to {out}")
    if args.solutions == "after-pass":
        print("with reference solutions, shown by `make solution` once a task passes")
    problems = leaks(out) if args.no_check else check(out)
    for line in problems:
        print(f"release problem: {line}", file=sys.stderr)
    if not problems:
        print("release checked: no solution code, every task 'not started' for a learner")
    return 1 if problems else 0
