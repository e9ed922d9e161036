"""The Content-Security-Policy is enforced, and the browser fixture notices a page that breaks it (R10)."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_injected_inline_script_is_refused_and_reported(page, live_server):
    page.goto(live_server.url + reverse("login"))
    assert page.csp_violations == []
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
        document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in text for text in page.csp_violations)
    page.csp_violations.clear()
