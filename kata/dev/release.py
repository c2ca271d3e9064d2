"""The student edition (``make release``): a copy of what a learner needs (``build``),
checked to hold no solution code and to show every task 'not started' (``check``)."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, editions, references, state
from kata.core.files import CACHE_PATTERNS, write_json
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
    "docs/jupyter.png",
)
TEST_DIRS_EXCLUDED = ("alternatives", "hidden", "mutants", "tooling")
MARK = ".kata-release"
BEGIN, END = "# instructor-only: begin", "# instructor-only: end"
STUDENT_BEGIN, STUDENT_END = "# student-only: begin", "# student-only: end"
# What the edition's README must not mention: it has none of these.
README_FORBIDDEN = (
    "solutions/",
    *(f"{d}/" for d in TEST_DIRS_EXCLUDED),
    ".ci/run",
    "--target solutions",
    "help-dev",
    "make verify",
    "instructors' section",
    "For instructors",
)
READMES = ("README.md", "README.zh-CN.md")
MIN_ANSWER_NODES = 25  # a body smaller than this (``layer.trainable = False``) is no answer


def readme_problems(text: str, name: str = "README.md") -> list[str]:
    """A README's links to sections it lacks, and its mentions of what was left out."""
    heads = {  # GitHub's anchors of the headings (letters of any script kept)
        re.sub(r"[^\w\- ]", "", ln.lstrip("#").strip().lower()).replace(" ", "-")
        for ln in text.splitlines()
        if ln.startswith("#")
    }
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


def _strip_instructor(text: str) -> tuple[str, list[str]]:
    """The text without its instructor-only blocks (``# …`` lines in the Makefile,
    ``<!-- … -->`` comments in the README) and with the text of its student-only blocks,
    and the Makefile targets the removed blocks defined."""
    out, gone, skipping = [], [], False
    for line in text.splitlines(keepends=True):
        bare = line.strip().removeprefix("<!--").removesuffix("-->").strip()
        if bare.startswith((BEGIN, END)):
            skipping = bare.startswith(BEGIN)
        elif skipping:
            gone += re.findall(r"^([a-z][a-z0-9-]*):(?!=)", line)
        elif not bare.startswith((STUDENT_BEGIN, STUDENT_END)):
            out.append(line)
    return "".join(out), gone


def student_makefile(text: str) -> str:
    """The Makefile without its instructor-only blocks, plus a rule that makes each
    removed target say it is instructor-only and fail (not "Nothing to be done")."""
    out, gone = _strip_instructor(text)
    return out + (
        "\n# Instructor and maintainer targets are not part of the student edition.\n"
        f".PHONY: {' '.join(gone)}\n"
        f"{' '.join(gone)}:\n"
        '\t@echo "make $@ is for instructors and maintainers: it is not part of the student '
        'edition of the kata (make help lists yours)" >&2; exit 2\n'
    )


def build(out: Path, root: Path = ROOT, solutions: str = "none") -> Path:
    """Write the student edition into ``out`` (replacing an earlier release there)."""
    if out.exists():
        if not (out / MARK).exists() and any(out.iterdir()):
            raise SystemExit(f"error: {out} exists and is not a release; remove it first")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARK).write_text("made by kata release\n")
    for name in FILES:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        if name == "Makefile" or name in READMES:
            text = (root / name).read_text(encoding="utf-8")
            text = student_makefile(text) if name == "Makefile" else _strip_instructor(text)[0]
            (out / name).write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(root / name, out / name)
    ignore = (*CACHE_PATTERNS, ".kata")
    shutil.copytree(root / "exercises", out / "exercises", ignore=shutil.ignore_patterns(*ignore))
    tests = shutil.ignore_patterns(*ignore, *TEST_DIRS_EXCLUDED)
    shutil.copytree(root / "tests", out / "tests", ignore=tests)
    editions.copy_kata(root, out, editions.STUDENT)
    pristine = out / "kata" / "learner" / "pristine"  # the stubs ``make reset`` restores
    pristine.mkdir(parents=True, exist_ok=True)
    for e in catalogue.exercises():
        (pristine / e.filename).write_text(stubs.generate(e.name), encoding="utf-8")
    if solutions == "after-pass":  # make solution shows them once a task passes
        write_json(out / references.PACKED.relative_to(ROOT), references.pack(root))
    return out


