"""Region benchmarks of issue 10: pages and API under load, growth, overheads, memory, bulk.

``python -m bench.pages`` (also run by ``python -m bench`` / ``make bench``) writes
bench/results/latest.json and the table in docs/performance.md.

Needs two generated regions (``manage.py generate_region``), one large and one small, on
PostgreSQL by default::

    createdb passend_large && DATABASE_URL=.../passend_large manage.py migrate
    DATABASE_URL=.../passend_large manage.py generate_region --scale large
    (the same for passend_small with --scale small)

Each web benchmark runs in a subprocess (``python -m bench.web``) so that it can point Django at
its own database. A bulk figure whose benchmark cannot run is written as "not measured", never
as an invented number.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import bulk
from bench.results import Metric, host_speed_ms, write
from bench.versus import ROOT, Side, database_copy, run_round, versus

DEFAULT_LARGE = "postgres://postgres@127.0.0.1:5432/passend_large"
DEFAULT_SMALL = "postgres://postgres@127.0.0.1:5432/passend_small"

# Page targets of issue 10 (large, 2 cores, PostgreSQL).
P95_1U, P95_16U = 50.0, 150.0
PAGES = {
    # metric stem -> (bench.web scenario, 1-user p95 target, N-user p95 target) in ms
    "case_list": ("case_list", P95_1U, P95_16U),
    "case_list_deep": ("case_list_deep", P95_1U, P95_16U),
    "case_detail": ("case_detail", P95_1U, P95_16U),
    "dashboard": ("dashboard", P95_1U, P95_16U),
    "case_list_api": ("case_list_api", P95_1U, P95_16U),
    "case_detail_api": ("case_detail_api", P95_1U, P95_16U),
    "term_overview": ("term_overview", P95_1U, P95_16U),
    "tlv_report": ("tlv_report", 500.0, 500.0),
    "access_bundle": ("access_bundle", 2000.0, 2000.0),
}


def run_web(database_url: str, **options: Any) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    args = [sys.executable, "-m", "bench.web", "--database-url", database_url, "--out", str(out)]
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    subprocess.run(args, check=True)  # noqa: S603 - our own module, fixed arguments
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


def _p95(data: dict[str, Any], scenario: str, users: int) -> float:
    figures = data["scenarios"].get(f"{scenario}@{users}")
    return float(figures["p95_ms"]) if figures else math.nan


def _rps(data: dict[str, Any], scenario: str, users: int) -> float:
    figures = data["scenarios"].get(f"{scenario}@{users}")
    return float(figures["rps"]) if figures else math.nan


def growth_ratio(large_runs: list[dict[str, Any]], small_runs: list[dict[str, Any]]) -> float:
    """The worst page's one-user p95, large region over small region, each side the mean of
    its runs (``main`` runs them large-small-small-large)."""

    def mean_p95(runs: list[dict[str, Any]], scenario: str) -> float:
        return sum(_p95(run, scenario, 1) for run in runs) / len(runs)

    ratios = [
        mean_p95(large_runs, scenario) / mean_p95(small_runs, scenario)
        for scenario, _t1, _tn in PAGES.values()
        if mean_p95(small_runs, scenario) > 0
    ]
    return max(ratios) if ratios else math.nan


def side_by_side_growth_runs(
    large_url: str, small_url: str, common: dict[str, Any], rounds: int = 2
) -> dict[str, list[dict[str, Any]]]:
    """The one-user runs of the growth ratio, the large and the small region at the same time
    (``bench.versus.run_round``), each on its own gunicorn with one user, ``rounds`` times;
    ``growth_ratio`` takes each side's mean. One after the other (large, small, small, large),
    the host's speed moved the ratio more than the regions did: the worst page's was 1.79,
    1.17 and 1.55 in three ``make bench`` runs of sessions 44 and 45, and side by side the
    same pages measured 1.28-1.32 (the start page) and 1.15 (the lists), and the small
    region against a copy of itself 0.95-1.02 (docs/performance.md, session 46).

    With one user each, the two servers' chains of work (driver, gunicorn, PostgreSQL) share
    the host's two cores: the latencies are those of a busier host than ``run_web`` alone
    measures, the same for both regions. The pages' one-user figures stay those of the large
    region alone."""
    options = {
        "scenarios": ",".join(scenario for scenario, _t1, _tn in PAGES.values()),
        **common,
        "users": 1,
    }
    runs: dict[str, list[dict[str, Any]]] = {"large": [], "small": []}
    for number in range(rounds):
        # The ports swap sides every round, as bench.versus swaps its copies.
        large_port, small_port = (8765, 8766) if number % 2 == 0 else (8766, 8765)
        large_figures, small_figures = run_round(
            [
                (Side("large", ROOT, large_port), large_url),
                (Side("small", ROOT, small_port), small_url),
            ],
            options,
        )
        runs["large"].append({"scenarios": large_figures})
        runs["small"].append({"scenarios": small_figures})
    return runs


def paired_ratio(
    database_url: str,
    users: int,
    common: dict[str, Any],
    switch: str,
    scenarios: tuple[str, ...],
) -> float:
    """Throughput with ``switch`` on / off (bench.gunicorn_conf), the worst of ``scenarios``.

    On and off run back to back, each twice in the order on-off-off-on, and each side is the
    mean of its two runs: a host that speeds up or slows down during the benchmark (seen here:
    the same page at 30 and at 45 req/s ten minutes apart) does not pass for overhead."""
    runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    for state in ("on", "off", "off", "on"):
        runs[state].append(
            run_web(
                database_url,
                concurrency=str(users),
                scenarios=",".join(scenarios),
                **{switch: state},
                **common,
            )
        )

    def mean_rps(state: str, scenario: str) -> float:
        return sum(_rps(r, scenario, users) for r in runs[state]) / len(runs[state])

    ratios = [mean_rps("on", s) / mean_rps("off", s) for s in scenarios if mean_rps("off", s) > 0]
    return min(ratios) if ratios else math.nan


def side_by_side_ratio(
    database_url: str,
    users: int,
    common: dict[str, Any],
    switch: str,
    scenarios: tuple[str, ...],
    rounds: int = 2,
) -> float:
    """Throughput with ``switch`` on / off (bench.gunicorn_conf), the worst of ``scenarios``,
    both at the same time (``bench.versus``): each side its own gunicorn with ``users`` users
    and its own copy of the region, the copies swapping sides every round. Whatever the host
    does during the run falls on both sides; one after the other (``paired_ratio``), the
    runs without the log differed by 13 % between themselves (docs/performance.md, session 44).
    """
    on = Side("on", ROOT, 8765, (f"--{switch.replace('_', '-')}", "on"))
    off = Side("off", ROOT, 8766, (f"--{switch.replace('_', '-')}", "off"))
    options = {"scenarios": ",".join(scenarios), **common, "users": users}
    with database_copy(database_url) as copy_url:
        result = versus(on, off, (database_url, copy_url), rounds, options)
    ratios = [
        figures["rps_ratio"] for figures in result["summary"].values() if figures["off"]["rps"] > 0
    ]
    return min(ratios) if ratios else math.nan


def page_metrics(large: dict[str, Any], users: int) -> list[Metric]:
    metrics: list[Metric] = []
    for stem, (scenario, target_1u, target_nu) in PAGES.items():
        metrics.append(
            Metric(f"{stem}_p95_1u_ms", _p95(large, scenario, 1), "ms", target_1u, "lower")
        )
        metrics.append(
            Metric(
                f"{stem}_p95_{users}u_ms", _p95(large, scenario, users), "ms", target_nu, "lower"
            )
        )
    for stem in ("case_detail", "case_list_api"):
        metrics.append(
            Metric(f"{stem}_rps_{users}u", _rps(large, stem, users), "req/s", 300.0, "higher")
        )
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", default=DEFAULT_LARGE, help="database URL of the large region")
    parser.add_argument("--small", default=DEFAULT_SMALL, help="database URL of the small region")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument(
        "--overhead-method",
        choices=["side-by-side", "sequential"],
        default="side-by-side",
        help="the overhead ratios' on and off at the same time (default) or one after the other",
    )
    parser.add_argument(
        "--growth-method",
        choices=["side-by-side", "sequential"],
        default="side-by-side",
        help="the growth runs of both regions at the same time (default) or one after the other",
    )
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument("--doc", type=Path, default=None)
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    speed_before = host_speed_ms()
    common = {"users": args.users, "duration": args.duration, "warmup": args.warmup}
    # One user on the large region, then the growth runs, then N users on the large region:
    # every one-user run on a quiet server, none of them right after an N-user run, whose
    # writes the server and PostgreSQL are still digesting (session 8: the large region's
    # one-user figures were taken between its N-user runs, the small region's on their own).
    print(f"Web benchmarks on {args.large}, 1 user ...", file=sys.stderr)
    large = run_web(args.large, concurrency="1", **common)
    growth_runs: dict[str, list[dict[str, Any]]] = {"large": [], "small": []}
    growth_side_by_side = args.growth_method == "side-by-side"
    if args.skip_growth:
        growth = math.nan
    elif growth_side_by_side:
        print(
            f"Growth: the same pages with 1 user on {args.large} and {args.small} at the same "
            "time, twice ...",
            file=sys.stderr,
        )
        growth_runs = side_by_side_growth_runs(args.large, args.small, common)
        growth = growth_ratio(growth_runs["large"], growth_runs["small"])
    else:
        # Large, small, small, large, back to back: a host that speeds up or slows down
        # during the runs (seen in session 8: the same page 37 and 59 ms half an hour apart)
        # weighs on both sides alike.
        print(f"Growth: the same pages with 1 user on {args.small}, twice ...", file=sys.stderr)
        growth_runs["large"].append(large)
        for region, url in (("small", args.small), ("small", args.small), ("large", args.large)):
            growth_runs[region].append(run_web(url, concurrency="1", **common))
        growth = growth_ratio(growth_runs["large"], growth_runs["small"])
    print(f"Web benchmarks on {args.large}, {args.users} users ...", file=sys.stderr)
    loaded = run_web(args.large, concurrency=str(args.users), **common)
    figures = {
        "scenarios": {**large["scenarios"], **loaded["scenarios"]},
        "worker_rss_mb": max(large["worker_rss_mb"], loaded["worker_rss_mb"]),
    }
    metrics = page_metrics(figures, args.users)

    metrics.append(
        Metric(
            "growth_ratio_large_small",
            growth,
            "ratio",
            1.5,
            "lower",
            "worst page, p95 1 user"
            + (", both regions side by side" if growth_side_by_side else ", one after the other"),
        )
    )

    side_by_side = args.overhead_method == "side-by-side"
    ratio = side_by_side_ratio if side_by_side else paired_ratio
    how = "side by side" if side_by_side else "one after the other"
    if args.skip_overhead:
        log_ratio = policy_ratio = math.nan
    else:
        print(f"Overhead: access log on / off ({how}, harness only) ...", file=sys.stderr)
        log_ratio = ratio(
            args.large, args.users, common, "access_log", ("case_detail", "case_list_api")
        )
        print(f"Overhead: access policy / plain superuser query ({how}) ...", file=sys.stderr)
        policy_ratio = ratio(
            args.large, args.users, common, "access_policy", ("case_list", "case_detail")
        )
    metrics.append(
        Metric(
            "access_log_on_off_ratio",
            log_ratio,
            "ratio",
            0.85,
            "higher",
            f"throughput, {args.users} users, on and off {how}",
        )
    )
    metrics.append(
        Metric(
            "access_policy_overhead_ratio",
            policy_ratio,
            "ratio",
            None,
            "higher",
            "throughput with the policy / a plain superuser query of the same page, "
            f"{args.users} users, {how}",
        )
    )
    metrics.append(
        Metric("worker_rss_mb", float(figures.get("worker_rss_mb", math.nan)), "MB", 250.0, "lower")
    )
    metrics.extend(bulk.metrics(args.large))

    database = "PostgreSQL" if args.large.startswith("postgres") else "SQLite"
    options: dict[str, Any] = {}
    if args.results:
        options["path"] = args.results
    if args.doc:
        options["doc"] = args.doc
    data = write(
        metrics,
        database=database,
        scale="large (5 SWVs, 300 schools, 100,000 pupils, 50,000 cases, 10 M access-log entries)",
        extra={
            # Other processes on the host distort every figure: record how busy it was.
            "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
            "host_speed_ms": {"before": speed_before, "after": host_speed_ms()},
            "raw": {"large": figures, "growth_runs": growth_runs},
        },
        **options,
    )
    for metric in data["metrics"]:
        print(f"{metric['name']:<32} {metric['value']} {metric['unit']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
