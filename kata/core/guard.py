"""The run-time guard on learner code: what a graded module can reach, enforced as it runs.

Every learner module (``make test``, ``make watch``, ``kata.check`` and the grader
alike) is compiled by ``compile_module`` with RestrictedPython's transformer, which
turns each attribute read into ``_getattr_(obj, "name")``, each attribute or item
write into ``_write_(obj)…``, and here also each call into ``_call_(f, …)``. The
module runs with ``guarded_globals`` instead of Python's builtins. Those hooks,
defined below, decide at run time, on the real objects:

* [builtin] only the builtins of ``SAFE_BUILTINS``: no ``exec``, ``eval``, ``compile``,
  ``open``, ``globals``, ``vars``, ``input``, ``breakpoint``…; ``getattr``, ``setattr``
  and ``hasattr`` go through the same checks as ``obj.name``;
* [import] only the packages of ``ALLOWED_IMPORTS`` and their public parts; the same
  check for a module reached as an attribute of another (``np.os``, ``tf.io``);
* [dunder] of a double-underscore name only the harmless ones of ``READABLE_DUNDERS``
  (``__name__``, ``__class__``, ``__init__``…); a class may define only
  ``DEFINABLE_DUNDERS`` (``__init__``, ``__call__``, ``__repr__``, ``__str__``…);
* [private] an ``_underscore`` attribute only of the learner's own classes and
  objects, plus the Keras internals of ``KERAS_INTERNALS``;
* [internals] nothing of frames, tracebacks, code objects or generator internals;
* [write] no write to a module, a library class or function: objects, yes
  (``layer.trainable = False``), library machinery, no;
* [capability] none of the library functions in ``DENIED``: files, processes,
  pickles and code loading, global configuration setters; ``safe_mode=False`` and
  ``tf.print(output_stream=…)`` are refused in any call. Reading files is writing's
  twin: the saving and loading functions of ``FILE_FUNCTIONS`` work only inside a
  directory that a test grants (``granting``), and only without pickles.

A refusal raises ``Refused`` (a ``PermissionError``) naming the rule, in the learner's
language, inside the test that made the call: that test fails, the others run.
Its message ends in ``[guard: <rule>]`` (``MARK``), which the grader lists as a flag.

The text compiled is the text decoded from the file's bytes by ``decode``, as Python
would decode it, so what a reader (or a scan) sees is exactly what runs.
"""

from __future__ import annotations

import ast
import builtins
import codecs
import contextlib
import copy
import functools
import inspect
import operator
import os
import re
import string
import sys
import types
import weakref
from pathlib import Path

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import IOPERATOR_TO_STR

from kata.core import settings
from kata.core.i18n import _

MAX_BYTES = 1_000_000  # a larger module is not run
SWITCH = "KATA_GUARD"  # "off" (set by ``kata grade --unguarded`` only) runs modules unguarded

