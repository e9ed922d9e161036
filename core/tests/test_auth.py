from django.urls import reverse


def test_login_page_is_chinese_and_needs_no_login(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta charset="utf-8">' in html and "用户名" in html and "密码" in html


def test_wrong_password_and_unknown_user_get_the_same_message(client, personas):
    wrong = client.post(reverse("login"), {"username": "alice", "password": "wrong-password"})
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "wrong-password"})
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert "用户名或密码不正确。" in wrong.content.decode()


def test_login_and_logout(client, personas):
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests-1"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert "张小丽" in client.get(reverse("home")).content.decode()
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_health_check_answers_without_login(client, db):
    assert client.get(reverse("health")).json() == {"status": "ok"}
