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


def test_system_admin_manages_users_but_cannot_grant_superuser(client, personas, org):
    from core.roles import Role
    from members.services import role_assign

    role_assign(user=personas.chief, role=Role.SYSTEM_ADMIN)
    assert personas.chief.is_staff and not personas.chief.is_superuser
    client.force_login(personas.chief)
    page = client.get(reverse("admin:core_user_change", args=[personas.alice.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    assert client.get(reverse("admin:branches_partyorganization_changelist")).status_code == 200
