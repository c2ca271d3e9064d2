"""Graded suite for ex08_read_write: tensors in NumPy archives, parameters in Keras 3's
weights format, reusing layers, whole models in .keras files (loaded in a fresh process
too). The learner's code writes only into the test's ``scratch`` directory."""

import shutil
import traceback

import keras
import numpy as np
import pytest
from pytest_check import check

from kata.core.i18n import N_, _
from kata.testing import timelimit
from kata.testing.shaping import looks_like
from tests.helpers import (
    assert_unchanged,
    fresh_values,
    kind_of,
    learner_line,
    must_raise,
    put,
    snapshot,
    values,
)
from tests.keras_files import Affine, Centered, fresh_process

task = pytest.mark.task
L = keras.layers


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def raised_in(exc: BaseException, function: str) -> bool:
    """Whether ``exc`` passed through a frame of ``function`` (a library's, by name)."""
    return any(frame.name == function for frame in traceback.extract_tb(exc.__traceback__))


# ------------------------------------------------------------------ tensors


def sample_tensors():
    """Tensors of several shapes and dtypes, the book's two lengths among them."""
    return {
        "x": np.arange(3, dtype="int64"),
        "y": np.random.normal(size=4).astype("float32"),
        "weights": np.random.normal(size=(3, 4)).astype("float32"),
        "mask": np.random.uniform(size=(2, 5)) < 0.5,
        "half": np.random.normal(size=(2, 2)).astype("float16"),
        "scalar": np.float64(np.random.normal()),
        "image": np.random.randint(0, 256, size=(2, 5, 5, 3)).astype("uint8"),
        "empty": np.zeros((0, 3), "float32"),
    }


def stored(path) -> dict:
    """What the test reads from an ``.npz`` archive (pickle off)."""
    archive = np.load(path, allow_pickle=False)
    try:
        return dict(zip(archive.files, (archive[name] for name in archive.files)))
    finally:
        archive.close()


def same_tensors(got: dict, want: dict) -> list[str]:
    """The names whose value, shape or dtype differ (missing or extra ones too)."""
    out = [f"{name} ({_('missing')})" for name in want if name not in got]
    out += [f"{name} ({_('extra')})" for name in got if name not in want]
    for name in want:
        if name in got:
            a, b = np.asarray(got[name]), np.asarray(want[name])
            if a.dtype != b.dtype or a.shape != b.shape or not np.array_equal(a, b):
                out.append(f"{name}: {a.dtype}{a.shape} / {b.dtype}{b.shape}")
    return out


def save_in(ex, path, tensors):
    """``save_tensors``; NumPy's ragged-array error names the book's ``np.save`` of a list."""
    try:
        ex.save_tensors(path, **tensors)
    except ValueError as exc:
        if raised_in(exc, "save") and not raised_in(exc, "savez"):
            raise AssertionError(
                looks_like(
                    _(
                        "the book's np.save(path, [x, y]) of tensors of different shapes: a "
                        "ragged list is no array on current NumPy; np.savez(path, x=x, y=y) "
                        "stores named arrays of any shapes"
                    )
                )
            ) from None
        raise


@task("save_tensors")
def test_save_tensors_round_trips_names_shapes_dtypes(ex, scratch):
    want = sample_tensors()
    path = scratch / "tensors.npz"
    save_in(ex, path, want)
    with check:
        assert files_in(scratch) == ["tensors.npz"], _(
            "save_tensors(path, ...) should write exactly the file path; the folder holds {files}"
        ).format(files=files_in(scratch))
    if path.exists():
        problems = same_tensors(stored(path), want)
        with check:
            assert not problems, _(
                "np.load(path) does not give back the tensors saved (value, shape or dtype): {problems}"
            ).format(problems="; ".join(problems))


@task("save_tensors")
def test_save_tensors_the_book_s_two_lengths(ex, scratch):
    x, y = np.arange(3.0), np.arange(4.0)
    path = scratch / "x-files.npz"
    save_in(ex, path, {"x": x, "y": y})
    got = stored(path) if path.exists() else {}
    with check:
        assert not same_tensors(got, {"x": x, "y": y}), _(
            "the book's x (3 values) and y (4 values), saved together, should load back by name"
        )


