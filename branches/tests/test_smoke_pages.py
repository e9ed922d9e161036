import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "name",
    ["home", "members:list", "members:statistics", "branches:organizations", "branches:meeting_list",
     "branches:compliance", "branches:meeting_create"],
)  # fmt: skip
def test_secretary_opens_every_page_in_chinese(client, personas, name):
    client.force_login(personas.sam)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.content.decode()
