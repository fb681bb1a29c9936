"""Signed-in users reach "My dossiers" from their account page and from the main menu on every page."""

import pytest
from django.urls import reverse

from opendvc.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MINE = reverse("dossiers:mine")


def _menu(html: str) -> str:
    start = html.index('id="main-menu"')
    return html[start : html.index("</ul>", start)]


def test_account_page_links_my_dossiers(client):
    client.force_login(UserFactory())
    html = client.get(reverse("portal:account_home")).content.decode()
    main = html[html.index("<main") :]
    assert f'href="{MINE}"' in main


@pytest.mark.parametrize(
    "path", ["/", "/ca-nhan/", "/thu-tuc/", "/tra-cuu/", "/hoi-dap/", "/phan-anh-kien-nghi/gui/"]
)
def test_menu_links_my_dossiers_for_signed_in_users_only(client, path):
    anonymous = client.get(path)
    if anonymous.status_code == 200:
        assert f'href="{MINE}"' not in _menu(anonymous.content.decode())
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 200
    assert f'href="{MINE}"' in _menu(response.content.decode())


def test_menu_marks_my_dossiers_as_the_current_page(client):
    client.force_login(UserFactory())
    menu = _menu(client.get(MINE).content.decode())
    assert f'<a href="{MINE}" aria-current="page">' in menu
    assert menu.count('aria-current="page"') == 1


def test_menu_in_english(client):
    client.force_login(UserFactory())
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("portal:account_home")).content.decode()
    assert ">My dossiers</" in _menu(html)
    assert ">Menu</button>" in html