@task("save_tensors")
def test_save_tensors_of_keras_variables_and_tensors(ex, scratch):
    variable = keras.Variable(np.random.normal(size=(2, 3)).astype("float32"))
    tensor = keras.ops.convert_to_tensor(np.arange(6, dtype="int32").reshape(3, 2))
    path = scratch / "params.npz"
    save_in(ex, path, {"kernel": variable, "ids": tensor, "listed": [[1.5, 2.5]]})
    want = {"kernel": values(variable), "ids": np.arange(6, dtype="int32").reshape(3, 2)}
    want["listed"] = np.array([[1.5, 2.5]])
    problems = same_tensors(stored(path), want) if path.exists() else [_("no file")]
    with check:
        assert not problems, _(
            "a Keras variable, a tensor and a list should be stored as their NumPy values: {problems}"
        ).format(problems="; ".join(problems))


@task("save_tensors")
def test_save_tensors_refuses_another_suffix(ex, scratch):
    for name in ("tensors", "tensors.npy"):
        with must_raise(ValueError, f"save_tensors(folder / {name!r}, x=...)"):
            ex.save_tensors(scratch / name, x=np.ones(2))
    with check:
        assert files_in(scratch) == [], _(
            "a refused call writes nothing; the folder holds {files} (np.savez adds .npz to a "
            "name without it)"
        ).format(files=files_in(scratch))


@task("save_tensors")
def test_save_tensors_never_pickles(ex, scratch):
    objects = np.array([{"a": 1}, None], dtype=object)
    with must_raise(ValueError, N_("save_tensors(path, x=<an object array>)")):
        ex.save_tensors(scratch / "objects.npz", x=objects)
    with must_raise(ValueError, N_("save_tensors(path) with no tensor")):
        ex.save_tensors(scratch / "nothing.npz")
    with check:
        assert files_in(scratch) == [], _(
            "an object array needs pickle and is refused, writing nothing; the folder holds {files}"
        ).format(files=files_in(scratch))


@task("load_tensors")
def test_load_tensors_gives_back_exactly_what_was_saved(ex, scratch):
    want = sample_tensors()
    path = scratch / "saved.npz"
    np.savez(path, **want)
    got = ex.load_tensors(path)
    with check:
        assert type(got) is dict, _(
            "return a plain dict of name -> array, got {kind} (np.load's archive reads "
            "lazily from an open file: copy it into a dict)"
        ).format(kind=kind_of(got))
    problems = same_tensors(dict(got), want) if hasattr(got, "keys") else [_("not a mapping")]
    with check:
        assert not problems, _(
            "the tensors loaded differ from the ones saved (value, shape or dtype): {problems}"
        ).format(problems="; ".join(problems))
    arrays = [type(v).__name__ for v in dict(got).values() if not isinstance(v, np.ndarray)]
    with check:
        assert not arrays, _("every value is a NumPy array; got {kinds}").format(kinds=arrays)


@task("load_tensors")
def test_load_tensors_arrays_outlive_the_file(ex, scratch):
    path = scratch / "gone.npz"
    w = np.random.normal(size=(4, 4)).astype("float32")
    np.savez(path, w=w)
    got = ex.load_tensors(path)
    path.unlink()
    try:
        value = np.array(got["w"])
    except Exception as exc:  # noqa: BLE001  (a lazy archive fails here)
        value = None
        error = type(exc).__name__
    with check:
        assert value is not None and np.array_equal(value, w), _(
            "after the file is removed, the arrays returned must still be there (read them "
            "all, then close the archive): {error}"
        ).format(error=error if value is None else _("other values"))


@task("load_tensors")
def test_load_tensors_refuses_pickled_arrays(ex, scratch):
    path = scratch / "pickled.npz"
    np.savez(path, x=np.array([{"code": "anything"}], dtype=object), allow_pickle=True)
    with must_raise(ValueError, N_("load_tensors(<an archive holding a pickled array>)")):
        ex.load_tensors(path)


@task("load_tensors")
def test_load_tensors_reads_what_save_tensors_wrote(ex, scratch):
    want = {"a": np.random.normal(size=(3, 2)).astype("float32"), "b": np.arange(5)}
    path = scratch / "both.npz"
    np.savez(path, **want)
    got = ex.load_tensors(str(path))
    with check:
        assert hasattr(got, "keys") and not same_tensors(dict(got), want), _(
            "load_tensors(str path) should read the archive just as with a pathlib.Path"
        )


# ------------------------------------------------------------------- params


def mlp(width=20, hidden=16, outputs=4):
    return keras.Sequential(
        [L.Dense(hidden, activation="relu"), L.Dense(hidden, activation="relu"), L.Dense(outputs)]
    )


def built(net, width):
    net.build((None, width))
    return reset(net)


