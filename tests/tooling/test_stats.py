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


@pytest.mark.parametrize("n, p", [(N, stats.TWO_SIGMA), (2048, 0.5), (300, 0.01)])
def test_the_fast_fraction_decision_is_binomtests(n, p):
    # every count around both ends of the acceptance region, where the shortcut
    # (a one-sided tail) and the exact two-sided test could disagree
    alpha = stats.ALPHA / 4
    spread = int(6 * math.sqrt(n * p * (1 - p))) + 2
    window = range(max(0, int(n * p) - spread), min(n, int(n * p) + spread) + 1)
    accepted = [k for k in window if sps.binomtest(k, n, p).pvalue >= alpha]
    ends = [accepted[0] - 1, accepted[0], accepted[-1], accepted[-1] + 1]
    for k in [e for e in ends if 0 <= e <= n] + [int(n * p)]:
        assert stats.fraction_fits(k, n, p, alpha) == (k in accepted), k


@pytest.mark.parametrize("shift", [0.0, 0.02, 0.04, 0.05, 0.06, 0.08, 0.2])
def test_the_fast_ks_decision_is_kstests(rng, shift):
    # samples from right to clearly wrong, through the critical value
    x = rng.normal(shift, 1.0, 4096)
    cdf = sps.norm(0, 1).cdf
    exact = sps.kstest(x, cdf)
    assert stats.ks_statistic(x, cdf) == pytest.approx(exact.statistic, rel=1e-12, abs=1e-15)
    assert stats.ks_fits(x, cdf, 1e-3) == (exact.pvalue >= 1e-3)


def test_the_fast_paths_see_the_same_failures(rng):
    # the fast path of assert_normal / assert_uniform only ever lets a sample pass
    # that each of the slow checks passes too
    for make, check in (
        (lambda s: rng.normal(0, 0.01 * s, N), lambda x: stats.assert_normal(x, 0, 0.01)),
        (lambda s: rng.uniform(-0.1 * s, 0.1 * s, N), lambda x: stats.assert_uniform(x, -0.1, 0.1)),
    ):
        for scale in (1.0, 1.1, 0.9, 1.3):
            x = make(scale)
            try:
                check(x)
                fast = True
            except AssertionError:
                fast = False
            assert fast == (scale == 1.0), scale


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


# ------------------------------------------------------------ naming the mistake (issue 11)

TRUNCATION = "a truncated normal has none"


def _brief(check, *args, **kwargs) -> list[str]:
    with pytest.raises(stats.CheckFailed) as err:
        check(*args, **kwargs)
    return err.value.brief.splitlines()


@pytest.mark.parametrize(
    "mean, std, sample, named",
    [
        (0.0, 0.01, lambda r: r.normal(0, 0.01**2, N), "the variance passed as the standard"),
        (0.0, 0.01, lambda r: r.normal(0, 0.1, N), "the square root of the standard deviation"),
        (1.0, 0.5, lambda r: r.normal(0.5, 1.0, N), "the mean and the standard deviation swapped"),
        (0.0, 0.01, lambda r: np.full(N, 0.01, "float32"), "the mean and the standard deviation"),
        (0.0, 0.01, lambda r: r.normal(0.01, 1.0, N), "the standard deviation passed as the mean"),
        (1.0, 0.5, lambda r: r.normal(0.0, 0.5, N), "the mean argument ignored"),
        (
            0.0,
            0.01,
            lambda r: r.uniform(-0.01, 0.01, N),
            "the standard deviation used as the bound",
        ),
        (0.0, 0.01, lambda r: r.uniform(-0.0173, 0.0173, N), "a uniform draw where a normal"),
        (
            0.0,
            0.01,
            lambda r: sps.truncnorm(-2, 2, scale=0.01).rvs(N, random_state=r),
            "a truncated normal where a plain one",
        ),
    ],
)
def test_a_normal_check_names_the_mistake_first(rng, mean, std, sample, named):
    lines = _brief(stats.assert_normal, sample(rng), mean, std, what="kernel")
    assert lines[0].startswith("this looks like ") and named in lines[0], lines
    assert sum(ln.startswith("this looks like") for ln in lines) == 1
    if "truncated" not in named:  # the values have tails (or are uniform): no truncation blamed
        assert not any(TRUNCATION in ln for ln in lines), lines
    else:
        assert any(TRUNCATION in ln for ln in lines), lines


