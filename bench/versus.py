"""Two versions of Passend under the same load at the same time: ``python -m bench.versus``.

``bench.web`` runs one version at a time, and on these shared two-core hosts the same code
measured 10 to 30 % apart between runs minutes apart (docs/performance.md, sessions 43 and 44):
more than most changes gain. Here this tree and another one (a worktree of older code, say)
each run ``bench.web`` with the same scenario and number of users, at the same time, each on
its own gunicorn and its own copy of the region, so whatever the host does, it does to both.
The copies swap sides every round, so that neither version keeps the copy whose tables or
caches happen to be faster. Each prints its figures per round, then the means and the ratio
of this tree to the other.

Both versions run on this interpreter unless ``--other-python`` names another
for the other side's server (the same tree on two builds of Python: ``--other-tree .``); the
load drivers stay on this one. The other tree's ``bench`` package drives its own
server (``bench.server`` starts gunicorn on the ``src`` beside it). The copy is made by
PostgreSQL from the region as a template (no one may be connected to it meanwhile) or, on
SQLite, as a file, and removed at the end. A tool, not a benchmark: ``make bench`` does not run
it (its entry point is ``cli``, not the ``main`` that ``python -m bench`` runs).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

# One side's figures of one round: scenario@users -> {"rps": ..., "p95_ms": ..., ...}.
Figures = dict[str, dict[str, Any]]


@contextlib.contextmanager
def database_copy(database_url: str) -> Iterator[str]:
    """A copy of the database at ``database_url`` while inside; its URL."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        source = Path(parts.path[1:] if parts.path.startswith("//") else parts.path)
        with tempfile.TemporaryDirectory(prefix="passend-versus-") as directory:
            copy = Path(directory) / source.name
            # The write-ahead log too, in case it holds pages not yet checkpointed.
            for suffix in ("", "-wal"):
                if Path(f"{source}{suffix}").exists():
                    shutil.copyfile(f"{source}{suffix}", f"{copy}{suffix}")
            yield urlunsplit(parts._replace(path=f"/{copy}"))
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    copy_name = f"{name}_versus"
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(copy_name)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy_name), sql.Identifier(name)
            )
        )
    try:
        yield urlunsplit(parts._replace(path=f"/{copy_name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy_name))
            )


@dataclass(frozen=True)
class Side:
    """One version: the tree it runs from, the port of its server and any further arguments
    of its ``bench.web`` (``bench.pages`` runs one tree with a harness switch on and off)."""

    name: str
    tree: Path
    port: int
    arguments: tuple[str, ...] = ()


def run_side(side: Side, database_url: str, options: dict[str, Any]) -> subprocess.Popen[bytes]:
    """Starts that tree's ``bench.web`` against the database; its figures go to ``out``."""
    command = [
        sys.executable,
        "-m",
        "bench.web",
        "--database-url",
        database_url,
        "--scenarios",
        options["scenarios"],
        "--concurrency",
        str(options["users"]),
        "--users",
        str(options["users"]),
        "--duration",
        str(options["duration"]),
        "--warmup",
        str(options["warmup"]),
        "--port",
        str(side.port),
        "--out",
        str(options["out"]),
        *side.arguments,
    ]
    env = {**os.environ, "PYTHONPATH": f"{side.tree / 'src'}{os.pathsep}{side.tree}"}
    return subprocess.Popen(command, cwd=side.tree, env=env)  # noqa: S603 - fixed arguments


def run_round(sides: list[tuple[Side, str]], options: dict[str, Any]) -> list[Figures]:
    """Both sides at once; each side's figures, in the order given."""
    with tempfile.TemporaryDirectory(prefix="passend-versus-") as directory:
        processes = []
        outs = []
        for side, database_url in sides:
            out = Path(directory) / f"{side.name}.json"
            outs.append(out)
            processes.append(run_side(side, database_url, {**options, "out": out}))
        codes = [process.wait() for process in processes]
        if any(codes):
            raise RuntimeError(f"bench.web exited with {codes}")
        return [json.loads(out.read_text())["scenarios"] for out in outs]


def versus(
    this: Side,
    other: Side,
    databases: tuple[str, str],
    rounds: int,
    options: dict[str, Any],
    run: Callable[[list[tuple[Side, str]], dict[str, Any]], list[Figures]] = run_round,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """``rounds`` rounds of both sides at once, the databases swapping sides each round.
    Returns each side's figures per round and, per scenario, the means and this side's
    throughput and p95 as ratios of the other's."""
    per_round: list[dict[str, Figures]] = []
    for number in range(rounds):
        first, second = databases if number % 2 == 0 else databases[::-1]
        this_figures, other_figures = run([(this, first), (other, second)], options)
        per_round.append({this.name: this_figures, other.name: other_figures})
        for scenario, figures in this_figures.items():
            theirs = other_figures[scenario]
            log(
                f"round {number + 1}  {scenario:<20} {this.name}: {figures['rps']:6.1f} req/s "
                f"p95 {figures['p95_ms']:6.1f} ms   {other.name}: {theirs['rps']:6.1f} req/s "
                f"p95 {theirs['p95_ms']:6.1f} ms"
            )
    summary: dict[str, Any] = {}
    for scenario in per_round[0][this.name]:
        sides = {
            name: {
                key: mean(r[name][scenario][key] for r in per_round) for key in ("rps", "p95_ms")
            }
            for name in (this.name, other.name)
        }
        summary[scenario] = {
            **sides,
            "rps_ratio": sides[this.name]["rps"] / sides[other.name]["rps"],
            "p95_ratio": sides[this.name]["p95_ms"] / sides[other.name]["p95_ms"],
            # Rounds in which this side had more throughput: a ratio from rounds that all
            # agree means more than the same ratio from rounds that go either way.
            "rounds_faster": sum(
                r[this.name][scenario]["rps"] > r[other.name][scenario]["rps"] for r in per_round
            ),
        }
    return {"rounds": per_round, "summary": summary}


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="the region (it is copied)")
    parser.add_argument("--other-tree", type=Path, required=True, help="e.g. a git worktree")
    parser.add_argument("--scenarios", default="case_list_api")
    parser.add_argument("--users", type=int, default=8, help="per side")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--other-python",
        type=Path,
        help="the interpreter (of a virtualenv with the project's dependencies) that serves the "
        "other side; default: this one",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    this = Side("this", ROOT, 8765)
    other = Side(
        "other",
        args.other_tree.resolve(),
        8766,
        ("--server-python", str(args.other_python)) if args.other_python else (),
    )
    options = {
        "scenarios": args.scenarios,
        "users": args.users,
        "duration": args.duration,
        "warmup": args.warmup,
    }
    with database_copy(args.database_url) as copy_url:
        result = versus(
            this,
            other,
            (args.database_url, copy_url),
            args.rounds,
            options,
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
    for scenario, figures in result["summary"].items():
        print(
            f"{scenario}: this {figures['this']['rps']:.1f} req/s, p95 "
            f"{figures['this']['p95_ms']:.1f} ms; other {figures['other']['rps']:.1f} req/s, "
            f"p95 {figures['other']['p95_ms']:.1f} ms; throughput x{figures['rps_ratio']:.3f}, "
            f"p95 x{figures['p95_ratio']:.3f}; faster in {figures['rounds_faster']} of "
            f"{args.rounds} rounds"
        )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
