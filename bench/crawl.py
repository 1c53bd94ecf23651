"""Every page a role reaches, timed on a generated region: ``python -m bench.crawl``.

The page benchmarks (``bench.pages``) time the pages issue 10 names. This crawl follows every
link from the start page of one holder of each role (GET only, same site, breadth first, up
to three pages per URL name), in-process through the whole middleware chain with Django's test
client and the benchmark settings, and prints the slowest URL names with their query counts.
It found what the fixed page list missed: a meeting list with 2,145 queries (16.6 s), the
access register's PDF (118 s), the FG's log search by employee scanning 10 million rows.

``--replanned N`` (PostgreSQL): then requests each page N times more and lists the statements
PostgreSQL planned again at every one of those executions, never keeping a generic plan
(``replanned``; docs/performance.md, sessions 42 and 43).

Not a load test and not a target: a page's first request per process includes imports (PDF
rendering, for one). Set ``PASSEND_MEDIA_ROOT`` to the folder the region was generated with,
or the document pages answer with an error.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/passend_large"
# One holder of each role that has pages of its own (bench.web picks coordinators by load).
ROLES = (
    "support_coordinator",
    "cva_secretary",
    "swv_director",
    "privacy_officer",
    "attendance_officer",
    "school_board",
    "information_desk",
)
# Links never followed: signing out, switching language, the API's own documentation.
SKIP = re.compile(r"^/(static|media|i18n|api/v1/(docs|schema))/|/(uitloggen|logout)/")
_HREF = re.compile(rb'href="(/[^"#]*)"')


@dataclass(frozen=True)
class PageTiming:
    name: str  # the URL name (namespace:name)
    path: str
    status: int
    ms: float
    queries: int


def crawl(client: Any, *, max_pages: int = 80, per_name: int = 1) -> list[PageTiming]:
    """GET every page reachable from ``/`` with ``client`` (signed in), breadth first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    seen = {"/"}
    queue: deque[str] = deque(["/"])
    visited: dict[str, int] = {}
    timings: list[PageTiming] = []
    while queue and len(timings) < max_pages:
        path = queue.popleft()
        try:
            match = resolve(path.split("?")[0])
        except Resolver404:
            continue
        name = f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name)
        if visited.get(name, 0) >= per_name:
            continue
        visited[name] = visited.get(name, 0) + 1
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        timings.append(
            PageTiming(
                name,
                path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                len(queries),
            )
        )
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            for found in _HREF.findall(response.content):
                link = found.decode().replace("&amp;", "&")
                if link not in seen and not SKIP.search(link):
                    seen.add(link)
                    queue.append(link)
    return timings


@dataclass(frozen=True)
class Replanned:
    name: str  # the URL name of the page that ran it
    path: str
    custom_plans: int  # plans made for its values during the page's repeated requests
    statement: str


def replanned(client: Any, timings: list[PageTiming], *, repeat: int = 7) -> list[Replanned]:
    """The statements that PostgreSQL planned again at every execution while each page of
    ``timings`` was requested ``repeat`` times more: a prepared statement with no generic plan
    and a plan made for its values at (almost) every request (``pg_prepared_statements``;
    its first five executions are always planned for their values). Empty on another
    database.

    Such a statement pays its planning at every request, but whether that matters is for a
    timing to tell: in session 43 the worst of them (planning 3.8 ms in ``EXPLAIN``) cost the
    same in its request as with a generic plan."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    found: list[Replanned] = []
    for timing in timings:
        if timing.status != 200:
            continue
        before = _plan_counts(connection)
        for _ in range(repeat):
            client.get(timing.path)
        for statement, (generic, custom) in _plan_counts(connection).items():
            added = custom - before.get(statement, (0, 0))[1]
            if generic == 0 and added >= repeat - 1:
                found.append(
                    Replanned(timing.name, timing.path, added, " ".join(statement.split()))
                )
    return found


def _plan_counts(connection: Any) -> dict[str, tuple[int, int]]:
    """Statement -> (generic plans, custom plans) of this connection's prepared statements."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


def signed_in_client(username: str, password: str) -> Any:
    """A test client signed in through the real forms: password, then the TOTP code."""
    from django.test import Client

    from bench.web import totp_code
    from passend.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"password step failed for {username}: HTTP {response.status_code}")
    user = User.objects.get(username=username)
    response = client.post("/accounts/2fa/verify/", {"token": totp_code(user.pk)})
    if response.status_code != 302 or "/2fa/" in response.get("Location", ""):
        raise RuntimeError(f"second factor failed for {username}")
    return client


def role_holders(roles: tuple[str, ...] = ROLES) -> dict[str, str]:
    """Role -> username: for coordinators the busiest (most active participations), for the
    other roles the first holder."""
    from django.db.models import Count, Q

    from passend.accounts.models import Membership

    holders: dict[str, str] = {}
    for role in roles:
        memberships = Membership.objects.filter(role=role, is_active=True).select_related("user")
        if role == "support_coordinator":
            memberships = memberships.annotate(
                n=Count(
                    "user__participations", filter=Q(user__participations__ended_at__isnull=True)
                )
            ).order_by("-n", "pk")
        else:
            memberships = memberships.order_by("pk")
        first = memberships.first()
        if first is not None:
            holders[role] = first.user.username
    return holders


def report(role: str, username: str, timings: list[PageTiming], top: int) -> str:
    errors = [t for t in timings if t.status >= 500]
    lines = [
        f"{role} ({username}): {len(timings)} pages, {len({t.name for t in timings})} URL names, "
        f"{len(errors)} errors"
    ]
    for t in sorted(timings, key=lambda t: -t.ms)[:top]:
        lines.append(f"  {t.ms:8.0f} ms {t.queries:5d} q  {t.status}  {t.name:40s} {t.path[:70]}")
    for t in errors:
        lines.append(f"  ERROR {t.status} {t.name} {t.path[:70]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--max-pages", type=int, default=80)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument(
        "--replanned",
        type=int,
        default=0,
        metavar="N",
        help="then request each page N times more and list the statements PostgreSQL planned "
        "again at every execution",
    )
    args = parser.parse_args(argv if argv is not None else [])
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from passend.cases.generator import PASSWORD

    errors = 0
    for role, username in role_holders(tuple(args.roles.split(","))).items():
        client = signed_in_client(username, PASSWORD)
        timings = crawl(client, max_pages=args.max_pages)
        errors += sum(1 for t in timings if t.status >= 500)
        print(report(role, username, timings, args.top), flush=True)
        if args.replanned:
            for found in replanned(client, timings, repeat=args.replanned):
                print(
                    f"  replanned {found.custom_plans}x  {found.name:40s} {found.path[:50]}\n"
                    f"    {found.statement[:200]}",
                    flush=True,
                )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
