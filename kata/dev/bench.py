"""``make bench``: the kata's speed against its targets (docs/maintainers.md), as one table.

Each figure is the median of ``--repeat`` runs; the compared commands run
alternately, so both see the same load of a shared machine (compare the ratios)."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from kata import ROOT

FLOOR = "import tensorflow, pytest, scipy.stats"
SUITE = ["-m", "pytest", "--target", "solutions", "-p", "no:cacheprovider"]
UNSANDBOXED = """import os, sys
from kata.grading.grade import grade
from kata.grading.sandbox import Sandbox
r = grade(sys.argv[1], sandbox=Sandbox("process group"), jobs=os.cpu_count() or 1)
sys.exit(r.score != r.max_score)"""
CHECK = """import time, kata.learner.notebook as _nb
_start = time.perf_counter()
_ok = _nb.check({name!r}, namespace=globals()).passed
print("KATA-BENCH", time.perf_counter() - _start, _ok)"""
KATA = (sys.executable, "-m", "kata")


def env(**extra: str) -> dict[str, str]:
    """The caller's environment without its kata and pytest settings, and without
    ``PYTHONDONTWRITEBYTECODE``: commands keep compiled modules, as on a learner's machine."""
    drop = ("KATA_", "PYTEST_", "PYTHONDONTWRITEBYTECODE")
    base = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**base, "TF_CPP_MIN_LOG_LEVEL": "3", "KATA_LANG": "en", **extra}


def timed(*cmd: str, cwd: Path = ROOT, **extra: str) -> tuple[float, float]:
    """Run ``cmd`` (it must succeed): wall seconds and its peak resident memory in MiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env(**extra), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"bench: {' '.join(cmd)} failed")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def copies(dest: Path, n: int) -> Path:
    for i in range(n):
        shutil.copytree(ROOT / "solutions", dest / f"copy{i}", ignore=lambda *_: ["__pycache__"])
    return dest


def watch(repeat: int, tmp: Path) -> dict[str, float]:
    """Save → verdict of ex01 and ex04 in one warm ``kata watch``, run from a copy of the
    kata so that its ``.kata/`` state is not the repository's."""
    target = copies(tmp / "watched", 1) / "copy0"
    root, skip = tmp / "kata-copy", shutil.ignore_patterns("tooling", "__pycache__")
    for folder in ("kata", "tests"):  # tests/ without its tooling tests
        shutil.copytree(ROOT / folder, root / folder, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", root)
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "kata", "watch"],
        **dict(cwd=root, stdout=subprocess.PIPE, text=True),
        env=env(KATA_TARGET=str(target), PYTHONPATH=str(root)),
    )
    out: dict[str, list[float]] = {}
    try:
        while "watching" not in (line := proc.stdout.readline()):
            assert line, "the watcher stopped"
        for i in range(repeat + 1):
            for name in ("ex01_access_params", "ex04_set_params"):
                time.sleep(0.5)  # a distinct mtime
                with open(target / f"{name}.py", "a", encoding="utf-8") as f:
                    f.write(f"# save {i}\n")
                while name not in (line := proc.stdout.readline()) or "verdict" not in line:
                    assert line, "the watcher stopped"
                done, total = line.split(" tasks done")[0].split()[-1].split("/")
                assert done == total, line
                if i:  # the first save warms the watcher up
                    out.setdefault(name, []).append(float(line.split("verdict ")[1].split()[0]))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    return {name: median(v) for name, v in out.items()}


def checks(repeat: int) -> dict[str, float]:
    """``kata.check`` of each exercise in one warm Jupyter kernel, right after the
    exercise's solution ran in it (the exercises take turns; a first round warms up)."""
    from jupyter_client.manager import start_new_kernel

    out: dict[str, list[float]] = {}
    printed: list[str] = []  # what the kernel prints; the last KATA-BENCH line is the last check's
    keep = {"timeout": 600, "output_hook": lambda m: printed.append(m["content"].get("text", ""))}
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT), env=env())
    try:
        for i in range(repeat + 1):
            for path in sorted((ROOT / "solutions").glob("ex*.py")):
                kc.execute_interactive(path.read_text(encoding="utf-8"), **keep)
                printed.clear()  # a check that crashed prints no KATA-BENCH line of its own
                kc.execute_interactive(CHECK.format(name=path.stem), **keep)
                took, ok = "".join(printed).split("KATA-BENCH")[-1].split()
                assert ok == "True", f"kata.check({path.stem!r}) failed on the solution"
                if i:
                    out.setdefault(path.stem, []).append(float(took))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {name: median(v) for name, v in out.items()}


def measure(repeat: int, batch: int) -> list[tuple[str, str, str]]:
    """The table's rows: (figure, measured, target ✓/✗)."""
    rows = []

    def row(figure: str, value: float, unit: str, limit: float, low: bool = True) -> None:
        met = value <= limit if low else value >= limit
        target = f"{'≤' if low else '≥'} {limit}{unit} {'✓' if met else '✗'}"
        rows.append((figure, f"{value:.2f}{unit}", target))

    runs = [
        (timed(sys.executable, "-c", FLOOR), timed(sys.executable, *SUITE)) for _ in range(repeat)
    ]
    floor, floor_mib = map(median, zip(*(r[0] for r in runs)))
    suite, suite_mib = map(median, zip(*(r[1] for r in runs)))
    rows.append(("floor: " + FLOOR, f"{floor:.2f} s, {floor_mib:.0f} MiB", ""))
    row("graded suite on solutions/ ÷ floor, wall", suite / floor, "×", 1.3)
    row("graded suite on solutions/ ÷ floor, peak memory", suite_mib / floor_mib, "×", 1.3)
    with tempfile.TemporaryDirectory(prefix="kata-bench-") as name:
        tmp = Path(name)
        for ex, took in watch(repeat, tmp).items():
            row(f"make watch, save → verdict, {ex}", took, " s", 0.5)
        for ex, took in checks(repeat).items():
            row(f"kata.check in a warm kernel, {ex}", took, " s", 0.5)
        sub = str(copies(tmp / "one", 1) / "copy0")
        graded = (*KATA, "grade", sub, "--out", str(tmp / "g"), "--quiet")
        ratios = []
        for _ in range(repeat):
            unsandboxed = timed(sys.executable, "-c", UNSANDBOXED, sub)[0]
            ratios.append(timed(*graded)[0] / unsandboxed)
        row("make grade, sandboxed ÷ unsandboxed", median(ratios), "×", 2)
        grade_all = (*KATA, "grade-all", str(copies(tmp / "batch", batch)), "--out")
        serial = timed(*grade_all, str(tmp / "g1"), "--jobs", "1")[0]
        speedup = serial / timed(*grade_all, str(tmp / "g2"), "--jobs", "2")[0]
        row(f"make grade-all of {batch} copies, 2 jobs' speed-up", speedup, "×", 1.7, low=False)
    return rows


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="the kata's speed against its stated targets (make bench)",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--repeat", type=int, default=3, help="runs of each figure (default 3)")
    p.add_argument("--batch", type=int, default=6, help="submissions graded in batch (default 6)")
    p.set_defaults(run=run)


def run(args) -> int:
    rows = measure(max(1, args.repeat), max(2, args.batch))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print("| figure | measured | target |\n| --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + " |")
    return 0
