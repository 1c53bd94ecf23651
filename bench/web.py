"""Page and API latency/throughput under load: ``python -m bench.web --database-url ...``.

Starts gunicorn (bench.settings, DEBUG off) on loopback against the given database (a region
made by ``manage.py generate_region``), logs in N users of different schools with password and
TOTP, and measures each scenario with 1 and with N concurrent users. Prints one JSON object
(scenario -> figures) on stdout, or writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.load import LoadResult, Session, Target, VirtualUser, run_load
from bench.server import ROOT, Server

# Scenario name -> what each virtual user requests.
SCENARIOS = (
    "case_list",
    "case_list_deep",
    "case_detail",
    "dashboard",
    "case_list_api",
    "case_detail_api",
)


@dataclass
class BenchUser:
    user_id: int
    username: str
    membership_id: int
    list_first: str
    list_deep: str
    details: list[int]
    api_token: str = ""


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def pick_users(count: int) -> list[BenchUser]:
    """Support coordinators of different schools, the busiest first, with their URLs."""
    from django.db.models import Count, Q

    from passend.access.selectors import involved_cases
    from passend.accounts.models import Membership, Role
    from passend.cases.selectors import encode_cursor

    memberships = (
        Membership.objects.filter(role=Role.SUPPORT_COORDINATOR, is_active=True)
        .select_related("user", "organisation")
        .annotate(
            n=Count(
                "user__participations",
                filter=Q(user__participations__ended_at__isnull=True),
            )
        )
        .order_by("-n", "pk")
    )
    chosen: list[BenchUser] = []
    schools: set[int] = set()
    for membership in memberships.iterator():
        if membership.organisation_id in schools:
            continue
        cases = list(
            involved_cases(membership.user, membership)
            .order_by("-opened_at", "-id")
            .only("id", "opened_at")
        )
        if len(cases) < 2:
            continue
        # Keyset pagination: the deep page is the last full page, reached by its cursor.
        deep_anchor = cases[max(0, len(cases) - 51)]
        chosen.append(
            BenchUser(
                user_id=membership.user_id,
                username=membership.user.username,
                membership_id=membership.pk,
                list_first="/trajecten/",
                list_deep=f"/trajecten/?na={encode_cursor(deep_anchor)}",
                details=[c.pk for c in cases[:: max(1, len(cases) // 25)]][:25],
            )
        )
        schools.add(membership.organisation_id)
        if len(chosen) == count:
            break
    if not chosen:
        raise RuntimeError("no support coordinator with cases: generate a region first")
    return chosen


def issue_tokens(users: list[BenchUser]) -> None:
    from datetime import timedelta

    from passend.accounts.models import Membership
    from passend.accounts.services import issue_api_token
    from passend.privacy.context import AccessContext

    for user in users:
        membership = Membership.objects.select_related("user", "organisation").get(
            pk=user.membership_id
        )
        _token, raw = issue_api_token(
            AccessContext.system("bench"), membership, name="benchmark", lifetime=timedelta(hours=2)
        )
        user.api_token = raw


def revoke_tokens() -> None:
    from passend.accounts.models import ApiToken
    from passend.accounts.services import revoke_api_token
    from passend.privacy.context import AccessContext

    for token in ApiToken.objects.filter(name="benchmark", revoked_at__isnull=True):
        revoke_api_token(AccessContext.system("bench"), token)


def totp_code(user_id: int) -> str:
    """The current TOTP code of the user's device, never one that was already used."""
    from django_otp.oath import hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user_id=user_id, confirmed=True)
    for _ in range(120):
        now_t = int(time.time() - device.t0) // device.step
        candidate = max(now_t - 1, (device.last_t or -1) + 1)
        if candidate <= now_t + 1:
            return f"{hotp(device.bin_key, candidate, device.digits):0{device.digits}d}"
        time.sleep(1)
    raise RuntimeError("no unused TOTP step available")


def login_all(base_url: str, users: list[BenchUser], password: str) -> list[Session]:
    from django.db import connections

    def one(user: BenchUser) -> Session:
        session = Session(base_url, api_token=user.api_token)
        try:
            session.login(user.username, password, lambda: totp_code(user.user_id))
        finally:
            connections.close_all()
        return session

    with ThreadPoolExecutor(max_workers=min(8, len(users))) as pool:
        return list(pool.map(one, users))


def targets(scenario: str, user: BenchUser) -> list[Target]:
    if scenario == "case_list":
        return [Target(user.list_first)]
    if scenario == "case_list_deep":
        return [Target(user.list_deep)]
    if scenario == "case_detail":
        return [Target(f"/trajecten/{pk}/") for pk in user.details]
    if scenario == "dashboard":
        return [Target("/")]
    if scenario == "case_list_api":
        return [Target("/api/v1/cases/", api=True)]
    if scenario == "case_detail_api":
        return [Target(f"/api/v1/cases/{pk}/", api=True) for pk in user.details]
    raise ValueError(scenario)


def summarise(result: LoadResult) -> dict[str, Any]:
    return {
        "p50_ms": result.percentile(50),
        "p95_ms": result.percentile(95),
        "rps": result.rps,
        "requests": result.count,
        "errors": result.errors,
        "statuses": {str(k): v for k, v in result.statuses.items()},
    }


def measure(
    database_url: str,
    *,
    users: int = 16,
    duration: float = 15.0,
    warmup: float = 2.0,
    scenarios: tuple[str, ...] = SCENARIOS,
    concurrency: tuple[int, ...] = (1, 16),
    access_log: bool = True,
    port: int = 8765,
    workers: int = 4,
    threads: int = 4,
    log: Callable[[str], None] = lambda m: None,
) -> dict[str, Any]:
    """Runs the scenarios against a fresh gunicorn; returns figures per scenario/concurrency."""
    from passend.cases.generator import PASSWORD

    bench_users = pick_users(users)
    issue_tokens(bench_users)
    out: dict[str, Any] = {"users": len(bench_users), "scenarios": {}}
    try:
        with Server(
            database_url, port=port, workers=workers, threads=threads, access_log=access_log
        ) as server:
            started = time.perf_counter()
            sessions = login_all(server.url, bench_users, PASSWORD)
            out["login_s"] = time.perf_counter() - started
            for scenario in scenarios:
                for n in concurrency:
                    n = min(n, len(sessions))
                    load_users = [
                        VirtualUser(sessions[i], targets(scenario, bench_users[i]))
                        for i in range(n)
                    ]
                    result = run_load(load_users, duration_s=duration, warmup_s=warmup)
                    figures = summarise(result)
                    out["scenarios"][f"{scenario}@{n}"] = figures
                    log(
                        f"  {scenario:<16} {n:>2}u  p50 {figures['p50_ms']:7.1f} ms  "
                        f"p95 {figures['p95_ms']:7.1f} ms  {figures['rps']:6.1f} req/s  "
                        f"errors {figures['errors']}"
                    )
            peaks = server.worker_peak_rss_mb()
            out["worker_rss_mb"] = max(peaks) if peaks else float("nan")
            for session in sessions:
                session.close()
    finally:
        revoke_tokens()
    return out


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--access-log", choices=["on", "off"], default="on")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    result = measure(
        args.database_url,
        users=args.users,
        duration=args.duration,
        warmup=args.warmup,
        scenarios=tuple(s for s in args.scenarios.split(",") if s),
        concurrency=tuple(int(c) for c in args.concurrency.split(",")),
        access_log=args.access_log == "on",
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    cli()
