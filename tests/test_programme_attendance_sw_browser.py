"""The attendance page on a bus, in Chromium: once opened with network, it opens again without network
(a reload, the service worker's copy), takes the entry there, and sends it once when the network is
back. The worker keeps only the pages seen on the device that it may keep: never the API, never a
session's page (a manager's shows its registrants), never a page of a session the agent did not open
(a short offline notice instead)."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.activity.models import Activity
from cdm.programme.models import Attendance, Event, Session

from .conftest import axe_violations, make_cite_world
from .test_programme_browser import signed_in, wait_for_empty_outbox

pytestmark = [pytest.mark.browser]

PHONE = {"width": 375, "height": 700}


@pytest.fixture
def world(live_server, transactional_db):
    alpha = make_cite_world("alpha")
    alpha["users"]["agent"].set_password("pw-12345")
    alpha["users"]["agent"].save()
    start = timezone.now() - datetime.timedelta(minutes=30)
    with scopes_disabled():
        event = Event.objects.create(
            cite=alpha["cite"],
            format="information_session",
            title={"fr": "Info bus"},
            theme="training",
            starts_at=start,
            duration_minutes=60,
            site=alpha["site"],
        )
        sessions = [
            Session.objects.create(
                event=event,
                cite=alpha["cite"],
                occurrence=start + datetime.timedelta(days=-7 * i),
                starts_at=start + datetime.timedelta(days=-7 * i),
                ends_at=start + datetime.timedelta(days=-7 * i, hours=1),
            )
            for i in range(2)
        ]
    return alpha, live_server.url, sessions


def network_gone(page) -> None:
    # Offline mode reaches the network path of a service-worker-controlled page a moment later than
    # the page itself (as on the desk): wait until a request from the page really fails.
    page.wait_for_function(
        "() => fetch('/api/openapi.json', {cache: 'no-store'}).then(() => false, () => true)", polling=100
    )


def kept_urls(page) -> list[str]:
    return page.evaluate(
        """async () => {
             const urls = [];
             for (const name of await caches.keys()) {
               for (const request of await (await caches.open(name)).keys()) urls.push(request.method + ' ' + request.url);
             }
             return urls;
           }"""
    )


def test_the_attendance_page_reloads_offline_and_its_entry_is_sent_once_back(browser, world):
    _alpha, url, (session, other) = world
    attendance = f"/fr/programme/session/{session.pk}/attendance/"
    context, page = signed_in(browser, url, "agent-alpha", viewport=PHONE)
    page.goto(f"{url}{attendance}")
    # The page installs its service worker, which takes control of it and keeps it with its files.
    page.wait_for_selector("#attendance-form[data-cached='1']")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == f"{url}/fr/programme/sw.js"
    assert axe_violations(page) == []
    # Online, through the worker: the API (read here) and the session's page (not kept: a manager's
    # shows its registrants).
    assert page.evaluate("async () => (await fetch('/api/openapi.json')).status") == 200
    page.goto(f"{url}/fr/programme/session/{session.pk}/")
    assert "Info bus" in page.locator("h1").inner_text()
    page.goto(f"{url}/fr/programme/")  # the plan: kept (it leads to the attendance pages)
    page.wait_for_selector(f"a[href='{attendance}']")
    page.goto(f"{url}{attendance}")
    page.wait_for_selector("#attendance-form")

    context.set_offline(True)
    network_gone(page)
    page.reload()  # without network: the worker's copy, not the browser's error page
    page.wait_for_selector("#attendance-form")
    assert "Info bus" in page.locator("h1").inner_text()
    assert page.locator("#offline-notice").count() == 0
    for _ in range(3):
        page.click("button.step[data-target=participants][data-step='1']")
    page.click("#attendance-save")
    page.wait_for_function(
        "() => document.getElementById('attendance-status').textContent.includes('Hors ligne')"
    )
    with scopes_disabled():
        assert Session.objects.get(pk=session.pk).activity is None
    # Reloaded again without network: the page (an older copy) shows the entry still waiting.
    page.reload()
    page.wait_for_selector("#attendance-form")
    page.wait_for_function("() => document.getElementById('participants').value === '3'")
    assert "Hors ligne" in page.locator("#attendance-status").inner_text()

    # Never served from the worker's cache: the API, a session never opened here, a page not kept.
    assert (
        page.evaluate("() => fetch('/api/openapi.json').then(() => 'answered', () => 'failed')") == "failed"
    )
    for path in [f"/fr/programme/session/{other.pk}/attendance/", f"/fr/programme/session/{session.pk}/"]:
        response = page.goto(f"{url}{path}")
        assert response.status == 503, path
        assert page.locator("#offline-notice").is_visible(), path
        assert "pas disponible hors ligne" in page.locator("#offline-notice").inner_text()
        assert page.locator("#attendance-form").count() == 0
        assert axe_violations(page) == []
    kept = kept_urls(page)
    assert all(entry.startswith("GET ") for entry in kept)
    assert not [entry for entry in kept if "/api/" in entry]
    assert f"GET {url}{attendance}" in kept and f"GET {url}/fr/programme/" in kept
    assert not [
        entry for entry in kept if f"/session/{other.pk}/" in entry or entry.endswith(f"/{session.pk}/")
    ]
    page.goto(f"{url}/fr/programme/")  # the plan, from the worker's copy
    page.click(f"a[href='{attendance}']")
    page.wait_for_selector("#attendance-form")
    page.wait_for_function("() => document.getElementById('participants').value === '3'")

    # The network is back: the entry leaves the device once and is stored.
    context.set_offline(False)
    page.wait_for_function(
        "() => document.getElementById('attendance-form').dataset.synced === '1'", timeout=20000
    )
    wait_for_empty_outbox(page)
    with scopes_disabled():
        assert Session.objects.get(pk=session.pk).activity.participants == 3
        assert Attendance.objects.filter(session=session).count() == 1
        assert Activity.objects.filter(uid=f"programme-{session.uid}").count() == 1
        assert Attendance.objects.filter(session=other).count() == 0
    # With network again, the pages come from the server, not the worker's copies.
    page.reload()
    page.wait_for_selector("#attendance-form")
    assert page.input_value("#participants") == "3"
    assert page.locator("#attendance-status").inner_text() == ""
    page.goto(f"{url}/fr/programme/session/{other.pk}/attendance/")
    page.wait_for_selector("#attendance-form")
    assert axe_violations(page) == []
    context.close()