def reset(net):
    """Glorot-uniform kernels and random biases, set in place."""
    fresh_values(net.weights)
    for v in net.weights:  # non-zero biases, so a bias that is not loaded shows
        if len(v.shape) == 1:
            put(v, np.random.normal(size=v.shape).astype("float32"))
    return net


def tied(hidden=8):
    shared = L.Dense(hidden, activation="relu")
    return keras.Sequential([L.Dense(hidden, activation="relu"), shared, shared, L.Dense(2)])


class Mlp(keras.Model):
    """The book's subclassed MLP: it has no variables until it is built or called."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(16, activation="relu")
        self.out = L.Dense(3)

    def call(self, x):
        return self.out(self.hidden(x))


def reference_net(models):
    """A built MLP on 20 inputs from the session cache, its values reset per test."""
    return reset(models.get("ex08_mlp", lambda: built(mlp(), 20)))


def weights_in(path, make, width):
    """The values a reference net of ``make()``'s architecture loads from ``path``."""
    net = make()
    net.build((None, width))
    net.load_weights(path)
    return [values(v) for v in net.weights]


@task("save_params")
def test_save_params_writes_keras_weights(ex, models, scratch):
    net = reference_net(models)
    path = scratch / "mlp.weights.h5"
    ex.save_params(net, path)
    with check:
        assert files_in(scratch) == ["mlp.weights.h5"], _(
            "save_params(net, folder / 'mlp.weights.h5') should write that file only; the folder "
            "holds {files}"
        ).format(files=files_in(scratch))
    if path.exists():
        try:
            loaded = weights_in(path, mlp, 20)
        except Exception as exc:  # noqa: BLE001  (any failure: not Keras's weights format)
            loaded = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
        same = isinstance(loaded, list) and all(
            np.array_equal(a, values(b)) for a, b in zip(loaded, net.weights)
        )
        with check:
            assert same, _(
                "load_weights of the file into a net of the same architecture should give the "
                "saved values back (Keras 3's weights format, model.save_weights): {got}"
            ).format(got=loaded if isinstance(loaded, str) else _("other values"))


@task("save_params")
def test_save_params_refuses_the_book_s_file_names(ex, models, scratch):
    net = reference_net(models)
    for name in ("mlp.params", "mlp.h5", "mlp.keras"):
        with must_raise(ValueError, f"save_params(net, folder / {name!r})"):
            ex.save_params(net, scratch / name)
    written = files_in(scratch)
    with check:
        assert not written, looks_like(
            _(
                "a file name other than *.weights.h5 saved anyway ({files}): Keras 3's "
                "save_weights wants names ending in .weights.h5; raise ValueError and write "
                "nothing, do not save under another name"
            ).format(files=", ".join(written))
        )


@task("save_params")
def test_save_params_refuses_an_unbuilt_net(ex, scratch):
    net = mlp()
    with must_raise(ValueError, N_("save_params(<a net never built>, folder / 'mlp.weights.h5')")):
        ex.save_params(net, scratch / "mlp.weights.h5")
    with check:
        assert files_in(scratch) == [] and not net.built, _(
            "a net never built has no parameters to save: ValueError, nothing written, the net "
            "left unbuilt; got files {files}, built {built}"
        ).format(files=files_in(scratch), built=net.built)


@task("save_params")
def test_save_params_of_a_tied_net(ex, scratch):
    net = built(tied(), 6)
    path = scratch / "tied.weights.h5"
    ex.save_params(net, str(path))
    loaded = weights_in(path, tied, 6) if path.exists() else []
    with check:
        assert len(loaded) == 6 and all(
            np.array_equal(a, values(b)) for a, b in zip(loaded, net.weights)
        ), _("a tied net's parameters (6 variables, the shared ones once) should load back")


def load_with(ex, make, path, shape):
    """``load_params`` with the nets ``make_net`` made recorded; "load before build" named."""
    made = []

    def make_net():
        made.append(make())
        return made[-1]

    try:
        net = ex.load_params(make_net, path, shape)
    except ValueError as exc:
        # decided by the learner's net (still without variables) and the learner's own
        # line, not by Keras's message or frames (Keras filters them out of tracebacks)
        if made and not made[-1].built and "load_weights" in learner_line(exc):
            raise AssertionError(
                looks_like(
                    _(
                        "load_weights into a net not built yet: Keras 3 loads only into "
                        "existing variables; build the net for input_shape first"
                    )
                )
            ) from None
        raise
    return net, made


