"""Run every benchmark in bench/ and print one table; a JSON copy goes to
test-artifacts/bench/results.json.

    .venv/bin/python bench/run.py                       # all of them (`make bench`)
    .venv/bin/python bench/run.py notification_fanout   # some of them

Each benchmark runs in a child process of its own (it picks its settings before
``django.setup()``) and is stopped after its ``BUDGET_SECONDS``. A target that does not
hold is reported, not failed: the exit status is 0 unless a benchmark crashed or ran
out of time. Progress goes to stderr, the table to stdout; the last row is the
whole run's wall time against the bound of 15 minutes.

``BENCH_MODULES_DIR`` names another folder of benchmark modules (the runner's own
tests use it), ``BENCH_RESULTS`` another path for the JSON copy.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(os.environ.get("BENCH_MODULES_DIR") or Path(__file__).parent)
BENCH_DIR = BENCH_DIR.resolve()
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from harness import REPO, Bench, Row, Target, format_value, progress  # noqa: E402

NOT_BENCHMARKS = {"run", "harness"}
RESULTS = Path(
    os.environ.get("BENCH_RESULTS")
    or REPO / "test-artifacts" / "bench" / "results.json"
)
# The bound: the whole `make bench` within 15 minutes on 2 cores.
WALL_BOUND_SECONDS = 900
COLUMNS = ("benchmark", "figure", "value", "baseline", "ratio", "target", "holds")


def discover() -> list[str]:
    """Every ``bench/<name>.py`` but the runner, the harness and ``_private`` ones."""
    return sorted(
        path.stem
        for path in BENCH_DIR.glob("*.py")
        if path.stem not in NOT_BENCHMARKS and not path.stem.startswith("_")
    )


def run_child(name: str, output: Path) -> int:
    """In the child: run one benchmark, write its rows and notes to ``output``."""

    signal.signal(signal.SIGTERM, interrupted)
    bench = Bench(name)
    status = 0
    error = ""
    try:
        importlib.import_module(name).run(bench)
    except BaseException:  # noqa: BLE001 - reported, then the exit status says it
        error = traceback.format_exc()
        print(error, file=sys.stderr, flush=True)
        status = 1
    output.write_text(
        json.dumps(
            {
                "rows": [row.as_dict() for row in bench.rows],
                "notes": bench.notes,
                "error": error,
            },
            default=str,
        )
    )
    return status


def run_benchmark(name: str) -> dict:
    """In the runner: the benchmark in a child process, stopped at its budget."""
    try:
        module = importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a broken module is reported like a crash
        error = traceback.format_exc()
        progress(f"{name}: cannot import\n{error}")
        last = error.strip().splitlines()[-1]
        row = Row(benchmark=name, figure="STATUS", value=f"cannot import: {last}")
        return {
            "name": name,
            "title": name,
            "status": "cannot import",
            "seconds": 0,
            "budget": 0,
            "notes": [],
            "error": error,
            "rows": [row.as_dict()],
        }
    budget = getattr(module, "BUDGET_SECONDS", 300)
    progress(f"{name}: {getattr(module, 'TITLE', name)} (budget {budget}s)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ecabinet-bench-result-") as folder:
        output = Path(folder) / "result.json"
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", name, str(output)],
            cwd=REPO,
            start_new_session=True,
        )
        status = "ok"
        try:
            code = child.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            status = f"stopped after its budget of {budget}s"
            code = stop_child(child)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the child must stop too
            stop_child(child)
            raise
        result = (
            json.loads(output.read_text())
            if output.exists()
            else {"rows": [], "notes": [], "error": ""}
        )
    if code != 0 and status == "ok":
        status = f"crashed (exit {code})"
    result.update(
        name=name,
        title=getattr(module, "TITLE", name),
        status=status,
        seconds=round(time.monotonic() - started, 1),
        budget=budget,
    )
    if status != "ok":
        last = (result["error"].strip().splitlines() or ["see stderr"])[-1]
        result["rows"].append(
            Row(benchmark=name, figure="STATUS", value=f"{status}: {last}").as_dict()
        )
    return result


def stop_child(child: subprocess.Popen) -> int:
    """SIGTERM: the child unwinds and stops what it started (its worker cluster);
    SIGKILL if it has not done so within 45 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    try:
        return child.wait(timeout=45)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        return child.wait()


def interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # unwinds: finally blocks run


def table(rows: list[dict]) -> str:
    def cells(row: dict) -> tuple[str, ...]:
        value = format_value(row["value"])
        if row.get("unit"):
            value += f" {row['unit']}"
        holds = row["holds"]
        return (
            row["benchmark"],
            row["figure"],
            value,
            format_value(row["baseline"]),
            "" if row["ratio"] is None else f"{row['ratio']:.3f}",
            row["target"],
            "" if holds is None else ("yes" if holds else "no"),
        )

    lines = [COLUMNS, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    rule = "-+-".join("-" * width for width in widths)
    text = [
        " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
        for line in lines
    ]
    return "\n".join([text[0], rule, *text[1:]])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return run_child(argv[1], Path(argv[2]))
    names = argv or discover()
    unknown = set(names) - set(discover())
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, interrupted)
    started = time.time()
    results = [run_benchmark(name) for name in names]
    wall = time.time() - started
    total = Bench("make bench")
    total.row(
        "total wall time (15-minute bound)",
        round(wall, 1),
        unit="s",
        target=Target("<=", WALL_BOUND_SECONDS),
    )
    rows = [row for result in results for row in result["rows"]]
    rows += [row.as_dict() for row in total.rows]
    print(table(rows))
    print(
        "\nWall time: "
        + ", ".join(
            f"{r['name']} {r['seconds']:.0f} s of {r['budget']}" for r in results
        )
        + f"; total {wall:.0f} s of {WALL_BOUND_SECONDS} (budgets add up to "
        f"{sum(r['budget'] for r in results)} s)."
    )
    notes = [f"{r['name']}: {note}" for r in results for note in r["notes"]]
    if notes:
        print("\nNotes:")
        print("\n".join(f"- {note}" for note in notes))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "started_at": time.strftime(
                    "%Y-%m-%dT%H:%M:%S%z", time.localtime(started)
                ),
                "wall_seconds": round(wall, 1),
                "wall_bound_seconds": WALL_BOUND_SECONDS,
                "host": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                },
                "benchmarks": [
                    {
                        k: r[k]
                        for k in (
                            "name",
                            "title",
                            "status",
                            "seconds",
                            "budget",
                            "notes",
                            "error",
                        )
                    }
                    for r in results
                ],
                "rows": rows,
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )
    shown = RESULTS.relative_to(REPO) if RESULTS.is_relative_to(REPO) else RESULTS
    print(f"\n(JSON copy: {shown})")
    failed = [r["name"] for r in results if r["status"] != "ok"]
    if failed:
        progress(f"did not complete: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        progress("interrupted; the running benchmark was stopped")
        sys.exit(130)