ALLOWED_IMPORTS = frozenset(
    {
        "__future__",
        "keras",
        "tensorflow",
        "numpy",
        "math",
        "abc",
        "collections",
        "copy",
        "dataclasses",
        "enum",
        "functools",
        "itertools",
        "numbers",
        "operator",
        "random",
        "re",
        "statistics",
        "time",
        "typing",
        "kata",  # only for the notebooks' check cells, which never run when graded
    }
)
# Parts of the allowed packages that are internals or capabilities: never importable,
# never reachable as an attribute.
DENIED_MODULE_PREFIXES = (
    "keras.src",
    "keras.api",
    "keras.utils",
    "keras.callbacks",
    "keras.export",
    "tensorflow.python",
    "tensorflow.core",
    "tensorflow.compiler",
    "tensorflow.tsl",
    "tensorflow.lite",
    "tensorflow.io",
    "tensorflow.config",
    "tensorflow.compat",
    "tensorflow.saved_model",
    "tensorflow.summary",
    "tensorflow.raw_ops",
    "tensorflow.sysconfig",
    "tensorflow.data",
    "tensorflow.distribute",
    "tensorflow.tpu",
    "tensorflow.experimental",
    "tensorflow.debugging.experimental",
    "tensorflow.train",
    "tensorflow.profiler",
    "tensorflow.autograph",
    "tensorflow.lookup",
    "tensorflow.test",
    "keras.datasets",
    "keras.applications",
    "keras.preprocessing",
    "keras.visualization",
    "keras.distribution",
    "keras.legacy",
    "numpy.testing",
    "numpy.lib.npyio",
    "numpy.lib.format",
    "numpy.ma.mrecords",
    "numpy.f2py",
    "numpy.distutils",
    "numpy.ctypeslib",
    "kata.",  # `import kata` (a check cell's) gives the package, nothing of its inside
)
# Library functions that reach files, processes, pickles or code, or change global
# configuration, by the dotted path a learner would write (resolved once, by identity).
DENIED = (
    "numpy.load numpy.save numpy.savez numpy.savez_compressed numpy.savetxt numpy.loadtxt "
    "numpy.genfromtxt numpy.fromfile numpy.memmap numpy.fromregex numpy.DataSource "
    "numpy.set_printoptions numpy.seterr numpy.seterrcall numpy.setbufsize "
    "numpy.ndarray.tofile numpy.ndarray.dump numpy.ndarray.dumps "
    "tensorflow.py_function tensorflow.numpy_function "
    "tensorflow.load_op_library tensorflow.load_library "
    "keras.saving.load_model keras.saving.save_model keras.saving.deserialize_keras_object "
    "keras.models.load_model keras.models.save_model keras.models.model_from_json "
    "keras.Model.save keras.Model.save_weights keras.Model.load_weights keras.Model.export "
    "keras.layers.Layer.save_own_variables keras.layers.Layer.load_own_variables "
    "keras.layers.TFSMLayer keras.layers.deserialize "
    "keras.config.set_floatx keras.config.set_epsilon keras.config.set_image_data_format "
    "keras.config.set_backend keras.config.enable_unsafe_deserialization "
    "keras.config.disable_interactive_logging keras.config.enable_interactive_logging "
    "keras.config.set_dtype_policy keras.config.enable_traceback_filtering "
    "keras.config.disable_traceback_filtering keras.config.enable_flash_attention "
    "keras.config.disable_flash_attention keras.config.set_max_epochs "
    "keras.backend.set_floatx keras.backend.set_epsilon keras.backend.set_image_data_format "
    "keras.backend.clear_session keras.mixed_precision.set_global_policy "
    "keras.mixed_precision.set_dtype_policy keras.saving.KerasFileEditor "
    "numpy.rec.fromfile numpy.lib.stride_tricks.as_strided "
    "operator.attrgetter operator.methodcaller"
).split()
# Where a library function or class comes from (its ``__module__``), for the ones no
# dotted path above names: what another API hands back (``initializers.get({...})``).
DENIED_ORIGINS = (
    "keras.src.saving",
    "keras.src.legacy.saving",
    "keras.src.utils.file_utils",
    "keras.src.callbacks",
    "keras.src.export",
    "keras.src.datasets",
    "keras.src.applications",
    "keras.src.visualization",
    "tensorflow.python.lib.io",
    "tensorflow.python.platform",
    "tensorflow.python.ops.gen_io_ops",
    "tensorflow.python.ops.io_ops",
    "tensorflow.python.ops.gen_summary_ops",
    "tensorflow.python.saved_model",
    "tensorflow.python.summary",
    "tensorflow.python.data.ops.readers",
    "tensorflow.python.framework.load_library",
    "tensorflow.python.debug",
    "tensorflow.python.checkpoint",
    "tensorflow.python.training",
    "tensorflow.python.profiler",
    "numpy.lib._npyio_impl",
    "numpy.lib.npyio",
    "numpy.lib.format",
    "numpy.lib._datasource",
    "numpy._core.memmap",
    "numpy.ma.mrecords",
    "numpy.f2py",
    "numpy.ctypeslib",
    "numpy.testing",
    "h5py",
)
# ... but for these, which the lessons use.
ALLOWED = (
    "keras.saving.register_keras_serializable keras.saving.get_registered_name "
    "keras.saving.get_registered_object keras.saving.serialize_keras_object "
    "keras.saving.get_custom_objects keras.saving.custom_object_scope "
    "keras.saving.CustomObjectScope"
).split()
# The saving and loading of D2L 4.5, allowed inside a granted directory only.
FILE_FUNCTIONS = (
    "numpy.load numpy.save numpy.savez numpy.savez_compressed "
    "keras.saving.load_model keras.saving.save_model keras.models.load_model "
    "keras.models.save_model keras.Model.save keras.Model.save_weights keras.Model.load_weights"
).split()

