"""Grade a folder of submissions: ``kata grade-all SUBMISSIONS [--out DIR]`` (``make grade-all``).

Every subdirectory of SUBMISSIONS is one submission, graded by ``kata.grading.grade`` in
its own process (so one broken submission never stops the batch), several at a
time. Each gets its outputs in ``OUT/<name>/``; ``OUT/gradebook.csv`` has one row
per submission: its name, the points of every exercise, the total and notes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kata import ROOT
from kata.core import catalogue
from kata.core.outcomes import show_points

SUBMISSION_TIMEOUT = 3600  # seconds for one whole submission, a last resort


def grade_one(sub: Path, out: Path, extra: list[str]) -> dict:
    """Run the grader on one submission; its grade.json, or a row explaining the failure."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "grade.json").unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--out", str(out), "--quiet", *extra]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=SUBMISSION_TIMEOUT, cwd=ROOT
        )
        (out / "grader.log").write_text(proc.stdout + proc.stderr)
        print(proc.stdout.strip() or f"{sub.name}: grader exit {proc.returncode}", flush=True)
    except subprocess.TimeoutExpired:
        return {"error": f"grader timed out after {SUBMISSION_TIMEOUT} s"}
    try:
        return json.loads((out / "grade.json").read_text())
    except (OSError, ValueError):
        return {"error": f"grader failed (exit {proc.returncode}); see {out / 'grader.log'}"}


def row(name: str, data: dict) -> dict:
    r = {"name": name}
    exercises = data.get("exercises", {})
    notes = [data["error"]] if "error" in data else []
    for ex in catalogue.names():
        e = exercises.get(ex)
        r[ex] = f"{show_points(e['score'])}" if e and e["status"] != "no tests" else ""
        if e and e["status"] not in ("graded", "no tests"):
            notes.append(f"{ex}: {e['status']}: {e['reason']}")
        if e and e.get("flags"):
            notes.append(f"{ex}: {len(e['flags'])} flags")
    r["total"] = f"{show_points(data.get('score', 0))}"
    r["max"] = f"{show_points(data.get('max_score', 0))}"
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
    args, extra = p.parse_known_args(argv)  # the rest goes to kata.grade (--timeout, --exercises…)
    root = Path(args.submissions)
    if not root.is_dir():
        print(f"error: {root} is not a directory", file=sys.stderr)
        return 2
    subs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        grades = list(pool.map(lambda s: grade_one(s.resolve(), out / s.name, extra), subs))
    rows = [row(s.name, g) for s, g in zip(subs, grades, strict=True)]
    fields = ["name", *catalogue.names(), "total", "max", "notes"]
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {out / 'gradebook.csv'} ({len(rows)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
