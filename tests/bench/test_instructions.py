"""``bench.instructions`` keeps working: its client signs in as a generated user with their
second factor and gets the page, its count is the two totals' difference per request, and
``make bench`` does not run it (a tool: ``cli``, no ``main``)."""

from __future__ import annotations

import pytest
from bench.crawl import role_holders

from bench import instructions
from passend.cases import generator

pytestmark = pytest.mark.django_db


def test_the_client_gets_a_signed_in_users_pages_and_stops_at_another_answer() -> None:
    generator.Generator(generator.SCALES["tiny"], seed=5).run()
    username = role_holders(("support_coordinator",))["support_coordinator"]
    client = instructions.signed_in(username)
    instructions.request_page(client, "/trajecten/", 2)  # signed in with both factors: 200
    with pytest.raises(SystemExit, match="404"):
        instructions.request_page(client, "/trajecten/999999999/", 1)


def test_the_count_per_request_leaves_out_what_every_run_does_once() -> None:
    # 1,000 for starting and signing in, 70 a request.
    def total(requests: int) -> int:
        return 1_000 + 70 * requests

    assert instructions.per_request(total, 5, 25) == 70
    with pytest.raises(ValueError, match="--many"):
        instructions.per_request(total, 5, 5)


def test_the_total_is_read_from_callgrinds_report() -> None:
    report = "==12== Events    : Ir\n==12== Collected : 1234567890\n==12==\n==12== I   refs: 1"
    assert instructions.collected(report) == 1_234_567_890
    with pytest.raises(RuntimeError, match="no total"):
        instructions.collected("==12== valgrind: failed to start tool")


def test_make_bench_does_not_run_it() -> None:
    assert not hasattr(instructions, "main") and callable(instructions.cli)


def test_with_api_a_users_token_gets_the_list_api() -> None:
    generator.Generator(generator.SCALES["tiny"], seed=5).run()
    username = role_holders(("support_coordinator",))["support_coordinator"]
    instructions.request_page(instructions.with_token(username), "/api/v1/cases/", 2)
    with pytest.raises(SystemExit, match=r"401|403"):
        instructions.request_page(instructions.signed_in(username), "/api/v1/cases/", 1)


def test_the_measured_run_has_no_sealer_thread() -> None:
    # An empty value is "no sealer thread" in passend.settings.
    environment = instructions.inner_environment()
    assert environment["PASSEND_ACCESS_LOG_SEAL_SECONDS"] == ""
    assert environment["PYTHONHASHSEED"] == "0"