def saved_reference(scratch, make, width, name):
    net = built(make(), width)
    path = scratch / name
    net.save_weights(path)
    return net, path


@task("load_params")
def test_load_params_gives_a_fresh_net_with_the_saved_values(ex, scratch):
    source, path = saved_reference(scratch, mlp, 20, "mlp.weights.h5")
    net, made = load_with(ex, mlp, path, (None, 20))
    with check:
        assert len(made) == 1 and net is made[0], _(
            "call make_net() once and return that net; it was called {n} time(s)"
        ).format(n=len(made))
    got = [values(v) for v in net.weights]
    with check:
        assert len(got) == 6 and all(
            np.array_equal(a, values(b)) for a, b in zip(got, source.weights)
        ), _("the net returned should hold the saved values, every kernel and bias")
    x = np.random.normal(size=(5, 20)).astype("float32")
    with check:
        assert np.allclose(values(net(x)), values(source(x)), atol=1e-6), _(
            "the net loaded should compute what the saved one computes"
        )


@task("load_params")
def test_load_params_into_a_subclassed_model(ex, scratch):
    source = Mlp()
    source(np.zeros((1, 7), "float32"))
    path = scratch / "mlp.weights.h5"
    source.save_weights(path)
    net, _made = load_with(ex, Mlp, path, (None, 7))
    x = np.random.normal(size=(4, 7)).astype("float32")
    with check:
        assert net.built and np.allclose(values(net(x)), values(source(x)), atol=1e-6), _(
            "a subclassed model (the book's MLP class), never called, should be built for "
            "input_shape and then hold the saved values"
        )


@task("load_params")
def test_load_params_keeps_tied_layers_tied(ex, scratch):
    source, path = saved_reference(scratch, tied, 6, "tied.weights.h5")
    net, _made = load_with(ex, tied, path, (None, 6))
    layers = net.layers
    with check:
        assert (
            len(layers) == 4 and layers[1] is layers[2] and layers[1].kernel is layers[2].kernel
        ), _("the tied layers should still be one layer with one kernel after loading")
    with check:
        assert len(net.weights) == 6 and all(
            np.array_equal(values(a), values(b)) for a, b in zip(net.weights, source.weights)
        ), _("the tied net should hold the saved values (6 variables, the shared ones once)")


@task("load_params")
def test_load_params_refuses_a_file_of_another_architecture(ex, scratch):
    _source, path = saved_reference(scratch, lambda: mlp(hidden=5), 20, "other.weights.h5")
    with must_raise(
        ValueError, N_("load_params(<nets of 16 units>, <a file of 5 units>, (None, 20))")
    ):
        ex.load_params(mlp, path, (None, 20))


# ----------------------------------------------------------------- transfer


def pair(models):
    """Two built nets whose first two layers agree (Flatten, Dense(8)), heads differ."""

    def make(outputs):
        def build():
            net = keras.Sequential(
                [L.Flatten(), L.Dense(8, activation="relu"), L.Dense(6), L.Dense(outputs)]
            )
            net.build((None, 2, 5))
            return net

        return build

    src = models.get("ex08_transfer_src", make(1))
    dst = models.get("ex08_transfer_dst", make(3))
    for net in (src, dst):
        for v in net.weights:
            put(v, np.random.normal(size=v.shape).astype("float32"))
    return src, dst


def given_variable(exc: BaseException, src, dst) -> str:
    """``dst.layers[i].attribute`` when ``exc`` came out of Keras's ``Layer.__setattr__``
    giving a layer of ``dst`` a variable of ``src`` (Keras refuses a new variable on a
    built layer), else "": read from the objects in the traceback's frames, not from
    the message."""
    for frame, _line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_name != "__setattr__":
            continue
        here = frame.f_locals
        layer, value = here.get("self"), here.get("value")
        if any(value is v for v in src.weights):
            for i, own in enumerate(dst.layers):
                if layer is own:
                    return f"dst.layers[{i}].{here.get('name')}"
    return ""


def transfer(ex, src, dst, n):
    """``transfer_first_layers``; src's variables handed to dst's layers are named."""
    try:
        ex.transfer_first_layers(src, dst, n)
    except ValueError as exc:
        target = given_variable(exc, src, dst)
        if not target:
            raise
        raise AssertionError(
            looks_like(
                _(
                    "src's variables given to dst's layers ({target} = a variable of src): "
                    "Keras refuses a new variable on a built layer, and a shared one would tie "
                    "the two nets; copy the values (set_weights(get_weights()), assign)"
                ).format(target=target)
            )
        ) from None


