"""Tooling tests of the statistical checks (kata.testing.stats): calibrated tolerances
pass right samples, and the common mistakes fail by a wide margin with a message
that says what is off."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from kata.testing import stats

N = 16384


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def test_tolerances_come_from_the_sample_size_and_alpha():
    assert stats.ALPHA <= 1e-6
    z = stats.z_for(stats.ALPHA)
    assert sps.norm.sf(z) * 2 == pytest.approx(stats.ALPHA, rel=1e-6)
    # a smaller alpha widens the interval
    assert stats.z_for(1e-9) > z


def test_a_right_normal_sample_passes_every_check(rng):
    x = rng.normal(0.0, 0.01, N)
    stats.assert_normal(x, 0.0, 0.01, what="kernel")
    stats.assert_mean(x, 0.0, 0.01)
    stats.assert_std(x, 0.01)
    stats.assert_distribution(x, sps.norm(0, 0.01))


@pytest.mark.parametrize(
    "mistake, sample, needle",
    [
        ("std 0.1 instead of 0.01", lambda r: r.normal(0, 0.1, N), "standard deviation"),
        ("the variance passed as std", lambda r: r.normal(0, 0.01**2, N), "standard deviation"),
        ("a shifted mean", lambda r: r.normal(0.001, 0.01, N), "mean"),
        ("a uniform draw", lambda r: r.uniform(-0.0173, 0.0173, N), "N(0, 0.01²)"),
        (
            "a truncated normal",
            lambda r: sps.truncnorm(-2, 2, scale=0.01).rvs(N, random_state=r),
            "beyond two standard deviations",
        ),
    ],
)
def test_common_mistakes_fail_with_a_named_problem(rng, mistake, sample, needle):
    with pytest.raises(stats.CheckFailed) as err:
        stats.assert_normal(sample(rng), 0.0, 0.01, what="kernel")
    assert needle in str(err.value), mistake
    assert "█" in str(err.value)  # one histogram for the picture


def test_std_interval_is_the_chi_square_interval(rng):
    x = rng.normal(0, 1.0, N)
    lo = math.sqrt(sps.chi2.ppf(stats.ALPHA / 2, N - 1) / (N - 1))
    stats.assert_std(x * (lo * 1.02) / x.std(ddof=1), 1.0)  # just inside
    with pytest.raises(AssertionError):
        stats.assert_std(x * (lo * 0.98) / x.std(ddof=1), 1.0)  # just outside


def test_fraction_check(rng):
    stats.assert_fraction(int(0.5 * N), N, 0.5, what="zeros")
    with pytest.raises(AssertionError, match="zeros"):
        stats.assert_fraction(int(0.45 * N), N, 0.5, what="zeros")


def test_independence_catches_copies_and_correlation(rng):
    a, b = rng.normal(size=N), rng.normal(size=N)
    stats.assert_independent(a, b)
    with pytest.raises(AssertionError, match="identical values"):
        stats.assert_independent(a, a.copy())
    with pytest.raises(AssertionError, match="correlated"):
        stats.assert_independent(a, a + 0.5 * b)


def test_false_failure_rate_is_small_over_many_right_samples():
    """Over 200 right samples no check fails (each would fail with p ≤ 1e-6)."""
    r = np.random.default_rng(99)
    for _ in range(200):
        stats.assert_normal(r.normal(0.5, 2.0, 4096), 0.5, 2.0)
