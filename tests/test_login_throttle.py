"""Sign-in throttling (django-axes) on the staff login page, which is the admin's."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import override_settings
from django.utils import timezone

from cdm.accounts.models import Role, User

LOGIN = "/fr/admin/login/"
RIGHT = "Bon-mot-de-passe-42"


@pytest.fixture
def agent(db):
    return User.objects.create_user("agent-alpha", password=RIGHT, role=Role.AGENT)


def sign_in(client, username, password, ip="192.0.2.10"):
    return client.post(
        f"{LOGIN}?next=/fr/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_the_right_password_signs_in(client, agent):
    response = sign_in(client, "agent-alpha", RIGHT)
    assert response.status_code == 302 and response["Location"] == "/fr/admin/"


def test_after_five_wrong_passwords_the_sixth_attempt_is_refused_even_with_the_right_one(client, agent):
    for _ in range(4):
        response = sign_in(client, "agent-alpha", "wrong")
        assert response.status_code == 200  # the login page again, with the form's error
    # The fifth wrong password is the last one tried: it locks the account.
    assert sign_in(client, "agent-alpha", "wrong").status_code == 429
    # The sixth attempt is refused without being tried, even with the right password.
    response = sign_in(client, "agent-alpha", RIGHT)
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # On the login page itself, in the page's language (the form stays usable after the cool-off).
    assert 'id="id_username"' in response.content.decode()


def test_the_lockout_holds_one_account_from_one_address(client, agent):
    User.objects.create_user("agent-beta", password=RIGHT, role=Role.AGENT)
    for _ in range(6):
        sign_in(client, "agent-alpha", "wrong")
    assert sign_in(client, "agent-alpha", RIGHT).status_code == 429
    # A colleague at the same desk, and the same account from elsewhere, still sign in.
    assert sign_in(client, "agent-beta", RIGHT).status_code == 302
    client.logout()
    assert sign_in(client, "agent-alpha", RIGHT, ip="198.51.100.7").status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(client, agent):
    for _ in range(6):
        sign_in(client, "agent-alpha", "wrong")
    assert sign_in(client, "agent-alpha", RIGHT).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert sign_in(client, "agent-alpha", RIGHT).status_code == 302


def test_a_successful_sign_in_resets_the_count_and_is_not_logged(client, agent):
    for _ in range(4):
        sign_in(client, "agent-alpha", "wrong")
    assert sign_in(client, "agent-alpha", RIGHT).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "agent-alpha", "wrong")
    assert sign_in(client, "agent-alpha", RIGHT).status_code == 302
    assert AccessLog.objects.count() == 0


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(client, agent):
    def via_proxy(password, seen):
        return client.post(
            LOGIN,
            {"username": "agent-alpha", "password": password},
            REMOTE_ADDR="10.0.0.1",  # the proxy
            HTTP_X_FORWARDED_FOR=f"203.0.113.99, {seen}",  # the first entry is the client's word only
            HTTP_X_FORWARDED_PROTO="https",
        )

    for _ in range(5):
        via_proxy("wrong", "198.51.100.1")
    assert via_proxy(RIGHT, "198.51.100.1").status_code == 429
    assert via_proxy(RIGHT, "198.51.100.2").status_code == 302
