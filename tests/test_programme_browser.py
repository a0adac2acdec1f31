"""The programme in Chromium: a manager plans a weekly series with one exception; the public agenda and
the Cité's iCalendar feed show its sessions; a visitor takes the last seat while the next one is refused
a seat (waiting list); an agent enters attendance on a phone-sized screen. axe-core on the public pages."""

import datetime
import time
import urllib.request

import icalendar
import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.activity.models import Activity
from cdm.programme.models import Attendance, Event, Registration, Session

from .conftest import axe_violations, make_cite_world

pytestmark = [pytest.mark.browser]


@pytest.fixture
def world(live_server, transactional_db):
    alpha = make_cite_world("alpha")
    for role in ["agent", "manager"]:
        alpha["users"][role].set_password("pw-12345")
        alpha["users"][role].save()
    return alpha, live_server.url


def signed_in(browser, url, username, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/fr/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/fr/admin/")
    return context, page


def next_tuesday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(1 - today.weekday()) % 7 + 7)


# The attendance page's outbox: the desk's (cdm/outbox.js, IndexedDB), a database of its own.
OUTBOX = "CdmOutbox('cdm-programme', 'url')"


def wait_for_empty_outbox(page, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while page.evaluate(f"async () => (await {OUTBOX}.all()).length"):
        assert time.monotonic() < deadline, "the outbox was never emptied"
        page.wait_for_timeout(200)


def test_a_series_planned_published_and_its_last_seat_taken(browser, world):
    alpha, url = world
    first = next_tuesday()
    skipped = first + datetime.timedelta(days=7)
    context, page = signed_in(browser, url, "manager-alpha")
    page.goto(f"{url}/fr/programme/")
    page.click("#plan-new")
    page.fill("#id_title_fr", "Atelier CV")
    page.select_option("#id_format", "participatory_workshop")
    page.select_option("#id_theme", "job")
    page.fill("#id_start_date", first.isoformat())
    page.fill("#id_start_time", "14:00")
    page.fill("#id_duration_minutes", "90")
    page.select_option("#id_frequency", "weekly")
    page.fill("#id_until", (first + datetime.timedelta(days=21)).isoformat())
    page.fill("#id_exceptions", skipped.isoformat())
    page.select_option("#id_site", label="Site alpha")
    page.fill("#id_capacity", "1")
    page.click("#event-save")
    page.wait_for_url(f"{url}/fr/programme/?cite=alpha")
    assert page.locator(".messages").inner_text().startswith("Action enregistrée : 3")
    context.close()
    with scopes_disabled():
        days = [timezone.localtime(s.starts_at).date() for s in Session.objects.order_by("starts_at")]
        event = Event.objects.get()
    assert days == [first, first + datetime.timedelta(days=14), first + datetime.timedelta(days=21)]

    # The public agenda (no one signed in) and the Cité's iCalendar feed show the three sessions.
    visitor = browser.new_context(viewport={"width": 1280, "height": 900})
    public = visitor.new_page()
    public.goto(f"{url}/fr/cites/alpha/agenda/")
    assert public.locator("#agenda-list li").count() == 3
    assert axe_violations(public) == []
    public.goto(f"{url}/fr/agenda/?view=month&month={first:%Y-%m}")
    assert public.locator("table.month a", has_text="Atelier CV").count() >= 1
    assert axe_violations(public) == []
    ics_href = public.locator("#ics-link").get_attribute("href")
    with urllib.request.urlopen(f"{url}/fr/cites/alpha/agenda/feed.ics") as response:
        cal = icalendar.Calendar.from_ical(response.read())
    assert ics_href.endswith("feed.ics") or "feed.ics?" in ics_href
    assert sorted(e.decoded("dtstart").date() for e in cal.walk("VEVENT")) == days

    # The last (only) seat: the first visitor gets it, the second is put on the waiting list.
    with scopes_disabled():
        session = Session.objects.filter(event=event).order_by("starts_at").first()
    public.goto(f"{url}/fr/agenda/{session.pk}/")
    assert axe_violations(public) == []
    public.fill("#id_name", "Lou")
    public.fill("#id_email", "lou@example.org")
    public.click("#register-submit")
    public.wait_for_url("**registered=1")
    second = visitor.new_page()
    second.goto(f"{url}/fr/agenda/{session.pk}/")
    second.fill("#id_name", "Sam")
    second.fill("#id_email", "sam@example.org")
    second.click("#register-submit")
    second.wait_for_url("**waiting=1")
    assert "Complet" in second.locator("#seats").inner_text()
    visitor.close()
    with scopes_disabled():
        assert Registration.objects.filter(session=session, status="confirmed").count() == 1
        assert Registration.objects.filter(session=session, status="waiting").count() == 1


def test_an_agent_counts_on_a_phone(browser, world):
    alpha, url = world
    start = timezone.now() - datetime.timedelta(minutes=20)
    with scopes_disabled():
        event = Event.objects.create(
            cite=alpha["cite"],
            format="information_session",
            title={"fr": "Info"},
            theme="training",
            starts_at=start,
            duration_minutes=60,
            site=alpha["site"],
        )
        session = Session.objects.create(
            event=event,
            cite=alpha["cite"],
            occurrence=start,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )
    context, page = signed_in(browser, url, "agent-alpha", viewport={"width": 375, "height": 700})
    page.goto(f"{url}/fr/programme/session/{session.pk}/attendance/")
    for _ in range(3):
        page.click("button.step[data-target=participants][data-step='1']")
    assert page.input_value("#participants") == "3"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert axe_violations(page) == []
    # The network goes away: the entry waits on the device, then leaves once when it is back.
    context.set_offline(True)
    page.click("#attendance-save")
    page.wait_for_function(
        "() => document.getElementById('attendance-status').textContent.includes('Hors ligne')"
    )
    with scopes_disabled():
        assert Session.objects.get(pk=session.pk).activity is None
    # The entry waits in the outbox with its idempotency key.
    queued = page.evaluate(f"async () => JSON.stringify(await {OUTBOX}.all())")
    assert '"participants":3' in queued and '"entry":"' in queued
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('attendance-form').dataset.synced === '1'")
    with scopes_disabled():
        assert Session.objects.get(pk=session.pk).activity.participants == 3
        assert Activity.objects.filter(uid=f"programme-{session.uid}").count() == 1
        first_save = Attendance.objects.get(session=session).recorded_at
    wait_for_empty_outbox(page)
    # A second sync of the same entry (its answer lost, say): applied once, nothing changes.
    resend = (
        f"async (items) => {{ for (const item of JSON.parse(items)) await {OUTBOX}.put(item);"
        " window.dispatchEvent(new Event('online')); }"
    )
    page.evaluate(resend, queued)
    wait_for_empty_outbox(page)
    with scopes_disabled():
        assert Attendance.objects.filter(session=session).count() == 1
        assert Attendance.objects.get(session=session).recorded_at == first_save
        assert Activity.objects.filter(uid=f"programme-{session.uid}").count() == 1
    # Entered again (a correction): still one activity.
    page.evaluate("() => { document.getElementById('attendance-form').dataset.synced = '0'; }")
    page.click("button.step[data-target=participants][data-step='1']")
    page.click("#attendance-save")
    page.wait_for_function("() => document.getElementById('attendance-form').dataset.synced === '1'")
    with scopes_disabled():
        assert Session.objects.get(pk=session.pk).activity.participants == 4
    # The first entry, resent late (a second phone's outbox), does not undo the correction.
    page.evaluate(resend, queued)
    wait_for_empty_outbox(page)
    context.close()
    with scopes_disabled():
        assert Session.objects.get(pk=session.pk).activity.participants == 4
        assert Attendance.objects.get(session=session).participants == 4
        assert Activity.objects.filter(uid=f"programme-{session.uid}").count() == 1


def test_the_embeddable_agenda_and_the_cancellation_page_pass_axe(browser, world):
    alpha, url = world
    start = timezone.now() + datetime.timedelta(days=2)
    with scopes_disabled():
        event = Event.objects.create(
            cite=alpha["cite"],
            format="forum",
            title={"fr": "Forum"},
            theme="job",
            starts_at=start,
            duration_minutes=60,
            site=alpha["site"],
            capacity=3,
        )
        session = Session.objects.create(
            event=event,
            cite=alpha["cite"],
            occurrence=start,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            capacity=3,
            seats_taken=1,
        )
        registration = Registration.objects.create(
            session=session, cite=alpha["cite"], name="Lou", email="lou@example.org", status="confirmed"
        )
    context = browser.new_context()
    page = context.new_page()
    for path in ["/fr/cites/alpha/agenda/embed/", f"/fr/agenda/cancel/{registration.token}/", "/en/agenda/"]:
        page.goto(f"{url}{path}")
        assert axe_violations(page) == [], path
    page.goto(f"{url}/fr/agenda/cancel/{registration.token}/")
    page.click("#cancel-confirm")
    page.wait_for_selector("#cancel-done")
    context.close()


def test_the_programmes_pages_run_under_the_policy(browser, world):
    """The session's public page (with its JSON-LD), the team's session, event and attendance pages."""
    from .test_csp_browser import PASSWORD, check

    alpha, url = world
    alpha["users"]["manager"].set_password(PASSWORD)
    alpha["users"]["manager"].save()
    start = timezone.now() - datetime.timedelta(minutes=5)
    with scopes_disabled():
        event = Event.objects.create(
            cite=alpha["cite"],
            format="forum",
            title={"fr": "</script><script>window.__pwned=1</script>"},
            description={"fr": "</script><script>window.__pwned=1</script>"},
            theme="job",
            starts_at=start,
            duration_minutes=60,
            site=alpha["site"],
            capacity=3,
        )
        session = Session.objects.create(
            event=event,
            cite=alpha["cite"],
            occurrence=start,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            capacity=3,
        )
    check(browser, url, [f"/fr/agenda/{session.pk}/", "/fr/agenda/"])
    check(
        browser,
        url,
        [
            f"/fr/programme/session/{session.pk}/",
            f"/fr/programme/event/{event.pk}/",
            f"/fr/programme/session/{session.pk}/attendance/",
            "/fr/programme/",
        ],
        "manager-alpha",
    )
