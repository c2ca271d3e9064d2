"""Statistical checks for initializers, with tolerances derived from the sample size.

Each ``assert_*`` check fails a correct implementation with probability at most
``ALPHA``. A failure raises ``AssertionError`` naming the mistake the values look like,
the statistic and its threshold, and a text histogram beside the expected distribution.
Checks decide with thresholds cached per sample size, as ``kstest`` and ``binomtest``
would (``tests/tooling/test_stats.py`` holds them to it): SciPy's p-values only on failure.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import special, stats

from kata.core.i18n import N_, _, cells, tidy
from kata.testing.shaping import looks_like

ALPHA = 1e-6  # false-failure probability of one check on a correct implementation
TWO_SIGMA = float(2 * stats.norm.sf(2))  # P(|z| > 2) for a normal
TRUNCATED_STD = float(stats.truncnorm(-2, 2).std())  # a 2σ-truncated normal's std / σ

# Called with each ``CheckFailed`` as it is made: ``kata.check`` (notebooks) collects
# them to draw the values against the expected density.
WATCHERS: list = []


def as_array(values) -> np.ndarray:
    """Flatten a tensor, variable or array into float64 NumPy values."""
    if hasattr(values, "numpy"):
        values = values.numpy()
    return np.asarray(values, dtype=np.float64).ravel()


def histogram(values, dist, *, bins: int = 16, width: int = 24) -> str:
    """A compact text histogram of ``values`` beside the counts the frozen ``dist`` expects."""
    x = as_array(values)
    lo, hi = min(dist.ppf(3.2e-5), x.min()), max(dist.isf(3.2e-5), x.max())  # ±4σ: bins of σ/2
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    seen, want = np.histogram(x, edges)[0], np.diff(dist.cdf(edges)) * x.size
    top = max(seen.max(), want.max(), 1)

    def bar(n):
        return ("█" * int(round(width * n / top))).ljust(width)

    yours, bin_word = _("your values"), _("bin")
    pad_bin, pad_yours = " " * max(21 - cells(bin_word), 0), " " * max(width - cells(yours), 0)
    lines = [f"{pad_bin}{bin_word}  {yours}{pad_yours}  " + _("expected")]
    for i in range(bins):
        row = f"[{edges[i]:+9.4g},{edges[i + 1]:+9.4g})  {bar(seen[i])}"
        lines.append(f"{row}  {bar(want[i]).rstrip()}")
    return "\n".join(lines)


class CheckFailed(AssertionError):
    """A failed statistical check; ``brief`` is its text without the histogram,
    ``values`` and ``dist`` (a frozen scipy distribution) what it compared."""

    def __init__(self, brief: str, values, dist):
        brief = tidy(brief)  # a Chinese message filled with Chinese: no stray spaces
        super().__init__(f"{brief}\n{histogram(values, dist)}")
        self.brief, self.values, self.dist = brief, values, dist
        for watcher in WATCHERS:
            watcher(self)


def describe(values) -> str:
    x = as_array(values)
    return f"n={x.size}, mean={x.mean():.5g}, std={x.std(ddof=1):.5g}, min={x.min():.5g}, max={x.max():.5g}"


@functools.cache
def z_for(alpha: float) -> float:
    """The two-sided normal quantile for a false-failure probability ``alpha``."""
    return float(stats.norm.isf(alpha / 2))


@functools.cache
def _std_factors(n: int, alpha: float) -> tuple[float, float]:
    """The chi-square interval of a sample std over the true std, for ``n`` values."""
    lo, hi = stats.chi2.ppf(alpha / 2, n - 1), stats.chi2.isf(alpha / 2, n - 1)
    return math.sqrt(lo / (n - 1)), math.sqrt(hi / (n - 1))


def ks_statistic(x: np.ndarray, cdf) -> float:
    """The two-sided Kolmogorov–Smirnov statistic D of ``x`` against ``cdf``, as ``kstest``'s."""
    c = cdf(np.sort(x))
    n = c.size
    return float(max((np.arange(1.0, n + 1) / n - c).max(), (c - np.arange(0.0, n) / n).max()))


@functools.cache
def _ks_critical(n: int, alpha: float) -> float:
    """The KS statistic beyond which ``kstest``'s exact p-value for ``n`` values is < ``alpha``."""
    return float(stats.kstwo.isf(alpha, n))


