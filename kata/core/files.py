"""Files written safely (atomically), and what never travels with a copy of the kata."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

# What never travels with a copy of the kata's code.
CACHE_PATTERNS = ("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache")


def write_json(path: Path, data) -> None:
    """Write ``data`` as JSON atomically: a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
