"""scripts/perf_table.py and scripts/perf_targets.py read a lucid-bench run as they say: each
row's median or best repetition, and issue 12's thresholds applied to the one asked for.
The run is written here by hand, so the expected figures are known exactly."""

import json
import sys

import pytest

from conftest import SOURCE_DIR

sys.path.insert(0, str(SOURCE_DIR / "scripts"))
import perf_table  # noqa: E402
import perf_targets  # noqa: E402


def aggregate(name, statistic, ms, gflops, pct_peak, family):
    return {"name": f"{name}_{statistic}", "run_name": name, "run_type": "aggregate", "aggregate_name": statistic,
            "repetitions": 5, "family_index": family, "per_family_instance_index": 0, "real_time": ms * 1000,
            "time_unit": "us", "GFLOPS": gflops, "pct_peak": pct_peak, "label": "v16"}


def row(name, family, median, best, worst):
    """Aggregates as lucid-bench writes them: (ms, GFLOP/s, % peak) of the median repetition,
    and the min and max over repetitions of every field (time and counters alike)."""
    return [aggregate(name, "median", *median, family),
            aggregate(name, "min", best[0], worst[1], worst[2], family),
            aggregate(name, "max", worst[0], best[1], best[2], family)]


@pytest.fixture
def run(tmp_path):
    benchmarks = (row("forward/hifigan_up1/lucid/threads:1", 0, (2.0, 180.0, 76.5), (1.8, 200.0, 85.0),
                      (2.4, 150.0, 63.7))
                  + row("forward/hifigan_up1/onednn_best/threads:1", 1, (2.3, 156.0, 66.3), (2.2, 165.0, 70.1),
                        (2.5, 144.0, 61.2))
                  # Repetitions without aggregates: "best" takes the fastest of them.
                  + [{"name": "forward/hifigan_up1/lucid/threads:2", "run_name": "forward/hifigan_up1/lucid/threads:2",
                      "run_type": "iteration", "repetitions": 2, "family_index": 2, "real_time": ms * 1000,
                      "time_unit": "us", "GFLOPS": gflops, "pct_peak": gflops / 4.7} for ms, gflops in
                     ((1.0, 360.0), (0.9, 400.0))])
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"context": {"fma_peak_gflops_per_core": "235.0", "load_avg": [0.3, 0.5, 0.6]},
                                "benchmarks": benchmarks}))
    return path


def test_the_median_statistic_reads_the_median_repetition(run):
    runs, context = perf_table.load_runs([str(run)])
    lucid = runs["forward/hifigan_up1/lucid/threads:1"]
    assert (lucid["ns"], lucid["GFLOPS"], lucid["pct_peak"]) == (2.0e6, 180.0, 76.5)
    assert runs["forward/hifigan_up1/lucid/threads:2"]["GFLOPS"] == 380.0  # median of 360 and 400
    assert context["repetitions"] == 5


def test_the_best_statistic_reads_the_fastest_time_and_the_largest_rates(run):
    runs, _ = perf_table.load_runs([str(run)], "best")
    lucid = runs["forward/hifigan_up1/lucid/threads:1"]
    assert (lucid["ns"], lucid["GFLOPS"], lucid["pct_peak"]) == (1.8e6, 200.0, 85.0)
    assert runs["forward/hifigan_up1/onednn_best/threads:1"]["GFLOPS"] == 165.0
    two = runs["forward/hifigan_up1/lucid/threads:2"]
    assert (two["ns"], two["GFLOPS"]) == (0.9e6, 400.0)


def test_targets_apply_both_thresholds_to_the_statistic_asked_for(run):
    median_runs, _ = perf_table.load_runs([str(run)])
    lines, met, counted = perf_targets.target_one(median_runs)
    # 76.5% of the peak misses 80% though 180/156 = 1.15x meets 1.1x.
    assert (met, counted) == (0, 1)
    assert lines[0] == "| hifigan_up1 | 180 (76%) 1.15x | – | – |"
    best_runs, _ = perf_table.load_runs([str(run)], "best")
    lines, met, counted = perf_targets.target_one(best_runs)
    assert (met, counted) == (1, 1)
    assert lines[0] == "| hifigan_up1 | 200 (85%) 1.21x ✓ | – | – |"
    # 2 threads over 1: 380 / 180 = 2.11 from medians.
    lines, met, counted = perf_targets.target_two(median_runs)
    assert (met, counted) == (1, 1) and lines[0].startswith("| forward | 2.11 ✓ | – |")


def test_the_report_names_both_statistics(run):
    text = perf_targets.report(str(run))
    assert "### Target 1, median repetition: 0 of 1 cells" in text
    assert "### Target 1, best repetition: 1 of 1 cells" in text
