"""The reception desk in Chromium: keyboard alone, the live queue in two browsers, offline and back."""

import pytest
from django_scopes import scopes_disabled

from cdm.activity.models import Interview, Visit

from .conftest import axe_violations, make_cite_world

pytestmark = [pytest.mark.browser]


@pytest.fixture
def world(live_server, transactional_db):
    alpha = make_cite_world("alpha")
    for role in ["agent", "counsellor", "manager"]:
        alpha["users"][role].set_password("pw-12345")
        alpha["users"][role].save()
    alpha["users"]["counsellor"].desk_place = "Bureau 2"
    alpha["users"]["counsellor"].save()
    return alpha, live_server.url


def signed_in(browser, url, username):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/fr/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/fr/admin/")
    return context, page


def visits():
    with scopes_disabled():
        return list(
            Visit.objects.filter(cite__slug="alpha", recorded_by__isnull=False).order_by("recorded_at")
        )


def test_an_agent_records_visits_by_keyboard_in_three_interactions(browser, world):
    alpha, url = world
    context, page = signed_in(browser, url, "agent-alpha")
    page.goto(f"{url}/fr/desk/")
    page.wait_for_selector("#desk[data-ready=true]")
    assert axe_violations(page) == []
    # 1. Theme (the Cité's pôle "Emploi", key 1), 2. profile (Enter: not stated), 3. outcome (1: information).
    presses = ["1", "Enter", "1"]
    for key in presses:
        page.keyboard.press(key)
    page.wait_for_function("() => document.getElementById('desk').dataset.sent === '1'")
    assert page.locator("#desk").get_attribute("data-last-steps") == "3"
    # With a full profile: theme, profile (age W, gender A, status Z, one key each), outcome (3: interview).
    for key in ["1", "w", "a", "z", "3"]:
        page.keyboard.press(key)
    page.wait_for_function("() => document.getElementById('desk').dataset.sent === '2'")
    assert page.locator("#desk").get_attribute("data-last-steps") == "3"
    # A phone call: channel key P on the theme step, then the same three interactions.
    for key in ["p", "1", "Enter", "2"]:
        page.keyboard.press(key)
    page.wait_for_function("() => document.getElementById('desk').dataset.sent === '3'")
    page.wait_for_selector("#last li.has-ticket")
    assert "Ticket J-1" in page.locator("#last").inner_text()
    recorded = visits()
    assert [(v.theme, v.outcome, v.channel) for v in recorded] == [
        ("job", "information", "in_person"),
        ("job", "interview", "in_person"),
        ("job", "self_service", "phone"),
    ]
    assert (recorded[1].age_band, recorded[1].gender, recorded[1].status) == ("18_25", "female", "job_seeker")
    assert (recorded[0].age_band, recorded[0].gender, recorded[0].status) == ("not_stated",) * 3
    assert all(v.pole and v.pole.code == "emploi" for v in recorded)
    # Undo the last visit.
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        page.keyboard.press("u")
    assert deleted.value.status == 204
    page.wait_for_function("() => document.getElementById('flash').textContent.includes('annulée')")
    assert len(visits()) == 2
    page.wait_for_function("() => document.getElementById('count-total').textContent === '2'")
    context.close()


def test_a_counsellor_calls_transfers_and_closes_while_another_screen_watches(browser, world):
    alpha, url = world
    agent_ctx, agent = signed_in(browser, url, "agent-alpha")
    agent.goto(f"{url}/fr/desk/")
    agent.wait_for_selector("#desk[data-ready=true]")
    for _ in range(3):
        for key in ["1", "Enter", "3"]:
            agent.keyboard.press(key)
    agent.wait_for_function("() => document.getElementById('desk').dataset.sent === '3'")
    # A second browser watches the queue: the manager's screen.
    watch_ctx, watcher = signed_in(browser, url, "manager-alpha")
    watcher.goto(f"{url}/fr/desk/queue/")
    watcher.wait_for_selector('li[data-ticket="J-3"]')
    screen = browser.new_page()
    screen.goto(f"{url}/fr/cites/alpha/now-calling/")

    coun_ctx, counsellor = signed_in(browser, url, "counsellor-alpha")
    counsellor.goto(f"{url}/fr/desk/queue/")
    counsellor.wait_for_selector('li[data-ticket="J-1"]')
    assert axe_violations(counsellor) == []
    counsellor.keyboard.press("n")  # call the next: J-1
    counsellor.wait_for_selector("#with-you:not([hidden])")
    assert "J-1" in counsellor.locator("#with-you").inner_text()
    watcher.wait_for_selector('li[data-ticket="J-1"]', state="detached")  # live, without reload
    screen.wait_for_function("() => document.getElementById('current').textContent.includes('J-1')")
    assert "Bureau 2" in screen.locator("#current").inner_text()
    # Transfer J-2 to another theme from the waiting list.
    counsellor.locator('li[data-ticket="J-2"] select').select_option("theme:business")
    watcher.wait_for_selector('li[data-ticket="B-2"]')
    # Close the interview with J-1: its details are recorded by themselves.
    counsellor.locator("#with-you button.close").click()
    counsellor.wait_for_selector("#with-you", state="hidden")
    with scopes_disabled():
        interview = Interview.objects.get(visit__ticket__code="J-1")
    assert interview.partner == alpha["partner"] and interview.duration_minutes >= 1
    assert interview.waited_minutes is not None
    for ctx in (agent_ctx, watch_ctx, coun_ctx):
        ctx.close()
    screen.close()


def test_the_desk_keeps_recording_offline_and_sends_when_back(browser, world):
    _alpha, url = world
    context, page = signed_in(browser, url, "agent-alpha")
    page.goto(f"{url}/fr/desk/")
    page.wait_for_selector("#desk[data-ready=true][data-cached=true]")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now under the service worker's control
    page.wait_for_selector("#desk[data-ready=true]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    # Offline mode reaches the network path of a service-worker-controlled page a moment later than
    # the page itself: wait until a request from the page really fails.
    page.wait_for_function(
        "() => fetch('/api/openapi.json', {cache: 'no-store'}).then(() => false, () => true)", polling=100
    )
    for _ in range(2):
        for key in ["1", "Enter", "2"]:
            page.keyboard.press(key)
    page.wait_for_function("() => document.getElementById('desk').dataset.pending === '2'")
    assert "Hors ligne" in page.locator("#net-status").inner_text()
    assert "2 visite(s) en attente" in page.locator("#pending").inner_text()
    # A reload without network: the page comes from the service worker, the visits from IndexedDB.
    page.reload()
    page.wait_for_selector("#desk[data-ready=true]")
    page.wait_for_function("() => document.getElementById('desk').dataset.pending === '2'")
    for key in ["1", "Enter", "1"]:
        page.keyboard.press(key)
    page.wait_for_function("() => document.getElementById('desk').dataset.pending === '3'")
    assert len(visits()) == 0

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('desk').dataset.pending === '0'", timeout=20000)
    recorded = visits()
    assert len(recorded) == 3 and len({v.uid for v in recorded}) == 3
    # Sending the same visits again (a flaky network's retry) stores nothing more.
    for visit in recorded:
        status = page.evaluate(
            """async (uid) => (await fetch('/api/visits', {method: 'POST', credentials: 'same-origin',
                 headers: {'Content-Type': 'application/json', 'X-CSRFToken': JSON.parse(
                   document.getElementById('desk-config').textContent).csrf},
                 body: JSON.stringify({uid: uid, theme: 'job', outcome: 'self_service'})})).status""",
            visit.uid,
        )
        assert status == 200
    assert len(visits()) == 3
    context.close()