READABLE_DUNDERS = frozenset(
    {"__name__", "__qualname__", "__class__", "__doc__", "__module__", "__init__", "__call__"}
    | {"__repr__", "__str__", "__len__", "__iter__", "__getitem__", "__contains__"}
)
DEFINABLE_DUNDERS = frozenset({"__init__", "__call__", "__repr__", "__str__", "__post_init__"})
NAMEABLE_DUNDERS = frozenset({"__name__", "__all__", "__doc__", "__file__", "__annotations__"})
KERAS_INTERNALS = frozenset({"_flatten_layers", "_kernel"})
_INTERNAL_TYPES = (types.FrameType, types.TracebackType, types.CodeType, types.CellType)
_RUNNING_TYPES = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
_RESERVED = re.compile(r"^_[^_].*_$|^_print$")  # the guard's own names: _getattr_ …

MARK = re.compile(r"\S[^\n]{0,200}? \[guard: \w+\]")  # a refusal in a test's message


class Refused(PermissionError):
    """Graded code asked for something the kata's rules for graded code do not allow."""

    def __init__(self, rule: str, what: str):
        super().__init__(
            _("{what} is not allowed in graded code (the rules: kata/core/guard.py)").format(
                what=what
            )
            + f" [guard: {rule}]"
        )
        self.rule = rule


# ------------------------------------------------------------------ the bytes


def read(path: Path, where: str) -> str:
    """The text of the module at ``path`` (see ``decode``), without reading a file
    larger than ``MAX_BYTES``."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UnicodeError(
            _("{where} has {size:.0f} MB: a module larger than 1 MB is not run").format(
                where=where, size=size / 1e6
            )
        )
    return decode(path.read_bytes(), where)


def decode(raw: bytes, where: str = "module") -> str:
    """The text Python would run from ``raw``: UTF-8, with or without a BOM, or the
    codec of a PEP 263 coding line when it is a plain one (Latin-1, GBK…).

    Raises ``UnicodeError`` with the reason for bytes that are not text in their
    codec, and for codecs that turn comments into code (``utf-7``,
    ``raw_unicode_escape``…): re-saving the file as UTF-8 is the fix.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
        codec = "utf-8"
    else:
        codec = _cookie(raw) or "utf-8"
    try:
        name = codecs.lookup(codec).name
    except LookupError:
        raise UnicodeError(
            _("{where}: unknown coding {codec}").format(where=where, codec=codec)
        ) from None
    if not _plain_codec(name):
        raise UnicodeError(
            _(
                "{where}: coding {codec} is not accepted (it can hide code): save the file as UTF-8"
            ).format(where=where, codec=codec)
        )
    try:
        return raw.decode(name)
    except UnicodeDecodeError as exc:
        shown = name.upper() if name.startswith("utf") else name
        raise UnicodeError(
            _("{where}: byte {at} is not {codec} text: save the file as UTF-8").format(
                where=where, at=exc.start, codec=shown
            )
        ) from None


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _cookie(raw: bytes) -> str | None:
    lines = raw.split(b"\n", 2)[:2]
    for i, line in enumerate(lines):
        found = _COOKIE.match(line)
        if found:
            return found.group(1).decode("ascii", "replace")
        if i == 0 and line.strip() and not line.lstrip().startswith(b"#"):
            return None  # the cookie must be on line 1, or on line 2 after a comment
    return None


def _plain_codec(name: str) -> bool:
    """A codec in which each ASCII byte means itself and nothing is escaped:
    the comment a reader sees is a comment."""
    if name in {"utf-7", "raw-unicode-escape", "unicode-escape", "punycode", "idna"}:
        return False
    probe = bytes(range(32, 127)) + b"\n\t"
    try:
        return probe.decode(name) == probe.decode("ascii") and "+" not in name
    except (UnicodeDecodeError, LookupError, TypeError):
        return False


# ------------------------------------------------------------------ compiling


