"""Reference solutions by task: one task's source in ``solutions/``, or in the packed
form (zlib, base64) the student edition carries when the instructor ships them."""

import ast
import base64
import json
import zlib
from pathlib import Path

from kata import ROOT
from kata.core import catalogue

PACKED = ROOT / "kata" / "learner" / "references.json"


def task_source(module_source: str, name: str) -> str:
    """The source of the top-level function or class ``name``, its decorators included,
    followed by the module's private helpers it uses (transitively)."""
    lines = module_source.splitlines()
    top = {
        n.name: n
        for n in ast.parse(module_source).body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    if name not in top:
        raise KeyError(name)
    order = [name]
    for current in order:  # the list grows as helpers are found: each once, first use first
        used = {n.id for n in ast.walk(top[current]) if isinstance(n, ast.Name)}
        order += sorted(u for u in used if u in top and u.startswith("_") and u not in order)
    nodes = [top[n] for n in order]
    texts = [
        "\n".join(lines[(n.decorator_list or [n])[0].lineno - 1 : n.end_lineno]) for n in nodes
    ]
    return "\n\n\n".join(texts) + "\n"


def pack(root: Path = ROOT) -> dict:
    """Every task's reference source, packed, for the student edition."""
    out: dict[str, dict[str, str]] = {}
    for e in catalogue.exercises():
        source = (root / "solutions" / e.filename).read_text(encoding="utf-8")
        out[e.name] = {
            t.name: base64.b64encode(zlib.compress(task_source(source, t.name).encode())).decode()
            for t in e.tasks
        }
    return {"format": "zlib+base64 per task", "references": out}


def reference(exercise: str, task: str, root: Path = ROOT) -> str | None:
    """The reference source of a task, or None when this edition carries none."""
    sol = root / "solutions" / f"{exercise}.py"
    if sol.is_file():
        return task_source(sol.read_text(encoding="utf-8"), task)
    packed_file = root / PACKED.relative_to(ROOT)
    if packed_file.is_file():
        data = json.loads(packed_file.read_text(encoding="utf-8"))
        packed = data.get("references", {}).get(exercise, {}).get(task)
        if packed:
            return zlib.decompress(base64.b64decode(packed)).decode()
    return None
