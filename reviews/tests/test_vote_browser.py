"""The participant's page in a phone-sized browser: the QR code's address fills the code field and leaves the
address bar, and a ballot goes through without breaking the Content-Security-Policy."""

import pytest
from django.urls import reverse

from reviews.models import StagedBallot
from reviews.services import poll_codes_issue, poll_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_scanned_code_fills_the_field_and_the_ballot_is_cast(page, live_server, personas, cadre_poll):
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=2)[0]
    poll_open(actor=personas.chief, poll=cadre_poll)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}{reverse('vote:start')}#{code}")

    assert page.input_value("input.vote-code") == code
    assert page.evaluate("() => window.location.hash") == ""
    page.click("text=下一步：填写选票")
    scores = page.locator("input[type=number]")
    assert scores.count() == 2
    scores.nth(0).fill("91")
    scores.nth(1).fill("60")
    page.locator("button", has_text="清空").nth(1).click()
    assert scores.nth(1).input_value() == ""
    scores.nth(1).fill("87.5")
    page.click("text=提交选票")
    page.wait_for_selector("text=投票成功")
    assert sorted(StagedBallot.objects.get().answers.values()) == ["87.50", "91.00"]
