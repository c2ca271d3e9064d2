"""Tooling tests of ``kata.dev.bench``'s helpers, on made-up figures: no timing is run here."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from kata import ROOT
from kata.dev import bench, release


def fake_figures(*, suite_wall=1.2, suite_rss=1.4, watch=0.4, speedup=1.8, jobs=2) -> dict:
    floor = {
        "wall_s": bench.summarize([5.0, 4.0, 6.0]),
        "peak_rss_mib": bench.summarize([600.0]),
        "lean_wall_s": bench.summarize([4.0]),
    }
    suite = {
        "wall_s": bench.summarize([5.0 * suite_wall]),
        "peak_rss_mib": bench.summarize([600.0 * suite_rss]),
        "wall_ratio": suite_wall,
        "rss_ratio": suite_rss,
        "lean_ratio": round(5.0 * suite_wall / 4.0, 3),
    }
    watched = {
        "save_to_verdict_s": bench.summarize([watch, watch + 0.1, watch - 0.1]),
        "reported_by_watch_s": None,
        "first_save_s": 1.5,
    }
    batch = {
        "copies": 20,
        "jobs": jobs,
        "serial_s": bench.summarize([180.0]),
        "parallel_s": bench.summarize([180.0 / speedup]),
        "speedup": speedup,
    }
    machine = {"cpu": "Fake CPU", "cores": 2, "load_before": 0.1, "load_after": 0.2}
    return {
        "machine": machine,
        "floor": floor,
        "suite": suite,
        "watch": {"ex04_set_params": watched},
        "batch": batch,
        "notebook": {
            "ex03_custom_init": {
                "check_s": bench.summarize([watch + 0.2, watch + 0.3]),
                "cpu_s": bench.summarize([0.3]),
            }
        },
    }


def test_summarize_gives_median_min_max_and_the_samples():
    s = bench.summarize([3.0, 1.0, 2.123456])
    assert (s["median"], s["min"], s["max"]) == (2.1235, 1.0, 3.0)
    assert s["samples"] == [3.0, 1.0, 2.1235]
    assert bench.summarize([7.0])["median"] == 7.0
    with pytest.raises(ValueError):
        bench.summarize([])


def test_ratio_compares_medians():
    assert bench.ratio(bench.summarize([3.0, 9.0, 6.0]), bench.summarize([4.0])) == 1.5


def test_machine_text_parsers():
    cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n"
    assert bench.cpu_model(cpuinfo) == "AMD EPYC 7B13"
    assert bench.cpu_model("") != ""  # falls back to platform.processor() or "unknown"
    assert bench.mem_total_mib("MemTotal:       24684520 kB\nMemFree: 1 kB\n") == 24105
    assert bench.mem_total_mib("") is None


def test_machine_info_names_the_versions_without_importing_tensorflow():
    # in a fresh process: this one has imported TensorFlow long ago
    code = (
        "import json, sys; from kata.dev import bench; info = bench.machine_info(); "
        "print(json.dumps([sorted(info), info['tensorflow'], 'tensorflow' in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    keys, version, imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"cpu", "cores", "memory_mib", "python", "tensorflow", "keras", "date"} <= set(keys)
    assert version and not imported


@pytest.mark.parametrize(
    "line, want",
    [
        (
            "[12:00:01] ex04_set_params: ✓ done — 4/4 tasks done  (verdict 0.42 s after the save)\n",
            ("ex04_set_params", "✓ done", 4, 4, 0.42),
        ),
        (
            "[12:00:01] ex01_access_params: ✗ failing — 5/7 tasks done",
            ("ex01_access_params", "✗ failing", 5, 7, None),
        ),
    ],
)
def test_parse_status_reads_the_watchers_line(line, want):
    s = bench.parse_status(line)
    assert (s["name"], s["label"], s["done"], s["total"], s["took"]) == want


@pytest.mark.parametrize(
    "line",
    ["loading TensorFlow once…", "watching solutions/ — save an exercise", "    ✗ freeze: failing"],
)
def test_parse_status_ignores_other_lines(line):
    assert bench.parse_status(line) is None


def test_checks_compare_each_figure_with_its_target():
    marks = {c.figure: c.met for c in bench.checks(fake_figures())}
    assert marks["graded suite on solutions/ (cold)"] is True  # 1.2× ≤ 1.3×
    assert marks["graded suite: peak memory"] is False  # 1.4× > 1.3×
    assert marks["watch ex04_set_params: save → verdict"] is True  # 0.4 s ≤ 0.5 s
    assert marks["batch grading, 20 copies, 2 at once"] is True  # 1.8× ≥ 1.7×
    assert marks["notebook: kata.check('ex03_custom_init'), warm kernel"] is False  # 0.65 s > 0.5 s
    assert marks["notebook: kata.check('ex03_custom_init'), CPU time"] is None  # no target
    assert marks["floor: peak memory"] is None  # no target


def test_the_lean_floor_is_shown_for_comparison_without_a_target():
    rows = {c.figure: c for c in bench.checks(fake_figures())}
    assert rows["floor, GC paused as the suite does"].value == "4.00 s"
    against = rows["graded suite against the floor with the GC paused"]
    assert (against.ratio, against.target, against.met) == ("1.50× lean floor", "", None)
    figures = fake_figures()  # figures measured before the lean floor existed
    del figures["floor"]["lean_wall_s"], figures["suite"]["lean_ratio"]
    assert not any("GC paused" in c.figure for c in bench.checks(figures))


def test_checks_miss_slow_figures_and_skip_the_speedup_on_one_core():
    rows = {c.figure: c for c in bench.checks(fake_figures(suite_wall=2.0, watch=0.9))}
    assert rows["graded suite on solutions/ (cold)"].met is False
    assert rows["watch ex04_set_params: save → verdict"].met is False
    one = {c.figure: c for c in bench.checks(fake_figures(jobs=1, speedup=1.0))}
    assert one["batch grading, 20 copies, 1 at once"].met is None
    assert "n/a" in one["batch grading, 20 copies, 1 at once"].target


def test_checks_leave_out_sections_not_measured():
    figures = fake_figures()
    del figures["batch"], figures["watch"]
    assert not any("batch" in c.figure or "watch" in c.figure for c in bench.checks(figures))
    assert bench.checks({}) == []


def test_table_shows_values_spreads_targets_and_marks():
    out = io.StringIO()
    bench.print_table(fake_figures(), file=out)
    text = out.getvalue()
    assert "Fake CPU, 2 cores, load 0.1 → 0.2" in text
    assert "5.00 s" in text and "4.00 s – 6.00 s" in text  # floor median and min–max
    assert "1.20× floor" in text and "≤ 1.3× floor" in text
    assert "✓" in text and "✗" in text


def test_json_holds_the_figures_and_each_verdict(tmp_path):
    path = tmp_path / "bench.json"
    bench.save_figures(fake_figures(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["machine"]["cpu"] == "Fake CPU"
    assert data["suite"]["wall_ratio"] == 1.2
    met = {t["figure"]: t["met"] for t in data["targets"]}
    assert met == {
        "graded suite on solutions/ (cold)": True,
        "graded suite: peak memory": False,
        "watch ex04_set_params: save → verdict": True,
        "batch grading, 20 copies, 2 at once": True,
        "notebook: kata.check('ex03_custom_init'), warm kernel": False,
    }


def _gradebook(path, rows):
    path.mkdir()
    lines = ["name,ex01_access_params,total,max,notes", *rows]
    (path / "gradebook.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_gradebook_wants_every_copy_with_full_marks(tmp_path):
    ok = _gradebook(tmp_path / "ok", ["copy01,10,40,40,", "copy02,10,40,40,"])
    bench.check_gradebook(ok, 2)
    with pytest.raises(bench.MeasurementError, match="1 rows, not 2"):
        bench.check_gradebook(_gradebook(tmp_path / "short", ["copy01,10,40,40,"]), 2)
    bad = _gradebook(tmp_path / "bad", ["copy01,0,30,40,ex01_access_params: killed: timeout"])
    with pytest.raises(bench.MeasurementError, match="copy01"):
        bench.check_gradebook(bad, 1)


def test_main_exits_0_on_missed_targets_and_1_when_a_figure_is_missing(monkeypatch, tmp_path):
    figures = fake_figures(suite_wall=3.0)
    monkeypatch.setattr(
        bench, "measure_floor_and_suite", lambda repeat: {k: figures[k] for k in ("floor", "suite")}
    )
    monkeypatch.setattr(bench, "measure_watch", lambda names, repeat: {"watch": figures["watch"]})
    monkeypatch.setattr(bench, "measure_notebook", lambda repeat: {"notebook": figures["notebook"]})
    out = tmp_path / "bench.json"
    assert bench.main(["--quick", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["errors"] == [] and "batch" not in data and data["settings"]["repeat"] == 1

    def broken(names, repeat):
        raise bench.MeasurementError("the watcher printed nothing")

    monkeypatch.setattr(bench, "measure_watch", broken)
    assert bench.main(["--quick", "--out", str(out)]) == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["errors"] == ["watch: the watcher printed nothing"] and "suite" in data


def test_bench_is_left_out_of_the_student_edition(tmp_path):
    out = release.build(tmp_path / "student")
    assert not (out / "kata" / "dev").exists()
    assert (out / "kata" / "learner").is_dir()
