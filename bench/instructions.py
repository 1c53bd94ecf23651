"""The instructions a page costs, counted by callgrind: ``python -m bench.instructions``.

On these shared two-core hosts a page's time in process moves 10 to 30 % from one run to the
next, more than most changes gain (docs/performance.md, sessions 44 and 49). Valgrind's
callgrind counts the instructions a process runs instead, whatever else the host does: the
same code counted twice differed by 1 to 2 %. For each ``--path`` this runs itself twice
under ``valgrind --tool=callgrind``, as ``--user`` with Django's test client and the benchmark
settings (signed in by ``force_login`` with the user's authenticator app as the session's
second factor, so that two runs at once need no time step of their own; with ``--api`` by an
API token of the user's, as the list API's benchmark signs in), and asks for the page
``--warmup`` times and then ``--few`` or ``--many`` times; the difference of the two totals
over ``many - few`` is the page's instructions per request, without the start-up and the
sign-in. The worker's collector settings are ``passend.wsgi``'s.

    PASSEND_MEDIA_ROOT=... python -m bench.instructions --database-url <url> \\
        --user ib-0752 --path /trajecten/ --path /

Run it in two worktrees at the same time to compare two versions: PostgreSQL's answers then
come as fast to both, and psycopg polls about as often (its waits are instructions too). A
tool, not a benchmark: ``make bench`` does not run it (its entry point is ``cli``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/passend_large"
_COLLECTED = re.compile(r"Collected : (\d+)")


def request_page(client: object, path: str, times: int) -> None:
    """GET ``path`` ``times`` times; an answer other than 200 stops the count."""
    for _ in range(times):
        status = client.get(path).status_code  # type: ignore[attr-defined]
        if status != 200:
            raise SystemExit(f"{path}: {status}")


def signed_in(username: str) -> object:
    """A test client with ``username``'s session, its second factor their authenticator app."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from passend.accounts.models import User

    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def with_token(username: str) -> object:
    """A test client that sends an API token of ``username``'s first current membership, as
    the list API's benchmark does (``bench.web.issue_tokens``); the token lives ten minutes."""
    from datetime import timedelta

    from django.test import Client

    from passend.accounts.models import Membership
    from passend.accounts.services import issue_api_token
    from passend.privacy.context import AccessContext

    membership = next(
        m
        for m in Membership.objects.select_related("user", "organisation")
        .filter(user__username=username)
        .order_by("pk")
        if m.is_current()
    )
    _token, raw = issue_api_token(
        AccessContext.system("bench"),
        membership,
        name="instructions",
        lifetime=timedelta(minutes=10),
    )
    return Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {raw}")


def collected(stderr: str) -> int:
    """The instructions callgrind reports on its standard error ("Collected : N")."""
    found = _COLLECTED.search(stderr)
    if found is None:
        raise RuntimeError("callgrind reported no total:\n" + stderr[-2000:])
    return int(found.group(1))


def per_request(total: Callable[[int], int], few: int, many: int) -> int:
    """Instructions per request: the totals of ``many`` and of ``few`` requests apart, over the
    requests between them (``total`` runs the page that many times and counts)."""
    if many <= few:
        raise ValueError("--many must be above --few")
    return (total(many) - total(few)) // (many - few)


def inner_environment() -> dict[str, str]:
    """The measured run's environment: a fixed hash seed, and no access-log sealer thread. The
    thread seals once a second, so how much of its work falls in a run follows the clock, not
    the requests: two runs of the same case page came out 5 % apart with it and 0.05 % without.
    Its cost is what ``make bench`` reports as the access log's ratio."""
    return {**os.environ, "PYTHONHASHSEED": "0", "PASSEND_ACCESS_LOG_SEAL_SECONDS": ""}


def _callgrind_total(args: argparse.Namespace, path: str, requests: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={Path(folder) / 'callgrind.out'}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--inner",
            "--database-url",
            args.database_url,
            "--user",
            args.user,
            "--path",
            path,
            "--warmup",
            str(args.warmup),
            "--requests",
            str(requests),
            *(["--api"] if args.api else []),
        ]
        environment = inner_environment()
        done = subprocess.run(  # noqa: S603 - valgrind and our own module
            command, capture_output=True, text=True, env=environment, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{path}: exit {done.returncode}\n{done.stderr[-2000:]}")
        return collected(done.stderr)


def _inner(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("PASSEND_BENCH_SECRET_KEY", "instructions-" + "x" * 40)
    import django

    django.setup()
    import passend.wsgi  # noqa: F401 — the worker's collector settings

    client = with_token(args.user) if args.api else signed_in(args.user)
    (path,) = args.path
    request_page(client, path, args.warmup)
    request_page(client, path, args.requests)


def cli(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--user", required=True, help="a generated region's user name")
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument(
        "--api", action="store_true", help="send an API token instead of a signed-in session"
    )
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--few", type=int, default=5)
    parser.add_argument("--many", type=int, default=25)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        _inner(args)
        return 0
    for path in args.path:
        count = per_request(
            lambda n, path=path: _callgrind_total(args, path, n), args.few, args.many
        )
        print(f"{path}\t{args.user}\t{count:,} instructions per request", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
