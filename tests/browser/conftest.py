"""The browser every browser test drives: Playwright with Debian's Chromium (installed by `make test`'s
bootstrap), never Playwright's own download, since the target networks are closed (STACK.md)."""

import os
import shutil

import pytest
from django.db import connections

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _collect_csp_violation(message, violations: list[str]) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        violations.append(message.text)


@pytest.fixture
def page(live_server, monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is installed by `make test` (apt chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page.set_default_timeout(15_000)
        # Every page a browser test visits must satisfy the Content-Security-Policy (RELIABILITY.md R10).
        violations: list[str] = []
        page.on("console", lambda message: _collect_csp_violation(message, violations))
        page.csp_violations = violations
        yield page
        browser.close()
        # While Playwright runs, the test's ORM calls get a database connection of their own (another context);
        # close it here, in that context, or PostgreSQL refuses to drop the test database.
        connections.close_all()
    assert not violations, f"the pages broke the Content-Security-Policy: {violations}"
