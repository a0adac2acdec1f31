"""Production settings, headers and pages that never run data: what `cdm check --deploy` and a browser see."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User

BIN = Path(sys.executable).parent
PAYLOAD = "</script><script>window.__pwned=1</script>"


def production_env(tmp_path, **extra) -> dict:
    """The environment of a production process: none of the test suite's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDM_", "DJANGO_"))}
    env |= {"CDM_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    return env | extra


def run_cdm(args, env):
    return subprocess.run([str(BIN / "cdm"), *args], env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_has_no_warning_with_production_settings(tmp_path):
    env = production_env(
        tmp_path, CDM_SECRET_KEY=secrets.token_urlsafe(48)[:50], CDM_ALLOWED_HOSTS="cdm.example.org"
    )
    result = run_cdm(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_test_flag_gives_no_secret_key_when_debug_is_off(tmp_path):
    result = run_cdm(["check"], production_env(tmp_path, CDM_TESTING="1", CDM_DEBUG="0"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "CDM_SECRET_KEY" in result.stderr


def test_the_test_flag_adds_no_host_and_keeps_https(tmp_path):
    env = production_env(
        tmp_path,
        CDM_TESTING="1",
        CDM_SECRET_KEY=secrets.token_urlsafe(48)[:50],
        CDM_ALLOWED_HOSTS="cdm.example.org",
        DJANGO_SETTINGS_MODULE="cdm.settings",
    )
    code = (
        "from django.conf import settings as s; "
        "print(s.ALLOWED_HOSTS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS > 0, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [str(BIN / "python"), "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['cdm.example.org'] True True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_debug_alone_gives_the_development_key_and_hosts(tmp_path):
    env = production_env(tmp_path, CDM_DEBUG="1", DJANGO_SETTINGS_MODULE="cdm.settings")
    code = (
        "from django.conf import settings as s; print('testserver' in s.ALLOWED_HOSTS, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [str(BIN / "python"), "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "True False", result.stderr


# -- headers --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_has_a_strict_content_security_policy(client):
    response = client.get("/fr/admin/login/")
    policy = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_csrf_cookie_is_out_of_reach_of_scripts(client):
    response = client.get("/fr/admin/login/")
    assert response.cookies["csrftoken"]["httponly"] is True


# -- data into pages ------------------------------------------------------------------------------


@pytest.fixture
def hostile_names(two_cites):
    alpha, _ = two_cites
    with scopes_disabled():
        alpha["site"].name = PAYLOAD
        alpha["site"].save()
        alpha["pole"].labels = {"fr": PAYLOAD, "en": PAYLOAD}
        alpha["pole"].save()
        colleague = User.objects.create_user(
            "colleague-alpha", password="x", role=Role.COUNSELLOR, first_name=PAYLOAD
        )
        colleague.cites.add(alpha["cite"])
    return alpha


@pytest.mark.parametrize("path,role", [("/fr/desk/", "agent"), ("/fr/desk/queue/", "counsellor")])
def test_names_reach_the_desk_scripts_as_data_never_as_markup(client, hostile_names, path, role):
    client.force_login(hostile_names["users"][role])
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>window.__pwned" not in html
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ewindow.__pwned=1" in html  # json_script's escaping


# -- passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["password", "12345678", "colleague-new1"])
def test_the_admin_refuses_a_weak_password_for_a_new_account(client, coordinator, password):
    client.force_login(coordinator)
    response = client.post(
        "/en/admin/accounts/user/add/",
        {
            "username": "colleague-new",
            "password1": password,
            "password2": password,
            "usable_password": "true",
            "role": Role.AGENT,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="colleague-new").exists()
    errors = " ".join(str(e) for e in response.context["adminform"].form.errors.get("password2", []))
    assert any(text in errors for text in ("too common", "entirely numeric", "too similar", "too short")), (
        errors
    )


def test_the_admin_accepts_a_strong_password(client, coordinator):
    client.force_login(coordinator)
    strong = "Rideau-" + secrets.token_urlsafe(12)
    response = client.post(
        "/en/admin/accounts/user/add/",
        {
            "username": "colleague-new",
            "password1": strong,
            "password2": strong,
            "usable_password": "true",
            "role": Role.AGENT,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(username="colleague-new").check_password(strong)