class _Transformer(RestrictingNodeTransformer):
    """RestrictedPython's transformer, with the kata's rules for names: private names
    are the learner's business (checked at run time), dunders only as listed; every
    call goes through ``_call_`` (but ``super()``, which needs its frame)."""

    def check_name(self, node, name, allow_magic_methods=False):
        if name is None:
            return
        if _RESERVED.match(name) or name in {"printed"}:
            self.error(
                node, _("the name {name} is reserved for the kata's guard").format(name=name)
            )
        elif name.startswith("__") and name.endswith("__"):
            allowed = DEFINABLE_DUNDERS if allow_magic_methods else NAMEABLE_DUNDERS
            if name not in allowed:
                self.error(
                    node,
                    _("[dunder] {name} cannot be used in graded code").format(name=name),
                )

    def visit_Name(self, node):
        # ``print`` stays the builtin (no print collector); other checks as usual.
        if isinstance(node.ctx, ast.Load) and node.id == "print":
            return node
        return super().visit_Name(node)

    def inject_print_collector(self, node, position=0):
        return None

    def visit_Attribute(self, node):
        name = node.attr
        if name.startswith("__") and name.endswith("__") and isinstance(node.ctx, ast.Store):
            self.error(node, _("[dunder] {name} cannot be assigned").format(name=name))
        node.attr = "a"  # checked at run time, not by spelling
        new = super().visit_Attribute(node)
        if isinstance(new, ast.Call):  # _getattr_(value, "a")
            new.args[1] = ast.Constant(name)
        else:
            new.attr = name
        return new

    def visit_FunctionDef(self, node):
        inside_class = getattr(self, "_class_depth", 0) > 0
        if node.name.startswith("__") and not inside_class:
            self.error(node, _("[dunder] {name} cannot be defined here").format(name=node.name))
        return super().visit_FunctionDef(node)

    def visit_ClassDef(self, node):
        self.check_name(node, node.name)
        if any(k.arg == "metaclass" for k in node.keywords):
            self.error(node, _("[dunder] a metaclass cannot be used in graded code"))
        self._class_depth = getattr(self, "_class_depth", 0) + 1
        try:
            return self.node_contents_visit(node)
        finally:
            self._class_depth -= 1

    def visit_Nonlocal(self, node):
        return self.node_contents_visit(node)

    def visit_AnnAssign(self, node):
        return self.node_contents_visit(node)

    def visit_AugAssign(self, node):
        """``a.b += c`` and ``a[i] += c`` become ``a.b = _inplacevar_("+=", a.b, c)``
        (``a`` evaluated twice), so the write and the read are both checked."""
        if isinstance(node.target, ast.Name):
            return super().visit_AugAssign(node)
        load = copy.deepcopy(node.target)
        for part in ast.walk(load):
            if hasattr(part, "ctx"):
                part.ctx = ast.Load()
        op = ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        target, load, value = self.visit(node.target), self.visit(load), self.visit(node.value)
        value = ast.Call(ast.Name("_inplacevar_", ast.Load()), [op, load, value], [])
        assign = ast.copy_location(ast.Assign([target], value), node)
        return ast.fix_missing_locations(assign)

    def visit_Call(self, node):
        node = self.node_contents_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "super":
            return node
        call = ast.Call(ast.Name("_call_", ast.Load()), [node.func, *node.args], node.keywords)
        return ast.copy_location(call, node)


def compile_module(text: str, filename: str) -> tuple[types.CodeType, frozenset[str]]:
    """Compile ``text`` for ``guarded_globals``: the code and the private names the
    module defines itself (its own ``_underscore`` attributes, functions and classes).
    Raises ``SyntaxError`` for a syntax error and for what breaks the rules of names
    (the message names the rule)."""
    tree = ast.parse(text, filename, "exec")
    own = _own_private_names(tree)
    transformer = _Transformer(errors=[], warnings=[], used_names={})
    tree = transformer.visit(tree)
    if transformer.errors:
        first = transformer.errors[0]
        found = re.match(r"Line (\d+): (?:\[(\w+)\] )?(.*)", first)
        said = f"{found.group(3)} [guard: {found.group(2) or 'compile'}]" if found else first
        error = SyntaxError(said)
        error.lineno = int(found.group(1)) if found else None
        error.filename = filename
        raise error
    ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", dont_inherit=True), own


