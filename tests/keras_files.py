"""``.keras`` files in the graded suites: the reference custom layers the saved nets hold,
and a fresh Python process that loads such files.

A custom layer round-trips through a ``.keras`` file only where its class is
registered: the process that saved the file usually has it (a notebook remembers
what it ran), a fresh one has only what it imports. ``FreshLoader`` starts
``sys.executable`` on this file: the child imports Keras, these reference layers
and the learner's module through ``kata.core.target.load`` (the loader of the
suites), then loads each ``.keras`` file it is sent and answers with the loaded
model's outputs. The child is started early (it imports TensorFlow while the other
tests run: ``fresh_process`` starts it at the first test of the exercise, visible or
hidden) and answers on a pipe, read with short timeouts so that the per-test time
limit can stop the waiting test. One process per run, ended with the run.

Run as a script it is that child: ``python tests/keras_files.py ROOT TARGET EXERCISE``.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import keras

PACKAGE = "kata_tests"  # the registered names of the reference layers: "kata_tests>..."


@keras.saving.register_keras_serializable(package=PACKAGE)
class Centered(keras.layers.Layer):
    """The reference ``CenteredLayer``: ``inputs - mean(inputs)``."""

    def call(self, inputs):
        return inputs - keras.ops.mean(inputs)


@keras.saving.register_keras_serializable(package=PACKAGE)
class Affine(keras.layers.Layer):
    """The reference ``MyDense``: ``relu(inputs @ kernel + bias)``, ``units`` in its config."""

    def __init__(self, units, **kwargs):
        self.units = int(units)
        super().__init__(**kwargs)

    def build(self, input_shape):
        shape = (input_shape[-1], self.units)
        self.kernel = self.add_weight(shape=shape, initializer="random_normal", name="kernel")
        self.bias = self.add_weight(shape=shape[1:], initializer="zeros", name="bias")

    def call(self, inputs):
        return keras.ops.relu(keras.ops.matmul(inputs, self.kernel) + self.bias)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


class FreshLoader:
    """A fresh Python process that loads ``.keras`` files (see the module's docstring).

    ``FreshLoader(target, exercise)`` starts it; ``load(path, x, timeout)`` returns
    ``{"y": outputs, "layers": class names}`` or ``{"error": "Type: first line"}``;
    ``close()`` ends it.
    """

    def __init__(self, target: Path, exercise: str):
        from kata import ROOT
        from kata.core import target as targets

        self._live = None
        source = targets.live_source(exercise)
        if source is not None:  # kata.check: the notebook's cells, as a file of their own
            self._live = Path(tempfile.mkdtemp(prefix="kata-live-"))
            (self._live / f"{exercise}.py").write_text(source, encoding="utf-8")
            target = self._live

        env = {
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",  # nothing written next to the repository's modules
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "CUDA_VISIBLE_DEVICES": "-1",  # no GPU probe: 1.5 s saved
            "TF_NUM_INTRAOP_THREADS": "1",  # one core for the child, the other for the tests
            "TF_NUM_INTEROP_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
        self._process = subprocess.Popen(
            [sys.executable, __file__, str(ROOT), str(target), exercise],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=str(ROOT),
        )
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put("")  # the child ended

    def _answer(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.1)  # short waits: the time limit can interrupt
            except queue.Empty:
                continue
            if not line:
                return {"error": "the fresh process ended without an answer"}
            try:
                return json.loads(line)
            except ValueError:
                continue  # a line the learner's module printed
        return {"error": f"no answer from the fresh process within {timeout:.0f} s"}

    def load(self, path: Path, x, timeout: float = 120.0) -> dict:
        ready = self._answer(timeout)
        if "error" in ready:
            return ready
        self._process.stdin.write(json.dumps({"path": str(path), "x": x.tolist()}) + "\n")
        self._process.stdin.flush()
        self._process.stdin.close()  # one file per process
        return self._answer(timeout)

    def close(self):
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._live is not None:
            shutil.rmtree(self._live, ignore_errors=True)


FRESH_TEST = "test_roundtrip_model_file_loads_in_a_fresh_process"
_RUNNING: dict[int, FreshLoader] = {}  # id(pytest config) -> this run's fresh process


def fresh_process(request, exercise: str = "ex08_read_write") -> FreshLoader | None:
    """This run's ``FreshLoader``, started by the first test of the exercise (visible or
    hidden) that asks, when the run includes the fresh-process test; ended with the run."""
    config = request.config
    loader = _RUNNING.get(id(config))
    if loader is None and any(item.name == FRESH_TEST for item in request.session.items):
        from kata.testing import keys

        loader = _RUNNING[id(config)] = FreshLoader(config.stash[keys.RUN].target, exercise)

        def end():
            loader.close()
            _RUNNING.pop(id(config), None)

        config.add_cleanup(end)
    return loader


def _child(root: str, target: str, exercise: str) -> None:
    """The fresh process: import the learner's module, then load the files sent on stdin."""
    import numpy as np

    sys.path.insert(0, root)
    from kata.core import target as targets

    def send(answer):
        sys.stdout.write("\n" + json.dumps(answer) + "\n")
        sys.stdout.flush()

    try:
        targets.load(exercise, Path(target))
    except targets.LoadError as exc:
        send({"error": f"the learner's module does not import: {exc}"})
        return
    send({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            model = keras.saving.load_model(request["path"])
            y = model(np.asarray(request["x"], "float32"))
            send(
                {
                    "y": keras.ops.convert_to_numpy(y).tolist(),
                    "layers": [type(layer).__name__ for layer in model.layers],
                }
            )
        except Exception as exc:  # noqa: BLE001  (reported to the test, which names it)
            send({"error": f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}"})


if __name__ == "__main__":
    _child(*sys.argv[1:4])
