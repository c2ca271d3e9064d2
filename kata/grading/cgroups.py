"""A control group per sandboxed run, so that the kernel caps its memory (``memfd``,
``/dev/shm`` and tmpfs included) and its processes; ``create`` returns None where the
grader cannot write the hierarchy (not root)."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _counters(path: Path) -> dict[str, int]:
    """The ``key value`` lines of a cgroup file (``memory.stat``, ``memory.events``)."""
    pairs = (line.split() for line in _read(path).splitlines())
    return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}


@functools.cache
def _own(hierarchy: Path) -> Path | None:
    """The grader's group in the hierarchy mounted at ``hierarchy``: the one whose
    ``cgroup.procs`` lists the grader's pid."""
    pid = str(os.getpid())
    for folder, _, _ in os.walk(hierarchy):
        if pid in _read(Path(folder, "cgroup.procs")).split():
            return Path(folder)
    return None


def _parents() -> tuple[Path, Path] | None:
    """Where the run's groups go: the grader's cgroup v2 group if it delegates memory
    and pids to its children, else its groups in the v1 ``memory`` and ``pids``."""
    for mount in (ROOT, ROOT / "unified"):  # v2: unified, or hybrid's unified mount
        own = _own(mount) if (mount / "cgroup.controllers").is_file() else None
        if own and {"memory", "pids"} <= set(_read(own / "cgroup.subtree_control").split()):
            return own, own
    memory, pids = _own(ROOT / "memory"), _own(ROOT / "pids")
    return (memory, pids) if memory and pids else None


@dataclass
class Group:
    """A run's groups: its ``memory`` and ``pids`` folders (one folder in cgroup v2)."""

    memory: Path
    pids: Path
    limit_mb: int

    @classmethod
    def create(cls, name: str, memory_mb: int, pids: int) -> Group | None:
        """A group capped at ``memory_mb`` MiB and ``pids`` processes, or None."""
        parents = _parents()
        if not parents:
            return None
        group = cls(parents[0] / name, parents[1] / name, memory_mb)
        knob = "memory.max" if group.memory == group.pids else "memory.limit_in_bytes"
        try:
            for folder in group.folders:
                folder.mkdir()
            (group.memory / knob).write_text(str(memory_mb * 2**20))
            (group.pids / "pids.max").write_text(str(pids))
        except OSError:
            group.close()
            return None
        return group

    @property
    def folders(self) -> list[Path]:
        return list(dict.fromkeys((self.memory, self.pids)))

    def join(self) -> None:
        """Put the calling process in the group (a child, before it execs)."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    def held_mb(self) -> float:
        """Anonymous and shared (tmpfs, memfd, /dev/shm) memory of the run in MiB: what it
        cannot give back, unlike the page cache of the files it read."""
        stat = _counters(self.memory / "memory.stat")  # v2 says "anon", v1 "rss"
        return (stat.get("anon", stat.get("rss", 0)) + stat.get("shmem", 0)) / 2**20

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the run for its memory limit."""
        files = ("memory.events", "memory.oom_control")  # v2, v1
        return any(_counters(self.memory / f).get("oom_kill") for f in files)

    def kill(self) -> None:
        """Kill every process in the group (a daemon that left the process tree too)."""
        for _ in range(50):
            pids = _read(self.pids / "cgroup.procs").split()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.02)

    def close(self) -> None:
        """Kill whatever is left in the group and remove it."""
        self.kill()
        for folder in self.folders:
            for _ in range(50):  # a killed process leaves its group a moment later
                with contextlib.suppress(OSError):
                    folder.rmdir()
                if not folder.exists():
                    break
                time.sleep(0.02)