@task("transfer_first_layers")
def test_transfer_copies_the_first_layers_values(ex, models):
    src, dst = pair(models)
    src_before, head_before = snapshot(src), snapshot(dst.layers[3].weights)
    transfer(ex, src, dst, 3)
    for i in (1, 2):
        same = all(
            np.array_equal(values(a), values(b))
            for a, b in zip(src.layers[i].weights, dst.layers[i].weights)
        )
        with check:
            assert same, _("dst.layers[{i}] should hold the values of src.layers[{i}]").format(i=i)
    with check:
        assert all(np.array_equal(values(v), old) for v, old in head_before), _(
            "layers from n on are not touched: dst.layers[3] changed"
        )
    with check:
        assert_unchanged(src, src_before)


@task("transfer_first_layers")
def test_transfer_copies_values_not_variables(ex, models):
    src, dst = pair(models)
    own = list(dst.weights)
    transfer(ex, src, dst, 2)
    shared = [v.path for v in dst.weights if any(v is w for w in src.weights)]
    replaced = [v.path for v, w in zip(dst.weights, own) if v is not w] + (
        [] if len(dst.weights) == len(own) else [_("the number of variables")]
    )
    with check:
        assert not shared and not replaced, looks_like(
            _(
                "src's variables put into dst ({paths}): the two nets are tied now, and training "
                "one moves the other; copy the values (set_weights, assign)"
            ).format(paths=", ".join(shared + replaced))
        )
    before = values(dst.layers[1].kernel)
    put(src.layers[1].kernel, np.zeros(tuple(src.layers[1].kernel.shape), "float32"))
    with check:
        assert np.array_equal(values(dst.layers[1].kernel), before), _(
            "after the transfer, a change to src's kernel should leave dst's as it is"
        )


@task("transfer_first_layers")
def test_transfer_mismatch_changes_nothing(ex, models):
    src, dst = pair(models)
    before = snapshot(dst)
    with must_raise(ValueError, N_("transfer_first_layers(src, dst, 4) where the heads differ")):
        ex.transfer_first_layers(src, dst, 4)
    with check:
        try:
            assert_unchanged(dst, before)
        except AssertionError as exc:
            raise AssertionError(
                looks_like(
                    _(
                        "the first layers copied before the mismatch was found (Keras's "
                        "set_weights does the same): check every layer first, then copy"
                    )
                )
                + "\n"
                + str(exc)
            ) from None


@task("transfer_first_layers")
def test_transfer_bad_n_changes_nothing(ex, models):
    src, dst = pair(models)
    before = snapshot(dst)
    for n in (0, -1, 5, 2.0, True):
        with must_raise(ValueError, f"transfer_first_layers(src, dst, {n!r})"):
            ex.transfer_first_layers(src, dst, n)
    with check:
        assert_unchanged(dst, before)


@task("transfer_first_layers")
def test_transfer_into_an_unbuilt_net(ex, models):
    src, _dst = pair(models)
    dst = keras.Sequential([L.Flatten(), L.Dense(8, activation="relu"), L.Dense(6), L.Dense(3)])
    with must_raise(ValueError, N_("transfer_first_layers(src, <a net never built>, 2)")):
        ex.transfer_first_layers(src, dst, 2)
    with check:
        assert dst.weights == [], _("an unbuilt dst is refused and left without variables")


# -------------------------------------------------------------------- .keras


def custom_net():
    """Keras layers and the reference custom layers, built by keras.Input."""
    net = keras.Sequential(
        [keras.Input((5,)), L.Dense(4, activation="relu"), Affine(3), Centered(), L.Dense(2)]
    )
    for v in net.weights:
        put(v, np.random.normal(size=v.shape).astype("float32"))
    return net


def roundtrip(ex, once, scratch, kept):
    """The learner's ``roundtrip_model`` of the custom net, called once per run into the
    asking test's ``scratch``: ``(net, whether the file was written, the test's copy of
    it in ``kept``, the model returned)``, shared by the tests that only read them."""

    def make():
        net = custom_net()
        path = scratch / "net.keras"
        loaded = ex.roundtrip_model(net, path)
        copy = kept / "net.keras"
        if path.is_file():
            shutil.copyfile(path, copy)
        return net, path.is_file(), copy, loaded

    return once("roundtrip_model(custom_net, net.keras)", make)


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """The tests' own folder, where they keep a copy of the .keras file the learner's
    code wrote (its ``scratch`` is gone after the test that called it)."""
    return tmp_path_factory.mktemp("keras-files")


