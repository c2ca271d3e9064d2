"""Grade a folder of submissions: ``kata grade-all SUBMISSIONS [--out DIR]`` (``make grade-all``).

Each subdirectory is graded by ``kata grade`` in its own process and session, several at a
time, into ``OUT/<name>/``; ``OUT/gradebook.csv`` gets a row per submission and
``OUT/report.html`` the course's report (``kata.grading.course``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kata import ROOT
from kata.core import catalogue
from kata.core.files import write_text
from kata.core.outcomes import show_points
from kata.grading import course, sanitize

SUBMISSION_TIMEOUT = 3600  # seconds for one whole submission, a last resort


def grade_one(sub: Path, out: Path, extra: list[str], timeout: float = SUBMISSION_TIMEOUT) -> dict:
    """Run the grader on one submission; its grade.json, or a row explaining the failure."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "grade.json").unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--out", str(out), "--quiet"]
    cmd += ["--jobs", "1", *extra]  # the submissions are the unit of parallelism
    with tempfile.TemporaryDirectory(prefix="kata-batch-", ignore_cleanup_errors=True) as tmp:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=dict(os.environ, TMPDIR=tmp),
            start_new_session=True,  # a signal to the grader's group never reaches the batch
        )
        error = ""
        try:
            text, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            text, error = b"", f"grader timed out after {timeout:g} s"
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # and whatever it left in its session
        proc.wait()
    text = text.decode("utf-8", errors="replace")
    (out / "grader.log").write_text(text)
    last = f"{sub.name}: {error or f'grader exit {proc.returncode}'}"
    print(text.strip().splitlines()[-1] if text.strip() else last, flush=True)
    if error:
        return {"error": error}
    failed = f"grader failed (exit {proc.returncode}); see {out / 'grader.log'}"
    return course.read_grade(out / "grade.json") or {"error": failed}


def read_metadata(root: Path) -> dict[str, tuple[str, str]]:
    """Folder -> (names, emails) from a Gradescope export's ``submission_metadata.yml``
    (``submission_<id>:`` then ``:submitters:`` with ``- :name:``/``:email:`` items);
    only those keys are read, so no YAML library is needed. Empty when there is none."""
    try:
        text = (root / "submission_metadata.yml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    people: dict[str, dict[str, list[str]]] = {}
    folder = indent = None  # indent: the column of ":submitters:" while inside it
    for line in text.splitlines():
        item, col = line.strip(), len(line) - len(line.lstrip())
        if not item or item.startswith("#"):
            continue
        if col == 0:
            folder, indent = (item[:-1] if item.endswith(":") else None), None
        elif item == ":submitters:" and folder:
            indent = col
        elif indent is not None and (col > indent or item.startswith("- ")):
            key, _sep, value = item.removeprefix("- ").partition(": ")
            if key in (":name", ":email") and value:
                who = people.setdefault(folder, {":name": [], ":email": []})
                who[key].append(_scalar(value))
        else:
            indent = None
    return {f: ("; ".join(p[":name"]), "; ".join(p[":email"])) for f, p in people.items()}


def _scalar(value: str) -> str:
    """A YAML scalar as written by Gradescope's export: plain, 'single' or "double" quoted."""
    value = value.strip()
    if len(value) > 1 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) > 1 and value[0] == value[-1] == '"':
        with contextlib.suppress(ValueError):
            return json.loads(value)
        return value[1:-1]
    return value


def row(name: str, data: dict, who: tuple[str, str] = ("", "")) -> dict:
    """The gradebook's row of a submission from its ``grade.json`` (or ``{"error": …}``)."""
    r = {"name": name, "student": sanitize.name(who[0]), "email": sanitize.name(who[1])}
    notes = [data["error"]] if "error" in data else []
    for ex in catalogue.names():
        e = data.get("exercises", {}).get(ex, {"status": "no tests"})
        r[ex] = show_points(e["score"]) if e["status"] != "no tests" else ""
        if e["status"] not in ("graded", "no tests"):
            notes.append(f"{ex}: {e['status']}: {e['reason']}")
        elif e["status"] == "graded" and (flags := e["flags"]):
            more = f" (+{len(flags) - 1} more)" if len(flags) > 1 else ""
            notes.append(f"{ex}: {flags[0]}{more}")
    total, most = show_points(data.get("score", 0)), show_points(data.get("max_score", 0))
    return r | {"total": total, "max": most, "notes": "; ".join(notes)}


def add_parser(sub) -> None:
    p = sub.add_parser(  # the options it does not know go to kata grade (--timeout, --exercises…)
        "grade-all",
        help="[instructor] grade a folder of submissions",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("submissions", help="directory holding one directory per submission")
    p.add_argument(
        "--out", default=str(ROOT / "grades"), help="output directory (default: grades/)"
    )
    p.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once"
    )
    p.add_argument(
        "--submission-timeout",
        type=float,
        default=SUBMISSION_TIMEOUT,
        help="seconds for one whole submission before its grader is killed (default %(default)s)",
    )
    p.add_argument(
        "--only",
        help="comma-separated submissions to regrade into an existing OUT (the other rows stay)",
    )
    p.set_defaults(run=run, rest=[])


def run(args) -> int:
    root = Path(args.submissions)
    if not root.is_dir():
        print(f"error: {root} is not a directory", file=sys.stderr)
        return 2
    subs = sorted(
        d for d in root.iterdir() if (d.is_dir() or d.is_symlink()) and not d.name.startswith(".")
    )
    if args.only:
        wanted = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = wanted - {s.name for s in subs}
        if unknown:
            print(f"error: no submission {', '.join(sorted(unknown))} in {root}", file=sys.stderr)
            return 2
        subs = [s for s in subs if s.name in wanted]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    who = read_metadata(root)

    def one(s: Path) -> dict:
        g = grade_one(s.absolute(), out / s.name, args.rest, args.submission_timeout)
        return row(sanitize.name(s.name), g, who.get(s.name, ("", "")))

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = write(out, list(pool.map(one, subs)), keep=bool(args.only))
    print(f"wrote {out / 'gradebook.csv'} ({len(rows)} submissions) and {out / 'report.html'}")
    return 0


def read(out: Path) -> list[dict]:
    """The rows of ``out/gradebook.csv`` (none when there is no gradebook yet)."""
    try:
        with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def write(out: Path, rows: list[dict], keep: bool = False) -> list[dict]:
    """Write the gradebook and the course report (``keep``: the other rows stay); the rows."""
    if keep:
        new = {r["name"]: r for r in rows}
        old = read(out)
        for r in old:  # a regrade keeps what the metadata said of the learner
            if r["name"] in new and not new[r["name"]]["student"]:
                new[r["name"]].update(student=r.get("student", ""), email=r.get("email", ""))
        rows = sorted(
            [r for r in old if r["name"] not in new] + list(new.values()), key=lambda r: r["name"]
        )
    table = io.StringIO()
    fields = ["name", "student", "email", *catalogue.names(), "total", "max", "notes"]
    w = csv.DictWriter(table, fieldnames=fields, restval="", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    write_text(out / "gradebook.csv", table.getvalue())
    course.write(out, rows)
    return rows
