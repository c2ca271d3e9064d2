"""The learner's files in ``.kata/`` (git-ignored): ``last-run.json``, the per-task
outcomes of the last graded run of a target (written by the test plugin), ``state.json``,
the hint level each task has reached, and ``backups/``. The state files carry
``format_version``; one of another version, or unreadable, is treated as absent."""

import datetime as dt
import itertools
import json
import sys
import time
from pathlib import Path

from kata import ROOT
from kata.core import outcomes
from kata.core.files import write_json
from kata.core.i18n import _

FORMAT_VERSION = 1
STATE_DIR = ROOT / ".kata"
LAST_RUN = STATE_DIR / "last-run.json"
HINTS = STATE_DIR / "state.json"
BACKUPS = STATE_DIR / "backups"


def read(path: Path, *, quiet: bool = False) -> dict:
    """A state file's content, or ``{}`` when it is absent, unreadable or of another version."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"format_version {data.get('format_version')!r}")
        return data
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        if not quiet:
            said = _("note: {path} was unreadable ({error}); starting it afresh")
            print(said.format(path=path, error=exc), file=sys.stderr)
        return {}


def write(path: Path, data: dict) -> None:
    """Write a state file atomically, stamped with the format version."""
    write_json(path, {**data, "format_version": FORMAT_VERSION})


def run_record(target: str, seed: int, results: dict[str, outcomes.TaskResult], previous: dict):
    """The last-run content after a run of ``target``: its graded tasks replace theirs
    in ``previous`` (kept only when it was of the same target)."""
    tasks = dict(previous.get("tasks", {})) if previous.get("target") == target else {}
    for k, v in results.items():
        if v.total:
            tasks[k] = {"outcomes": [str(o) for o in v.outcomes], "reason": v.reason}
    return {"target": target, "seed": seed, "time": time.time(), "tasks": tasks}


def save_run(path: Path, target: str, seed: int, results: dict[str, outcomes.TaskResult]) -> None:
    """Merge one run's results into the last-run file at ``path``."""
    write(path, run_record(target, seed, results, read(path, quiet=True)))


def load_run(path: Path, target: str) -> dict[str, outcomes.TaskResult]:
    """Per-task results of the last run of ``target`` (empty slots for the rest)."""
    raw = read(path)
    out = outcomes.empty()
    tasks = raw.get("tasks", {}) if raw.get("target") == target else {}
    for key, row in tasks.items() if isinstance(tasks, dict) else ():
        try:
            if key in out:
                seen = [outcomes.Outcome(o) for o in row["outcomes"]]
                out[key].outcomes, out[key].reason = seen, str(row.get("reason", ""))
        except (AttributeError, KeyError, TypeError, ValueError):  # a row edited by hand
            continue
    return out


def load_hints(path: Path = HINTS) -> dict[str, int]:
    """The highest hint level seen per task key."""
    hints = read(path).get("hints")
    return {k: v for k, v in hints.items() if isinstance(v, int)} if isinstance(hints, dict) else {}


def save_hints(hints: dict[str, int], path: Path = HINTS) -> None:
    write(path, {"hints": hints})


def backup(path: Path, folder: Path = BACKUPS) -> Path:
    """Copy ``path`` to a new, timestamped file in ``folder`` (never overwriting one)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")  # sorts in time order
    data = path.read_bytes()
    for n in itertools.count():
        dest = folder / f"{path.stem}.{stamp}{f'-{n}' if n else ''}{path.suffix}"
        try:
            with open(dest, "xb") as f:  # "x": fails rather than overwrite
                f.write(data)
            return dest
        except FileExistsError:
            pass


def backups_of(stem: str, folder: Path = BACKUPS) -> list[Path]:
    """Every backup of the file ``<stem>.py``, oldest first."""
    return sorted(folder.glob(f"{stem}.*.py"))