def _functions(tree: ast.AST):
    """``(name, body)`` of every function in ``tree``, the body without its docstring."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.body[1:] if ast.get_docstring(node) else node.body


class _Anonymous(ast.NodeTransformer):
    """Forget the names a writer chooses: every variable and argument becomes ``_``
    (attributes, keywords and constants stay: ``keras.layers.Dense(_, activation="relu")``)."""

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id="_", ctx=ast.Load()), node)

    def visit_arg(self, node):
        return ast.copy_location(ast.arg(arg="_"), node)


def _steps(body: list) -> list[ast.AST]:
    """What each statement computes: an assignment's or a return's value, else the statement."""
    kinds = (ast.Assign, ast.AnnAssign, ast.Return, ast.Expr)
    return [s.value if isinstance(s, kinds) and s.value else s for s in body]


def answer_steps(source: str) -> dict[str, list[str]]:
    """Each non-trivial function of a solution module: the dumps of what its statements
    compute, names forgotten (``{function: [dump, …]}``)."""
    out = {}
    for name, body in _functions(ast.parse(source)):
        steps = _steps(body)
        size = sum(1 for s in steps for _ in ast.walk(s))
        if size >= MIN_ANSWER_NODES and not any(
            "NotImplementedError" in ast.dump(s) for s in steps
        ):
            out[name] = [ast.dump(_Anonymous().visit(s)) for s in steps]
    return out


def holds_answers(source: str, answers: dict[str, list[str]]) -> list[str]:
    """The answers (``{name: steps}``) one function of ``source`` computes whole: each
    step, names aside, among its own (at any depth, in any order, beside others)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner = [s for s in ast.walk(node) if isinstance(s, ast.stmt) and s is not node]
            mine = {ast.dump(_Anonymous().visit(s)) for s in _steps(inner or [node.body])}
            found.update(name for name, steps in answers.items() if set(steps) <= mine)
    return sorted(found)


def _secrets(root: Path) -> tuple[dict[str, str], dict[str, list[str]], set[str]]:
    """The solutions' ``{body dump: "exNN.function"}``, their ``answer_steps`` and their
    distinctive lines, those in no public file (stubs, graded tests, kata/, README)."""
    public = [root / "README.md", *root.glob("exercises/*.py"), *root.glob("tests/*.py")]
    public += (root / "kata").rglob("*.py")
    seen = {ln.strip() for f in public if f.is_file() for ln in f.read_text("utf-8").splitlines()}
    bodies, answers, lines = {}, {}, set()
    for sol in sorted((root / "solutions").glob("*.py")):
        source = sol.read_text(encoding="utf-8")
        src = source.splitlines()
        for name, body in _functions(ast.parse(source)):
            dump = "\n".join(map(ast.dump, body))
            if body and "NotImplementedError" not in dump:
                bodies[dump] = f"{sol.stem}.{name}"
            for stmt in body:
                lines.update(line.strip() for line in src[stmt.lineno - 1 : stmt.end_lineno])
        answers.update({f"{sol.stem}.{n}": s for n, s in answer_steps(source).items()})
    distinctive = {s for s in lines if len(s) >= 20 and not s.startswith(("#", '"', "'"))}
    return bodies, answers, distinctive - seen


def leaks(out: Path, root: Path = ROOT) -> list[str]:
    """Forbidden paths in the release, READMEs pointing to what it lacks, and files
    holding a solution's function body or lines."""
    forbidden = ["solutions", *(f"tests/{d}" for d in TEST_DIRS_EXCLUDED)]
    problems = [f"{p} present" for p in forbidden if (out / p).exists()]
    problems += [
        f"kata/{p.name} present (not for learners)"
        for p in (out / "kata").iterdir()
        if p.is_dir() and p.name not in (*editions.STUDENT, "__pycache__")
    ]
    for name in READMES:
        if (out / name).is_file():
            problems += readme_problems((out / name).read_text(encoding="utf-8"), name)
    bodies, answers, secret_lines = _secrets(root)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text) if path.suffix == ".py" else None
        except UnicodeDecodeError:
            continue
        except SyntaxError:
            tree = None
        rel = path.relative_to(out)
        if tree:
            dumps = ("\n".join(map(ast.dump, body)) for _name, body in _functions(tree))
            same = sorted({bodies[d] for d in dumps if d in bodies})
            if same:
                problems.append(f"{rel}: the body of {', '.join(same)}")
            if rewritten := [a for a in holds_answers(text, answers) if a not in same]:
                problems.append(
                    f"{rel}: computes what the body of {', '.join(rewritten)} computes "
                    "(names aside): a test that builds its reference this way hands over the answer"
                )
        if found := {line.strip() for line in text.splitlines()} & secret_lines:
            problems.append(f"{rel}: {len(found)} solution lines, e.g. {sorted(found)[0]!r}")
    return problems


def check(out: Path) -> list[str]:
    """``leaks``, and the release's own pytest run as a learner would (its own ``kata/``
    first): every task reported 'not started', its own ``exercises/`` graded."""
    problems = leaks(out)
    path = out / ".kata" / "release-check.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KATA_", "PYTEST_ADDOPTS"))}
    env["PYTHONPATH"] = str(out)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--kata-state", str(path)]
    proc = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True)
    print(proc.stdout[-2500:])
    data = state.read(path, quiet=True)
    shutil.rmtree(out / ".kata", ignore_errors=True)
    tasks = data.get("tasks", {})
    if not tasks:
        problems.append(f"the release's pytest recorded no tasks (exit {proc.returncode})")
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
        description=__doc__,
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
