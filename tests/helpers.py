"""Helpers shared by the graded suites: snapshots, identity and no-change checks,
and the reference nets more than one suite reads.

Rule for the suites: call the learner's code *outside* ``with check:`` blocks
(so an unfinished function shows as "not started"), then check each property of
the result in its own ``with check:`` block (so every problem shows at once).
"""

from __future__ import annotations

import keras
import numpy as np


def values(v) -> np.ndarray:
    """A NumPy copy of a variable's or tensor's values."""
    return np.array(v.numpy() if hasattr(v, "numpy") else v, copy=True)


def snapshot(net_or_vars) -> list[tuple[object, np.ndarray]]:
    """The variables of a model (or a list of variables) with copies of their values."""
    variables = getattr(net_or_vars, "weights", net_or_vars)
    return [(v, values(v)) for v in variables]


def assert_unchanged(net_or_vars, before) -> None:
    """The same variable objects as in ``before``, holding the same values."""
    after = list(getattr(net_or_vars, "weights", net_or_vars))
    assert len(after) == len(before), (
        f"the number of variables changed from {len(before)} to {len(after)}"
    )
    for v, (old, old_values) in zip(after, before):
        assert v is old, f"{old.path} was replaced by another variable object"
        assert np.array_equal(values(v), old_values), (
            f"{v.path} changed, but the call should change nothing"
        )


def distinct_pairs(got, expected) -> list[str]:
    """Describe each position where ``got[i] is not expected[i]``, with paths."""
    out = []
    for i, (a, b) in enumerate(zip(got, expected)):
        if a is not b:
            out.append(
                f"#{i}: {getattr(a, 'path', type(a).__name__)} (id {id(a):#x}) is not "
                f"{getattr(b, 'path', type(b).__name__)} (id {id(b):#x})"
            )
    if len(got) != len(expected):
        out.append(f"{len(got)} variables against {len(expected)}")
    return out


def assert_same_variables(got, expected, what: str = "variables") -> None:
    """``got`` and ``expected`` hold the very same variable objects, in order."""
    problems = distinct_pairs(list(got), list(expected))
    assert not problems, f"{what} are distinct objects, not the same ones:\n  " + "\n  ".join(
        problems
    )


def chapter_nested(blocks=2, width=4):
    """The chapter's nested net, built: ``blocks`` blocks of Flatten + Dense(4, relu)
    inside a Sequential, then Dense(1). ex01 reads it and ex04 copies between two
    of them: the session's ``models`` cache holds it under ``"chapter_nested"``."""
    inner = keras.Sequential(
        [
            keras.Sequential(
                [keras.layers.Flatten(), keras.layers.Dense(4, activation="relu")],
                name=f"block-{i}",
            )
            for i in range(blocks)
        ]
    )
    net = keras.Sequential([inner, keras.layers.Dense(1)])
    net.build((None, width))
    return net
