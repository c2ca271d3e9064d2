"""Statistical checks for initializers, with tolerances derived from the sample size.

Each ``assert_*`` function is one check: on a correct implementation it fails with
probability at most ``ALPHA`` (a false failure), whatever the sample size; the
sample sizes in the tests are chosen so that the common mistakes (std 0.1 for
0.01, uniform for normal, truncated normal, a mean shifted by 0.1 std, a reused
initializer) fail by a wide margin. A failing check raises ``AssertionError``
with the statistic, its threshold and a text histogram of the values beside the
expected distribution, so the learner sees *how* the values are off.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from kata.core.i18n import N_, _, cells

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
        super().__init__(f"{brief}\n{picture}" if picture else brief)
        self.brief, self.values, self.dist = brief, values, dist
        for watcher in WATCHERS:
            watcher(self)


def _fail(what: str, detail: str, values, dist=None) -> None:
    raise CheckFailed(f"{what}\n{detail}", histogram(values, dist), as_array(values), dist)


def describe(values) -> str:
    x = as_array(values)
    return f"n={x.size}, mean={x.mean():.5g}, std={x.std(ddof=1):.5g}, min={x.min():.5g}, max={x.max():.5g}"


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


def assert_std(
    values, std: float, *, what: str = "values", dist=None, alpha: float = ALPHA
) -> None:
    """The sample std is inside the chi-square interval for a true ``std``."""
    x = as_array(values)
    n = x.size
    lo = std * math.sqrt(stats.chi2.ppf(alpha / 2, n - 1) / (n - 1))
    hi = std * math.sqrt(stats.chi2.isf(alpha / 2, n - 1) / (n - 1))
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
    res = stats.kstest(x, dist.cdf)
    if res.pvalue < alpha:
        crit = stats.kstwo.isf(alpha, x.size)
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


def assert_normal(
    values, mean: float, std: float, *, what: str = "values", alpha: float = ALPHA
) -> None:
    """Mean, std, the two-sigma tails and the shape of N(mean, std²).

    One check made of four, each at ``alpha / 4`` (Bonferroni), so the whole
    still fails a correct implementation with probability at most ``alpha``.
    """
    x = as_array(values)
    dist = stats.norm(mean, std)
    a = alpha / 4
    problems = []
    for check in (
        lambda: assert_mean(x, mean, std, what=what, alpha=a),
        lambda: assert_std(x, std, what=what, dist=dist, alpha=a),
        lambda: assert_fraction(
            int(np.sum(np.abs(x - mean) > 2 * std)),
            x.size,
            float(2 * stats.norm.sf(2)),
            what=_("{what} beyond two standard deviations (a truncated normal has none)").format(
                what=_(what)
            ),
            alpha=a,
        ),
        lambda: assert_distribution(x, dist, what=what, name=f"N({mean:g}, {std:g}²)", alpha=a),
    ):
        try:
            check()
        except AssertionError as exc:
            problems.append(getattr(exc, "brief", str(exc)))
    if problems:  # every problem, then one picture of the values
        raise CheckFailed("\n".join(problems), histogram(x, dist), x, dist)


def assert_independent(a, b, *, what: str = "the two tensors", alpha: float = ALPHA) -> None:
    """Two samples that should be independent are not (nearly) the same values.

    Under independence the sample correlation is about N(0, 1/n); identical or
    copied values give a correlation of 1.
    """
    x, y = as_array(a), as_array(b)
    if x.size != y.size:
        return
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