def ks_fits(x: np.ndarray, cdf, alpha: float = ALPHA) -> bool:
    """Whether ``kstest(x, cdf).pvalue >= alpha`` (its exact two-sided test)."""
    return ks_statistic(x, cdf) <= _ks_critical(x.size, alpha)


def fraction_fits(count: int, n: int, p: float, alpha: float = ALPHA) -> bool:
    """Whether ``binomtest(count, n, p).pvalue >= alpha``: its two-sided p-value is at
    least the one-sided tail beyond ``count``, which settles nearly every right sample."""
    count, n = int(count), int(n)
    tail = special.bdtrc(count - 1, n, p) if count > n * p else special.bdtr(count, n, p)
    return tail >= alpha or stats.binomtest(count, n, p).pvalue >= alpha


# Each ``_*_off`` is one check's decision: its message, or "" when the values pass.


def _mean_off(x: np.ndarray, mean: float, std: float, what: str, alpha: float) -> str:
    tol = z_for(alpha) * std / math.sqrt(x.size)
    got = x.mean()
    if not abs(got - mean) > tol:
        return ""
    title = _("the mean of the {what} is off").format(what=_(what))
    return f"{title}\n" + _("mean {got}, expected {want} ± {tol} ({summary})").format(
        got=f"{got:.6g}", want=f"{mean:.6g}", tol=f"{tol:.3g}", summary=describe(x)
    )


def _std_off(x: np.ndarray, std: float, what: str, alpha: float) -> str:
    lo, hi = (std * f for f in _std_factors(x.size, alpha))
    got = x.std(ddof=1)
    if lo <= got <= hi:
        return ""
    title = _("the standard deviation of the {what} is off").format(what=_(what))
    return f"{title}\n" + _("std {got}, expected {want} (accepted {lo} … {hi}; {summary})").format(
        got=f"{got:.6g}", want=f"{std:.6g}", lo=f"{lo:.6g}", hi=f"{hi:.6g}", summary=describe(x)
    )


def _shape_off(x: np.ndarray, cdf, what: str, name: str, alpha: float) -> str:
    if ks_fits(x, cdf, alpha) or (res := stats.kstest(x, cdf)).pvalue >= alpha:
        return ""
    title = _("the {what} do not follow {name}").format(
        what=_(what), name=name or _("the expected distribution")
    )
    return f"{title}\n" + _(
        "Kolmogorov–Smirnov D = {d} > {crit} (p = {p} < {alpha}; {summary})"
    ).format(
        d=f"{res.statistic:.4f}",
        crit=f"{_ks_critical(x.size, alpha):.4f}",
        p=f"{res.pvalue:.2g}",
        alpha=f"{alpha:g}",
        summary=describe(x),
    )


def _fraction_off(count: int, n: int, p: float, what: str, alpha: float) -> str:
    if fraction_fits(count, n, p, alpha):
        return ""
    return _(
        "the fraction of {what} is off: {count}/{n} = {frac}, expected {p} "
        "(about {about} ± {half}; binomial p = {pvalue} < {alpha})"
    ).format(
        what=_(what),
        count=count,
        n=n,
        frac=f"{count / n:.4f}",
        p=f"{p:.4f}",
        about=f"{n * p:.0f}",
        half=f"{z_for(alpha) * math.sqrt(n * p * (1 - p)):.0f}",
        pvalue=f"{stats.binomtest(int(count), int(n), p).pvalue:.2g}",
        alpha=f"{alpha:g}",
    )


def assert_mean(
    values, mean: float, std: float, *, what: str = N_("values"), alpha: float = ALPHA
) -> None:
    """The sample mean is within z standard errors of ``mean`` (std known)."""
    x = as_array(values)
    if problem := _mean_off(x, mean, std, what, alpha):
        raise CheckFailed(problem, x, stats.norm(mean, std))


def assert_std(values, std: float, *, what: str = "values", alpha: float = ALPHA) -> None:
    """The sample std is inside the chi-square interval for a true ``std``."""
    x = as_array(values)
    if problem := _std_off(x, std, what, alpha):
        raise CheckFailed(problem, x, stats.norm(x.mean(), std))


