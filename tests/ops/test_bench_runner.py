"""`make bench`'s runner on tiny benchmarks of the test's own: one table with a
baseline, ratio, target and verdict per figure; a target that does not hold is
reported with exit status 0; a benchmark that crashes or outlives its budget gets a
STATUS row and exit status 1. The real benchmarks take minutes and are not run here.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO / "bench" / "run.py"

MODULES = {
    "tiny": """
        from harness import Target

        TITLE = "a tiny benchmark"
        BUDGET_SECONDS = 30


        def run(bench):
            bench.row(
                "rate (baseline: doing nothing)",
                50.0,
                unit="x/s",
                baseline=100.0,
                target=Target(">=", 0.25, of="ratio"),
            )
            bench.row(
                "latency p95",
                80.0,
                unit="ms",
                baseline=20.0,
                target=Target("<=", 50),
            )
            bench.row("lost", 0, target=Target("==", 0))
            bench.row("setting", "two workers")
            bench.note("measured nothing real")
    """,
    "crashing": """
        TITLE = "a benchmark that crashes"
        BUDGET_SECONDS = 30


        def run(bench):
            bench.row("before the crash", 1)
            raise RuntimeError("the benchmark broke")
    """,
    "endless": """
        import time

        TITLE = "a benchmark that outlives its budget"
        BUDGET_SECONDS = 2


        def run(bench):
            bench.row("started", 1)
            time.sleep(60)
    """,
}


@pytest.fixture
def modules(tmp_path):
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    for name, source in MODULES.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


def run_bench(modules: Path, *names: str) -> tuple[subprocess.CompletedProcess, dict]:
    results = modules.parent / "results.json"
    env = {
        **os.environ,
        "BENCH_MODULES_DIR": str(modules),
        "BENCH_RESULTS": str(results),
    }
    env.pop("BENCH_STARTED_AT", None)
    done = subprocess.run(
        [sys.executable, str(RUNNER), *names],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, (json.loads(results.read_text()) if results.exists() else {})


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The table's lines by figure, split into cells."""
    lines = stdout.split("\n\n", 1)[0].splitlines()
    header = [cell.strip() for cell in lines[0].split(" | ")]
    assert header == [
        "benchmark",
        "figure",
        "value",
        "baseline",
        "ratio",
        "target",
        "holds",
    ]
    assert set(lines[1]) <= {"-", "+", " "}
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.split(" | ")]
        assert len(cells) == len(header), line
        rows[cells[1]] = cells
    return rows


def test_a_target_that_does_not_hold_is_reported_not_failed(modules):
    done, results = run_bench(modules, "tiny")

    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    assert rows["rate (baseline: doing nothing)"] == [
        "tiny",
        "rate (baseline: doing nothing)",
        "50.0 x/s",
        "100.0",
        "0.500",
        "ratio >= 0.25",
        "yes",
    ]
    assert rows["latency p95"][2:] == ["80.0 ms", "20.0", "4.000", "<= 50 ms", "no"]
    assert rows["lost"][2:] == ["0", "", "", "== 0", "yes"]
    assert rows["setting"][2:] == ["two workers", "", "", "", ""]
    total = next(cells for figure, cells in rows.items() if "total" in figure)
    assert total[0] == "make bench"
    assert total[5] == "<= 900 s" and total[6] == "yes"
    assert "- tiny: measured nothing real" in done.stdout
    assert "tiny" in done.stdout.split("Wall time:", 1)[1]
    assert [r["status"] for r in results["benchmarks"]] == ["ok"]
    assert results["wall_seconds"] < 60
    assert {row["figure"] for row in results["rows"]} >= set(rows) - {total[1]}


def test_a_crash_or_an_overrun_is_a_status_row_and_exit_1(modules):
    done, results = run_bench(modules, "tiny", "crashing", "endless")

    assert done.returncode == 1
    rows = table_rows(done.stdout)
    assert rows["latency p95"][6] == "no"  # the others are still reported
    assert rows["before the crash"][0] == "crashing"
    assert rows["started"][0] == "endless"
    statuses = [cells for cells in done.stdout.splitlines() if "| STATUS" in cells]
    assert len(statuses) == 2
    assert "crashed (exit 1): RuntimeError: the benchmark broke" in statuses[0]
    assert "stopped after its budget of 2s" in statuses[1]
    assert [r["status"] for r in results["benchmarks"]] == [
        "ok",
        "crashed (exit 1)",
        "stopped after its budget of 2s",
    ]
    assert "did not complete: crashing, endless" in done.stderr


def test_an_unknown_benchmark_is_refused(modules):
    done, _results = run_bench(modules, "tiny", "no_such_benchmark")

    assert done.returncode == 2
    assert "unknown benchmark(s): no_such_benchmark" in done.stderr
    assert done.stdout == ""
