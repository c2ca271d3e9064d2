"""Statistical checks for initializers, with tolerances derived from the sample size.

Each ``assert_*`` function is one check: on a correct implementation it fails with
probability at most ``ALPHA`` (a false failure), whatever the sample size; the
sample sizes in the tests are chosen so that the common mistakes (std 0.1 for
0.01, uniform for normal, truncated normal, a mean shifted by 0.1 std, a reused
initializer) fail by a wide margin. A failing check raises ``AssertionError``
with the statistic, its threshold and a text histogram of the values beside the
expected distribution, so the learner sees *how* the values are off.

Speed: a right sample is the common case, so each check first decides with the
cheapest exact means (SciPy's special functions, and thresholds cached per sample
size: ``_std_factors``, ``_ks_critical``) and builds SciPy's frozen distributions,
p-values and messages only when it fails. The decisions are SciPy's own:
``tests/tooling/test_stats.py`` compares them with ``kstest`` and ``binomtest``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import special, stats

from kata.core.i18n import N_, _, cells, tidy

ALPHA = 1e-6  # false-failure probability of one check on a correct implementation

_BAR = "█"


def as_array(values) -> np.ndarray:
    """Flatten a tensor, variable or array into float64 NumPy values."""
    if hasattr(values, "numpy"):
        values = values.numpy()
    return np.asarray(values, dtype=np.float64).ravel()


def histogram(values, dist=None, *, bins: int = 16, width: int = 24, lo=None, hi=None) -> str:
    """A compact text histogram of ``values``, beside the counts ``dist`` expects."""
    x = as_array(values)
    if lo is None or hi is None:
        if dist is not None:
            lo0, hi0 = dist.ppf(3.2e-5), dist.isf(3.2e-5)  # ±4σ for a normal: bins of σ/2
            lo, hi = min(lo0, x.min()), max(hi0, x.max())
        else:
            lo, hi = x.min(), x.max()
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    seen, _edges = np.histogram(x, edges)
    want = None
    if dist is not None:
        want = np.diff(dist.cdf(edges)) * x.size
    top = max(seen.max(), want.max() if want is not None else 0, 1)

    def bar(n):
        return (_BAR * int(round(width * n / top))).ljust(width)

    yours, bin_word = _("your values"), _("bin")
    pad_bin = " " * max(21 - cells(bin_word), 0)
    head = f"{pad_bin}{bin_word}  {yours}{' ' * max(width - cells(yours), 0)}"
    lines = [head + ("  " + _("expected") if want is not None else "")]
    for i in range(bins):
        row = f"[{edges[i]:+9.4g},{edges[i + 1]:+9.4g})  {bar(seen[i])}"
        if want is not None:
            row += f"  {bar(want[i]).rstrip()}"
        lines.append(row)
    return "\n".join(lines)


# Called with each ``CheckFailed`` as it is made: ``kata.check`` (notebooks) collects
# them to draw the values against the expected density.
WATCHERS: list = []


class CheckFailed(AssertionError):
    """A failed statistical check; ``brief`` is its text without the histogram,
    ``values`` and ``dist`` (a frozen scipy distribution, or None) what it compared."""

    def __init__(self, brief: str, picture: str = "", values=None, dist=None):
        brief = tidy(brief)  # a Chinese message filled with Chinese: no stray spaces
        super().__init__(f"{brief}\n{picture}" if picture else brief)
        self.brief, self.values, self.dist = brief, values, dist
        for watcher in WATCHERS:
            watcher(self)


def _fail(what: str, detail: str, values, dist=None) -> None:
    raise CheckFailed(f"{what}\n{detail}", histogram(values, dist), as_array(values), dist)


def describe(values) -> str:
    x = as_array(values)
    return f"n={x.size}, mean={x.mean():.5g}, std={x.std(ddof=1):.5g}, min={x.min():.5g}, max={x.max():.5g}"


@functools.cache
def z_for(alpha: float) -> float:
    """The two-sided normal quantile for a false-failure probability ``alpha``."""
    return float(stats.norm.isf(alpha / 2))


def assert_mean(
    values, mean: float, std: float, *, what: str = N_("values"), alpha: float = ALPHA
) -> None:
    """The sample mean is within z standard errors of ``mean`` (std known)."""
    x = as_array(values)
    tol = z_for(alpha) * std / math.sqrt(x.size)
    got = x.mean()
    if abs(got - mean) > tol:
        _fail(
            _("the mean of the {what} is off").format(what=_(what)),
            _("mean {got}, expected {want} ± {tol} ({summary})").format(
                got=f"{got:.6g}", want=f"{mean:.6g}", tol=f"{tol:.3g}", summary=describe(x)
            ),
            x,
            stats.norm(mean, std),
        )


@functools.cache
def _std_factors(n: int, alpha: float) -> tuple[float, float]:
    """The chi-square interval of a sample std over the true std, for ``n`` values."""
    return (
        math.sqrt(stats.chi2.ppf(alpha / 2, n - 1) / (n - 1)),
        math.sqrt(stats.chi2.isf(alpha / 2, n - 1) / (n - 1)),
    )


@functools.cache
def _ks_critical(n: int, alpha: float) -> float:
    """The Kolmogorov–Smirnov statistic that ``n`` values of the right distribution
    exceed with probability ``alpha`` (``kstest``'s p-value < alpha exactly beyond it)."""
    return float(stats.kstwo.isf(alpha, n))


def ks_statistic(x: np.ndarray, cdf) -> float:
    """The two-sided Kolmogorov–Smirnov statistic D of the values ``x`` against ``cdf``,
    as ``scipy.stats.kstest`` computes it."""
    c = cdf(np.sort(x))
    n = c.size
    above = np.arange(1.0, n + 1) / n - c
    below = c - np.arange(0.0, n) / n
    return float(max(above.max(), below.max()))


def ks_fits(x: np.ndarray, cdf, alpha: float = ALPHA) -> bool:
    """Whether ``kstest(x, cdf).pvalue >= alpha`` (its exact two-sided test)."""
    return ks_statistic(x, cdf) <= _ks_critical(x.size, alpha)


def fraction_fits(count: int, n: int, p: float, alpha: float = ALPHA) -> bool:
    """Whether ``binomtest(count, n, p).pvalue >= alpha``. Its two-sided p-value is
    at least the one-sided tail beyond ``count``, so a tail of ``alpha`` or more
    settles it without the test (nearly always, for a right sample)."""
    count, n = int(count), int(n)
    tail = special.bdtrc(count - 1, n, p) if count > n * p else special.bdtr(count, n, p)
    if tail >= alpha:
        return True
    return stats.binomtest(count, n, p).pvalue >= alpha


def assert_std(
    values, std: float, *, what: str = "values", dist=None, alpha: float = ALPHA
) -> None:
    """The sample std is inside the chi-square interval for a true ``std``."""
    x = as_array(values)
    low, high = _std_factors(x.size, alpha)
    lo, hi = std * low, std * high
    got = x.std(ddof=1)
    if not lo <= got <= hi:
        _fail(
            _("the standard deviation of the {what} is off").format(what=_(what)),
            _("std {got}, expected {want} (accepted {lo} … {hi}; {summary})").format(
                got=f"{got:.6g}",
                want=f"{std:.6g}",
                lo=f"{lo:.6g}",
                hi=f"{hi:.6g}",
                summary=describe(x),
            ),
            x,
            dist if dist is not None else stats.norm(x.mean(), std),
        )


def assert_distribution(
    values, dist, *, what: str = "values", name: str = "", alpha: float = ALPHA
) -> None:
    """Kolmogorov–Smirnov goodness of fit against the frozen scipy ``dist``."""
    x = as_array(values)
    if ks_fits(x, dist.cdf, alpha):
        return
    res = stats.kstest(x, dist.cdf)
    if res.pvalue < alpha:
        crit = _ks_critical(x.size, alpha)
        _fail(
            _("the {what} do not follow {name}").format(
                what=_(what), name=name or _("the expected distribution")
            ),
            _("Kolmogorov–Smirnov D = {d} > {crit} (p = {p} < {alpha}; {summary})").format(
                d=f"{res.statistic:.4f}",
                crit=f"{crit:.4f}",
                p=f"{res.pvalue:.2g}",
                alpha=f"{alpha:g}",
                summary=describe(x),
            ),
            x,
            dist,
        )


def assert_fraction(count: int, n: int, p: float, *, what: str, alpha: float = ALPHA) -> None:
    """``count`` out of ``n`` is consistent with probability ``p`` (exact binomial test)."""
    if fraction_fits(count, n, p, alpha):
        return
    res = stats.binomtest(int(count), int(n), p)
    if res.pvalue < alpha:
        half = z_for(alpha) * math.sqrt(n * p * (1 - p))
        raise AssertionError(
            _(
                "the fraction of {what} is off: {count}/{n} = {frac}, expected {p} "
                "(about {about} ± {half}; binomial p = {pvalue} < {alpha})"
            ).format(
                what=_(what),
                count=count,
                n=n,
                frac=f"{count / n:.4f}",
                p=f"{p:.4f}",
                about=f"{n * p:.0f}",
                half=f"{half:.0f}",
                pvalue=f"{res.pvalue:.2g}",
                alpha=f"{alpha:g}",
            )
        )


# ----------------------------------------------------------- naming the mistake
#
# When a check fails, the learner should read *which* mistake their values look
# like, first, before the numbers. Each naming below is itself a calibrated test:
# the values are named after a mistake only when they pass that mistake's own
# checks (the same intervals, at the same ``alpha``) while failing the expected
# distribution, so a right sample is never named and a wrong one is named after
# a mistake it does not fit with probability at most ``alpha``.

TRUNCATED_STD = float(stats.truncnorm(-2, 2).std())  # 0.8796…: a 2σ-truncated normal's std / σ


def _tail_quantile(n: int, alpha: float) -> float:
    """The largest |x - mean| / std that ``n`` normal values all stay below with
    probability only ``alpha``: a sample whose values all stay below it has no tails."""
    per_value = -math.log(alpha) / n  # P(one |z| > t) with (1 - p)^n = alpha
    return float(stats.norm.isf(per_value / 2))


def tails(values, alpha: float = ALPHA) -> str:
    """The shape of the sample's tails: ``"normal"`` (it has tails), or, when no value
    lies as far from the mean as ``n`` normal values would (probability ``alpha``),
    ``"uniform"`` or ``"truncated"`` (a normal cut at ±2σ), whichever the
    Kolmogorov–Smirnov test against the fitted distribution accepts at ``alpha``;
    ``""`` when it is neither, or when the sample is too small to tell (n < ~600)."""
    x = as_array(values)
    m, s = x.mean(), x.std(ddof=1)
    if x.size < 100 or s == 0:
        return ""
    widest, reach = float(np.abs(x - m).max() / s), _tail_quantile(x.size, alpha)
    if reach <= 2 / TRUNCATED_STD:
        return ""  # too few values: a normal sample may stop where a truncated one does
    if widest >= reach:
        return "normal"
    # No tails. A uniform reaches sqrt(3) = 1.73 std from its centre, a 2σ-truncated
    # normal 2 / 0.8796 = 2.27 std: the widest value tells them apart, and the
    # KS test then has to accept the one it picks.
    if widest < (math.sqrt(3) + 2 / TRUNCATED_STD) / 2:
        h = math.sqrt(3) * s
        fitted = stats.uniform(m - h, 2 * h)
        kind = "uniform"
    else:
        sigma = s / TRUNCATED_STD
        fitted = stats.truncnorm(-2, 2, loc=m, scale=sigma)
        kind = "truncated"
    return kind if ks_fits(x, fitted.cdf, alpha) else ""


def fits_normal(values, mean: float, std: float, alpha: float = ALPHA) -> bool:
    """The sample's mean and std are both inside the intervals a sample of
    N(mean, std²) of its size stays in with probability 1 - ``alpha`` (std 0: a constant)."""
    x = as_array(values)
    if std == 0:
        return x.std(ddof=1) <= 1e-6 * max(abs(mean), 1e-30) and math.isclose(
            x.mean(), mean, rel_tol=1e-6, abs_tol=1e-12
        )
    return _mean_and_std_fit(x, mean, std, alpha / 2)


def _mean_and_std_fit(x: np.ndarray, mean: float, std: float, alpha: float) -> bool:
    """The sample mean within ``z_for(alpha)`` standard errors of ``mean``, and the
    sample std inside the chi-square interval at ``alpha`` (``assert_mean`` and
    ``assert_std``'s decisions, without their messages)."""
    if abs(x.mean() - mean) > z_for(alpha) * std / math.sqrt(x.size):
        return False
    low, high = _std_factors(x.size, alpha)
    return std * low <= x.std(ddof=1) <= std * high


def fits_uniform_bound(values, center: float, bound: float, alpha: float = ALPHA) -> bool:
    """The sample looks uniform on [center - bound, center + bound]: it stays inside
    (float32 rounding allowed) and reaches as close to both ends as ``n`` uniform
    values do with probability 1 - ``alpha``, and the KS test accepts it."""
    x = as_array(values)
    n = x.size
    if bound <= 0 or n < 100:
        return False
    # P(no value within eps * 2 * bound of an end) = (1 - eps)^n <= alpha / 2 per end
    eps = math.log(2 / alpha) / n
    lo, hi = x.min() - center, x.max() - center
    inside = -bound * (1 + 1e-6) <= lo and hi <= bound * (1 + 1e-6)
    reaches = lo <= -bound * (1 - 2 * eps) and hi >= bound * (1 - 2 * eps)
    if not (inside and reaches):
        return False
    return ks_fits(x, stats.uniform(center - bound, 2 * bound).cdf, alpha)


def looks_like(message: str) -> str:
    """A naming line: "this looks like <the mistake>"."""
    return _("this looks like {mistake}").format(mistake=message)


def normal_mistakes(
    values, mean: float, std: float, alpha: float = ALPHA, mistakes=()
) -> list[str]:
    """The common mistakes behind a sample that should be N(mean, std²), named
    (see ``looks_like``): a uniform or truncated draw, the variance (or the square
    root) passed as the std, mean and std swapped or passed in the wrong place, the
    mean ignored, and the caller's ``mistakes`` (``(mean, std, text)``: a sample of
    N(mean, std²) is that mistake). Empty when the sample looks like none of them."""
    x = as_array(values)
    got_mean, got_std = float(x.mean()), float(x.std(ddof=1))
    numbers = {"mean": f"{mean:g}", "std": f"{std:g}", "got_mean": f"{got_mean:.4g}"}
    numbers["got_std"] = f"{got_std:.4g}"
    shape = tails(x, alpha)
    if shape == "uniform":
        if fits_uniform_bound(x, mean, std, alpha):
            return [
                looks_like(
                    _(
                        "a uniform draw on [mean - stddev, mean + stddev] = [{lo}, {hi}] where a "
                        "normal is asked: the standard deviation used as the bound (a uniform "
                        "has no tails; use keras.random.normal or RandomNormal)"
                    ).format(lo=f"{mean - std:g}", hi=f"{mean + std:g}")
                )
            ]
        return [
            looks_like(
                _(
                    "a uniform draw where a normal is asked: no value beyond ±√3 std of the "
                    "mean, a flat histogram (use keras.random.normal or RandomNormal)"
                )
            )
        ]
    if shape == "truncated":
        return [
            looks_like(
                _(
                    "a truncated normal where a plain one is asked: no value beyond ±2σ "
                    "(TruncatedNormal, keras.random.truncated_normal, HeNormal and "
                    "GlorotNormal cut the tails; use RandomNormal or keras.random.normal)"
                )
            )
        ]
    if shape not in ("normal", "") or fits_normal(x, mean, std, alpha):
        return []
    candidates = [
        *mistakes,
        (
            mean,
            std**2,
            _(
                "the variance passed as the standard deviation: std {got_std} ≈ {std}² "
                "(N(μ, σ²) is written with the variance, but stddev takes σ = {std} itself)"
            ),
        ),
        (
            mean,
            math.sqrt(std),
            _(
                "the square root of the standard deviation passed as the standard deviation: "
                "std {got_std} ≈ √{std} ({std} read as the variance; stddev takes σ = {std} itself)"
            ),
        ),
        (
            std,
            mean,
            _(
                "the mean and the standard deviation swapped: mean {got_mean} ≈ {std}, std "
                "{got_std} ≈ {mean} (pass them by name: mean=…, stddev=…)"
            ),
        ),
        (
            std,
            1.0,
            _(
                "the standard deviation passed as the mean: mean {got_mean} ≈ {std}, std "
                "{got_std} ≈ 1, the default (keras.random.normal(shape, mean, stddev) takes "
                "the mean first: pass stddev=… by name)"
            ),
        ),
        (
            std,
            0.05,
            _(
                "the standard deviation passed as the mean: mean {got_mean} ≈ {std}, std "
                "{got_std} ≈ 0.05, RandomNormal's default (RandomNormal(mean, stddev) takes "
                "the mean first: pass stddev=… by name)"
            ),
        ),
        (
            0.0,
            std,
            _(
                "the mean argument ignored: the values are centred on 0 (mean {got_mean}), "
                "not on {mean}"
            ),
        ),
    ]
    for alt_mean, alt_std, text in candidates:
        same = math.isclose(alt_mean, mean, abs_tol=1e-12) and math.isclose(alt_std, std)
        if not same and fits_normal(x, alt_mean, alt_std, alpha):
            return [looks_like(text.format(**numbers))]
    return []


TWO_SIGMA = float(2 * stats.norm.sf(2))  # P(|z| > 2) for a normal


def _normal_fits(x: np.ndarray, mean: float, std: float, a: float) -> bool:
    """``assert_normal``'s four checks at ``a`` each, decided without a message."""
    if not _mean_and_std_fit(x, mean, std, a):
        return False
    if not fraction_fits(int(np.sum(np.abs(x - mean) > 2 * std)), x.size, TWO_SIGMA, a):
        return False
    return ks_fits(x, lambda v: special.ndtr((v - mean) / std), a)


def assert_normal(
    values, mean: float, std: float, *, what: str = "values", alpha: float = ALPHA, mistakes=()
) -> None:
    """Mean, std, the two-sigma tails and the shape of N(mean, std²); ``mistakes`` as
    in ``normal_mistakes``.

    One check made of four, each at ``alpha / 4`` (Bonferroni), so the whole
    still fails a correct implementation with probability at most ``alpha``.
    A failure names the mistake the values look like first (``normal_mistakes``),
    and leaves out the two-sigma line (which blames a truncation) when the
    values have tails or are uniform.
    """
    x = as_array(values)
    a = alpha / 4
    if _normal_fits(x, mean, std, a):
        return
    dist = stats.norm(mean, std)
    checks = {
        "mean": lambda: assert_mean(x, mean, std, what=what, alpha=a),
        "std": lambda: assert_std(x, std, what=what, dist=dist, alpha=a),
        "tails": lambda: assert_fraction(
            int(np.sum(np.abs(x - mean) > 2 * std)),
            x.size,
            TWO_SIGMA,
            what=_("{what} beyond two standard deviations (a truncated normal has none)").format(
                what=_(what)
            ),
            alpha=a,
        ),
        "shape": lambda: assert_distribution(
            x, dist, what=what, name=f"N({mean:g}, {std:g}²)", alpha=a
        ),
    }
    problems = {}
    for kind, check in checks.items():
        try:
            check()
        except AssertionError as exc:
            problems[kind] = getattr(exc, "brief", str(exc))
    if "std" in problems and "mean" in problems:
        # a mean "off" only against the expected spread, within the values' own: the spread
        # is the problem (a too-wide sample's mean wanders further), so say that alone
        if abs(x.mean() - mean) <= z_for(a) * x.std(ddof=1) / math.sqrt(x.size):
            del problems["mean"]
    if "std" in problems:  # the spread first when it is wrong
        problems = {"std": problems.pop("std"), **problems}
    if problems:  # the mistake named, every problem that applies, then one picture
        shape, named = tails(x, alpha), normal_mistakes(x, mean, std, alpha, mistakes)
        if "tails" in problems and (shape in ("normal", "uniform") or named and shape == ""):
            del problems["tails"]  # tails, uniform, or another mistake: not a truncation
        if named and shape in ("normal", "") and "shape" in problems:
            del problems["shape"]  # a normal with the wrong mean or std: the lines above say so
        raise CheckFailed("\n".join(named + list(problems.values())), histogram(x, dist), x, dist)


def uniform_mistakes(values, lo: float, hi: float, mistakes=(), alpha: float = ALPHA) -> list[str]:
    """The mistakes behind a sample that should be U(lo, hi), named: a normal or a
    truncated normal draw, or a uniform one with one of the ``mistakes``' bounds
    (``(bound, text)`` pairs: U(center - bound, center + bound) is that mistake)."""
    x = as_array(values)
    shape = tails(x, alpha)
    if shape == "normal":
        return [
            looks_like(
                _(
                    "a normal draw where a uniform is asked: tails beyond any bound, a bell-shaped "
                    "histogram (RandomNormal, HeNormal and GlorotNormal are not uniform)"
                )
            )
        ]
    if shape == "truncated":
        return [
            looks_like(
                _(
                    "a truncated normal where a uniform is asked: GlorotNormal and HeNormal "
                    "draw a truncated normal, GlorotUniform and HeUniform a uniform"
                )
            )
        ]
    center = (lo + hi) / 2
    for bound, text in mistakes:
        if fits_uniform_bound(x, center, bound, alpha):
            return [looks_like(text)]
    return []


def assert_uniform(
    values,
    lo: float,
    hi: float,
    *,
    what: str = "values",
    name: str = "",
    mistakes=(),
    alpha: float = ALPHA,
) -> None:
    """Every value in [lo, hi] (float32 rounding allowed) and the shape of U(lo, hi)
    (Kolmogorov–Smirnov at ``alpha``). A failure names the mistake first
    (``uniform_mistakes``; ``mistakes`` are ``(bound, text)`` pairs of the wrong
    bounds the lesson warns about)."""
    x = as_array(values)
    slack = 1e-6 * max(abs(lo), abs(hi))
    inside = lo - slack <= x.min() and x.max() <= hi + slack
    if inside and ks_fits(x, lambda v: np.clip((v - lo) / (hi - lo), 0.0, 1.0), alpha):
        return
    dist = stats.uniform(lo, hi - lo)
    problems = []
    if x.min() < lo - slack or x.max() > hi + slack:
        problems.append(
            _("the {what} should lie in [{lo}, {hi}]; got values from {min} to {max}").format(
                what=_(what),
                lo=f"{lo:.4g}",
                hi=f"{hi:.4g}",
                min=f"{x.min():.4g}",
                max=f"{x.max():.4g}",
            )
        )
    try:
        assert_distribution(x, dist, what=what, name=name, alpha=alpha)
    except CheckFailed as exc:
        problems.append(exc.brief)
    if problems:
        named = uniform_mistakes(x, lo, hi, mistakes, alpha)
        raise CheckFailed("\n".join(named + problems), histogram(x, dist), x, dist)


def assert_independent(a, b, *, what: str = "the two tensors", alpha: float = ALPHA) -> None:
    """Two samples that should be independent are not (nearly) the same values.

    Under independence the sample correlation is about N(0, 1/n); identical or
    copied values give a correlation of 1.
    """
    x, y = as_array(a), as_array(b)
    if x.size != y.size:
        return
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        raise AssertionError(
            _("{what} are constants ({a} and {b}), not random draws").format(
                what=_(what), a=f"{x[0]:g}", b=f"{y[0]:g}"
            )
        )
    if np.array_equal(x, y):
        raise AssertionError(
            _(
                "{what} hold identical values: a reused initializer instance (or seed) "
                "gives every same-shaped layer the same weights"
            ).format(what=_(what))
        )
    r = float(np.corrcoef(x, y)[0, 1])
    tol = z_for(alpha) / math.sqrt(x.size)
    if abs(r) > tol:
        raise AssertionError(
            _(
                "{what} are correlated (r = {r}, accepted |r| ≤ {tol}): they should be "
                "independent samples"
            ).format(what=_(what), r=f"{r:.4f}", tol=f"{tol:.4f}")
        )
