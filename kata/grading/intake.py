"""What the grader takes from a submission: its archives unpacked safely, and one module
per exercise, found under the names learners really use (docs/instructors.md, "What is
graded"). Symbolic links are listed, never followed; the bytes pass through as they are.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kata.core import ipynb, stubbing
from kata.grading import sanitize

ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar")
MAX_MEMBERS = 2000  # members of one archive
MAX_BYTES = 100 * 2**20  # bytes unpacked from all the archives of a submission
SKIPPED_DIRS = (".venv", ".git", "__pycache__", ".ipynb_checkpoints", "__MACOSX")
MODULE_SUFFIXES = (".py", ipynb.SUFFIX)

# A copy's suffix: "name (1)", "name - Copy", "name - Copy (2)", "name copy 2", "name_copy".
_COPY = re.compile(r"(?:[\s_-]*(?:\(\d+\)|-\s*copy(?:\s*\(\d+\))?|\bcopy(?:\s*\d+)?|_copy\d*))+$")


def normalized(stem: str) -> str:
    """The name a file was meant to have: ``Ex02_Builtin_Init (1)`` -> ``ex02_builtin_init``."""
    return re.sub(r"[\s.-]+", "_", _COPY.sub("", stem.strip().lower())).strip("_")


def untouched_stub(path: Path) -> bool:
    """True when the module at ``path`` is a stub nobody worked on (stubbing it again
    changes nothing). A file that cannot be read or parsed holds something: False."""
    try:
        if path.is_symlink():
            return False
        data = path.read_bytes()
        notebook = path.suffix == ipynb.SUFFIX
        text = ipynb.module_text_of(data, path.name) if notebook else data.decode("utf-8-sig")
        text = "".join(ln for ln in text.splitlines(True) if not ln.startswith("# dropped: "))
        return stubbing.stub_source(text).strip() == text.strip()
    except (OSError, ValueError, SyntaxError, RecursionError):
        return False


@dataclass
class Found:
    """A candidate module for one exercise; the one picked carries ``notes``."""

    path: Path  # the file to read (inside the submission, or unpacked from an archive)
    shown: str  # its name for people: ``exercises/ex01_….py``, ``work.zip:ex01_….py``
    rank: tuple = ()  # candidates sort by it, the best first
    notes: list[str] = field(default_factory=list)  # the name used, the candidates left out


class Submission:
    """A submission folder with its archives unpacked (use as a context manager)."""

    def __init__(self, root: Path, tmp_prefix: str = "kata-intake-"):
        self.root = root
        self.flags: list[str] = []  # what the intake refused or could not do
        self._dir = tempfile.TemporaryDirectory(prefix=tmp_prefix, ignore_cleanup_errors=True)
        self._tmp = Path(self._dir.name)  # what the archives held
        self._unpacked = 0  # bytes unpacked from all the archives
        # (path, shown, base) of every file and link, unpacked ones included
        self.entries: list[tuple[Path, str, Path]] = []

    def __enter__(self) -> Submission:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> Submission:
        """List the submission's files and unpack its archives."""
        self.entries = [(p, _shown(p, self.root), self.root) for p in walk(self.root)]
        for path, shown, _ in list(self.entries):
            if path.name.lower().endswith(ARCHIVES) and not path.is_symlink() and path.is_file():
                self._unpack(path, shown)
        return self

    def close(self) -> None:
        """Remove what was unpacked."""
        self._dir.cleanup()

    def _unpack(self, archive: Path, shown: str) -> None:
        dest = Path(tempfile.mkdtemp(dir=self._tmp))
        try:
            refused = unpack(archive, dest, MAX_BYTES - self._unpacked)
        except (OSError, ValueError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
            self.flags.append(f"{shown}: not unpacked ({sanitize.clean(str(exc), 200)})")
            return
        self.flags += [f"{shown}: {why}" for why in refused]
        self._unpacked += sum(p.stat().st_size for p in walk(dest))
        self.entries += [(p, f"{shown}:{_shown(p, dest)}", dest) for p in walk(dest)]

    def candidates(self, name: str) -> list[Found]:
        """The files that may be exercise ``name``'s module, the best first: the exact name,
        a ``.py`` before a notebook, the folder before an archive, the top before deeper."""
        out = []
        for path, shown, base in self.entries:
            if path.parent == self.root and path.name == "exercises" and path.is_symlink():
                # A linked exercises/ folder: taken as it is, for the grader to refuse.
                out.append(Found(path, shown, (False, False, False, 1, 1, shown)))
                continue
            skip = path.suffix.lower() not in MODULE_SUFFIXES or path.name.startswith("._")
            if skip or normalized(path.stem) != name or _kata_own(path, base):
                continue
            exact = path.name in (f"{name}.py", f"{name}{ipynb.SUFFIX}")
            inner = shown.split(":")[-1]
            depth = inner.count("/")
            place = 0 if depth == 0 else 1 if inner.startswith("exercises/") and depth == 1 else 2
            notebook = path.suffix.lower() == ipynb.SUFFIX
            rank = (not exact, notebook, base != self.root, place, depth, shown)
            out.append(Found(path, shown, rank))
        return sorted(out, key=lambda c: c.rank)

    def find(self, name: str) -> Found | None:
        """The module graded as exercise ``name``, with notes; None when there is none."""
        found = self.candidates(name)
        if not found:
            return None
        worked = [c for c in found if not untouched_stub(c.path)]
        pick = (worked or found)[0]
        if pick.path.name not in (f"{name}.py", f"{name}{ipynb.SUFFIX}"):
            pick.notes.append(f"graded {pick.shown} as {name}{pick.path.suffix.lower()}")
        elif ":" in pick.shown:
            pick.notes.append(f"graded {pick.shown}")
        for c in found:
            if c is not pick:
                why = "an untouched stub" if c not in worked else "another copy"
                pick.notes.append(f"ignored {c.shown} ({why}; graded {pick.shown})")
        return pick

    def close_names(self, name: str) -> list[str]:
        """Python files whose names look like ``name`` without being taken for it."""
        py = {
            shown: Path(shown.split(":")[-1]).stem.lower()
            for p, shown, _ in self.entries
            if p.suffix.lower() in MODULE_SUFFIXES
        }
        near = set(difflib.get_close_matches(name, py.values(), n=3, cutoff=0.75))
        return [shown for shown, stem in py.items() if stem in near][:3]


def _shown(path: Path, base: Path) -> str:
    return sanitize.name(path.relative_to(base))


KATA_DIRS = ("kata", "tests", ".kata")  # a repository's tooling, graded suites, backups


def _kata_own(path: Path, base: Path) -> bool:
    """``path`` is the kata's own file in a submitted repository: under ``kata/`` (pristine
    stubs), ``tests/``, ``.kata/`` (backups), or ``solutions/`` beside ``exercises/``."""
    for parent in path.relative_to(base).parents:
        if parent.name in KATA_DIRS:
            return True
        if parent.name == "solutions" and (base / parent.parent / "exercises").is_dir():
            return True
    return False


def walk(root: Path) -> list[Path]:
    """Every entry below ``root``, symbolic links listed but never followed."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        here = Path(dirpath)
        out += [here / d for d in dirnames if (here / d).is_symlink()]
        out += [here / f for f in sorted(filenames)]
    return out


def _safe_name(name: str) -> PurePosixPath | None:
    """The member's path inside the archive, or None when it would land outside."""
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or not p.parts or re.match(r"^[A-Za-z]:", name):
        return None
    return p


def _members(archive: Path, room: int):
    """(name, is a regular file, opener) of each member but directories, within the caps."""
    if archive.name.lower().endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _caps(len(infos), sum(i.file_size for i in infos), room)
            for i in [i for i in infos if not i.is_dir()]:
                kind = stat.S_IFMT(i.external_attr >> 16)  # 0: a zip made without modes
                yield i.filename, kind in (0, stat.S_IFREG), lambda i=i: zf.open(i)
        return
    with tarfile.open(archive) as tf:
        members: list[tarfile.TarInfo] = []
        while (m := tf.next()) is not None:  # the caps are checked before reading on
            members.append(m)
            _caps(len(members), sum(x.size for x in members if x.isfile()), room)
        for m in [m for m in members if not m.isdir()]:
            yield m.name, m.isfile(), lambda m=m: tf.extractfile(m)


def unpack(archive: Path, dest: Path, room: int = MAX_BYTES) -> list[str]:
    """Unpack the regular files of ``archive`` into ``dest``; the reasons for what was refused.
    Raises ``ValueError``, unpacking nothing, past ``MAX_MEMBERS`` members or ``room`` bytes."""
    refused: list[str] = []
    for name, regular, opener in _members(archive, room):
        rel = _safe_name(name)
        if not regular or rel is None:
            why = "not a regular file" if not regular else "outside the archive"
            refused.append(f"{sanitize.clean(name, 120)} refused ({why})")
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        # zipfile and tarfile never read past a member's stated size.
        with opener() as src, open(dest / rel, "wb") as out:
            shutil.copyfileobj(src, out)
    return refused


def _caps(count: int, size: int, room: int) -> None:
    if count > MAX_MEMBERS:
        raise ValueError(f"{count} members, more than {MAX_MEMBERS}")
    if size > min(room, MAX_BYTES):
        raise ValueError(
            f"{size / 2**20:.0f} MiB unpacked, more than the {min(room, MAX_BYTES) / 2**20:.0f} "
            f"MiB left of the submission's {MAX_BYTES // 2**20} MiB"
        )
