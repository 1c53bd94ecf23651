"""``bench.versus`` runs two versions side by side on two copies of the region (issue 10,
session 44): the copies swap sides every round, and the summary compares like with like."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from bench.versus import Side, database_copy, versus
from django.db import connection


def test_the_copies_swap_sides_every_round_and_the_summary_compares_the_means() -> None:
    this, other = Side("this", Path("/new"), 8765), Side("other", Path("/old"), 8766)
    calls: list[list[tuple[str, str]]] = []
    # this side: 110, 90, 120 req/s; the other: 100 every round.
    rates = iter([110.0, 90.0, 120.0])

    def run(sides: list[tuple[Side, str]], options: dict[str, Any]) -> list[dict[str, Any]]:
        assert options == {"scenarios": "case_list_api", "users": 8}
        calls.append([(side.name, url) for side, url in sides])
        mine = next(rates)
        return [
            {"case_list_api@8": {"rps": mine, "p95_ms": 2000 / mine}},
            {"case_list_api@8": {"rps": 100.0, "p95_ms": 20.0}},
        ]

    result = versus(
        this,
        other,
        ("db-a", "db-b"),
        3,
        {"scenarios": "case_list_api", "users": 8},
        run=run,
    )
    assert calls == [
        [("this", "db-a"), ("other", "db-b")],
        [("this", "db-b"), ("other", "db-a")],
        [("this", "db-a"), ("other", "db-b")],
    ]
    summary = result["summary"]["case_list_api@8"]
    assert summary["this"]["rps"] == pytest.approx(320 / 3)
    assert summary["rps_ratio"] == pytest.approx(320 / 300)
    assert summary["p95_ratio"] == pytest.approx((2000 / 110 + 2000 / 90 + 2000 / 120) / 60)
    assert summary["rounds_faster"] == 2
    assert (
        len(result["rounds"]) == 3 and result["rounds"][1]["this"]["case_list_api@8"]["rps"] == 90
    )


def test_a_sqlite_region_is_copied_as_a_file_and_removed_afterwards(tmp_path: Path) -> None:
    source = tmp_path / "large.db"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (42)")
    with database_copy(f"sqlite:///{source}") as url:
        copy = Path(url.removeprefix("sqlite://"))
        assert copy != source and copy.exists()
        with sqlite3.connect(copy) as db:
            assert db.execute("SELECT x FROM t").fetchall() == [(42,)]
            db.execute("INSERT INTO t VALUES (43)")
        with sqlite3.connect(source) as db:
            assert db.execute("SELECT count(*) FROM t").fetchone() == (1,)  # a copy, not it
    assert not copy.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL template copy")
def test_a_postgresql_region_is_copied_by_the_server_and_dropped_afterwards() -> None:
    import psycopg

    settings = connection.settings_dict
    server = f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS passend_versus_source")
        admin.execute("CREATE DATABASE passend_versus_source")
    try:
        with psycopg.connect(f"{server}/passend_versus_source", autocommit=True) as source:
            source.execute("CREATE TABLE t (x int)")
            source.execute("INSERT INTO t VALUES (42)")
        with database_copy(f"{server}/passend_versus_source") as url:
            assert url.endswith("/passend_versus_source_versus")
            with psycopg.connect(url) as copy:
                assert copy.execute("SELECT x FROM t").fetchall() == [(42,)]
        with psycopg.connect(f"{server}/postgres") as admin:
            names = admin.execute("SELECT datname FROM pg_database").fetchall()
        assert ("passend_versus_source_versus",) not in names
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS passend_versus_source WITH (FORCE)")


def test_make_bench_does_not_run_the_side_by_side_tool() -> None:
    """``python -m bench`` runs the ``main()`` of every module in bench/; this tool needs a
    second tree and has none, as ``bench.web``, whose entry point is ``cli`` too."""
    import importlib

    module = importlib.import_module("bench.versus")
    assert getattr(module, "main", None) is None and callable(module.cli)


def test_an_overhead_ratio_runs_the_switch_on_and_off_side_by_side(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``bench.pages.side_by_side_ratio``: the same tree twice, the harness switch on one side
    and off on the other, on the region and its copy; the worst page's throughput ratio."""
    import contextlib

    from bench import pages

    seen: dict[str, Any] = {}

    @contextlib.contextmanager
    def copy(url: str) -> Any:
        yield url + "_copy"

    def fake_versus(this: Side, other: Side, databases: Any, rounds: int, options: Any) -> Any:
        seen.update(this=this, other=other, databases=databases, rounds=rounds, options=options)
        return {
            "summary": {
                "case_detail@16": {"rps_ratio": 0.95, "off": {"rps": 200.0}},
                "case_list_api@16": {"rps_ratio": 0.88, "off": {"rps": 150.0}},
            }
        }

    monkeypatch.setattr(pages, "database_copy", copy)
    monkeypatch.setattr(pages, "versus", fake_versus)
    common = {"users": 16, "duration": 15.0, "warmup": 2.0}
    scenarios = ("case_detail", "case_list_api")
    assert pages.side_by_side_ratio("db", 16, common, "access_log", scenarios) == 0.88
    assert seen["databases"] == ("db", "db_copy") and seen["rounds"] == 2
    assert seen["this"].arguments == ("--access-log", "on")
    assert seen["other"].arguments == ("--access-log", "off")
    assert seen["this"].tree == seen["other"].tree and seen["this"].port != seen["other"].port
    assert seen["options"] == {"scenarios": "case_detail,case_list_api", **common}


