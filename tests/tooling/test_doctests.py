"""Tooling test for the doctests check of ``make verify`` (issue 11, item 7): the
``>>>`` examples of ``solutions/`` run, each docstring on its own."""

from __future__ import annotations

from tests.tooling.copies import edit, learn

EX01 = "solutions/ex01_access_params.py"


def test_the_doctests_check_passes_on_the_solutions_and_fails_on_a_broken_example(kata_copy):
    ok = learn(
        kata_copy, "dev", "verify", "--only", "doctests", "--exercises", "ex01", "--jobs", "1"
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "✓" in ok.stdout and " 0/" not in ok.stdout
    # an example that leans on a name from another docstring, as the issue found them
    rgnet = "    >>> rgnet = keras.Sequential([keras.Sequential([keras.layers.Dense(4)]), keras.layers.Dense(1)])\n"
    edit(kata_copy / EX01, rgnet, "")
    bad = learn(
        kata_copy, "dev", "verify", "--only", "doctests", "--exercises", "ex01", "--jobs", "1"
    )
    assert bad.returncode == 1
    assert "doctest fails:" in bad.stdout and "find_param" in bad.stdout
