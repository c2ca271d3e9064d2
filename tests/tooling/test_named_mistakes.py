"""Tooling tests for naming the mistake (issue 11, item 3): under ``make test EX=… TASK=…``
a realistic mistake (a mutant of tests/mutants/) is named first — "this looks like …",
or "right value, wrong type: …" — a diagnosis that does not apply (a truncation blamed
for values that are only too narrow) is not printed, and the output stays short.
``wrong_type`` (tests/helpers.py) is tested on its own at the end."""

from __future__ import annotations

import numpy as np
import pytest

from kata.dev.verify.variants import mutants
from tests.helpers import wrong_type
from tests.tooling.copies import make, make_copy

MAX_LINES = 40  # item 4's target for one mistake in one task
TRUNCATION = "a truncated normal has none"
WRONG_TYPE = "right value, wrong type"
SUITES = tuple(
    f"test_{n}.py"
    for n in (
        "ex01_access_params",
        "ex02_builtin_init",
        "ex03_custom_init",
        "ex04_set_params",
        "ex05_shared_params",
        "ex06_lazy_init",
        "ex07_custom_layers",
        "ex08_read_write",
    )
) + ("keras_files.py",)  # ex08's suite imports it

CASES = {
    # mutant: (exercise, task, what the first diagnosis line says)
    "init_normal_variance_as_std": (
        "ex02_builtin_init",
        "init_normal",
        "this looks like the variance passed as the standard deviation",
    ),
    "scaled_normal_variance_as_std": (
        "ex03_custom_init",
        "scaled_normal",
        "this looks like the variance passed as the standard deviation",
    ),
    "init_normal_mean_std_swapped": (
        "ex02_builtin_init",
        "init_normal",
        "this looks like the mean and the standard deviation swapped",
    ),
    "uniform_instead_of_normal": (
        "ex02_builtin_init",
        "init_normal",
        "this looks like a uniform draw on [mean - stddev, mean + stddev]",
    ),
    "truncated_normal": (
        "ex02_builtin_init",
        "init_normal",
        "this looks like a truncated normal where a plain one is asked",
    ),
    "scaled_normal_uniform_he_uniform": (
        "ex03_custom_init",
        "scaled_normal",
        "this looks like a uniform draw where a normal is asked",
    ),
    "xavier_bound_sqrt_2": (
        "ex02_builtin_init",
        "xavier_then_constant",
        "this looks like a uniform on ±sqrt(2 / (fan_in + fan_out))",
    ),
    "glorot_normal": (
        "ex02_builtin_init",
        "xavier_then_constant",
        "this looks like a truncated normal where a uniform is asked",
    ),
    "weird_mask_wrong_half": (
        "ex03_custom_init",
        "WeirdInit",
        "this looks like the mask kept the wrong half",
    ),
    "weird_one_sign": (
        "ex03_custom_init",
        "WeirdInit",
        "this looks like the absolute value forgotten",
    ),
    "count_params_kernels_only": (
        "ex01_access_params",
        "count_params",
        "this looks like the kernels only",
    ),
    "count_params_numpy_int": (
        "ex01_access_params",
        "count_params",
        "right value, wrong type: return a Python int, not np.int64",
    ),
    "param_shapes_lists": (
        "ex01_access_params",
        "param_shapes",
        "right value, wrong type: return list[tuple[int, ...]], not list[list[int]]",
    ),
    "are_tied_numpy_bool": (
        "ex05_shared_params",
        "are_tied",
        "right value, wrong type: return a Python bool, not np.bool",
    ),
    "is_initialized_numpy_bool": (
        "ex06_lazy_init",
        "is_initialized",
        "right value, wrong type: return a Python bool, not np.bool",
    ),
    "materialize_shapes_as_lists": (
        "ex06_lazy_init",
        "materialize",
        "right value, wrong type: return list[tuple[int, ...]], not list[list[int]]",
    ),
    # issue 22, items 2 and 3: misleading or missing first lines
    "skips_nested_models": (
        "ex02_builtin_init",
        "init_normal",
        "nested models left out: ",
    ),
    "scaled_normal_fan_in_last_dim": (
        "ex03_custom_init",
        "scaled_normal",
        "this looks like fan_out used as fan_in",
    ),
    "scaled_normal_fan_in_first_dim": (
        "ex03_custom_init",
        "scaled_normal",
        "this looks like fan_in taken as shape[0] = ",
    ),
    "count_params_tf_variable_filter": (
        "ex01_access_params",
        "count_params",
        "this looks like a filter on tf.Variable: Keras 3 variables are keras.Variable",
    ),
    "set_first_element_book_two_indices": (
        "ex04_set_params",
        "set_first_element",
        "set_first_element(v, -3.5) on a 1-D variable (a bias, shape (6,)) raised",
    ),
    "hidden_kernel_no_built_check": (
        "ex01_access_params",
        "hidden_kernel",
        "called hidden_kernel(net) on an unbuilt net: expected ValueError, it raised "
        "AttributeError",
    ),
    "init_normal_swaps_the_kernel": (
        "ex02_builtin_init",
        "init_normal",
        "init_normal(net) raised ValueError at `layer.kernel = keras.Variable(`: a built layer's",
    ),
    "materialize_builds_without_checking_built_layers": (
        "ex06_lazy_init",
        "materialize",
        "materialize(net, 3) raised ValueError for ",
    ),
    # issue 23: the Keras 3 pitfalls of the book's 4.4 and 4.5, named in the learner's terms
    # (the last three were Keras's or NumPy's raw messages: Keras filters its own frames
    # out of tracebacks, so the suites recognise them by the learner's objects and calls)
    "my_dense_tf_variable": (
        "ex07_custom_layers",
        "MyDense",
        "this looks like a tf.Variable stored on the layer (kernel): Keras 3 does not track it",
    ),
    "my_dense_name_first": (
        "ex07_custom_layers",
        "MyDense",
        "this looks like add_weight called with the name first, as the book's "
        "add_weight('w', shape)",
    ),
    "tied_kernel_copied_at_build": (
        "ex07_custom_layers",
        "TiedTranspose",
        "this looks like the kernel copied at build time (",
    ),
    "save_tensors_np_save_list": (
        "ex08_read_write",
        "save_tensors",
        "this looks like the book's np.save(path, [x, y]) of tensors of different shapes",
    ),
    "load_params_loads_before_building": (
        "ex08_read_write",
        "load_params",
        "this looks like load_weights into a net not built yet",
    ),
    "transfer_shares_variables": (
        "ex08_read_write",
        "transfer_first_layers",
        "this looks like src's variables given to dst's layers (dst.layers[1]._kernel = ",
    ),
}
# The same, in Chinese (KATA_LANG=zh): the first line names the mistake in d2l-zh's terms.
CASES_ZH = {
    "my_dense_tf_variable": "这看起来是保存在层上的 tf.Variable（kernel）：Keras 3 不跟踪它",
    "my_dense_name_first": "这看起来是调用 add_weight 时名字放在最前面",
    "tied_kernel_copied_at_build": "这看起来是在构建时复制了权重（",
    "save_tensors_np_save_list": "这看起来是书中用 np.save(path, [x, y]) 保存形状不同的张量",
    "load_params_loads_before_building": "这看起来是把权重 load_weights 进尚未构建的网络",
    "transfer_shares_variables": "这看起来是把 src 的变量交给了 dst 的层（dst.layers[1]._kernel = ",
}


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    return make_copy(tmp_path_factory.mktemp("kata"), SUITES)


