"""Short failure reports for learners: the kata's diagnosis first, the rest trimmed.

A failing graded test's report is rewritten: pytest-check's failed checks first, a
check that repeats one already shown for the task counted, not repeated, the task's
later checks by their first line; at most one histogram per task; an exception's
message, then only the frames of the learner's module and the graded tests; a test
failing with the same error as an earlier one of its exercise left out and counted.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

import pytest

from kata.core import catalogue
from kata.core.i18n import N_, _, tidy
from kata.testing.keys import exercise_of, task_of

SAME_CHECKS = N_("the same failed check(s) as shown above for this task")
WHERE = N_("where:")  # the frames of an exception, as ``render_trace`` lists them
MAX_LINE = 240  # characters of one line of an error message
MAX_MESSAGE = 8  # lines of an exception's message
MAX_FRAMES = 4  # frames shown (the learner's and the tests')

CHAIN = re.compile(
    r"^(?:During handling of the above exception, another exception occurred:"
    r"|The above exception was the direct cause of the following exception:)$",
    re.M,
)
FRAME = re.compile(r"^(?P<file>\S[^:]*):(?P<line>\d+): in (?P<func>\S+)$")
HIST_ROW = re.compile(r"^\[[^)\]]*[)\]](?P<rest>.*)$")
NUMBER = re.compile(r"[-+]?(?:0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[-+]?\d+)?)", re.I)
PATHLIKE = re.compile(r"\S+/\S+")


def _cut(line: str, width: int = MAX_LINE) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


MISTAKE_LINES = ("this looks like {mistake}", "right value, wrong type: return {want}, not {got}")


def looks_like(mistake: str) -> str:
    """The line naming a mistake: "this looks like <the mistake>" (kept out of
    kata.testing.stats, so that a suite that names mistakes needs no SciPy)."""
    return _("this looks like {mistake}").format(mistake=mistake)


def names_a_mistake(line: str) -> bool:
    """``line`` names the mistake (one of ``MISTAKE_LINES``, in the learner's language)."""
    return line.startswith(tuple(_(text).split("{", 1)[0] for text in MISTAKE_LINES))


def explained(lines: list[str]) -> list[str]:
    """``lines`` of an assertion's message without pytest's introspection (``assert
    np.False_``, ``+  where <function all at 0x…> = np.all``, array dumps) when the
    kata's own words come first: they explain the failure, the rest is noise. A bare
    ``assert`` (no message) keeps its introspection, the only explanation it has."""
    cut = next((i for i, ln in enumerate(lines) if re.match(r"assert\b", ln)), None)
    return lines[:cut] if cut and any(ln.strip() for ln in lines[:cut]) else lines


def signature(text: str) -> str:
    """``text`` with its numbers and paths blanked: two messages about the same
    mistake on different variables or values compare equal."""
    return NUMBER.sub("#", PATHLIKE.sub("<path>", text)).strip()


def split_checks(text: str) -> tuple[list[list[str]], str]:
    """pytest-check's report: (each failed check's lines, the raised exception's text)."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("FAILURE: ")), None)
    if start is None:
        return [], text
    ends = [i for i, ln in enumerate(lines) if ln == "-" * 60 and i > start][:2]
    block = "\n".join(lines[start : ends[0] if ends else None])
    pieces = re.split("^FAILURE: ", block, flags=re.M)[1:]
    checks = [explained(c.splitlines() or [""]) for c in pieces]  # a check with no message
    rest = lines[ends[1] + 1 :] if len(ends) == 2 else []
    return checks, "\n".join(rest)


def trim_histogram(lines: list[str], keep: bool) -> list[str]:
    """A check's lines with its histogram (``kata.testing.stats.histogram``) dropped
    (``keep`` False) or its empty edge rows cut."""
    # its head line, in English or in the current language
    heads = (
        "bin your values expected".split(),
        [_("bin"), *_("your values").split(), _("expected")],
    )
    start = next((i for i, ln in enumerate(lines) if ln.split() in heads), None)
    if start is None:
        return lines
    end = start + 1
    while end < len(lines) and HIST_ROW.match(lines[end]):
        end += 1
    if not keep:
        return lines[:start] + lines[end:]
    full = [i for i in range(start + 1, end) if HIST_ROW.match(lines[i])["rest"].strip()]
    rows = lines[full[0] : full[-1] + 1] if full else []
    return lines[: start + 1] + rows + lines[end:]


@dataclass
class Trace:
    """An exception as pytest printed it: its message, where it happened, its cause."""

    message: list[str]
    frames: list[str]
    cause: str

    @property
    def key(self) -> str:
        """What makes two errors the same: the message, and where the learner's code raised."""
        own = [f for f in self.frames if not _is_test(f)]
        return signature(" ".join(self.message[:1])) + "|" + "|".join(own)


def _ours(path: str) -> bool:
    """A frame worth showing: the learner's module or a graded test, not a library's."""
    library = r"site-packages/|/lib/python|^kata/|^<|/kata/testing/|/_pytest/"
    return not re.search(library, path.replace("\\", "/"))


def _is_test(frame: str) -> bool:
    return frame.startswith("tests/") or "/tests/" in frame.split(":")[0]


NOTES = {  # errors whose cause the kata knows: a piece of their text -> the kata's note
    "KerasTensor cannot be used as input to a TensorFlow function": N_(
        "the kata: a functional model's tensors are symbolic KerasTensors; use keras.ops "
        "(keras.ops.abs, keras.ops.subtract, …) on them, not tf.* functions"
    ),
    "truth value of an array with more than one element is ambiguous": N_(
        "the kata: == (and `in`, `set`, list.index) compares variables element by element; "
        "compare variable objects with `is`"
    ),
    "unhashable type: 'Variable'": N_(
        "the kata: Keras variables cannot go in a set or be dict keys; compare them with `is`"
    ),
}


def note_for(message: list[str]) -> str:
    text = " ".join(message)
    return next((_(note) for piece, note in NOTES.items() if piece in text), "")


def parse_trace(text: str) -> Trace | None:
    """The message, own frames and cause of a ``--tb=short`` traceback text."""
    parsed = []
    for chain in filter(None, CHAIN.split(text)):
        lines = chain.strip("\n").splitlines()
        message = [re.sub(r"^E {0,3}", "", ln) for ln in lines if ln[:2] in ("E ", "E")]
        frames = []
        for ln, code in zip(lines, [*lines[1:], ""]):  # a frame's line, then its code
            if (m := FRAME.match(ln)) and _ours(m["file"]):
                frames.append(
                    f"{m['file']}:{m['line']} in {m['func']}: {code.strip()}".rstrip(": ")
                )
        parsed.append((message, frames))
    if not any(m for m, _ in parsed):
        return None
    message, first = parsed[-1][0], parsed[0][0]
    cause = first[0] if len(parsed) > 1 and first and first[0] not in message else ""
    unique = dict.fromkeys(f for _, chain_frames in parsed for f in chain_frames)  # in order
    return Trace(message, list(unique), cause)


def render_trace(trace: Trace) -> list[str]:
    msg = [ln for ln in trace.message if ln.strip()]
    note = note_for(msg)
    out = [note] if note else []
    if msg and msg[0].startswith("AssertionError: "):  # the kata's own words
        msg[0] = msg[0].removeprefix("AssertionError: ")
        msg = explained(msg)
    out += [_cut(ln) for ln in msg[:MAX_MESSAGE]]
    if len(msg) > MAX_MESSAGE:
        out.append(_("… ({n} more lines of this message)").format(n=len(msg) - MAX_MESSAGE))
    if trace.cause:
        out.append(_cut(_("caused by: {error}").format(error=trace.cause)))
    tests = [f for f in trace.frames if _is_test(f)]
    own = [f for f in trace.frames if not _is_test(f)]
    frames = (tests[:1] + own)[-MAX_FRAMES:]  # the test's line, then the learner's
    if frames:
        out.append(_(WHERE))
        out += [_cut(f"  {f}") for f in frames]
    return out


@dataclass
class _First:
    report: object
    body: str
    more: list[str] = field(default_factory=list)  # the tests folded into its report


@dataclass(eq=False)  # a plugin: hashed by identity
class OutputShaper:
    """The hooks that shorten the failure reports of one run."""

    checks: dict[str, set[str]] = field(default_factory=dict)  # task -> signatures shown
    firsts: dict[tuple[str, str], _First] = field(default_factory=dict)  # (exercise, error key)
    timeouts: dict[str, _First] = field(default_factory=dict)  # task -> the test that timed out
    hidden: set[int] = field(default_factory=set)  # id() of reports left out of the failures

    def _fold(self, report, first: _First, note: str) -> None:
        """Leave ``report`` out of the failures, counted in ``note`` under ``first``'s."""
        first.more.append(report.head_line or report.nodeid)
        self.hidden.add(id(report))
        names = ", ".join(n.split("::")[-1] for n in first.more)
        first.report.longrepr = f"{first.body}\n" + note.format(n=len(first.more), names=names)

    def shape(self, report, ex: str, task: str) -> None:
        key = f"{ex}.{task}"
        props = dict(report.user_properties)
        timeout = props.get("kata_timeout")  # set by the plugin (kata.testing.timelimit)
        if timeout == "not run" and key in self.timeouts:
            self._fold(
                report, self.timeouts[key], _("(the {n} other test(s) of this task were not run)")
            )
            return
        if props.get("kata_outcome"):
            if timeout == "timed out":
                self.timeouts[key] = _First(report, props.get("kata_reason", ""))
            return
        checks, rest = split_checks(report.longreprtext)
        out: list[str] = []
        seen = self.checks.setdefault(key, set())
        repeated = 0
        for lines in checks:
            # a named mistake is the same mistake whatever the variable or net it is about
            sig = signature(lines[0] if names_a_mistake(lines[0]) else "\n".join(lines[:2]))
            if sig in seen:
                repeated += 1
                continue
            lines = [ln for ln in lines if ln.strip()]
            # the task's first check in full, with its histogram; a later one by its first line
            out += [_cut(ln) for ln in (lines[:1] if seen else trim_histogram(lines, keep=True))]
            seen.add(sig)
        if repeated and out and not HIST_ROW.match(out[-1]):
            out[-1] += "  " + _("(+{n} more failed check(s) like it)").format(n=repeated)
        elif repeated:
            out.append(_("(and {n} more failed check(s) like one shown above)").format(n=repeated))
        trace = parse_trace(rest) if rest.strip() else None
        if trace is not None:
            first = self.firsts.get((ex, trace.key))
            if first is not None and not checks:
                self._fold(report, first, _("(same error in {n} more test(s): {names})"))
                return
            out += render_trace(trace)
        elif rest.strip():
            out += [_cut(ln) for ln in rest.strip().splitlines()[: MAX_MESSAGE * 2]]
        if not out:
            return
        body = tidy("\n".join(out))
        if checks and not trace and repeated == len(checks):
            body = _(SAME_CHECKS)
        report.longrepr = body
        if trace is not None and not checks:
            self.firsts[(ex, trace.key)] = _First(report, body)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        ex, task = exercise_of(item), task_of(item)
        if report.failed and ex in catalogue.names() and task:
            with contextlib.suppress(Exception):  # never lose a report to its shortening
                self.shape(report, ex, task)
        return report

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter):
        failed = terminalreporter.stats.get("failed")
        if failed:
            terminalreporter.stats["failed"] = [r for r in failed if id(r) not in self.hidden]
        try:
            return (yield)
        finally:
            if failed:
                terminalreporter.stats["failed"] = failed