@pytest.fixture(autouse=True)
def fresh(request):
    """The run's fresh process (``tests.keras_files.fresh_process``), started by the first
    test of this exercise: it imports TensorFlow while the other tests run."""
    return fresh_process(request)


@task("roundtrip_model")
def test_roundtrip_model_returns_the_loaded_model(ex, once, scratch, kept):
    net, written, _copy, loaded = roundtrip(ex, once, scratch, kept)
    with check:
        assert isinstance(loaded, keras.Model) and loaded is not net, _(
            "return the model loaded from the file (a new keras.Model), not the net given; got {what}"
        ).format(what=_("the same net") if loaded is net else type(loaded).__name__)
    with check:
        assert written, _("roundtrip_model(net, path) should write the .keras file at path")
    if isinstance(loaded, keras.Model) and loaded is not net:
        kinds = [type(layer).__name__ for layer in loaded.layers]
        with check:
            assert kinds == ["Dense", "Affine", "Centered", "Dense"], _(
                "the loaded model's layers are {kinds}; expected those of the net saved"
            ).format(kinds=kinds)


@task("roundtrip_model")
def test_roundtrip_model_keeps_the_values(ex, once, scratch, kept):
    net, _written, _copy, loaded = roundtrip(ex, once, scratch, kept)
    x = np.random.normal(size=(6, 5)).astype("float32")
    with check:
        assert len(loaded.weights) == len(net.weights) and all(
            np.array_equal(values(a), values(b)) for a, b in zip(loaded.weights, net.weights)
        ), _("the loaded model should hold the saved values")
    with check:
        assert np.allclose(values(loaded(x)), values(net(x)), atol=1e-6), _(
            "the loaded model should compute what the saved one computes"
        )


@task("roundtrip_model")
def test_roundtrip_model_keeps_the_architecture(ex, once, scratch, kept):
    net, _written, copy, loaded = roundtrip(ex, once, scratch, kept)
    configs = [
        (
            type(a).__name__,
            a.get_config().get("units"),
            type(b).__name__,
            b.get_config().get("units"),
        )
        for a, b in zip(net.layers, loaded.layers)
    ]
    with check:
        assert all(c[0] == c[2] and c[1] == c[3] for c in configs) and len(configs) == 4, _(
            "the loaded layers should have the saved layers' classes and configs: {configs}"
        ).format(configs=configs)
    try:
        again = keras.saving.load_model(copy)
    except Exception as exc:  # noqa: BLE001
        again = exc
    with check:
        assert isinstance(again, keras.Model), _(
            "the file at path should be a whole model that keras.saving.load_model reads: {error}"
        ).format(error=again)


@task("roundtrip_model")
def test_roundtrip_model_refuses_other_suffixes(ex, scratch):
    net = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    for name in ("net.h5", "net.weights.h5", "net"):
        with must_raise(ValueError, f"roundtrip_model(net, folder / {name!r})"):
            ex.roundtrip_model(net, scratch / name)
    with check:
        assert files_in(scratch) == [], _(
            "a refused call writes nothing; the folder holds {files}"
        ).format(files=files_in(scratch))


@task("roundtrip_model")
def test_roundtrip_model_runs_no_code_from_the_file(ex, scratch):
    net = keras.Sequential([keras.Input((3,)), L.Lambda(lambda t: t * 2.0), L.Dense(2)])
    with must_raise(ValueError, N_("roundtrip_model(<a net holding a Lambda layer>, path)")):
        ex.roundtrip_model(net, scratch / "lambda.keras")


@task("roundtrip_model")
def test_roundtrip_model_file_loads_in_a_fresh_process(ex, once, scratch, kept, fresh):
    net, _written, copy, _loaded = roundtrip(ex, once, scratch, kept)
    x = np.random.normal(size=(3, 5)).astype("float32")
    if copy.is_file():
        with timelimit.not_counted():  # the wait is on the kata's process, not on your code
            answer = fresh.load(copy, x)
    else:
        answer = {"error": _("no file written")}
    with check:
        assert "error" not in answer, _(
            "the .keras file written by roundtrip_model does not load in a fresh Python process "
            "that imported only your module and the net's registered layers: {error}"
        ).format(error=answer.get("error"))
    if "y" in answer:
        with check:
            assert np.allclose(np.asarray(answer["y"]), values(net(x)), atol=1e-5), _(
                "in a fresh process the file loads a model that computes other outputs"
            )