@pytest.mark.parametrize(
    "sample",
    [
        lambda r: r.normal(0.001, 0.01, N),  # a mean off by 0.1 std: off, but no known mistake
        lambda r: r.normal(0, 0.02, N),  # twice too wide: not the variance, not its root
        lambda r: r.laplace(0, 0.01 / math.sqrt(2), N),  # heavy tails: not normal, not named
    ],
)
def test_a_normal_check_names_nothing_it_cannot_tell(rng, sample):
    lines = _brief(stats.assert_normal, sample(rng), 0.0, 0.01)
    assert not any(ln.startswith("this looks like") for ln in lines), lines


def test_a_too_wide_sample_is_blamed_on_its_spread_not_its_mean(rng):
    # fan_in = shape[0] on a (3, 3, 32, 64) kernel: std sqrt(2/3) = 0.82 where
    # sqrt(2/288) = 0.083 is asked; its mean (about 0.004 away) is off only against the
    # expected spread, well inside its own
    x = rng.normal(0, 0.82, 3 * 3 * 32 * 64)
    x += 0.004 - x.mean()
    lines = _brief(stats.assert_normal, x, 0.0, math.sqrt(2 / 288), what="kernel")
    assert lines[0].startswith("the standard deviation of the kernel is off"), lines
    assert not any(ln.startswith("the mean") for ln in lines), lines


def test_a_mean_off_against_its_own_spread_is_still_reported(rng):
    x = rng.normal(0.5, 0.82, 3 * 3 * 32 * 64)
    lines = _brief(stats.assert_normal, x, 0.0, 0.083, what="kernel")
    assert lines[0].startswith("the standard deviation of the kernel is off"), lines
    assert any(ln.startswith("the mean of the kernel is off") for ln in lines), lines


def test_small_samples_are_never_named_after_their_shape(rng):
    # 300 values: too few to tell a truncated normal from a normal by its tails
    assert stats.tails(rng.normal(size=300)) == ""
    assert stats.tails(rng.normal(size=N)) == "normal"
    assert stats.tails(rng.uniform(size=N)) == "uniform"
    assert stats.tails(sps.truncnorm(-2, 2).rvs(N, random_state=rng)) == "truncated"


def test_no_right_sample_is_named_after_a_mistake():
    """200 right samples of each shape: none is taken for a mistake (each naming is
    calibrated at alpha)."""
    r = np.random.default_rng(7)
    for _ in range(200):
        x = r.normal(0.5, 2.0, 4096)
        assert stats.tails(x) == "normal"
        assert not stats.fits_normal(x, 0.5, 4.0) and not stats.fits_normal(x, 2.0, 0.5)
        u = r.uniform(-1, 1, 4096)
        assert stats.fits_uniform_bound(u, 0.0, 1.0)
        assert not stats.fits_uniform_bound(u, 0.0, 0.97)


@pytest.mark.parametrize(
    "sample, named",
    [
        (lambda r: r.uniform(-0.079, 0.079, N), "Glorot's normal"),
        (lambda r: r.uniform(-0.306, 0.306, N), "He uniform"),
        (lambda r: r.normal(0, 0.079, N), "a normal draw where a uniform"),
        (
            lambda r: sps.truncnorm(-2, 2, scale=0.09).rvs(N, random_state=r),
            "a truncated normal where a uniform",
        ),
    ],
)
def test_a_uniform_check_names_the_mistake_first(rng, sample, named):
    mistakes = [(0.079, "a uniform on Glorot's normal's std"), (0.306, "He uniform")]
    lines = _brief(stats.assert_uniform, sample(rng), -0.137, 0.137, mistakes=mistakes)
    assert lines[0].startswith("this looks like ") and named in lines[0], lines
    stats.assert_uniform(rng.uniform(-0.137, 0.137, N), -0.137, 0.137, mistakes=mistakes)


def test_constant_kernels_are_not_blamed_on_a_reused_initializer():
    with pytest.raises(AssertionError, match="constants") as err:
        stats.assert_independent(np.full(N, 0.01), np.full(N, 0.01))
    assert "reused" not in str(err.value)
