"""The one atomic write (a crash never leaves half a file), and what never travels with a
copy of the kata."""

import json
import os
import tempfile
from pathlib import Path

CACHE_PATTERNS = ("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` atomically; whatever was at ``path`` (a file, a link a submission
    put there) is replaced, never written through."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data) -> None:
    """Write ``data`` as JSON atomically."""
    write_text(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False))