def assert_distribution(values, dist, *, what="values", name="", alpha=ALPHA) -> None:
    """Kolmogorov–Smirnov goodness of fit against the frozen scipy ``dist``."""
    x = as_array(values)
    if problem := _shape_off(x, dist.cdf, what, name, alpha):
        raise CheckFailed(problem, x, dist)


def assert_fraction(count: int, n: int, p: float, *, what: str, alpha: float = ALPHA) -> None:
    """``count`` out of ``n`` is consistent with probability ``p`` (exact binomial test)."""
    if problem := _fraction_off(count, n, p, what, alpha):
        raise AssertionError(problem)


# Each naming is itself a calibrated test: the values are named after a mistake only when
# they pass that mistake's own checks at the same ``alpha``.


def tails(values, alpha: float = ALPHA) -> str:
    """The shape of the sample's tails: ``"normal"`` (it has tails), or, when no value
    lies as far from the mean as ``n`` normal values would (probability ``alpha``),
    ``"uniform"`` or ``"truncated"`` (a normal cut at ±2σ), whichever KS against the
    fitted distribution accepts at ``alpha``; ``""`` when neither or too few values."""
    x = as_array(values)
    m, s = x.mean(), x.std(ddof=1)
    if x.size < 100 or s == 0:
        return ""
    # the |x - mean| / std that n normal values all stay below with probability alpha
    reach = float(stats.norm.isf(-math.log(alpha) / x.size / 2))
    if reach <= 2 / TRUNCATED_STD:
        return ""  # too few values: a normal sample may stop where a truncated one does
    widest = float(np.abs(x - m).max() / s)
    if widest >= reach:
        return "normal"
    # no tails: a uniform reaches √3 std from its centre, a 2σ-truncated normal 2.27 std
    if widest < (math.sqrt(3) + 2 / TRUNCATED_STD) / 2:
        kind, fitted = "uniform", stats.uniform(m - math.sqrt(3) * s, 2 * math.sqrt(3) * s)
    else:
        kind, fitted = "truncated", stats.truncnorm(-2, 2, loc=m, scale=s / TRUNCATED_STD)
    return kind if ks_fits(x, fitted.cdf, alpha) else ""


def fits_normal(values, mean: float, std: float, alpha: float = ALPHA) -> bool:
    """The sample's mean and std are both inside the intervals a sample of
    N(mean, std²) stays in with probability 1 - ``alpha`` (std 0: a constant)."""
    x = as_array(values)
    if std == 0:
        return x.std(ddof=1) <= 1e-6 * max(abs(mean), 1e-30) and math.isclose(
            x.mean(), mean, rel_tol=1e-6, abs_tol=1e-12
        )
    return not (
        _mean_off(x, mean, std, "values", alpha / 2) or _std_off(x, std, "values", alpha / 2)
    )


def fits_uniform_bound(values, center: float, bound: float, alpha: float = ALPHA) -> bool:
    """The sample looks uniform on [center - bound, center + bound]: it stays inside
    (float32 rounding allowed), reaches as close to both ends as ``n`` uniform values
    do with probability 1 - ``alpha``, and KS accepts it."""
    x = as_array(values)
    if bound <= 0 or x.size < 100:
        return False
    eps = math.log(2 / alpha) / x.size  # (1 - eps)^n <= alpha / 2: no value that near an end
    lo, hi = x.min() - center, x.max() - center
    inside = -bound * (1 + 1e-6) <= lo and hi <= bound * (1 + 1e-6)
    reaches = lo <= -bound * (1 - 2 * eps) and hi >= bound * (1 - 2 * eps)
    return inside and reaches and ks_fits(x, stats.uniform(center - bound, 2 * bound).cdf, alpha)


