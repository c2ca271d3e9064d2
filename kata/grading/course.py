"""The course's report: ``OUT/report.html`` after ``kata grade-all`` (``make grade-all``),
one self-contained page (inline CSS and SVG, no script) built from ``OUT/gradebook.csv``
and each submission's ``OUT/<name>/grade.json``; every text from a submission is escaped.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

from kata.core import catalogue
from kata.core.files import write_text
from kata.core.i18n import _, task_title
from kata.core.outcomes import show_points
from kata.grading.sanitize import clean

BINS = 10  # bars of the score histogram
TOP_MISTAKES = 15
REVIEWED = ("graded", "missing", "no tests")  # statuses that need no review


def read_grade(path: Path) -> dict | None:
    """The ``grade.json`` at ``path``; None when there is none or it is not a grade."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("exercises"), dict) else None


def _number(cell: str) -> float | None:
    """A gradebook cell as a number; None for what an instructor wrote instead."""
    try:
        return float(cell)
    except (TypeError, ValueError):
        return None


def pass_rates(grades: dict[str, dict]) -> list[tuple[catalogue.Task, int, int]]:
    """(task, submissions with the task done, submissions graded) for every task."""
    done, seen = Counter(), Counter()
    for data in grades.values():
        for name, e in data.get("exercises", {}).items():
            for task, tg in e["tasks"].items() if e["status"] != "no tests" else ():
                seen[name, task] += 1
                done[name, task] += tg["status"] == "done"
    tasks = [(t, (t.exercise, t.name)) for e in catalogue.exercises() for t in e.tasks]
    return [(t, done[key], seen[key]) for t, key in tasks if seen[key]]


def mistake(message: str) -> str:
    """What a failing check says is wrong: the line naming the mistake, else its first
    line with numbers and paths blanked (so the same mistake counts once)."""
    from kata.testing.shaping import names_a_mistake, signature

    lines = [ln.strip().removeprefix("E ").strip() for ln in message.splitlines()]
    lines = [ln.removeprefix("FAILURE:").strip() for ln in lines if ln]
    named = next((ln for ln in lines if names_a_mistake(ln)), None)
    return clean(named or signature(lines[0] if lines else ""), 200)


def frequent_mistakes(grades: dict[str, dict]) -> list[tuple[str, str, int]]:
    """(task key, mistake, submissions) of the most frequent failing checks."""
    seen: Counter = Counter()
    for data in grades.values():
        mine = set()
        for name, e in data.get("exercises", {}).items():
            for task, tg in e["tasks"].items() if e["status"] == "graded" else ():
                for t in tg["tests"]:
                    if t["outcome"] == "failed" and t.get("message"):
                        mine.add((f"{name}.{task}", mistake(t["message"])))
        seen.update(sorted(mine))  # ties in a stable order
    return [(k, m, n) for (k, m), n in seen.most_common(TOP_MISTAKES)]


def to_review(rows: list[dict], grades: dict[str, dict]) -> list[tuple[str, str]]:
    """(submission, what to look at) for every verdict and flag worth a look."""
    out = []
    for r in rows:
        data = grades.get(r["name"], {})
        if not data:
            out.append((r["name"], r.get("notes") or _("no grade.json: the grader failed")))
            continue
        out += [(r["name"], flag) for flag in data["flags"]]
        for name, e in data["exercises"].items():
            if e["status"] not in REVIEWED:
                out.append((r["name"], f"{name}: {e['status']}: {e['reason']}"))
            out += [(r["name"], f"{name}: {flag}") for flag in e["flags"]]
    return out


def _chart(name: str, w: float, h: float, title: str, parts: list[str]) -> str:
    """A heading and the inline SVG chart of ``parts`` under the same ``title``."""
    size = f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg"'
    head = f'<svg class="chart" id="{name}" role="img" {size}><title>{html.escape(title)}</title>'
    return f"<h2>{html.escape(title)}</h2>\n" + head + "".join(parts) + "</svg>"


def histogram_svg(totals: list[float], top: float) -> str:
    """The totals in ``BINS`` equal bins from 0 to ``top`` (the last bin holds ``top``)."""
    counts = [0] * BINS
    for x in totals:
        counts[min(BINS - 1, max(0, int(x / top * BINS))) if top else 0] += 1
    w, h, pad = 560, 220, 30
    bar = (w - 2 * pad) / BINS
    most = max(counts) or 1
    parts = [f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#444"/>']
    for i, n in enumerate(counts):
        lo, hi = top * i / BINS, top * (i + 1) / BINS
        height = (h - 2 * pad) * n / most
        x, y = pad + i * bar, h - pad - height
        label = f"{show_points(lo)}–{show_points(hi)}: {n}"
        parts.append(
            f'<rect class="bar" data-count="{n}" x="{x + 2:.1f}" y="{y:.1f}" '
            f'width="{bar - 4:.1f}" height="{height:.1f}" fill="#3b7dd8">'
            f"<title>{html.escape(label)}</title></rect>"
        )
        if n:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{n}</text>'
            )
    for i in range(BINS + 1):  # the bins' edges
        parts.append(
            f'<text x="{pad + i * bar:.1f}" y="{h - pad + 14}" text-anchor="middle" '
            f'class="axis">{show_points(top * i / BINS)}</text>'
        )
    return _chart("histogram", w, h, _("score distribution"), parts)


