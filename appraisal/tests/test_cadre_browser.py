"""The work-performance entry page in a browser (DOMAIN.md §6): the adjusted score, typed score plus the year's
commendation and penalty points, follows what the officer types, exactly to the hundredth (no float residue).

Playwright drives Debian's Chromium (/usr/bin/chromium); the page fixture also checks the Content-Security-Policy.
"""

import pytest
from django.urls import reverse

from tests.browser.conftest import page  # noqa: F401 (the browser fixture of tests/browser)

from .cadre_fixtures import PASSWORD, exercise, scored, scorers  # noqa: F401 (fixtures)

# ruff: noqa: F811 (the fixtures imported above are named again as test arguments)

pytestmark = pytest.mark.browser


def test_adjusted_work_score_follows_what_is_typed(page, live_server, scored):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("chief")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + reverse("appraisal:cadre_work_scores", args=[scored.pk]))

    sam = page.locator("tr", has_text="孙明")  # +5: a provincial commendation (the district one does not count)
    alice = page.locator("tr", has_text="张小丽")  # −3: a city-level penalty
    assert sam.locator("[data-adjusted]").inner_text() == "90.00"
    sam.get_by_label("孙明").fill("85.55")
    assert sam.locator("[data-adjusted]").inner_text() == "90.55"
    alice.get_by_label("张小丽").fill("0.1")
    assert alice.locator("[data-adjusted]").inner_text() == "-2.90"
    alice.get_by_label("张小丽").fill("")
    assert alice.locator("[data-adjusted]").inner_text() == ""
