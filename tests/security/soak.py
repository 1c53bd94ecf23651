"""Load soak driver (issue 11, check 10): ``python -m tests.security.soak --database-url …``.

Against a database filled by ``manage.py generate_region`` it starts gunicorn on loopback
(``bench.server``: bench.settings, DEBUG off, sync workers), logs in every generated
professional with password and TOTP (``bench.load.Session``), and runs N virtual users for S
seconds. Each virtual user is a thread with its own keep-alive connection and a copy of one
professional's session cookies (a professional with several tabs open when there are more
virtual users than professionals). It mixes what professionals do: the dashboard, the case
list, case details, and — for support coordinators — writing a case entry through the real
form (GET the form, POST it with the CSRF token). A write counts as acknowledged when the
server answers the POST with a redirect.

Meanwhile the resident memory (VmRSS) of every gunicorn worker is sampled from /proc. After
the run it reads the database: every acknowledged entry must be there (no lost writes).
Prints one JSON object with the figures; ``tests/security/test_verify_soak.py`` judges them.
Standard library plus the project; no personal data is printed (titles are "soak <n>-<m>").
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for _path in (str(ROOT / "src"), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from bench.load import LoadError, Session  # noqa: E402
from bench.server import Server  # noqa: E402
from bench.web import setup_django, totp_code  # noqa: E402

TITLE_PREFIX = "soak "
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Professional:
    user_id: int
    username: str
    writer: bool
    cases: list[int]
    open_cases: list[int]  # own, not closed: where a coordinator writes entries
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: int = 0
    acknowledged: list[str] = field(default_factory=list)
    refused_writes: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500:
                shape = re.sub(r"\d+", "N", path)
                self.server_errors.append(f"{method} {shape} -> {status}")


def professionals(limit: int) -> list[Professional]:
    from passend.access.selectors import involved_cases
    from passend.accounts.models import Membership, Role
    from passend.cases.models import Phase

    people: list[Professional] = []
    memberships = (
        Membership.objects.filter(is_active=True, user__is_active=True)
        .exclude(user__is_superuser=True)
        .select_related("user", "organisation")
        .order_by("pk")
    )
    for membership in memberships:
        if Membership.objects.filter(user=membership.user, is_active=True).count() != 1:
            continue  # the membership chooser would come first; not this driver's business
        mine = involved_cases(membership.user, membership).order_by("-id")
        cases = list(mine.values_list("id", flat=True)[:20])
        open_cases = list(
            mine.exclude(phase=Phase.CLOSED)
            .filter(owner=membership.organisation)
            .values_list("id", flat=True)[:20]
        )
        people.append(
            Professional(
                membership.user_id,
                membership.user.username,
                writer=membership.role == Role.SUPPORT_COORDINATOR and bool(open_cases),
                cases=cases,
                open_cases=open_cases,
            )
        )
        if len(people) == limit:
            break
    return people


def sign_in(base_url: str, people: list[Professional], password: str) -> list[Professional]:
    from django.db import connections

    signed_in = []
    for person in people:
        session = Session(base_url)
        try:
            session.login(person.username, password, lambda p=person: totp_code(p.user_id))
        except LoadError:
            continue
        finally:
            connections.close_all()
        person.cookies = dict(session.cookies)
        session.close()
        signed_in.append(person)
    return signed_in


def rss_mb(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return found


def virtual_user(
    index: int, person: Professional, base_url: str, deadline: float, tally: Tally
) -> None:
    rng = random.Random(index)
    session = Session(base_url)
    session.cookies = dict(person.cookies)
    writes = 0
    while time.monotonic() < deadline:
        roll = rng.random()
        try:
            if person.writer and roll < 0.25:
                case_id = rng.choice(person.open_cases)
                path = f"/trajecten/{case_id}/gegevens/nieuw/"
                status, page, _ = session.request("GET", path)
                tally.count("GET", path, status)
                match = _CSRF.search(page) if status == 200 else None
                if match is None:
                    continue
                writes += 1
                title = f"{TITLE_PREFIX}{index}-{writes}"
                status, _body, _ = session.request(
                    "POST",
                    path,
                    {
                        "category": "ordinary",
                        "title": title,
                        "body": "Afspraak gemaakt over de begeleiding in de klas.",
                        "csrfmiddlewaretoken": match.group(1).decode(),
                    },
                )
                tally.count("POST", path, status)
                with tally.lock:
                    if status == 302:
                        tally.acknowledged.append(title)
                    else:
                        tally.refused_writes += 1
                continue
            if roll < 0.45 or not person.cases:
                path = "/" if roll < 0.35 else "/trajecten/"
            else:
                path = f"/trajecten/{rng.choice(person.cases)}/"
            status, _body, _ = session.request("GET", path)
            tally.count("GET", path, status)
        except OSError:
            with tally.lock:
                tally.transport_errors += 1
            session.close()
    session.close()


def run(
    database_url: str, *, users: int, seconds: float, workers: int, threads: int, port: int
) -> dict[str, Any]:
    from passend.cases.generator import PASSWORD
    from passend.cases.models import CaseEntry

    people = professionals(limit=max(users, 1))
    tally = Tally()
    samples: dict[int, list[tuple[float, float]]] = {}
    with Server(
        database_url, port=port, workers=workers, threads=threads, access_log=True
    ) as server:
        signed_in = sign_in(server.url, people, PASSWORD)
        if not signed_in:
            raise RuntimeError("no professional could sign in")
        started = time.monotonic()
        deadline = started + seconds
        pool = [
            threading.Thread(
                target=virtual_user,
                args=(i, signed_in[i % len(signed_in)], server.url, deadline, tally),
                daemon=True,
            )
            for i in range(users)
        ]
        for thread in pool:
            thread.start()
        interval = max(1.0, min(10.0, seconds / 30))
        while any(t.is_alive() for t in pool):
            for pid, mb in rss_mb(server.worker_pids()).items():
                samples.setdefault(pid, []).append((time.monotonic() - started, mb))
            time.sleep(interval)
        for thread in pool:
            thread.join(timeout=120)
        worker_pids = server.worker_pids()
    stored = set(
        CaseEntry.objects.filter(title__startswith=TITLE_PREFIX).values_list("title", flat=True)
    )
    lost = [t for t in tally.acknowledged if t not in stored]
    memory = {}
    for pid, points in samples.items():
        settled = [mb for t, mb in points if t >= seconds * 0.2] or [mb for _t, mb in points]
        memory[str(pid)] = {
            "first_mb": round(points[0][1], 1),
            "settled_mb": round(settled[0], 1),
            "last_mb": round(points[-1][1], 1),
            "max_mb": round(max(mb for _t, mb in points), 1),
            "growth_after_warmup_mb": round(points[-1][1] - settled[0], 1),
            "samples": len(points),
        }
    return {
        "virtual_users": users,
        "professionals_signed_in": len(signed_in),
        "writers": sum(1 for p in signed_in if p.writer),
        "seconds": seconds,
        "gunicorn_workers": workers,
        "gunicorn_threads": threads,
        "worker_pids_at_end": len(worker_pids),
        "requests": tally.requests,
        "requests_per_s": round(tally.requests / seconds, 1) if seconds else 0,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "server_errors": sorted(set(tally.server_errors))[:20],
        "server_error_count": len(tally.server_errors),
        "transport_errors": tally.transport_errors,
        "writes_acknowledged": len(tally.acknowledged),
        "writes_refused": tally.refused_writes,
        "writes_stored": len(stored),
        "writes_lost": len(lost),
        "memory": memory,
    }


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="above 1: gthread workers")
    parser.add_argument("--port", type=int, default=8777)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    result = run(
        args.database_url,
        users=args.users,
        seconds=args.seconds,
        workers=args.workers,
        threads=args.threads,
        port=args.port,
    )
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    cli()
