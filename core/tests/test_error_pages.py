"""Refusals and failures are explained in Chinese on the app's own pages, never Django's bare English ones."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_a_page_outside_the_role_answers_403_in_chinese_with_the_way_home(personas):
    response = _client(personas.lin).get(reverse("reviews:mass_rectifications"))

    page = response.content.decode()
    assert response.status_code == 403
    assert "没有权限进行这项操作" in page and reverse("home") in page and "Forbidden" not in page


def test_a_record_that_does_not_exist_or_is_out_of_scope_answers_404_in_chinese(personas):
    response = _client(personas.sam).get(reverse("reviews:mass_detail", args=[999999]))

    page = response.content.decode()
    assert response.status_code == 404 and "找不到这个页面或记录" in page and "Not Found" not in page


def test_an_unexpected_error_answers_500_in_chinese_without_details(personas, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr("core.views.home_tasks", broken)

    response = _client(personas.alice, raise_request_exception=False).get(reverse("home"))

    page = response.content.decode()
    assert response.status_code == 500
    assert "系统出错了" in page and "secret detail" not in page and "Server Error" not in page