def rates_svg(rates: list[tuple[catalogue.Task, int, int]]) -> str:
    """One horizontal bar per task: the share of submissions that have it done."""
    row, label_w, bar_w, pad = 22, 300, 300, 10
    w, h = label_w + bar_w + 80, pad * 2 + row * len(rates)
    parts = []
    for i, (t, done, seen) in enumerate(rates):
        y = pad + i * row
        share = done / seen
        color = "#2e9d4f" if share >= 0.8 else "#e0a100" if share >= 0.5 else "#d04a3a"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
            f"{html.escape(t.key.replace('::', '.'))}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row - 6}" fill="#eee"/>'
            f'<rect class="rate" data-done="{done}" data-seen="{seen}" x="{label_w}" '
            f'y="{y + 3}" width="{bar_w * share:.1f}" height="{row - 6}" fill="{color}">'
            f"<title>{html.escape(task_title(t))}</title></rect>"
            f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{done}/{seen}</text>'
        )
    return _chart("pass-rates", w, h, _("pass rate per task"), parts)


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:72em}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}td.n{text-align:right}svg text{font-size:12px}
svg text.axis{fill:#666}.muted{color:#666}
"""


def _section(title: str, head: list[str], rows: list[list[str]], numeric=(), empty="") -> str:
    """A heading and its table of (escaped) cells, or the ``empty`` note when no rows."""
    out = [f"<h2>{html.escape(title)}</h2>"]
    if empty and not rows:
        return out[0] + f'\n<p class="muted">{html.escape(empty)}</p>'
    out += ["<table><tr>", *(f"<th>{html.escape(h)}</th>" for h in head), "</tr>"]
    for r in rows:
        cells = (f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(r))
        out += ["<tr>", *cells, "</tr>"]
    return out[0] + "\n" + "".join(out[1:]) + "</table>"


def render(out: Path, rows: list[dict]) -> str:
    """The report's HTML for the gradebook ``rows`` of the class graded into ``out``."""
    esc, names = html.escape, catalogue.names()
    grades = {r["name"]: read_grade(out / r["name"] / "grade.json") or {} for r in rows}
    top = max((_number(r.get("max")) or 0.0 for r in rows), default=0.0)
    top = top or float(sum(e.points for e in catalogue.exercises()))
    totals = [x for x in (_number(r.get("total")) for r in rows) if x is not None]
    mean = sum(totals) / len(totals) if totals else 0.0
    median = sorted(totals)[len(totals) // 2] if totals else 0.0
    intro = _("{count} submissions; mean {mean}, median {median} of {top} points").format(
        count=len(rows), mean=show_points(mean), median=show_points(median), top=show_points(top)
    )
    mistakes = [[esc(k), esc(m), str(n)] for k, m, n in frequent_mistakes(grades)]
    review = [[esc(n), esc(clean(w, 500))] for n, w in to_review(rows, grades)]
    table = []
    for r in rows:
        link = f'<a href="{esc(r["name"], quote=True)}/feedback.md">{esc(r["name"])}</a>'
        if not (out / r["name"] / "feedback.md").is_file():
            link = esc(r["name"])
        who = " ".join(x for x in (r.get("student", ""), r.get("email", "")) if x)
        table.append([link, esc(who), *(esc(r.get(n, "")) for n in names), esc(r.get("total", ""))])
    title = esc(_("course report"))
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
        f"<p>{esc(intro)}</p>",
        histogram_svg(totals, top),
        rates_svg(pass_rates(grades)),
        _section(
            _("most frequent failing checks"),
            [_("task"), _("what the check says"), _("submissions")],
            mistakes,
            {2},
            _("no failing check"),
        ),
        _section(
            _("to review: flags and quarantines"),
            [_("submission"), _("what")],
            review,
            empty=_("nothing to review"),
        ),
        _section(
            _("the class"),
            [_("submission"), _("student"), *names, _("total")],
            table,
            set(range(2, 3 + len(names))),
        ),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write(out: Path, rows: list[dict]) -> Path:
    """Write ``out/report.html`` (replaced whole)."""
    write_text(out / "report.html", render(out, rows))
    return out / "report.html"
