"""What a learner's exercise module may contain: the allow-list checked before any of it runs.

The grader quarantines a module that breaks a rule (it is not run; the exercise
scores 0 "quarantined: needs instructor review"), and ``make test`` / ``make
watch`` show the same findings as a warning. The check is static (``ast``): the
module is parsed, never imported. A solution of this kata needs Keras,
TensorFlow, NumPy, ``math`` and a few pure helpers; the rules below were derived
from ``solutions/``, ``tests/alternatives/`` and the honest mistakes of
``tests/mutants/``, which all pass (a tooling test says so).

Rules (the name in brackets is what a finding reports):

* [import] only the modules of ``ALLOWED_IMPORTS`` (and their public
  submodules), no relative imports, nothing private (``keras.src``,
  ``tensorflow.python``, any ``_name`` part);
* [builtin] only the builtins of ``ALLOWED_BUILTINS`` (no ``exec``, ``eval``,
  ``compile``, ``open``, ``__import__``, ``globals``, ``vars``, ``setattr``,
  ``exit``…); ``getattr``/``hasattr`` only called with a string-literal name that
  the attribute rules accept;
* [dunder] no dunder name or attribute beyond what subclassing needs: defining
  ``__init__``/``__call__``, calling ``super().__init__(...)``, reading
  ``__name__``/``__class__`` of an object, ``object.__setattr__(obj, "name", v)``
  with a literal name;
* [private] no ``_private`` attribute except on ``self`` (your own class) and the
  two Keras layer internals honest code uses (``_flatten_layers``, ``_kernel``);
* [internals] no frame, traceback, generator or code internals (``f_back``,
  ``tb_frame``, ``gi_frame``…);
* [library] no library call that reaches files, processes, native code or the
  global configuration (``tf.io``, ``tf.config``, ``np.load``, ``np.testing``,
  ``keras.utils.get_file``, ``ndarray.tofile``…);
* [patch] no assignment to (or deletion of) an attribute or item of an imported
  module, of a library class or function, or of ``type(...)``;
* [format] ``str.format`` only on a string literal whose fields are plain
  (``{}``, ``{0}``, ``{name:.3f}``), never ``{0.attr}`` or ``{0[key]}``;
* [unreadable] a module the check cannot read or parse in full (not UTF-8,
  too large, nested too deeply) is quarantined too.

One construct is accepted as is: a notebook *check cell* at the top level,
``if __name__ == "__main__":`` whose body is only ``import kata`` and
``kata.check("ex03", "WeirdInit")`` calls with string-literal arguments (it never
runs when graded: modules are loaded under their own names). A syntax error is
not a finding: such a module cannot run any code, and its tests say why.
"""

from __future__ import annotations

import ast
import builtins
import string
import sys
from dataclasses import dataclass
from pathlib import Path

QUARANTINED = "quarantined: needs instructor review"
MAX_BYTES = 1_000_000  # a module larger than this is not checked (nor run)

ALLOWED_IMPORTS = {
    "__future__",
    "keras",
    "tensorflow",
    "numpy",
    "math",
    # pure helpers
    "abc",
    "collections",
    "dataclasses",
    "enum",
    "functools",
    "itertools",
    "numbers",
    "random",
    "statistics",
    "typing",
}
# Public submodules that are internals all the same.
DENIED_SUBMODULES = {
    "keras.src",
    "keras.utils",
    "keras.config",
    "keras.saving",
    "tensorflow.python",
    "tensorflow.compat",
    "tensorflow.io",
    "tensorflow.config",
    "tensorflow.core",
    "tensorflow.tsl",
    "tensorflow.lite",
    "tensorflow.sysconfig",
    "numpy.testing",
    "numpy.ctypeslib",
    "numpy.lib",
    "numpy.core",
    "numpy.f2py",
    "numpy.distutils",
}