WRONG_SHAPE = {  # (the distribution asked, the shape ``tails`` found): the mistake
    ("normal", "uniform"): N_(
        "a uniform draw where a normal is asked: no value beyond ±√3 std of the "
        "mean, a flat histogram (use keras.random.normal or RandomNormal)"
    ),
    ("normal", "truncated"): N_(
        "a truncated normal where a plain one is asked: no value beyond ±2σ "
        "(TruncatedNormal, keras.random.truncated_normal, HeNormal and "
        "GlorotNormal cut the tails; use RandomNormal or keras.random.normal)"
    ),
    ("uniform", "normal"): N_(
        "a normal draw where a uniform is asked: tails beyond any bound, a bell-shaped "
        "histogram (RandomNormal, HeNormal and GlorotNormal are not uniform)"
    ),
    ("uniform", "truncated"): N_(
        "a truncated normal where a uniform is asked: GlorotNormal and HeNormal "
        "draw a truncated normal, GlorotUniform and HeUniform a uniform"
    ),
}
UNIFORM_BOUND = N_(
    "a uniform draw on [mean - stddev, mean + stddev] = [{lo}, {hi}] where a "
    "normal is asked: the standard deviation used as the bound (a uniform "
    "has no tails; use keras.random.normal or RandomNormal)"
)
NORMAL_MISTAKES = {  # the mistake: the mean and std of its values, from the asked ones
    N_(
        "the variance passed as the standard deviation: std {got_std} ≈ {std}² "
        "(N(μ, σ²) is written with the variance, but stddev takes σ = {std} itself)"
    ): lambda mean, std: (mean, std**2),
    N_(
        "the square root of the standard deviation passed as the standard deviation: "
        "std {got_std} ≈ √{std} ({std} read as the variance; stddev takes σ = {std} itself)"
    ): lambda mean, std: (mean, math.sqrt(std)),
    N_(
        "the mean and the standard deviation swapped: mean {got_mean} ≈ {std}, std "
        "{got_std} ≈ {mean} (pass them by name: mean=…, stddev=…)"
    ): lambda mean, std: (std, mean),
    N_(
        "the standard deviation passed as the mean: mean {got_mean} ≈ {std}, std "
        "{got_std} ≈ 1, the default (keras.random.normal(shape, mean, stddev) takes "
        "the mean first: pass stddev=… by name)"
    ): lambda mean, std: (std, 1),
    N_(
        "the standard deviation passed as the mean: mean {got_mean} ≈ {std}, std "
        "{got_std} ≈ 0.05, RandomNormal's default (RandomNormal(mean, stddev) takes "
        "the mean first: pass stddev=… by name)"
    ): lambda mean, std: (std, 0.05),
    N_(
        "the mean argument ignored: the values are centred on 0 (mean {got_mean}), not on {mean}"
    ): lambda mean, std: (0, std),
}


def normal_mistake(x: np.ndarray, mean: float, std: float, shape: str, mistakes=(), alpha=ALPHA):
    """The common mistake behind a sample that should be N(mean, std²) and has the
    ``shape`` of ``tails``, as a "this looks like" line ("" when none fits): a uniform
    or truncated draw, one of ``NORMAL_MISTAKES``, or one of the caller's ``mistakes``
    (``(mean, std, text)``: a sample of N(mean, std²) is that mistake), tried first."""
    if shape == "uniform" and fits_uniform_bound(x, mean, std, alpha):
        return looks_like(_(UNIFORM_BOUND).format(lo=f"{mean - std:g}", hi=f"{mean + std:g}"))
    if ("normal", shape) in WRONG_SHAPE:
        return looks_like(_(WRONG_SHAPE["normal", shape]))
    if fits_normal(x, mean, std, alpha):
        return ""
    numbers = {"mean": f"{mean:g}", "std": f"{std:g}", "got_mean": f"{x.mean():.4g}"}
    numbers["got_std"] = f"{x.std(ddof=1):.4g}"
    ours = [(*params(mean, std), _(text)) for text, params in NORMAL_MISTAKES.items()]
    for m, s, text in [*mistakes, *ours]:
        if not (math.isclose(m, mean, abs_tol=1e-12) and math.isclose(s, std)):
            if fits_normal(x, m, s, alpha):
                return looks_like(text.format(**numbers))
    return ""


