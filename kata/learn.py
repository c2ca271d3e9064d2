"""The learner's commands: ``progress``, ``hint`` and ``reset``.

    python -m kata.learn progress              # grade quietly, show every task
    python -m kata.learn hint EX [TASK] [--level N]
    python -m kata.learn reset EX              # back up your file, restore the stub

Hint levels and the last results live in ``.kata/`` (git-ignored); a missing or
corrupt state file is rebuilt, never a crash.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import textwrap
from pathlib import Path

from kata import ROOT, catalogue, results, target, write_json

STATE_DIR = ROOT / ".kata"
STATE = STATE_DIR / "state.json"
LAST_RUN = STATE_DIR / "last-run.json"
BACKUPS = STATE_DIR / "backups"
PRISTINE = Path(__file__).with_name("pristine")  # stubs shipped in the student release


class UsageError(Exception):
    """Bad input from the learner: printed as one clear message, exit status 2."""


# ---------------------------------------------------------------------- state


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
        raise ValueError("not a JSON object")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        print(
            f"note: {path.relative_to(ROOT)} was unreadable ({exc}); starting it afresh",
            file=sys.stderr,
        )
        return {}


def load_state() -> dict:
    state = _read_json(STATE)
    hints = state.get("hints")
    state["hints"] = (
        {k: v for k, v in hints.items() if isinstance(v, int)} if isinstance(hints, dict) else {}
    )
    return state


def save_state(state: dict) -> None:
    write_json(STATE, state)


def last_results() -> dict[str, results.TaskResult]:
    """The per-task results of the last ``make test`` / ``progress`` run of this target, if any."""
    raw = _read_json(LAST_RUN)
    try:  # results of another KATA_TARGET say nothing about this one
        same = raw.get("target") == str(target.resolve())
    except target.TargetError:
        same = False
    data = raw.get("tasks", {}) if same else {}
    out = results.empty()
    if isinstance(data, dict):
        for key, row in data.items():
            if key in out and isinstance(row, dict) and isinstance(row.get("outcomes"), list):
                out[key].outcomes = [str(o) for o in row["outcomes"]]
                out[key].reason = str(row.get("reason", ""))
    return out


# ------------------------------------------------------------------- progress


def grade_quietly(exercise: str | None = None) -> dict[str, results.TaskResult]:
    """Run the graded suites in this process, without terminal output; return the results."""
    import contextlib
    import io

    import pytest

    args = ["-p", "no:cacheprovider", "--kata-state", str(LAST_RUN)]
    if exercise:
        args += ["--exercise", exercise]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = pytest.main(args)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        tail = "\n".join(out.getvalue().strip().splitlines()[-5:])
        raise UsageError(f"grading could not run (pytest exit code {int(code)}):\n{tail}")
    return last_results()


def progress(args) -> int:
    res = grade_quietly()
    color = sys.stdout.isatty()
    width = shutil.get_terminal_size((100, 20)).columns
    print(f"progress of {target.describe(target.resolve())}:")
    print(results.render(res, per_task=True, color=color, width=width), end="")
    return 0


# ----------------------------------------------------------------------- hint


def _pick_task(ex: catalogue.Exercise, name: str | None) -> catalogue.Task:
    if name:
        return ex.task(name)
    res = last_results()
    for t in ex.tasks:
        if res[t.key].status != "done":
            return t
    return ex.tasks[0]


def hint(args) -> int:
    if not args.exercise:
        raise UsageError(
            f"which exercise? e.g. make hint EX=ex01_access_params; exercises: {', '.join(catalogue.names())}"
        )
    ex = catalogue.exercise(args.exercise)
    task = _pick_task(ex, args.task)
    if not task.hints:
        raise UsageError(f"{task.key} has no hints yet")
    state = load_state()
    seen = state["hints"].get(task.key, 0)
    if args.level is not None:
        if not 1 <= args.level <= len(task.hints):
            raise UsageError(f"{task.key} has hint levels 1 to {len(task.hints)}, not {args.level}")
        level = args.level
    else:
        level = min(seen + 1, len(task.hints))
    state["hints"][task.key] = max(seen, level)
    save_state(state)
    body = textwrap.fill(
        task.hints[level - 1], width=88, initial_indent="  ", subsequent_indent="  "
    )
    print(f"hint {level}/{len(task.hints)} for {ex.name}.{task.name} — {task.title}\n\n{body}\n")
    if level < len(task.hints):
        print(f"(run the same command again for hint {level + 1}; LEVEL=n shows a given one)")
    else:
        print("(that was the last hint; LEVEL=n shows an earlier one)")
    return 0


# ---------------------------------------------------------------------- reset


def pristine_stub(name: str) -> str:
    """The stub of exercise ``name``: shipped in the release, or made from solutions/."""
    shipped = PRISTINE / f"{name}.py"
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    from kata import stubs

    return stubs.generate(name)


def _backup(path: Path) -> Path:
    """Copy ``path`` to a new, timestamped file in .kata/backups (never overwriting one)."""
    BACKUPS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")  # sorts in time order
    data = path.read_bytes()
    for n in range(1000):
        dest = BACKUPS / f"{path.stem}.{stamp}{f'-{n}' if n else ''}.py"
        try:
            with open(dest, "xb") as f:  # "x": fails rather than overwrite
                f.write(data)
            return dest
        except FileExistsError:
            continue
    raise UsageError("could not find a free backup name in .kata/backups")


def reset(args) -> int:
    if not args.exercise:
        raise UsageError(
            f"which exercise? e.g. make reset EX=ex01_access_params; exercises: {', '.join(catalogue.names())}"
        )
    ex = catalogue.exercise(args.exercise)
    path = ROOT / "exercises" / ex.filename
    stub = pristine_stub(ex.name)
    if path.exists() and path.read_text(encoding="utf-8") == stub:
        print(f"exercises/{ex.filename} is already the untouched stub; nothing to do")
        return 0
    backup = _backup(path) if path.exists() else None
    path.write_text(stub, encoding="utf-8")
    print(f"restored the stub of exercises/{ex.filename}")
    if backup:
        print(f"your previous version is saved as {backup.relative_to(ROOT)}")
    backups = sorted(BACKUPS.glob(f"{ex.name}.*.py"))
    if len(backups) > 1:
        print(
            "all backups of this exercise:\n  "
            + "\n  ".join(str(b.relative_to(ROOT)) for b in backups)
        )
    return 0


# ------------------------------------------------------------------------ cli


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kata.learn", description="The kata's learner commands."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("progress", help="grade quietly and show every task").set_defaults(run=progress)
    p = sub.add_parser("hint", help="show the next hint of a task")
    p.add_argument("exercise", nargs="?")
    p.add_argument("task", nargs="?")
    p.add_argument("--level", type=int, help="show this hint level")
    p.set_defaults(run=hint)
    p = sub.add_parser("reset", help="back up an exercise and restore its stub")
    p.add_argument("exercise", nargs="?")
    p.set_defaults(run=reset)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (UsageError, catalogue.UnknownName, target.TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