def test_the_other_side_can_be_served_by_another_interpreter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``--other-python``: the same code on two builds of Python, side by side (session 47).
    Only the other side's server changes interpreter; its load driver stays on this one, so
    that the driver's own cost is the same on both sides."""
    import contextlib
    import subprocess

    from bench import versus as versus_module

    seen: dict[str, Any] = {}

    @contextlib.contextmanager
    def copy(url: str) -> Any:
        yield url + "_copy"

    def fake_versus(this: Side, other: Side, *args: Any, **kwargs: Any) -> Any:
        seen.update(this=this, other=other)
        return {"summary": {}}

    monkeypatch.setattr(versus_module, "database_copy", copy)
    monkeypatch.setattr(versus_module, "versus", fake_versus)
    optimised = tmp_path / "venv" / "bin" / "python"
    argv = ["--database-url", "db", "--other-tree", ".", "--other-python", str(optimised)]
    assert versus_module.cli(argv) == 0
    assert seen["other"].arguments == ("--server-python", str(optimised))
    assert seen["this"].arguments == ()

    started: list[list[str]] = []
    monkeypatch.setattr(subprocess, "Popen", lambda command, **kw: started.append(command))
    versus_module.run_side(
        seen["other"],
        "db",
        {"scenarios": "case_detail", "users": 8, "duration": 1.0, "warmup": 0.0, "out": "o"},
    )
    assert started[0][0] == versus_module.sys.executable
    assert started[0][-2:] == ["--server-python", str(optimised)]


def test_the_server_starts_the_gunicorn_beside_the_interpreter_it_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``bench.server.Server(python=...)`` runs that environment's gunicorn (whose script runs
    on that interpreter); without it, this environment's."""
    import sys

    from bench import server as server_module

    started: list[list[str]] = []

    class Exited:
        returncode = 1

        def poll(self) -> int:
            return 1

    def popen(command: list[str], **kwargs: Any) -> Exited:
        started.append(command)
        return Exited()

    monkeypatch.setattr(server_module.subprocess, "Popen", popen)
    optimised = tmp_path / "venv" / "bin" / "python"
    for python, expected in ((optimised, optimised.parent), (None, Path(sys.executable).parent)):
        with pytest.raises(RuntimeError, match="gunicorn exited"):
            server_module.Server("db", python=python).__enter__()
        assert started[-1][0] == str(expected / "gunicorn")
