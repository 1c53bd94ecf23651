"""Browser tests (issue 11, check 12): Playwright driving Debian's chromium, axe-core on every page.

Never ``playwright install``: the browser is ``/usr/bin/chromium`` (``make test`` installs the
Debian package when it is missing). When chromium is not there the e2e tests FAIL, so that CI
cannot pass without them; a developer can skip them explicitly with ``PASSEND_SKIP_E2E=1``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# WCAG 2.2 AA (and everything below it) as axe-core tags its rules.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("PASSEND_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


# The rows that data migrations load (term rules, consultation kinds, retention policies …),
# as the test database was serialised when it was created. See `_migration_rows`.
_MIGRATION_ROWS: dict[str, str] = {}


@pytest.fixture(scope="session")
def browser(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    if os.environ.get("PASSEND_SKIP_E2E") == "1":
        pytest.skip("PASSEND_SKIP_E2E=1: browser tests skipped on request")
    executable = chromium_path()
    if executable is None:
        pytest.fail(
            "chromium is not installed: the browser tests (issue 11, check 12) cannot run. "
            "Install it with `apt-get install chromium` (make test does this as root), or set "
            "PASSEND_SKIP_E2E=1 to skip them on a developer machine.",
            pytrace=False,
        )
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci) first", pytrace=False)
    # Playwright's sync API runs an event loop; Django must allow ORM calls from this thread.
    # Playwright's sync API runs the tests in a greenlet with its own context, where Django
    # hands out a fresh connection without the serialised rows (serialized_rollback then
    # restores nothing): keep them now, while still in the context that created the database.
    from django.db import connection

    with django_db_blocker.unblock():
        _MIGRATION_ROWS["default"] = getattr(connection, "_test_serialized_contents", "") or ""
    # Restored afterwards so that no later test (or subprocess it starts) inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _migration_rows(request: pytest.FixtureRequest) -> None:
    """Puts back the data-migration rows an earlier transactional test flushed away."""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("browser")
    request.getfixturevalue("transactional_db")
    from django.db import connection

    from passend.terms.models import TermRule

    if TermRule.objects.exists() or not _MIGRATION_ROWS.get("default"):
        return
    # In this context the flush ran post_migrate, which made content types and permissions
    # anew (other ids); everything else the data migrations loaded is put back as it was.
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core import serializers
    from django.db import transaction

    recreated = (ContentType, Permission)
    with connection.constraint_checks_disabled(), transaction.atomic():
        for item in serializers.deserialize("json", _MIGRATION_ROWS["default"]):
            if not isinstance(item.object, recreated):
                item.save()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    # bypass_csp lets the test inject axe-core; the application's own CSP stays as it is.
    context = browser.new_context(bypass_csp=True, locale="nl-NL", base_url=live_server.url)
    context.set_default_timeout(15_000)
    outside: list[str] = []

    def watch(request: Any) -> None:
        if not request.url.startswith((live_server.url, "data:", "about:")):
            outside.append(request.url)

    context.on("request", watch)
    page = context.new_page()
    page.outside_requests = outside
    yield page
    context.close()
    assert not outside, f"the page loaded third-party resources: {outside[:5]}"


def navigate_by(page: Any, action: Callable[[], Any]) -> None:
    """Runs a click or key press that leaves the page and returns once the next page has loaded.

    Waiting for the load state after the click is not enough: it can return on the old page
    before the navigation starts, and axe is then injected into a document being replaced
    ("Cannot read properties of null (reading 'appendChild')", seen in CI)."""
    with page.expect_navigation(wait_until="load"):
        action()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return list(result["violations"])


def assert_accessible(page: Any, what: str) -> None:
    violations = axe_violations(page)
    if violations:
        lines = [
            f"- {v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in violations
        ]
        raise AssertionError(f"WCAG 2.2 AA violations on {what} ({page.url}):\n" + "\n".join(lines))
