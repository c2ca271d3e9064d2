"""Tooling tests for how ``make watch`` sees saves (issue 22, item 6): one verdict per
save, however many steps the editor takes to write it, its delay timed from that save
and never from an older time (a modification time kept from a copy, a skewed clock)."""

from __future__ import annotations

from pathlib import Path

from kata.learner.watch import Saves

NAME = "ex01_access_params"


class Disk:
    """A fake file system and clock: ``write`` changes a file's stamp at the current time."""

    def __init__(self):
        self.now = 1000.0
        self.files = {NAME: (int(900e9), 10)}

    def stamps(self):
        return dict(self.files)

    def clock(self):
        return self.now

    def write(self, size: int, mtime: float | None = None):
        self.files[NAME] = (int((self.now if mtime is None else mtime) * 1e9), size)

    def run(self, saves: Saves, seconds: float, step: float = 0.05) -> list[tuple[str, float]]:
        """Poll every ``step`` for ``seconds``; every save reported."""
        ready = []
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now += step
            ready += saves.poll()
        return ready


def watcher(disk: Disk) -> Saves:
    return Saves(Path("."), settle=0.1, stamps=disk.stamps, clock=disk.clock)


def test_a_save_written_in_several_steps_gets_one_verdict():
    disk = Disk()
    saves = watcher(disk)
    disk.run(saves, 1.0)
    disk.now += 0.01
    disk.write(0)  # the editor truncates…
    disk.run(saves, 0.05)
    disk.write(5000)  # …writes the new text…
    disk.run(saves, 0.05)
    disk.write(5000, mtime=disk.now + 0.001)  # …and touches it
    ready = disk.run(saves, 1.0)
    assert [name for name, _ in ready] == [NAME], ready
    saved = ready[0][1]
    assert abs(saved - (disk.now - 1.0 + 0.001)) < 0.1, "timed from the save's last step"


def test_two_saves_apart_get_two_verdicts():
    disk = Disk()
    saves = watcher(disk)
    disk.write(100)
    first = disk.run(saves, 1.0)
    disk.write(200)
    second = disk.run(saves, 1.0)
    assert len(first) == 1 and len(second) == 1


def test_a_modification_time_older_than_the_watch_is_not_the_save_time():
    """A file copied with its old time (cp -p, an editor keeping it, a skewed clock):
    the save is at most one poll before the watcher saw it, not 100 s ago."""
    disk = Disk()
    saves = watcher(disk)
    disk.run(saves, 100.0, step=1.0)
    disk.write(300, mtime=disk.now - 100.0)
    seen = disk.now + 0.05
    ready = disk.run(saves, 1.0)
    assert len(ready) == 1
    assert seen - 0.05 - 1e-6 <= ready[0][1] <= seen, ready


def test_a_file_gone_mid_save_is_graded_once_back():
    disk = Disk()
    saves = watcher(disk)
    disk.files[NAME] = (0, 0)  # renamed away for a moment
    disk.run(saves, 0.05)
    disk.write(400)
    ready = disk.run(saves, 1.0)
    assert [name for name, _ in ready] == [NAME]
