"""Backups of the learner's files in ``.kata/backups/``, taken before anything rewrites them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kata.core.state import BACKUPS


def backup(path: Path, folder: Path = BACKUPS) -> Path:
    """Copy ``path`` to a new, timestamped file in ``folder`` (never overwriting one)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")  # sorts in time order
    data = path.read_bytes()
    for n in range(1000):
        dest = folder / f"{path.stem}.{stamp}{f'-{n}' if n else ''}{path.suffix}"
        try:
            with open(dest, "xb") as f:  # "x": fails rather than overwrite
                f.write(data)
            return dest
        except FileExistsError:
            continue
    raise FileExistsError(f"could not find a free backup name in {folder}")


def backups_of(stem: str, folder: Path = BACKUPS) -> list[Path]:
    """Every backup of the file ``<stem>.py``, oldest first."""
    return sorted(folder.glob(f"{stem}.*.py"))