# ------------------------------------------------------------------ run time


def _resolve(dotted: str):
    """The object at ``dotted`` (``numpy.ndarray.tofile``), or None."""
    parts = dotted.split(".")
    try:
        obj = __import__(parts[0])
    except ImportError:
        return None
    for part in parts[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


@functools.cache
def _tables() -> tuple[dict[int, str], dict[int, str], frozenset[int]]:
    """{id: dotted name} of the denied functions and of the file functions, and the
    ids of the allowed ones."""
    denied = {id(f): n for n in DENIED if (f := _resolve(n)) is not None}
    files = {id(f): n for n in FILE_FUNCTIONS if (f := _resolve(n)) is not None}
    allowed = frozenset(id(f) for n in ALLOWED if (f := _resolve(n)) is not None)
    return denied, files, allowed


def _denied_origin(origin: str) -> bool:
    return any(origin == o or origin.startswith(o + ".") for o in DENIED_ORIGINS)


def module_allowed(module: types.ModuleType) -> bool:
    """Whether graded code may hold ``module``."""
    return id(module) not in _module_ids() and _module_allowed(public_name(module))


def _module_allowed(name: str) -> bool:
    if name.partition(".")[0] not in ALLOWED_IMPORTS:
        return False
    for prefix in DENIED_MODULE_PREFIXES:  # "kata." denies kata's inside, not kata
        if (
            name.startswith(prefix)
            if prefix.endswith(".")
            else (name == prefix or name.startswith(prefix + "."))
        ):
            return False
    return True


@functools.cache
def _module_ids() -> dict[int, str]:
    """Denied API modules by identity: ``tf.io`` is ``tensorflow._api.v2.io``."""
    found = {}
    for prefix in DENIED_MODULE_PREFIXES:
        if prefix.endswith("."):
            continue
        module = _resolve(prefix)
        if isinstance(module, types.ModuleType):
            found[id(module)] = prefix
    return found


_GRANTED: list[Path] = []


@contextlib.contextmanager
def granting(directory: os.PathLike | str):
    """While the block runs, graded code may save and load files inside ``directory``
    (with the functions of ``FILE_FUNCTIONS``, never pickles)."""
    path = Path(directory).resolve()
    _GRANTED.append(path)
    try:
        yield path
    finally:
        _GRANTED.remove(path)


_PATH_KEYS = ("filepath", "file", "path", "fname", "filename")


def _arguments(f, args, kwargs) -> dict:
    """The arguments of a call of ``f`` by their parameters' names, positional ones too
    (``file`` of ``np.save(file, arr)``, ``filepath`` of ``save_model(model, filepath)``,
    ``allow_pickle`` of ``np.load(file, None, True)``); empty if they do not bind."""
    try:
        return inspect.signature(f).bind_partial(*args, **kwargs).arguments
    except (TypeError, ValueError):  # a call Python would refuse too, or no signature
        return {}


def _inside_granted(f, args, kwargs, what: str) -> None:
    bound = _arguments(f, args, kwargs)
    target = next((bound[k] for k in _PATH_KEYS if k in bound), None)
    if not isinstance(target, (str, os.PathLike)):
        raise Refused("files", _("{what} with a file object").format(what=what))
    path = Path(os.fspath(target)).resolve()
    if not any(path == d or d in path.parents for d in _GRANTED):
        raise Refused("files", _("{what} of {path}").format(what=what, path=os.fspath(target)))
    if bound.get("allow_pickle"):
        raise Refused("files", _("{what} with allow_pickle=True").format(what=what))


# The file functions handed out inside a granted directory, by id: calling one is vetted
# as the guard's own wrapper, not as the library function it wraps (whose origin,
# keras.src.saving for load_model, is denied).
_FILE_WRAPPERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _file_function(f, what: str, bound=None):
    @functools.wraps(f)
    def guarded(*args, **kwargs):
        full = (bound, *args) if bound is not None else args
        _inside_granted(f, full, kwargs, what)
        return f(*full, **kwargs)

    _FILE_WRAPPERS[id(guarded)] = guarded
    return guarded


class Guard:
    """The run-time hooks of one learner module (``module_name``)."""

    def __init__(self, module_name: str, own_private: frozenset[str]):
        self.module_name = module_name
        self.own_private = own_private  # the _names the learner's source defines

    # -- what belongs to the learner

    def owns(self, obj) -> bool:
        cls = obj if isinstance(obj, type) else type(obj)
        if isinstance(obj, (types.FunctionType, types.MethodType)):
            return getattr(obj, "__module__", None) == self.module_name
        return any(getattr(c, "__module__", None) == self.module_name for c in cls.__mro__)

    # -- vetting a value the learner is about to hold or call

    def vet(self, value, what: str):
        if isinstance(value, types.ModuleType):
            if not module_allowed(value):
                raise Refused("import", _("the module {name}").format(name=public_name(value)))
            return value
        if not callable(value):
            return value
        if _FILE_WRAPPERS.get(id(value)) is value:
            return value
        denied, files, allowed = _tables()
        key = id(getattr(value, "__func__", value))
        if key in allowed:
            return value
        if key in files and _GRANTED:
            bound = getattr(value, "__self__", None) if hasattr(value, "__func__") else None
            return _file_function(getattr(value, "__func__", value), what, bound)
        if key in denied:
            raise Refused("capability", denied[key])
        if isinstance(value, types.BuiltinMethodType) and value.__self__ is not None:
            owner = value.__self__
            if not isinstance(owner, types.ModuleType):
                method = getattr(type(owner), value.__name__, None)
                if method is not None and id(method) in denied:
                    raise Refused("capability", denied[id(method)])
            elif owner is builtins and value not in _SAFE_VALUES:
                raise Refused("builtin", value.__name__)
        origin = getattr(value, "__module__", None)
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)) and isinstance(
            origin, str
        ):
            if origin == "builtins" and value not in _SAFE_VALUES and not isinstance(value, type):
                raise Refused("builtin", getattr(value, "__name__", what))
            if origin.partition(".")[0] in _UNSAFE_ORIGINS or _denied_origin(origin):
                raise Refused("capability", f"{origin}.{getattr(value, '__name__', '?')}")
        return value

    # -- the hooks

    def getattr(self, obj, name, *default):
        if not isinstance(name, str):
            raise TypeError("attribute name must be string")
        self.check_read(obj, name)
        if isinstance(obj, types.ModuleType) and not module_allowed(obj):
            raise Refused("import", _("the module {name}").format(name=public_name(obj)))
        if isinstance(obj, str) or obj is str:
            if name in ("format", "format_map"):
                return _guarded_format(self, obj, name)
        try:
            value = getattr(obj, name)
        except AttributeError:
            if default:
                return default[0]
            raise
        return self.vet(value, f"{_label(obj)}.{name}")

    def check_read(self, obj, name: str) -> None:
        if isinstance(obj, _INTERNAL_TYPES) or (
            isinstance(obj, _RUNNING_TYPES) and name not in ("send", "throw", "close")
        ):
            raise Refused("internals", f"{type(obj).__name__}.{name}")
        if not name.startswith("_"):
            return
        if name.startswith("__") and name.endswith("__"):
            if name in READABLE_DUNDERS:
                return
            if name in DEFINABLE_DUNDERS and self.owns(obj):
                return
            raise Refused("dunder", f"{_label(obj)}.{name}")
        if name in self.own_private and self.owns(obj):
            return
        if name in KERAS_INTERNALS:
            return
        raise Refused("private", f"{_label(obj)}.{name}")

    def hasattr(self, obj, name) -> bool:
        try:
            self.getattr(obj, name)
        except AttributeError:
            return False
        return True

    def write(self, obj):
        if isinstance(obj, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType)):
            if not (isinstance(obj, types.FunctionType) and self.owns(obj)):
                raise Refused("write", _label(obj))
        if isinstance(obj, type) and not self.owns(obj):
            raise Refused("write", _label(obj))
        if isinstance(obj, (dict, list, set)) and type(obj) in (dict, list, set):
            return obj
        return _Writer(self, obj)

    def setattr(self, obj, name, value) -> None:
        setattr(self.write(obj), name, value)

    def delattr(self, obj, name) -> None:
        delattr(self.write(obj), name)

    def call(self, f, *args, **kwargs):
        if kwargs.get("safe_mode") is False:
            raise Refused("capability", "safe_mode=False")
        if "output_stream" in kwargs:
            raise Refused("capability", "output_stream=…")
        if f is type and len(args) == 3:
            raise Refused("dunder", "type(name, bases, namespace)")
        if f is not super and not isinstance(f, type):
            f = self.vet(f, getattr(f, "__qualname__", None) or getattr(f, "__name__", "?"))
        return f(*args, **kwargs)

    def import_(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level:
            raise Refused("import", _("a relative import"))
        if not _module_allowed(name):
            raise Refused("import", _("import {name}").format(name=name))
        module = __import__(name, globals, locals, fromlist, 0)
        for item in fromlist or ():
            if item == "*":
                raise Refused("import", f"from {name} import *")
            if hasattr(module, item):
                self.check_read(module, item)
                self.vet(getattr(module, item), f"{name}.{item}")
        if not fromlist:
            self.vet(sys.modules.get(name, module), name)
        return module

    def build_class(self, func, name, *bases, **kwds):
        cls = builtins.__build_class__(func, name, *bases, **kwds)
        for key in vars(cls):
            if key.startswith("__") and key.endswith("__") and key not in _CLASS_KEYS:
                raise Refused("dunder", f"{name}.{key}")
        return cls


_CLASS_KEYS = DEFINABLE_DUNDERS | {
    "__module__",
    "__qualname__",
    "__doc__",
    "__dict__",
    "__weakref__",
    "__annotations__",
    "__firstlineno__",
    "__static_attributes__",
    "__classcell__",
    "__orig_bases__",
    "__parameters__",
    "__dataclass_fields__",
    "__dataclass_params__",
    "__match_args__",
    "__abstractmethods__",
    "__slots__",
    "__signature__",
}  # noqa: E501 - what Python, dataclasses and abc put in a class on their own

_UNSAFE_ORIGINS = frozenset(
    {
        "os",
        "posix",
        "nt",
        "io",
        "_io",
        "sys",
        "subprocess",
        "shutil",
        "pickle",
        "_pickle",
        "marshal",
        "ctypes",
        "_ctypes",
        "importlib",
        "_imp",
        "gc",
        "inspect",
        "threading",
        "_thread",
        "signal",
        "socket",
        "_socket",
        "tempfile",
        "pathlib",
        "runpy",
        "code",
        "codeop",
        "pty",
        "multiprocessing",
        "atexit",
        "faulthandler",
        "tracemalloc",
        "mmap",
    }
)


def public_name(module: types.ModuleType) -> str:
    """TensorFlow's API modules live at ``tensorflow._api.v2.<part>``: the public name."""
    name = module.__name__
    for internal in ("tensorflow._api.v2.", "keras._tf_keras.keras.", "keras.api."):
        if name.startswith(internal):
            head = internal.split(".")[0]
            return f"{head}.{name[len(internal) :]}"
    return name


def _label(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return public_name(obj)
    if isinstance(obj, type):
        return obj.__qualname__
    return type(obj).__name__


class _Writer:
    """What ``_write_(obj)`` returns for an object: the writes land on ``obj`` once
    their names pass the rules."""

    __slots__ = ("_guard", "_obj")

    def __init__(self, guard: Guard, obj):
        object.__setattr__(self, "_guard", guard)
        object.__setattr__(self, "_obj", obj)

    def _check(self, name: str) -> None:
        guard, obj = self._guard, self._obj
        if name.startswith("__") and name.endswith("__"):
            raise Refused("dunder", f"{_label(obj)}.{name}")
        if name.startswith("_") and not guard.owns(obj) and name not in KERAS_INTERNALS:
            raise Refused("private", f"{_label(obj)}.{name}")

    def __setattr__(self, name, value):
        self._check(name)
        setattr(self._obj, name, value)

    def __delattr__(self, name):
        self._check(name)
        delattr(self._obj, name)

    def __setitem__(self, key, value):
        self._obj[key] = value

    def __delitem__(self, key):
        del self._obj[key]


class _Formatter(string.Formatter):
    def __init__(self, guard: Guard):
        self.guard = guard

    def get_field(self, field_name, args, kwargs):
        import _string

        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            obj = self.guard.getattr(obj, key) if is_attr else obj[key]
        return obj, first


def _guarded_format(guard: Guard, obj, name: str):
    formatter = _Formatter(guard)
    if obj is str:  # str.format(template, ...)
        if name == "format":
            return lambda template, *a, **k: formatter.vformat(template, a, k)
        return lambda template, mapping: formatter.vformat(template, (), mapping)
    if name == "format":
        return lambda *a, **k: formatter.vformat(obj, a, k)
    return lambda mapping: formatter.vformat(obj, (), mapping)


_SAFE_NAMES = (
    "abs all any ascii bin bool bytes callable chr classmethod complex dict dir divmod "
    "enumerate filter float format frozenset hash hex id int isinstance issubclass iter len "
    "list map max min next object oct ord pow print property range repr reversed round set "
    "slice sorted staticmethod str sum super tuple type zip NotImplemented Ellipsis"
).split()
_SAFE_VALUES = [getattr(builtins, n) for n in _SAFE_NAMES]
_EXCEPTIONS = {
    n: v
    for n, v in vars(builtins).items()
    if isinstance(v, type) and issubclass(v, Exception) and not n.startswith("_")
}


def _own_private_names(tree: ast.AST) -> frozenset[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return frozenset(n for n in names if n.startswith("_") and not n.startswith("__"))


def guarded_globals(module_name: str, own: frozenset[str]) -> dict:
    """The globals a learner module runs in: the guard's hooks and safe builtins
    (``own``: the module's private names, from ``compile_module``)."""
    guard = Guard(module_name, own)
    safe = {n: getattr(builtins, n) for n in _SAFE_NAMES} | _EXCEPTIONS
    safe |= {
        "getattr": guard.getattr,
        "hasattr": guard.hasattr,
        "setattr": guard.setattr,
        "delattr": guard.delattr,
        "__import__": guard.import_,
        "__build_class__": guard.build_class,
        "__name__": "builtins",
    }
    return {
        "__builtins__": safe,
        "__name__": module_name,
        "_getattr_": guard.getattr,
        "_write_": guard.write,
        "_call_": guard.call,
        "_getitem_": operator.getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplacevar,
        "_apply_": lambda f, *a, **k: guard.call(f, *a, **k),
    }


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "@=": operator.imatmul,
    "<<=": operator.ilshift, ">>=": operator.irshift, "&=": operator.iand, "^=": operator.ixor,
    "|=": operator.ior,
}  # fmt: skip


def _inplacevar(op: str, x, y):
    return _INPLACE[op](x, y)


def run_module(module: types.ModuleType, text: str, filename: str) -> None:
    """Compile ``text`` with the guard and run it as ``module`` (its ``__name__`` set)."""
    run_pieces(module, [(text, filename)])


def run_pieces(module: types.ModuleType, pieces: list[tuple[str, str]]) -> None:
    """Run the ``(text, filename)`` pieces in order as ``module``, guarded: a module's
    file, or the cells of a notebook (each keeps its own file name and lines)."""
    if settings.get(SWITCH) == "off":  # kata grade --unguarded: the sandbox's tests only
        for text, filename in pieces:
            exec(compile(text, filename, "exec", dont_inherit=True), module.__dict__)
        return
    compiled = [compile_module(text, filename) for text, filename in pieces]
    own = frozenset().union(*(names for _code, names in compiled))
    module.__dict__.update(guarded_globals(module.__name__, own))
    _no_autograph(module.__name__)
    for code, _names in compiled:
        exec(code, module.__dict__)


def _no_autograph(module_name: str) -> None:
    """AutoGraph would recompile a ``tf.function``'s Python source without the guard:
    the learner's functions are traced as they are."""
    try:
        from tensorflow.python.autograph.core import config, config_lib
    except ImportError:
        return
    rule = config_lib.DoNotConvert(module_name)
    if not any(getattr(r, "_prefix", None) == module_name for r in config.CONVERSION_RULES):
        config.CONVERSION_RULES = (rule, *config.CONVERSION_RULES)


__all__ = [
    "Refused",
    "compile_module",
    "decode",
    "granting",
    "guarded_globals",
    "run_module",
    "run_pieces",
]