def assert_normal(
    values, mean: float, std: float, *, what: str = "values", alpha: float = ALPHA, mistakes=()
) -> None:
    """Mean, std, the two-sigma tails and the shape of N(mean, std²), each at ``alpha / 4``
    (Bonferroni); ``mistakes`` as in ``normal_mistake``, whose naming comes first. The
    two-sigma line (which blames a truncation) is left out when the values have tails."""
    x = as_array(values)
    a = alpha / 4
    beyond = _("{what} beyond two standard deviations (a truncated normal has none)")
    far = int(np.sum(np.abs(x - mean) > 2 * std))
    problems = {  # the spread first when it is wrong
        "std": _std_off(x, std, what, a),
        "mean": _mean_off(x, mean, std, what, a),
        "tails": _fraction_off(far, x.size, TWO_SIGMA, beyond.format(what=_(what)), a),
        "shape": _shape_off(
            x, lambda v: special.ndtr((v - mean) / std), what, f"N({mean:g}, {std:g}²)", a
        ),
    }
    problems = {kind: text for kind, text in problems.items() if text}
    if not problems:
        return
    if "std" in problems and "mean" in problems:
        # a mean "off" only against the expected spread, within the values' own: the spread
        # is the problem (a too-wide sample's mean wanders further), so say that alone
        if abs(x.mean() - mean) <= z_for(a) * x.std(ddof=1) / math.sqrt(x.size):
            del problems["mean"]
    shape = tails(x, alpha)
    named = [line] if (line := normal_mistake(x, mean, std, shape, mistakes, alpha)) else []
    if "tails" in problems and (shape in ("normal", "uniform") or named and shape == ""):
        del problems["tails"]  # tails, uniform, or another mistake: not a truncation
    if named and shape in ("normal", "") and "shape" in problems:
        del problems["shape"]  # a normal with the wrong mean or std: the lines above say so
    raise CheckFailed("\n".join(named + list(problems.values())), x, stats.norm(mean, std))


def uniform_mistake(x: np.ndarray, lo: float, hi: float, mistakes=(), alpha=ALPHA) -> str:
    """The mistake behind a sample that should be U(lo, hi), as a "this looks like" line
    ("" when none fits): a normal or a truncated normal draw, or a uniform one with
    one of the ``mistakes``' bounds (``(bound, text)``: U(center ± bound) is that mistake)."""
    shape = tails(x, alpha)
    if ("uniform", shape) in WRONG_SHAPE:
        return looks_like(_(WRONG_SHAPE["uniform", shape]))
    center = (lo + hi) / 2
    text = next((t for b, t in mistakes if fits_uniform_bound(x, center, b, alpha)), "")
    return looks_like(text) if text else ""


def assert_uniform(
    values, lo: float, hi: float, *, what="values", name="", mistakes=(), alpha=ALPHA
) -> None:
    """Every value in [lo, hi] (float32 rounding allowed) and the shape of U(lo, hi)
    (KS at ``alpha``); a failure names the mistake first (``uniform_mistake``)."""
    x = as_array(values)
    slack = 1e-6 * max(abs(lo), abs(hi))
    problems = []
    if x.min() < lo - slack or x.max() > hi + slack:
        ends = {"lo": lo, "hi": hi, "min": x.min(), "max": x.max()}
        outside = _("the {what} should lie in [{lo}, {hi}]; got values from {min} to {max}")
        problems.append(outside.format(what=_(what), **{k: f"{v:.4g}" for k, v in ends.items()}))
    if shape := _shape_off(x, lambda v: np.clip((v - lo) / (hi - lo), 0, 1), what, name, alpha):
        problems.append(shape)
    if problems:
        named = [line] if (line := uniform_mistake(x, lo, hi, mistakes, alpha)) else []
        raise CheckFailed("\n".join(named + problems), x, stats.uniform(lo, hi - lo))


def assert_independent(a, b, *, what: str = "the two tensors", alpha: float = ALPHA) -> None:
    """Two samples that should be independent are not the same values, nor correlated
    (under independence the sample correlation is about N(0, 1/n))."""
    x, y = as_array(a), as_array(b)
    if x.size != y.size:
        return
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        problem = _("{what} are constants ({a} and {b}), not random draws")
        numbers = {"a": f"{x[0]:g}", "b": f"{y[0]:g}"}
    elif np.array_equal(x, y):
        numbers = {}
        problem = _(
            "{what} hold identical values: a reused initializer instance (or seed) "
            "gives every same-shaped layer the same weights"
        )
    else:
        r = float(np.corrcoef(x, y)[0, 1])
        tol = z_for(alpha) / math.sqrt(x.size)
        if not abs(r) > tol:  # (r is NaN when one sample is constant)
            return
        problem = _(
            "{what} are correlated (r = {r}, accepted |r| ≤ {tol}): they should be "
            "independent samples"
        )
        numbers = {"r": f"{r:.4f}", "tol": f"{tol:.4f}"}
    raise AssertionError(problem.format(what=_(what), **numbers))