def _sections(lines: list[str]) -> list[list[str]]:
    """The failure report of each failing test: the lines under its ``___ test_… ___`` header."""
    out: list[list[str]] = []
    for line in lines:
        if line.startswith("_") and " test_" in line:
            out.append([])
        elif line.startswith("=") and out:
            break
        elif out:
            out[-1].append(line)
    return out


def _report(copy, mutant: str, **env: str):
    """``make test EX=… TASK=…`` of the mutant's task with the mutant as the exercise:
    (its output, the failure report of each failing test), checked to be a short failure."""
    exercise, task, _named = CASES[mutant]
    path = copy / "exercises" / f"{exercise}.py"
    stub = path.read_text(encoding="utf-8")
    path.write_text(mutants(exercise)[mutant][1], encoding="utf-8")
    try:
        # CI=true as GitHub Classroom sets it: pytest would print its diffs in full
        out = make(
            copy, "test", f"EX={exercise[:4]}", f"TASK={task}", COLUMNS="100", CI="true", **env
        )
    finally:
        path.write_text(stub, encoding="utf-8")
    lines = out.stdout.splitlines()
    assert out.returncode != 0 and "failed" in out.stdout, out.stdout + out.stderr
    assert len(lines) <= MAX_LINES, f"{len(lines)} lines:\n{out.stdout}"
    sections = _sections(lines)
    assert sections and sections[0], out.stdout
    return out.stdout, sections


@pytest.mark.parametrize("mutant", CASES)
def test_the_mistake_is_named_first(copy, mutant):
    named = CASES[mutant][2]
    stdout, sections = _report(copy, mutant)
    assert sections[0][0].startswith(named), stdout  # the name comes first
    family = WRONG_TYPE if named.startswith(WRONG_TYPE) else named
    for section in sections:  # every line that names a mistake names this one
        for line in section:
            if line.startswith(("this looks like", WRONG_TYPE)):
                assert line.startswith(family), stdout
    if mutant != "truncated_normal":  # only a truncated normal is blamed on truncation
        assert TRUNCATION not in stdout, stdout


@pytest.mark.parametrize("mutant", CASES_ZH)
def test_the_mistake_is_named_first_in_chinese(copy, mutant):
    named = CASES_ZH[mutant]
    stdout, sections = _report(copy, mutant, KATA_LANG="zh")
    assert sections[0][0].startswith(named), stdout
    for section in sections:
        for line in section:
            assert not line.startswith("this looks like"), stdout  # nothing left in English
            if line.startswith("这看起来是"):
                assert line.startswith(named), stdout


# ------------------------------------------------------------------ wrong_type


@pytest.mark.parametrize(
    "got, want, message",
    [
        (np.int64(42), 42, "right value, wrong type: return a Python int, not np.int64"),
        (np.True_, True, "right value, wrong type: return a Python bool, not np.bool"),
        (np.float32(0.5), 0.5, "right value, wrong type: return a Python float, not np.float32"),
        ([20, 256], (20, 256), "right value, wrong type: return tuple[int, ...], not list[int]"),
        (
            {"k": [3, 4]},
            {"k": (3, 4)},
            "right value, wrong type: return dict[str, tuple[int, ...]], not dict[str, list[int]]",
        ),
        (
            [np.int64(20), 13],
            [20, 13],
            "right value, wrong type: return list[int], not list[np.int64 | int]",
        ),
    ],
)
def test_wrong_type_says_only_the_type(got, want, message):
    assert wrong_type(got, want) == message


@pytest.mark.parametrize(
    "got, want",
    [(42, 42), ((20, 256), (20, 256)), (41, 42), (np.int64(41), 42), ([20], (21,)), ("a", 1)],
)
def test_wrong_type_is_silent_unless_only_the_type_is_wrong(got, want):
    assert wrong_type(got, want) == ""
