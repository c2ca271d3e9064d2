"""The graded suites' fixtures: ``ex`` (the module under test), ``models`` (shared
reference models), ``once`` (what the learner's code made, shared by read-only tests),
``scratch`` and the per-test seeding. Registered by ``kata.testing.plugin``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from kata.core import seeding, target
from kata.core.i18n import _
from kata.testing import keys, timelimit


class MissingName(AttributeError):
    """The learner's module does not define a name the test needs."""


class Submission:
    """The learner's module, with a friendly error for a name it lacks."""

    def __init__(self, module, exercise: str, where: str):
        self._module, self._exercise, self._where = module, exercise, where

    def __getattr__(self, name):
        try:
            return getattr(self._module, name)
        except AttributeError:
            raise MissingName(
                _(
                    "{path} defines no `{name}`: task {exercise}.{name} asks for it (check its "
                    "spelling, or restore the stub with make reset EX={exercise})"
                ).format(path=self._where, name=name, exercise=self._exercise)
            ) from None


@pytest.fixture
def ex(request):
    """The module under test for this test file's exercise, loaded from the target."""
    name = keys.exercise_of(request.node)
    if name is None:
        raise RuntimeError("the `ex` fixture serves tests/test_<exercise>.py files only")
    run = request.config.stash[keys.RUN]
    if name not in run.modules:
        try:
            run.modules[name] = target.load(name, run.target)
        except target.LoadError as exc:
            run.modules[name] = exc
        except timelimit.TimedOut:  # looping at import: report it once, as a LoadError
            timelimit.forget(request.node)
            run.modules[name] = looping_at_import(name, run.target)
    loaded = run.modules[name]
    if isinstance(loaded, target.LoadError):
        raise loaded
    return Submission(loaded, name, target.where(name, run.target))


def looping_at_import(name: str, directory: Path) -> target.LoadError:
    """What loading module ``name`` of ``directory`` is when its time limit passed."""
    said = _("{path}: still importing after the time limit: an endless loop at the top level?")
    return target.LoadError(said.format(path=target.describe(target.find(name, directory))))


class ModelCache:
    """Reference models shared by the tests of a process: ``get(key, build)`` returns the
    model ``build()`` made under ``key`` while its structure is untouched (the same layers
    holding the same ``kernel`` and ``bias``, the same variables with the same shapes and
    trainable flags; values are not guarded), else a new one, built seeded from ``key``
    alone."""

    def __init__(self):
        self._models: dict = {}

    @staticmethod
    def _fingerprint(net) -> tuple:
        layers = tuple(
            (id(x), id(getattr(x, "kernel", None)), id(getattr(x, "bias", None)))
            for x in (net._flatten_layers() if hasattr(net, "_flatten_layers") else ())
        )
        variables = tuple((id(v), tuple(v.shape), bool(v.trainable)) for v in net.weights)
        trainable = tuple(id(v) for v in net.trainable_weights)
        return (bool(net.built), layers, variables, trainable)

    def get(self, key, build):
        entry = self._models.get(key)
        if entry is not None and self._fingerprint(entry[0]) == entry[1]:
            return entry[0]
        with seeding.isolated(f"models::{key}"):
            net = build()
        self._models[key] = (net, self._fingerprint(net))
        return net


_MODELS = ModelCache()


@pytest.fixture(scope="session")
def models():
    """The process's ``ModelCache``: ``models.get("name", factory)``."""
    return _MODELS


class Once:
    """``once(key, make)``: ``make()``'s result (or exception) the first time ``key`` is asked
    for, the same afterwards; seeded from ``key`` alone, whichever test asks first."""

    def __init__(self, exercise: str, made: dict):
        self._exercise, self._made = exercise, made

    def __call__(self, key: str, make):
        key = f"{self._exercise}::{key}"
        if key not in self._made:
            with seeding.isolated(key):
                try:
                    self._made[key] = (make(), None)
                except Exception as exc:  # the learner's error, raised again for each test
                    self._made[key] = (None, (exc, exc.__traceback__))
        value, error = self._made[key]
        if error is not None:
            raise error[0].with_traceback(error[1])
        return value


@pytest.fixture
def once(request):
    """What the learner's code made, shared by the tests of this exercise that ask for
    the same key in this run (see ``Once``)."""
    return Once(keys.exercise_of(request.node), request.config.stash[keys.RUN].made)


@pytest.fixture(autouse=True)
def _kata_seed(request):
    """Seed everything from KATA_SEED and this test's stable name."""
    seeding.seed_everything(
        seeding.seed_for(f"{keys.exercise_of(request.node)}::{request.node.name}")
    )


@pytest.fixture
def scratch():
    """A fresh, empty directory outside the repository that the learner's code may
    save files into and load them from (``kata.core.guard.granting``); removed after
    the test. Graded code reaches no other directory."""
    from kata.core import guard

    with tempfile.TemporaryDirectory(prefix="kata-scratch-", ignore_cleanup_errors=True) as name:
        with guard.granting(name):
            yield Path(name)
