"""A static scan of submitted modules: constructs an instructor should look at.

``scan(path)`` parses a module (it is never imported here) and returns flags such
as ``"line 3: os._exit (ends the process)"``. A flag is a hint, not a verdict:
the grade itself comes from the sandboxed run.
"""

from __future__ import annotations

import ast
from pathlib import Path

from kata.core import ipynb, policy

# Imports worth a look, with why.
MODULES = {
    "ctypes": "native code access",
    "signal": "signal handling",
    "atexit": "exit hooks",
    "faulthandler": "fault handlers",
    "subprocess": "starts processes",
    "multiprocessing": "starts processes",
    "threading": "threads",
    "gc": "object graph access",
    "inspect": "frame and source introspection",
    "importlib": "dynamic imports",
    "builtins": "builtins access",
    "pytest": "test machinery",
    "_pytest": "test machinery",
    "pytest_check": "test machinery",
    "pluggy": "test machinery",
    "unittest": "mocking",
    "kata": "kata tooling",
    "tests": "the kata's tests",
    "solutions": "reference solutions",
    "shutil": "file operations",
    "glob": "file listing",
    "socket": "network",
    "urllib": "network",
    "requests": "network",
    "pickle": "arbitrary object loading",
    "marshal": "code objects",
}
# Calls worth a look: dotted name -> why.
CALLS = {
    "os._exit": "ends the process",
    "os.abort": "ends the process",
    "os.kill": "signals a process",
    "os.killpg": "signals a process group",
    "os.fork": "forks the process",
    "os.system": "runs a shell command",
    "os.popen": "runs a shell command",
    "os.execv": "replaces the process",
    "os.setsid": "leaves the process group",
    "os.putenv": "changes the environment",
    "os.unsetenv": "changes the environment",
    "os.remove": "deletes files",
    "os.unlink": "deletes files",
    "os.listdir": "lists files",
    "os.walk": "lists files",
    "os.scandir": "lists files",
    "os.chdir": "changes directory",
    "sys.exit": "exits",
    "sys.settrace": "tracing hook",
    "sys.setprofile": "profiling hook",
    "sys.path.insert": "changes the import path",
    "sys.path.append": "changes the import path",
    "sys.modules.pop": "changes loaded modules",
    "sys.modules.update": "changes loaded modules",
    "exit": "exits",
    "quit": "exits",
    "exec": "dynamic code",
    "eval": "dynamic code",
    "compile": "dynamic code",
    "__import__": "dynamic import",
    "setattr": "sets attributes dynamically",
    "delattr": "deletes attributes dynamically",
    "globals": "module namespace access",
    "open": "file access",
    "io.open": "file access",
}
# Modules whose attributes a submission has no business assigning.
PATCHABLE = {
    "np",
    "numpy",
    "scipy",
    "pytest",
    "_pytest",
    "pytest_check",
    "builtins",
    "sys",
    "os",
    "kata",
    "tests",
    "keras",
    "tf",
    "tensorflow",
}
FILE_METHODS = {
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "open",
    "unlink",
    "rmdir",
    "iterdir",
    "glob",
    "rglob",
}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _always_true_eq(fn: ast.FunctionDef) -> bool:
    body = [
        s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    return (
        len(body) == 1
        and isinstance(body[0], ast.Return)
        and isinstance(body[0].value, ast.Constant)
        and body[0].value.value is True
    )


class _Scanner(ast.NodeVisitor):
    def __init__(self):
        self.flags: list[tuple[int, str]] = []
        self.aliases: dict[str, str] = {}  # local name -> module

    def flag(self, node: ast.AST, text: str) -> None:
        self.flags.append((getattr(node, "lineno", 0), text))

    def _import(self, node, module: str) -> None:
        top = module.split(".")[0]
        if top in MODULES:
            self.flag(node, f"imports {module} ({MODULES[top]})")

    def visit_Import(self, node):
        for a in node.names:
            self._import(node, a.name)
            self.aliases[a.asname or a.name.split(".")[0]] = a.name
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        self._import(node, module)
        for a in node.names:
            self.aliases[a.asname or a.name] = f"{module}.{a.name}"
            if f"{module}.{a.name}" in CALLS:
                self.flag(node, f"imports {module}.{a.name} ({CALLS[f'{module}.{a.name}']})")
        self.generic_visit(node)

    def _resolve(self, name: str) -> str:
        head, _, rest = name.partition(".")
        full = self.aliases.get(head, head)
        return f"{full}.{rest}" if rest else full

    def visit_Call(self, node):
        name = self._resolve(_dotted(node.func))
        if name in CALLS:
            self.flag(node, f"{name}() ({CALLS[name]})")
        elif name.startswith(("signal.", "ctypes.", "atexit.", "subprocess.", "faulthandler.")):
            self.flag(node, f"{name}()")
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in FILE_METHODS
            and name.split(".")[0] not in {"np", "numpy", "keras", "tf"}
        ):
            self.flag(node, f".{node.func.attr}() (file access)")
        for arg in node.args:
            if (
                isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and ("/" in arg.value or ".." in arg.value)
                and name in {"open", "io.open", "pathlib.Path", "Path", "os.listdir", "os.walk"}
            ):
                self.flag(node, f"path {arg.value!r}")
        self.generic_visit(node)

    def _target(self, node, target) -> None:
        if isinstance(target, ast.Attribute):
            base = self._resolve(_dotted(target.value)).split(".")[0]
            if base in PATCHABLE or self.aliases.get(base, "").split(".")[0] in PATCHABLE:
                self.flag(node, f"assigns {_dotted(target)} (monkeypatching)")
        elif isinstance(target, ast.Subscript):
            base = self._resolve(_dotted(target.value))
            if base in {"sys.modules", "os.environ", "__builtins__"}:
                self.flag(node, f"writes {base}[...]")
        elif isinstance(target, ast.Name) and target.id == "__builtins__":
            self.flag(node, "assigns __builtins__")

    def visit_Assign(self, node):
        for t in node.targets:
            self._target(node, t)
            if isinstance(t, ast.Name) and t.id == "__eq__" and isinstance(node.value, ast.Lambda):
                body = node.value.body
                if isinstance(body, ast.Constant) and body.value is True:
                    self.flag(node, "__eq__ always returns True")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node, node.target)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._target(node, t)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name == "__eq__" and _always_true_eq(node):
            self.flag(node, "__eq__ always returns True")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Constant(self, node):
        if isinstance(node.value, str) and "solutions" in node.value:
            self.flag(node, f"mentions {node.value[:60]!r}")


def scan_source(source: str, filename: str = "<submission>") -> list[str]:
    """Flags for one module's source, as ``"line N: what"`` strings."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        return [f"line {exc.lineno}: does not parse ({exc.msg})"]
    # the exercises' check cells (``kata.check`` under ``if __name__ == "__main__":``)
    # never run when graded: nothing to look at
    tree.body = [node for node in tree.body if not policy.is_check_cell(node)]
    s = _Scanner()
    s.visit(tree)
    seen, out = set(), []
    for line, text in sorted(s.flags):
        if (line, text) not in seen:
            seen.add((line, text))
            out.append(f"line {line}: {text}")
    return out


def scan(path: Path) -> list[str]:
    path = Path(path)
    if path.suffix == ipynb.SUFFIX:  # a notebook: the module of its code cells
        try:
            return scan_source(ipynb.module_text(path), str(path))
        except ipynb.NotebookError as exc:
            return [f"line 0: {exc}"]
    return scan_source(path.read_text(encoding="utf-8", errors="replace"), str(path))
