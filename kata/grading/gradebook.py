"""Grade a folder of submissions: ``kata grade-all SUBMISSIONS [--out DIR]`` (``make grade-all``).

Every subdirectory of SUBMISSIONS is one submission, graded by ``kata.grading.grade`` in
its own process and session (so one broken submission never stops the batch),
several at a time, each from a fresh tree in a private temporary folder that is
removed afterwards. Each gets its outputs in ``OUT/<name>/``; ``OUT/gradebook.csv``
has one row per submission: its name, the points of every exercise, the total and
notes. A grader that runs past ``--submission-timeout`` is killed with its whole
session and its row says so.
"""

from __future__ import annotations

import argparse
import csv
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
        try:
            text, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_session(proc)
            text = b""
            error = f"grader timed out after {timeout:g} s"
        else:
            error = ""
        _kill_session(proc)
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


def row(name: str, data: dict) -> dict:
    r = {"name": name}
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kata grade-all", description=__doc__.split("\n\n")[0])
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
    args, extra = p.parse_known_args(argv)  # the rest goes to kata.grade (--timeout, --exercises…)
    root = Path(args.submissions)
    if not root.is_dir():
        print(f"error: {root} is not a directory", file=sys.stderr)
        return 2
    subs = sorted(
        d for d in root.iterdir() if (d.is_dir() or d.is_symlink()) and not d.name.startswith(".")
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        grades = list(
            pool.map(
                lambda s: grade_one(s.absolute(), out / s.name, extra, args.submission_timeout),
                subs,
            )
        )
    rows = [row(sanitize.name(s.name), g) for s, g in zip(subs, grades, strict=True)]
    fields = ["name", *catalogue.names(), "total", "max", "notes"]
    tmp = out / ".gradebook.csv.tmp"
    tmp.unlink(missing_ok=True)
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, out / "gradebook.csv")
    print(f"wrote {out / 'gradebook.csv'} ({len(rows)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