_EXCEPTIONS = {
    n
    for n, v in vars(builtins).items()
    if isinstance(v, type) and issubclass(v, Exception) and not n.startswith("_")
}
ALLOWED_BUILTINS = {
    "abs",
    "all",
    "any",
    "bool",
    "callable",
    "classmethod",
    "complex",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "hasattr",
    "hash",
    "id",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "object",
    "pow",
    "print",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "zip",
    "True",
    "False",
    "None",
    "NotImplemented",
    "Ellipsis",
} | (_EXCEPTIONS - {"SystemExit", "KeyboardInterrupt", "GeneratorExit", "BaseException"})

ALLOWED_DUNDER_DEFS = {"__init__", "__call__"}
ALLOWED_DUNDER_READS = {"__init__", "__call__", "__name__", "__class__"}
ALLOWED_PRIVATE = {"_flatten_layers", "_kernel"}
INTERNALS = {
    "f_back",
    "f_globals",
    "f_locals",
    "f_builtins",
    "f_code",
    "f_trace",
    "f_lasti",
    "tb_frame",
    "tb_next",
    "gi_frame",
    "gi_code",
    "gi_yieldfrom",
    "cr_frame",
    "cr_code",
    "cr_await",
    "ag_frame",
    "ag_code",
    "co_code",
    "co_consts",
    "co_names",
    "func_globals",
    "mro",
}
# Library attributes that reach files, processes, native code or global configuration.
LIBRARY_DENIED = {
    "src",
    "python",
    "compat",
    "io",
    "gfile",
    "config",
    "sysconfig",
    "load_library",
    "load_op_library",
    "raw_ops",
    "saved_model",
    "summary",
    "train",
    "data",
    "distribute",
    "debugging",
    "testing",
    "ctypes",
    "ctypeslib",
    "f2py",
    "distutils",
    "lib",
    "core",
    "load",
    "loads",
    "save",
    "savez",
    "savez_compressed",
    "savetxt",
    "loadtxt",
    "genfromtxt",
    "fromfile",
    "fromregex",
    "tofile",
    "dump",
    "dumps",
    "memmap",
    "open_memmap",
    "DataSource",
    "get_file",
    "plot_model",
    "load_model",
    "save_model",
    "load_weights",
    "save_weights",
    "export",
    "deserialize",
    "deserialize_keras_object",
    "get_registered_object",
    "utils",
    "read_file",
    "write_file",
    "TextLineDataset",
    "TFRecordDataset",
    "FixedLengthRecordDataset",
    "list_files",
    "matching_files",
    "py_func",
}


@dataclass(frozen=True, order=True)
class Finding:
    """One broken rule: where, which rule, what."""

    line: int
    rule: str
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what} [{self.rule}]"

    def at(self, filename: str) -> str:
        return f"{filename}:{self.line}: {self.what} [{self.rule}]"


def _dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def _has_call(node: ast.AST) -> bool:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
        if isinstance(node, ast.Call):
            return True
    return False


