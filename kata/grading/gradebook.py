"""Grade a folder of submissions: ``kata grade-all SUBMISSIONS [--out DIR]`` (``make grade-all``).

Every subdirectory of SUBMISSIONS is one submission, graded by ``kata.grading.grade`` in
its own process and session (so one broken submission never stops the batch),
several at a time, each from a fresh tree in a private temporary folder that is
removed afterwards. Each gets its outputs in ``OUT/<name>/``; ``OUT/gradebook.csv``
has one row per submission: its name, the points of every exercise, the total and
notes. A grader that runs past ``--submission-timeout`` is killed with its whole
session and its row says so. ``OUT/report.html`` is the course's report
(``kata.grading.course``).

``--only NAME[,NAME…]`` regrades those submissions into an existing ``OUT``: their rows
of the gradebook are replaced, the others kept, and the report rewritten (``kata grade
SUBMISSION --into OUT`` does the same for one folder). A Gradescope export's
``submission_metadata.yml`` beside the submissions fills the ``student`` and ``email``
columns (folder ``submission_<id>`` -> its submitters).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
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
from kata.grading import sanitize

SUBMISSION_TIMEOUT = 3600  # seconds for one whole submission, a last resort


def grade_one(sub: Path, out: Path, extra: list[str], timeout: float = SUBMISSION_TIMEOUT) -> dict:
    """Run the grader on one submission; its grade.json, or a row explaining the failure."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "grade.json").unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--out", str(out), "--quiet"]
    cmd += ["--jobs", "1", *extra]  # the submissions are the unit of parallelism
    tmp = Path(tempfile.mkdtemp(prefix="kata-batch-"))
    env = dict(os.environ, TMPDIR=str(tmp))
    try:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
            start_new_session=True,  # a signal to the grader's group never reaches the batch
        )
        error = ""
        try:
            text, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            text, error = b"", f"grader timed out after {timeout:g} s"
        _kill_session(proc)  # and whatever it left in its session
        text = text.decode("utf-8", errors="replace")
        (out / "grader.log").write_text(text)
        print(
            text.strip().splitlines()[-1]
            if text.strip()
            else f"{sub.name}: {error or 'grader exit ' + str(proc.returncode)}",
            flush=True,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if error:
        return {"error": error}
    try:
        data = json.loads((out / "grade.json").read_text())
        if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
            raise ValueError("not a grade")
        return data
    except (OSError, ValueError):
        return {"error": f"grader failed (exit {proc.returncode}); see {out / 'grader.log'}"}


def _kill_session(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def read_metadata(root: Path) -> dict[str, tuple[str, str]]:
    """Folder -> (names, emails) from a Gradescope export's ``submission_metadata.yml``
    (``submission_<id>:`` then ``:submitters:`` with ``- :name:``/``:email:`` items);
    only those keys are read, so no YAML library is needed. Empty when there is none."""
    path = root / "submission_metadata.yml"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    people: dict[str, dict[str, list[str]]] = {}
    folder, indent = None, None  # indent: the column of ":submitters:" while inside it
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        col = len(line) - len(line.lstrip())
        if col == 0:
            folder, indent = (stripped[:-1] if stripped.endswith(":") else None), None
            continue
        if folder is None:
            continue
        if stripped == ":submitters:":
            indent = col
            continue
        if indent is None or (col <= indent and not stripped.startswith("- ")):
            indent = None
            continue
        key, _sep, value = stripped.removeprefix("- ").partition(": ")
        if key in (":name", ":email") and value:
            people.setdefault(folder, {}).setdefault(key[1:], []).append(_scalar(value))
    return {
        f: ("; ".join(p.get("name", [])), "; ".join(p.get("email", []))) for f, p in people.items()
    }


def _scalar(value: str) -> str:
    """A YAML scalar as written by Gradescope's export: plain, 'single' or "double" quoted."""
    value = value.strip()
    if len(value) > 1 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) > 1 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def fields() -> list[str]:
    return ["name", "student", "email", *catalogue.names(), "total", "max", "notes"]


def row(name: str, data: dict, who: tuple[str, str] = ("", "")) -> dict:
    r = {"name": name, "student": sanitize.name(who[0]), "email": sanitize.name(who[1])}
    exercises = data.get("exercises", {})
    notes = [data["error"]] if "error" in data else []
    for ex in catalogue.names():
        e = exercises.get(ex) if isinstance(exercises, dict) else None
        e = e if isinstance(e, dict) and {"score", "status", "reason"} <= set(e) else None
        r[ex] = show_points(e["score"]) if e and e["status"] != "no tests" else ""
        if e and e["status"] not in ("graded", "no tests"):
            notes.append(f"{ex}: {e['status']}: {e['reason']}")
        if e and e.get("flags") and e["status"] == "graded":
            flags = e["flags"]
            notes.append(
                f"{ex}: {flags[0]}" + (f" (+{len(flags) - 1} more)" if len(flags) > 1 else "")
            )
    r["total"] = show_points(data.get("score", 0))
    r["max"] = show_points(data.get("max_score", 0))
    r["notes"] = "; ".join(notes)
    return r


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
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        grades = list(
            pool.map(
                lambda s: grade_one(s.absolute(), out / s.name, args.rest, args.submission_timeout),
                subs,
            )
        )
    who = read_metadata(root)
    rows = [
        row(sanitize.name(s.name), g, who.get(s.name, ("", "")))
        for s, g in zip(subs, grades, strict=True)
    ]
    rows = write(out, rows, keep=bool(args.only))
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
    """Write the gradebook (``keep``: the rows already there stay unless ``rows`` has the
    same name) and the course report; the rows written."""
    from kata.grading import course

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
    w = csv.DictWriter(table, fieldnames=fields(), restval="", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    write_text(out / "gradebook.csv", table.getvalue())
    course.write(out, rows)
    return rows
