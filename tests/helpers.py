"""Helpers shared by the graded suites: snapshots, identity and no-change checks,
and the reference nets more than one suite reads.

Rule for the suites: call the learner's code *outside* ``with check:`` blocks
(so an unfinished function shows as "not started"), then check each property of
the result in its own ``with check:`` block (so every problem shows at once).
"""

from __future__ import annotations

import keras
import numpy as np

from kata.core.i18n import N_, _


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
    assert len(after) == len(before), _(
        "the number of variables changed from {n_before} to {n_after}"
    ).format(n_before=len(before), n_after=len(after))
    for v, (old, old_values) in zip(after, before):
        assert v is old, _("{old_path} was replaced by another variable object").format(
            old_path=old.path
        )
        assert np.array_equal(values(v), old_values), _(
            "{path} changed, but the call should change nothing"
        ).format(path=v.path)


def distinct_pairs(got, expected) -> list[str]:
    """Describe each position where ``got[i] is not expected[i]``, with paths."""
    out = []
    for i, (a, b) in enumerate(zip(got, expected)):
        if a is not b:
            out.append(
                _("#{i}: {a} (id {a_id}) is not {b} (id {b_id})").format(
                    i=i,
                    a=getattr(a, "path", type(a).__name__),
                    a_id=f"{id(a):#x}",
                    b=getattr(b, "path", type(b).__name__),
                    b_id=f"{id(b):#x}",
                )
            )
    if len(got) != len(expected):
        out.append(
            _("{n_got} variables against {n_expected}").format(
                n_got=len(got), n_expected=len(expected)
            )
        )
    return out


def assert_same_variables(got, expected, what: str = N_("variables")) -> None:
    """``got`` and ``expected`` hold the very same variable objects, in order."""
    problems = distinct_pairs(list(got), list(expected))
    assert not problems, (
        _("{what} are distinct objects, not the same ones:").format(what=_(what))
        + "\n  "
        + "\n  ".join(problems)
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