def is_check_cell(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` holding only ``import kata`` and ``kata.check("…", …)``."""
    if not (
        isinstance(node, ast.If)
        and not node.orelse
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        and len(node.test.ops) == 1
        and isinstance(node.test.ops[0], ast.Eq)
        and isinstance(node.test.comparators[0], ast.Constant)
        and node.test.comparators[0].value == "__main__"
    ):
        return False
    for stmt in node.body:
        if isinstance(stmt, ast.Import) and [(a.name, a.asname) for a in stmt.names] == [
            ("kata", None)
        ]:
            continue
        if (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id == "kata"
            and stmt.value.func.attr == "check"
            and all(
                isinstance(a, ast.Constant) and isinstance(a.value, str) for a in stmt.value.args
            )
            and all(
                isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)
                for k in stmt.value.keywords
            )
        ):
            continue
        return False
    return True


def _is_main_test(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _bound(scope: ast.AST) -> set[str]:
    """Names bound directly in ``scope`` (not in the scopes nested in it)."""
    out: set[str] = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = scope.args
        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
            if arg is not None:
                out.add(arg.arg)
    if isinstance(scope, _COMPS):
        body = [g.target for g in scope.generators]
    elif isinstance(scope, ast.Lambda):
        body = [scope.body]
    else:
        body = list(scope.body)
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            stack += node.decorator_list
            continue
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            out.update(node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            out.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            out.add(node.rest)
        if isinstance(node, (ast.Lambda, *_COMPS)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


class _Checker(ast.NodeVisitor):
    def __init__(self, tree: ast.Module):
        self.findings: list[Finding] = []
        self.modules: set[str] = set()  # names bound to imported modules or their members
        self.scopes: list[tuple[ast.AST, set[str]]] = [(tree, _bound(tree))]
        self.classes: list[str] = []
        self.allowed_calls: set[int] = set()  # ids of nodes vetted by a parent
        # Names bound (at any level) to an imported thing or an alias of one, without a call.
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.modules.update((a.asname or a.name).split(".")[0] for a in node.names)
        changed = True
        while changed:
            changed = False
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and self._library(node.value):
                    for t in node.targets:
                        for n in ast.walk(t):
                            if isinstance(n, ast.Name) and n.id not in self.modules:
                                self.modules.add(n.id)
                                changed = True

    # ---------------------------------------------------------------- helpers

    def add(self, node: ast.AST, rule: str, what: str) -> None:
        self.findings.append(Finding(getattr(node, "lineno", 0), rule, what))

    def _library(self, node: ast.AST) -> bool:
        """An imported module, or something reached from one without calling anything."""
        root = _root(node)
        if isinstance(root, ast.Call):
            f = root.func
            return isinstance(f, ast.Name) and f.id == "type"
        return isinstance(root, ast.Name) and root.id in self.modules and not _has_call(node)

    def _resolves_to_builtin(self, name: str) -> bool:
        for scope, bound in reversed(self.scopes):
            if isinstance(scope, ast.ClassDef) and scope is not self.scopes[-1][0]:
                continue  # a class body's names are not visible in its methods
            if name in bound:
                return False
        return True

    def _attribute_name(self, node: ast.AST, name: str, base: ast.AST | None) -> None:
        """The rules for reading attribute ``name`` (of ``base``)."""
        if _dunder(name):
            if name not in ALLOWED_DUNDER_READS:
                self.add(node, "dunder", f"uses the special attribute {name}")
        elif name.startswith("_"):
            own = isinstance(base, ast.Name) and base.id in ("self", "cls")
            if not own and name not in ALLOWED_PRIVATE:
                self.add(node, "private", f"reaches the private attribute {name}")
        elif name in INTERNALS:
            self.add(node, "internals", f"reaches interpreter internals ({name})")
        elif name in LIBRARY_DENIED:
            self.add(node, "library", f"uses .{name} (files, processes or global configuration)")
        elif name in ("format", "format_map"):
            if not (isinstance(base, ast.Constant) and isinstance(base.value, str)):
                self.add(node, "format", f".{name} on a computed string")
            else:
                self._format_literal(node, base.value)

    def _format_literal(self, node: ast.AST, text: str) -> None:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f]
        except ValueError:
            return
        for f in fields:
            if "." in f or "[" in f:
                self.add(node, "format", f"format field {{{f}}} reaches into an object")

    def _literal_name(self, node: ast.Call, fn: str, index: int) -> str | None:
        if len(node.args) <= index or node.keywords:
            self.add(node, "builtin", f"{fn}() needs its attribute name as a string literal")
            return None
        arg = node.args[index]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            self.add(node, "builtin", f"{fn}() with a computed attribute name")
            return None
        return arg.value

    # ----------------------------------------------------------------- scopes

    def _scoped(self, node: ast.AST) -> None:
        self.scopes.append((node, _bound(node)))
        try:
            self.generic_visit_body(node)
        finally:
            self.scopes.pop()

    def generic_visit_body(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for child in (node.args, *node.body):
                self.visit(child)
            if node.returns:
                self.visit(node.returns)
        elif isinstance(node, ast.ClassDef):
            for child in node.body:
                self.visit(child)
        elif isinstance(node, ast.Lambda):
            self.visit(node.args)
            self.visit(node.body)
        else:  # comprehensions
            for i, g in enumerate(node.generators):
                if i:
                    self.visit(g.iter)
                self.visit(g.target)
                for cond in g.ifs:
                    self.visit(cond)
            for part in ("elt", "key", "value"):
                if getattr(node, part, None) is not None:
                    self.visit(getattr(node, part))

    def _def(self, node) -> None:
        if _dunder(node.name) and not (self.classes and node.name in ALLOWED_DUNDER_DEFS):
            self.add(node, "dunder", f"defines the special method {node.name}")
        for d in node.decorator_list:
            self.visit(d)
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d]]:
            self.visit(default)
        was, self.classes = self.classes, []
        try:
            self._scoped(node)
        finally:
            self.classes = was

    visit_FunctionDef = visit_AsyncFunctionDef = _def

    def visit_Lambda(self, node):
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d]]:
            self.visit(default)
        self._scoped(node)

    def visit_ClassDef(self, node):
        if _dunder(node.name):
            self.add(node, "dunder", f"defines the class {node.name}")
        for child in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(child)
        self.classes.append(node.name)
        try:
            self._scoped(node)
        finally:
            self.classes.pop()

    def _comp(self, node):
        self.visit(node.generators[0].iter)
        self._scoped(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comp

    def visit_arg(self, node):
        if _dunder(node.arg):
            self.add(node, "dunder", f"names a parameter {node.arg}")
        if node.annotation:
            self.visit(node.annotation)

    # ------------------------------------------------------------- statements

    def _import_name(self, node: ast.AST, module: str) -> None:
        parts = module.split(".")
        if parts[0] not in ALLOWED_IMPORTS:
            self.add(node, "import", f"imports {module} (allowed: keras, tensorflow, numpy, math…)")
        elif any(p.startswith("_") for p in parts[1:]) or any(
            module == d or module.startswith(d + ".") for d in DENIED_SUBMODULES
        ):
            self.add(node, "import", f"imports {module} (library internals or file access)")

    def visit_Import(self, node):
        for a in node.names:
            self._import_name(node, a.name)

    def visit_ImportFrom(self, node):
        if node.level:
            self.add(node, "import", "relative import")
            return
        module = node.module or ""
        self._import_name(node, module)
        if module == "__future__":
            return
        for a in node.names:
            if a.name != "*":
                self._import_name(node, f"{module}.{a.name}")
                self._attribute_name(node, a.name, None)

    def _target(self, node: ast.AST, target: ast.AST, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._target(node, t, verb)
        elif isinstance(target, ast.Starred):
            self._target(node, target.value, verb)
        elif isinstance(target, (ast.Attribute, ast.Subscript)) and self._library(target.value):
            self.add(node, "patch", f"{verb} {ast.unparse(target)[:60]} (changes a library)")

    def visit_Assign(self, node):
        for t in node.targets:
            self._target(node, t, "assigns")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node, node.target, "assigns")
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._target(node, node.target, "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._target(node, t, "deletes")
        self.generic_visit(node)

    # ------------------------------------------------------------ expressions

    def visit_Name(self, node):
        name = node.id
        if _dunder(name):
            self.add(node, "dunder", f"uses {name}")
        elif self._resolves_to_builtin(name) and hasattr(builtins, name):
            if name not in ALLOWED_BUILTINS:
                self.add(node, "builtin", f"uses the builtin {name}")
            elif name in ("getattr", "hasattr") and id(node) not in self.allowed_calls:
                self.add(node, "builtin", f"{name} used other than called with a literal name")

    def visit_Attribute(self, node):
        if id(node) not in self.allowed_calls:
            self._attribute_name(node, node.attr, node.value)
        self.visit(node.value)

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Name) and f.id in ("getattr", "hasattr"):
            if self._resolves_to_builtin(f.id):
                self.allowed_calls.add(id(f))
                name = self._literal_name(node, f.id, 1)
                if name is not None:
                    self._attribute_name(node, name, node.args[0])
                    if name == "__setattr__":
                        self.add(node, "dunder", "reaches __setattr__ through getattr")
        elif (
            isinstance(f, ast.Attribute)
            and f.attr == "__setattr__"
            and isinstance(f.value, ast.Name)
            and f.value.id == "object"
        ):
            self.allowed_calls.add(id(f))
            name = self._literal_name(node, "object.__setattr__", 1)
            if name is not None:
                if _dunder(name):
                    self.add(node, "dunder", f"sets the special attribute {name}")
                elif name.startswith("_") and name not in ALLOWED_PRIVATE:
                    self.add(node, "private", f"sets the private attribute {name}")
            if node.args and self._library(node.args[0]):
                self.add(node, "patch", "object.__setattr__ on a library object")
        elif (
            isinstance(f, ast.Attribute)
            and f.attr == "__init__"
            and not (
                isinstance(f.value, ast.Call)
                and isinstance(f.value.func, ast.Name)
                and f.value.func.id == "super"
            )
        ):
            self.add(node, "dunder", "calls __init__ other than as super().__init__(...)")
        self.generic_visit(node)

    def visit_JoinedStr(self, node):
        self.generic_visit(node)


def check_tree(tree: ast.Module) -> list[Finding]:
    """The findings for a parsed module."""
    checker = _Checker(tree)
    for stmt in tree.body:
        if is_check_cell(stmt):
            continue
        if _is_main_test(stmt):  # if __name__ == "__main__": … (checked without its test)
            for child in (*stmt.body, *stmt.orelse):
                checker.visit(child)
            continue
        checker.visit(stmt)
    return sorted(set(checker.findings))


def check_source(source: str | bytes, filename: str = "<module>") -> list[Finding]:
    """The findings for one module's source (``[]``: it may run). A syntax error is not a
    finding; a module too large, not UTF-8 or too deeply nested to check is."""
    if len(source) > MAX_BYTES:
        return [Finding(0, "unreadable", f"larger than {MAX_BYTES // 1000} kB")]
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            return [Finding(0, "unreadable", f"not UTF-8 text (byte {exc.start})")]
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, 3000))
        tree = ast.parse(source, filename)
        return check_tree(tree)
    except SyntaxError:
        return []
    except (RecursionError, MemoryError, ValueError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else type(exc).__name__
        return [Finding(0, "unreadable", f"cannot be checked ({what})")]
    finally:
        sys.setrecursionlimit(limit)


def check_file(path: str | Path) -> list[Finding]:
    """The findings for the module at ``path`` (a symbolic link or an oversized file is one)."""
    path = Path(path)
    if path.is_symlink():
        return [Finding(0, "unreadable", "a symbolic link, not a file")]
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return [
                Finding(0, "unreadable", f"{size / 1e6:.0f} MB, larger than {MAX_BYTES // 1000} kB")
            ]
        if path.suffix == ".ipynb":  # a notebook is graded as the module of its code cells
            from kata.core import ipynb

            try:
                return check_source(ipynb.module_text_of(path.read_bytes(), path.name), str(path))
            except ipynb.NotebookError as exc:
                return [Finding(0, "unreadable", str(exc))]
        return check_source(path.read_bytes(), str(path))
    except OSError as exc:
        return [Finding(0, "unreadable", f"cannot be read ({exc.strerror or exc})")]


def warning(filename: str, findings: list[Finding], limit: int = 5) -> str:
    """The learner's warning: what the grader will do and why, one finding a line."""
    lines = [
        f"warning: {filename} breaks the kata's rules for graded code; the grader will not run it "
        f"({QUARANTINED}):"
    ]
    lines += [f"  {f.at(filename)}" for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"  … and {len(findings) - limit} more")
    return "\n".join(lines)
