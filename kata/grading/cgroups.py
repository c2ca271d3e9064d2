"""A control group per sandboxed run: the kernel caps its memory and its processes.

``Group.create(name, memory_mb, pids)`` makes a child of the grader's own control
group in the memory and pids controllers (cgroup v2 when the grader's group
delegates them, else the v1 hierarchies), with ``memory.max`` (v1:
``memory.limit_in_bytes``) and ``pids.max`` set. Everything the run holds is
charged there, memory in ``memfd`` files, ``/dev/shm`` and tmpfs included, which
the resident size of its processes does not show. It needs write access to the
hierarchy (root, or a delegated group); elsewhere ``create`` returns None and
the watchdog's count of resident memory is the only bound.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own(controller: str) -> tuple[Path, str] | None:
    """(the grader's group in ``controller``'s hierarchy, its version) or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    paths = {}
    for line in lines:
        _, names, path = line.split(":", 2)
        for name in names.split(",") if names else [""]:
            paths[name] = path.lstrip("/")
    for mount in (ROOT, ROOT / "unified"):  # v2: unified, or hybrid's unified mount
        if "" in paths and (mount / "cgroup.controllers").is_file():
            here = mount / paths[""]
            try:
                enabled = (here / "cgroup.subtree_control").read_text().split()
            except OSError:
                continue
            if controller in enabled:
                return here, "v2"
    if controller in paths and (ROOT / controller / paths[controller]).is_dir():
        return ROOT / controller / paths[controller], "v1"
    return None


@dataclass
class Group:
    """The run's groups (one per controller in v1, one shared in v2)."""

    memory: Path
    pids: Path
    version: str
    limit_mb: int

    @classmethod
    def create(cls, name: str, memory_mb: int, pids: int) -> Group | None:
        mem, pid = _own("memory"), _own("pids")
        if not mem or not pid or mem[1] != pid[1]:
            return None
        made: list[Path] = []
        try:
            for parent in dict.fromkeys((mem[0], pid[0])):
                (parent / name).mkdir()
                made.append(parent / name)
            group = cls(mem[0] / name, pid[0] / name, mem[1], memory_mb)
            limit = str(memory_mb * 2**20)
            knob = "memory.max" if group.version == "v2" else "memory.limit_in_bytes"
            (group.memory / knob).write_text(limit)
            (group.pids / "pids.max").write_text(str(pids))
        except OSError:
            for d in made:
                _rmdir(d)
            return None
        return group

    def join(self) -> None:
        """Put the calling process in the group (a child, before it execs)."""
        for d in dict.fromkeys((self.memory, self.pids)):
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def _stat(self) -> dict[str, int]:
        out = {}
        try:
            for line in (self.memory / "memory.stat").read_text().splitlines():
                key, _, value = line.partition(" ")
                out[key] = int(value) if value.isdigit() else 0
        except OSError:
            pass
        return out

    def held_mb(self) -> float:
        """Memory the run holds and cannot give back: anonymous and shared (tmpfs, memfd,
        /dev/shm) pages, in MiB; the page cache of files read is left out."""
        stat = self._stat()
        anon = stat.get("anon", 0) if self.version == "v2" else stat.get("rss", 0)
        return (anon + stat.get("shmem", 0)) / 2**20

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the run for its memory limit."""
        name = "memory.events" if self.version == "v2" else "memory.oom_control"
        try:
            for line in (self.memory / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and value.strip() != "0":
                    return True
        except OSError:
            pass
        return False

    def pids_hit(self) -> bool:
        """Whether a fork or thread of the run was refused by ``pids.max``."""
        try:
            for line in (self.pids / "pids.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "max" and value.strip() != "0":
                    return True
        except OSError:
            pass
        return False

    def kill(self) -> None:
        """Kill every process in the group (a daemon that left the process tree too)."""
        for d in dict.fromkeys((self.memory, self.pids)):
            for _ in range(50):
                try:
                    pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for p in pids:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.02)

    def close(self) -> None:
        """Kill whatever is left in the group and remove it."""
        self.kill()
        for d in dict.fromkeys((self.memory, self.pids)):
            _rmdir(d)


def _rmdir(d: Path) -> None:
    for _ in range(50):  # a killed process leaves its group a moment later
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
