"""The Cité's programme: planning series, publishing (agenda, iCalendar, JSON-LD, embed), registering
under limited seats, counting attendance as the standard's activities, and needs against offer."""

import datetime
import json
import re

import icalendar
import pytest
import vobject
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from cdm.activity.models import Activity, Visit
from cdm.programme import series, services
from cdm.programme.models import Attendance, Event, Registration, Session
from cdm.stats import figures

from .conftest import make_cite_world

TZ = timezone.get_current_timezone()


def at(day: datetime.date, hour: int = 14) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), TZ)


def next_tuesday(weeks_ahead: int = 1) -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(1 - today.weekday()) % 7 + 7 * weeks_ahead)


@pytest.fixture(autouse=True)
def french():
    """A request in another language leaves it active in the thread: every test starts in French."""
    with translation.override("fr"):
        yield


@pytest.fixture
def world(db):
    return make_cite_world("alpha"), make_cite_world("beta", "BE")


def plan(
    cite, *, start, rule="", exdates=(), capacity=None, fmt="information_session", manager=None, **extra
):
    from cdm.accounts.models import User

    manager = manager or User.objects.get(username=f"manager-{cite.slug}")
    with scopes_disabled():
        event = Event(
            cite=cite,
            format=fmt,
            title={"fr": "Atelier CV", "en": "CV workshop"},
            description={"fr": "Refaire son CV </script><b>"},
            theme="job",
            starts_at=start,
            duration_minutes=120,
            rrule=rule,
            exdates=list(exdates),
            site=cite.sites.first(),
            capacity=capacity,
            **extra,
        )
        return services.event_save(user=manager, event=event)


# -- series ---------------------------------------------------------------------------------------


def test_a_weekly_series_with_one_exception_makes_its_sessions(world):
    alpha = world[0]["cite"]
    first = next_tuesday()
    skipped = first + datetime.timedelta(days=14)
    event = plan(
        alpha,
        start=at(first),
        rule=series.rule_for("weekly", at(first), first + datetime.timedelta(days=35)),
        exdates=[skipped.isoformat()],
    )
    with scopes_disabled():
        days = [timezone.localtime(s.starts_at).date() for s in Session.objects.filter(event=event)]
    assert days == [first + datetime.timedelta(days=7 * i) for i in range(6) if i != 2]
    assert all(timezone.localtime(s).hour == 14 for s in series.occurrences(event.starts_at, event.rrule))


def test_rules_are_iCalendar_rrules_and_bad_ones_are_refused():
    start = at(datetime.date(2026, 3, 10))  # the 2nd Tuesday
    assert series.rule_for("monthly", start, None) == "FREQ=MONTHLY;BYDAY=+2TU"
    assert (
        series.rule_for("biweekly", start, datetime.date(2026, 4, 30))
        == "FREQ=WEEKLY;INTERVAL=2;UNTIL=20260430T235959"
    )
    assert len(series.occurrences(start, "FREQ=MONTHLY;BYDAY=+2TU;COUNT=3")) == 3
    assert len(series.occurrences(start, "FREQ=DAILY")) == series.MAX_SESSIONS  # no end: bounded
    for bad in ("FREQ=SOMETIMES", "FREQ=DAILY\nDTSTART:20200101", "nonsense"):
        with pytest.raises(series.RuleError):
            series.validate_rule(bad)


def test_a_change_to_one_session_leaves_the_series_alone(world):
    alpha = world[0]["cite"]
    manager = world[0]["users"]["manager"]
    first = next_tuesday()
    event = plan(alpha, start=at(first), rule="FREQ=WEEKLY;COUNT=4")
    with scopes_disabled():
        second = Session.objects.filter(event=event).order_by("starts_at")[1]
        services.session_change(
            user=manager, session=second, starts_at=at(first + datetime.timedelta(days=8), 10)
        )
        event.duration_minutes = 60
        services.event_save(user=manager, event=event)  # a later change of the series
        second.refresh_from_db()
        assert timezone.localtime(second.starts_at).hour == 10 and second.detached
        assert second.ends_at - second.starts_at == datetime.timedelta(
            minutes=120
        )  # not the series' new length
        assert Session.objects.filter(event=event).count() == 4


def test_a_change_to_the_rest_of_the_series_splits_it_and_keeps_registrations(world):
    alpha = world[0]["cite"]
    manager = world[0]["users"]["manager"]
    first = next_tuesday()
    event = plan(alpha, start=at(first), rule="FREQ=WEEKLY;COUNT=5", capacity=10)
    with scopes_disabled():
        sessions = list(Session.objects.filter(event=event).order_by("starts_at"))
        services.registration_create(session=sessions[3], name="Lou", email="lou@example.org")
        third = sessions[2]
        moved = services.session_change(
            user=manager,
            session=third,
            following=True,
            starts_at=at(timezone.localtime(third.starts_at).date(), 9),
        )
        assert moved.event_id != event.pk
        event.refresh_from_db()
        assert "UNTIL=" in event.rrule and "COUNT" not in event.rrule
        assert Session.objects.filter(event=event).count() == 2
        rest = list(Session.objects.filter(event=moved.event).order_by("starts_at"))
        assert [timezone.localtime(s.starts_at).hour for s in rest] == [9, 9, 9]
        assert rest[1].pk == sessions[3].pk and rest[1].registrations.count() == 1
        assert "COUNT=3" in moved.event.rrule


def test_cancelling_a_session_tells_who_registered(world):
    alpha = world[0]["cite"]
    manager = world[0]["users"]["manager"]
    event = plan(alpha, start=at(next_tuesday()), capacity=1)
    with scopes_disabled():
        session = event.sessions.get()
        services.registration_create(session=session, name="Lou", email="lou@example.org")
        services.registration_create(session=session, name="Sam", email="sam@example.org")  # waiting
        mail.outbox.clear()
        services.session_cancel(user=manager, session=session)
        assert sorted(m.to[0] for m in mail.outbox) == ["lou@example.org", "sam@example.org"]
        assert all("annulée" in m.subject for m in mail.outbox)
        assert set(session.registrations.values_list("status", flat=True)) == {"cancelled"}


def test_an_exception_added_later_cancels_a_session_with_registrations(world):
    alpha = world[0]["cite"]
    manager = world[0]["users"]["manager"]
    first = next_tuesday()
    event = plan(alpha, start=at(first), rule="FREQ=WEEKLY;COUNT=3", capacity=5)
    with scopes_disabled():
        second = event.sessions.order_by("starts_at")[1]
        services.registration_create(session=second, name="Lou", email="lou@example.org")
        mail.outbox.clear()
        event.exdates = [
            (first + datetime.timedelta(days=7)).isoformat(),
            (first + datetime.timedelta(days=14)).isoformat(),
        ]
        services.event_save(user=manager, event=event)
        second.refresh_from_db()
        assert second.cancelled and len(mail.outbox) == 1  # told
        assert event.sessions.count() == 2  # the third, with nobody, is gone


# -- staff pages ------------------------------------------------------------------------------------


def _form(day, **extra):
    data = {
        "format": "participatory_workshop",
        "role": "co_organized",
        "title_fr": "Atelier entretien d'embauche",
        "theme": "job",
        "start_date": day.isoformat(),
        "start_time": "14:00",
        "duration_minutes": "90",
        "frequency": "weekly",
        "until": (day + datetime.timedelta(days=28)).isoformat(),
        "exceptions": (day + datetime.timedelta(days=7)).isoformat(),
        "capacity": "12",
        "language": "fr",
        "published": "on",
    }
    return data | extra


def test_a_manager_plans_a_series_on_the_staff_page_and_an_agent_only_reads(client, world):
    alpha = world[0]
    day = next_tuesday()
    client.force_login(alpha["users"]["manager"])
    response = client.post(
        reverse("programme:programme_event_new"),
        _form(day, site=alpha["site"].pk, partners=[alpha["partner"].pk]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        event = Event.objects.get()
        assert event.cite == alpha["cite"] and event.title == {"fr": "Atelier entretien d'embauche"}
        assert list(event.partners.all()) == [alpha["partner"]]
        assert event.sessions.count() == 4 and event.rrule.startswith("FREQ=WEEKLY")
    assert client.get(reverse("programme:programme_plan")).status_code == 200
    client.force_login(alpha["users"]["agent"])
    assert client.get(reverse("programme:programme_plan")).status_code == 200
    assert client.get(reverse("programme:programme_event_new")).status_code == 403
    assert (
        client.post(reverse("programme:programme_event_edit", args=[event.pk]), _form(day)).status_code == 403
    )
    client.force_login(world[1]["users"]["manager"])
    assert client.get(reverse("programme:programme_event_edit", args=[event.pk])).status_code == 404


def test_the_planning_form_refuses_what_it_cannot_place(client, world):
    alpha = world[0]
    client.force_login(alpha["users"]["manager"])
    day = next_tuesday()
    response = client.post(reverse("programme:programme_event_new"), _form(day, title_fr=""))
    assert response.status_code == 200 and "Un titre est obligatoire" in response.content.decode()
    response = client.post(
        reverse("programme:programme_event_new"),
        _form(day, site=alpha["site"].pk, frequency="custom", custom_rule="FREQ=NEVER"),
    )
    assert response.status_code == 200 and "invalide" in response.content.decode()
    beta_site = world[1]["site"]
    response = client.post(reverse("programme:programme_event_new"), _form(day, site=beta_site.pk))
    assert response.status_code == 200  # another Cité's site is not a choice
    with scopes_disabled():
        assert Event.objects.count() == 0


def test_a_picture_is_limited_in_size_and_type(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    alpha = world[0]
    client.force_login(alpha["users"]["manager"])
    day = next_tuesday()
    fake = SimpleUploadedFile("x.svg", b"<svg onload=alert(1)>", content_type="image/svg+xml")
    response = client.post(
        reverse("programme:programme_event_new"), _form(day, site=alpha["site"].pk, picture=fake)
    )
    assert response.status_code == 200
    with scopes_disabled():
        assert Event.objects.count() == 0


# -- registrations ---------------------------------------------------------------------------------


def test_the_last_seat_then_the_waiting_list_then_a_cancellation_link_promotes(client, world):
    alpha = world[0]["cite"]
    event = plan(alpha, start=at(next_tuesday()), capacity=1)
    with scopes_disabled():
        session = event.sessions.get()
    url = reverse("programme:programme_session", args=[session.pk])
    response = client.post(url, {"name": "Lou", "email": "lou@example.org"})
    assert response.status_code == 302 and "registered=1" in response.url
    response = client.post(url, {"name": "Sam", "email": "sam@example.org"})
    assert "waiting=1" in response.url
    with scopes_disabled():
        session.refresh_from_db()
        assert session.seats_taken == 1
        lou = Registration.objects.get(name="Lou")
    assert lou.token in mail.outbox[0].body and "Liste d'attente" in mail.outbox[1].subject
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    assert client.get(link).status_code == 200  # a scanner following the link cancels nothing
    with scopes_disabled():
        assert Registration.objects.get(pk=lou.pk).status == "confirmed"
    mail.outbox.clear()
    assert client.post(link).status_code == 200
    with scopes_disabled():
        assert Registration.objects.get(pk=lou.pk).status == "cancelled"
        assert Registration.objects.get(name="Sam").status == "confirmed"
        session.refresh_from_db()
        assert session.seats_taken == 1
    assert mail.outbox[0].to == ["sam@example.org"] and "confirmée" in mail.outbox[0].subject


def test_no_registration_without_seats_or_after_the_start(world):
    alpha = world[0]["cite"]
    walk_in = plan(alpha, start=at(next_tuesday()))
    with scopes_disabled():
        with pytest.raises(services.ProgrammeError):
            services.registration_create(session=walk_in.sessions.get(), name="Lou", email="l@example.org")
        past = plan(alpha, start=timezone.now() - datetime.timedelta(hours=3), capacity=5)
        with pytest.raises(services.ProgrammeError):
            services.registration_create(session=past.sessions.get(), name="Lou", email="l@example.org")


def test_registrations_are_purged_after_the_session(world):
    alpha = world[0]["cite"]
    event = plan(alpha, start=at(next_tuesday()), capacity=5)
    with scopes_disabled():
        session = event.sessions.get()
        services.registration_create(session=session, name="Lou", email="lou@example.org")
        assert services.registrations_purge(now=session.ends_at + datetime.timedelta(days=6)) == 0
        assert Registration.objects.count() == 1
    # The clock moved past the retention: the command deletes them.
    later = session.ends_at + datetime.timedelta(days=services.RETENTION_DAYS, minutes=1)
    call_command("programme_purge", f"--now={later.isoformat()}")
    with scopes_disabled():
        assert Registration.objects.count() == 0
        assert Session.objects.filter(pk=session.pk).exists()


# -- counting ----------------------------------------------------------------------------------------


def test_attendance_makes_exactly_one_activity_that_the_figures_count(world):
    alpha = world[0]["cite"]
    agent = world[0]["users"]["agent"]
    day = timezone.localdate() - datetime.timedelta(days=2)
    event = plan(alpha, start=at(day, 9))
    with scopes_disabled():
        session = event.sessions.get()
        before = figures.compute(figures.Period.year(day.year))
        services.attendance_record(user=agent, session=session, participants=11)
        services.attendance_record(
            user=agent, session=session, tally={"gender": {"female": 7, "male": 5}, "age_band": {"18_25": 3}}
        )
        activity = Activity.objects.get(uid=f"programme-{session.uid}")
        assert Activity.objects.filter(programme_session=session).count() == 1
        assert (
            activity.participants == 12
            and activity.kind == "information_session"
            and activity.role == "organized"
        )
        assert activity.date == day and activity.duration_minutes == 120
        attendance = Attendance.objects.get(session=session)
        assert attendance.tally["age_band"] == {"18_25": 3, "not_stated": 9}
        after = figures.compute(figures.Period.year(day.year))
    zero = {"sessions": 0, "participants": 0}
    b = before["workshops"].get("information_session", zero)
    a = after["workshops"]["information_session"]
    assert (a["sessions"] - b["sessions"], a["participants"] - b["participants"]) == (1, 12)


def test_counts_only_never_a_person_and_only_who_may_record(client, world):
    alpha = world[0]
    day = timezone.localdate()
    event = plan(alpha["cite"], start=timezone.now() - datetime.timedelta(minutes=30), fmt="job_dating")
    with scopes_disabled():
        session = event.sessions.get()
    url = reverse("programme:programme_attendance", args=[session.pk])
    client.force_login(alpha["users"]["counsellor"])
    assert client.get(url).status_code == 403
    client.force_login(world[1]["users"]["agent"])
    assert client.get(url).status_code == 404
    client.force_login(alpha["users"]["agent"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"participants": "", "gender-female": "4", "gender-not_stated": "1"})
    assert response.status_code == 302
    with scopes_disabled():
        activity = Session.objects.get(pk=session.pk).activity
        assert (activity.participants, activity.kind, activity.date) == (5, "forum", day)
    with pytest.raises(services.ProgrammeError):
        with scopes_disabled():
            services.attendance_record(
                user=alpha["users"]["agent"], session=session, tally={"gender": {"female": -1}}
            )


def test_a_future_session_has_no_attendance_yet(world):
    alpha = world[0]
    event = plan(alpha["cite"], start=at(next_tuesday(3)))
    with scopes_disabled(), pytest.raises(services.ProgrammeError):
        services.attendance_record(user=alpha["users"]["agent"], session=event.sessions.get(), participants=3)


# -- publishing -----------------------------------------------------------------------------------------


def test_the_public_agenda_lists_filters_and_draws_the_month(client, world):
    alpha, beta = world[0]["cite"], world[1]["cite"]
    day = next_tuesday()
    plan(alpha, start=at(day), rule="FREQ=WEEKLY;COUNT=3", capacity=2)
    plan(beta, start=at(day), fmt="forum")
    with scopes_disabled():
        Event.objects.filter(cite=beta).update(online_url="https://example.org/live")
    page = client.get(reverse("programme:programme_agenda")).content.decode()
    assert page.count("Atelier CV") == 4
    page = client.get(reverse("programme:programme_agenda") + "?country=BE").content.decode()
    assert page.count("Atelier CV") == 1 and "Cité beta" in page
    page = client.get(reverse("programme:programme_agenda") + "?online=1&format=forum").content.decode()
    assert page.count("Atelier CV") == 1
    page = client.get(
        reverse("programme:programme_cite_agenda", args=["alpha"]) + "?theme=job&free=1"
    ).content.decode()
    assert page.count("Atelier CV") == 3 and "Cité beta" not in page
    month = client.get(
        reverse("programme:programme_agenda") + f"?view=month&month={day:%Y-%m}"
    ).content.decode()
    assert 'class="month"' in month and "Atelier CV" in month
    english = client.get("/en/agenda/").content.decode()
    assert "CV workshop" in english
    assert client.get(reverse("programme:programme_cite_agenda", args=["nowhere"])).status_code == 404


def test_a_draft_is_not_public(client, world):
    alpha = world[0]["cite"]
    event = plan(alpha, start=at(next_tuesday()), published=False)
    with scopes_disabled():
        session = event.sessions.get()
    assert "Atelier CV" not in client.get(reverse("programme:programme_agenda")).content.decode()
    assert client.get(reverse("programme:programme_session", args=[session.pk])).status_code == 404


def test_the_session_page_carries_schema_org_event_data_safely(client, world):
    alpha = world[0]["cite"]
    event = plan(alpha, start=at(next_tuesday()), capacity=3, accessibility="Accessible en fauteuil")
    with scopes_disabled():
        session = event.sessions.get()
    page = client.get(reverse("programme:programme_session", args=[session.pk])).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block  # the description's </script> cannot close the element
    data = json.loads(block)
    assert data["@type"] == "Event" and data["name"] == "Atelier CV"
    assert data["description"].startswith("Refaire son CV </script>")
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["remainingAttendeeCapacity"] == 3 and data["location"]["@type"] == "Place"
    assert "&lt;/script&gt;" in page  # shown as text


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return response.content.decode()


def test_icalendar_feeds_are_valid_for_two_parsers_and_follow_the_filters(client, world):
    alpha, beta = world[0]["cite"], world[1]["cite"]
    manager = world[0]["users"]["manager"]
    first = next_tuesday()
    event = plan(
        alpha,
        start=at(first),
        rule="FREQ=WEEKLY;COUNT=3",
        exdates=[(first + datetime.timedelta(days=7)).isoformat()],
    )
    plan(beta, start=at(first))
    with scopes_disabled():
        services.session_cancel(user=manager, session=event.sessions.order_by("starts_at").last())
    text = _feed(client, reverse("programme:programme_cite_ics", args=["alpha"]))
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 2
    assert [e.decoded("dtstart").date() for e in events] == [first, first + datetime.timedelta(days=14)]
    assert [str(e["status"]) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert all(str(e["summary"]) == "Atelier CV" for e in events)
    parsed = vobject.readOne(text)
    assert len(parsed.vevent_list) == 2 and parsed.version.value == "2.0"
    assert "\r\n" in text and all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    network = icalendar.Calendar.from_ical(_feed(client, reverse("programme:programme_ics")))
    assert len(list(network.walk("VEVENT"))) == 3
    filtered = icalendar.Calendar.from_ical(_feed(client, reverse("programme:programme_ics") + "?country=BE"))
    assert len(list(filtered.walk("VEVENT"))) == 1


def test_only_the_embeddable_agenda_may_be_framed(client, world):
    alpha = world[0]["cite"]
    plan(alpha, start=at(next_tuesday()))
    embed = client.get(reverse("programme:programme_embed", args=["alpha"]))
    assert embed.status_code == 200 and "Atelier CV" in embed.content.decode()
    assert "X-Frame-Options" not in embed
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    assert "script-src 'self'" in embed["Content-Security-Policy"]
    agenda = client.get(reverse("programme:programme_cite_agenda", args=["alpha"]))
    assert (
        agenda["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in agenda["Content-Security-Policy"]
    )


# -- tenancy ----------------------------------------------------------------------------------------------


def test_programme_models_are_scoped(world):
    from django_scopes import scope
    from django_scopes.exceptions import ScopeError

    alpha, beta = world[0]["cite"], world[1]["cite"]
    plan(alpha, start=at(next_tuesday()), capacity=2)
    with pytest.raises(ScopeError):
        list(Session.objects.all())
    for model in (Event, Session, Registration, Attendance):
        with pytest.raises(ScopeError):
            list(model.objects.all())
    with scope(cite=[beta.pk]):
        assert not Event.objects.exists() and not Session.objects.exists()
    with scope(cite=[alpha.pk]):
        assert Session.objects.count() == 1


def test_a_manager_of_another_cite_cannot_touch_a_session(client, world):
    alpha = world[0]["cite"]
    event = plan(alpha, start=at(next_tuesday()), capacity=2)
    with scopes_disabled():
        session = event.sessions.get()
    client.force_login(world[1]["users"]["manager"])
    url = reverse("programme:programme_session_admin", args=[session.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "cancel"}).status_code == 404
    with scopes_disabled():
        assert not Session.objects.get(pk=session.pk).cancelled


# -- needs against offer ------------------------------------------------------------------------------------


def test_needs_against_offer_protects_small_counts_unless_exact(client, world):
    from cdm.programme.selectors import needs_against_offer

    alpha = world[0]
    cite = alpha["cite"]
    year = timezone.localdate().year
    day = (
        datetime.date(year, 1, 15)
        if timezone.localdate() >= datetime.date(year, 1, 16)
        else timezone.localdate()
    )
    with scopes_disabled():
        for theme, n in (("job", 12), ("training", 2)):
            Visit.objects.bulk_create(
                [Visit(cite=cite, date=day, theme=theme, outcome="information") for _ in range(n)]
            )
        event = plan(cite, start=at(day, 9), capacity=10)
        services.attendance_record(user=alpha["users"]["agent"], session=event.sessions.get(), participants=6)
        protected = needs_against_offer(cite, year)
        exact = needs_against_offer(cite, year, exact=True)
    jan = {r["theme"]: r for r in exact["rows"] if r["month"].month == day.month}
    assert jan["job"]["visits"] == 12 and jan["training"]["visits"] == 2
    assert jan["job"]["sessions"] == 1 and jan["job"]["fill_rate"] == 0.6
    hidden = {r["theme"]: r for r in protected["rows"] if r["month"].month == day.month}
    assert hidden["training"]["visits"] == "< 5" and hidden["job"]["visits"] == "< 5"  # the complement too
    client.force_login(alpha["users"]["agent"])
    page = client.get(reverse("programme:programme_needs")).content.decode()
    assert "&lt; 5" in page
    client.force_login(alpha["users"]["manager"])
    page = client.get(reverse("programme:programme_needs")).content.decode()
    assert "&lt; 5" not in page and ">12<" in page


# -- the permission matrix's world and calls (tests/test_permission_matrix.py imports these) ----------

PROGRAMME_PAGES = [
    "programme_agenda",
    "programme_ics",
    "programme_session",
    "programme_cancel",
    "programme_picture",
    "programme_cite_agenda",
    "programme_cite_ics",
    "programme_embed",
    "programme_plan",
    "programme_event_new",
    "programme_event_edit",
    "programme_session_admin",
    "programme_attendance",
    "programme_needs",
    "programme_month",
    "programme_sw",
]
PROGRAMME_CITE_PAGES = ["programme_plan", "programme_event_new", "programme_needs", "programme_month"]


def programme_objects(w: dict) -> dict:
    """A published event of ``w``'s Cité with one session that began an hour ago, and a registration."""
    with scopes_disabled():
        start = timezone.now() - datetime.timedelta(hours=1)
        event = Event.objects.create(
            cite=w["cite"],
            format="peer_group",
            title={"fr": "Groupe"},
            theme="job",
            starts_at=start,
            duration_minutes=120,
            capacity=10,
            site=w["site"],
        )
        session = Session.objects.create(
            event=event,
            cite=w["cite"],
            occurrence=start,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            capacity=10,
        )
        registration = Registration.objects.create(
            session=session, cite=w["cite"], name="Lou", email="lou@example.org", status="confirmed"
        )
    return {"event": event, "session": session, "registration": registration}


def programme_page_kwargs(name: str, target: dict) -> dict:
    return {
        "programme_session": {"pk": target["session"].pk},
        "programme_cancel": {"token": target["registration"].token},
        "programme_picture": {"uid": target["event"].uid},
        "programme_cite_agenda": {"slug": target["cite"].slug},
        "programme_cite_ics": {"slug": target["cite"].slug},
        "programme_embed": {"slug": target["cite"].slug},
        "programme_event_edit": {"pk": target["event"].pk},
        "programme_session_admin": {"pk": target["session"].pk},
        "programme_attendance": {"pk": target["session"].pk},
    }.get(name, {})


def programme_api_call(client, method: str, path: str, target: dict, headers: dict):
    session = target["session"].pk
    url = "/api" + path.removeprefix("/api").format(session_id=session)
    if method == "PUT":
        return client.put(url, json.dumps({"participants": 7}), content_type="application/json", **headers)
    query = f"?cite={target['cite'].slug}" if path.endswith("/sessions") else ""
    return client.get(url + query, **headers)


def test_the_api_gives_sessions_and_takes_attendance(client, world):
    alpha = world[0]
    objects = programme_objects(alpha)
    client.force_login(alpha["users"]["agent"])
    listed = client.get("/api/programme/sessions").json()
    assert [x["id"] for x in listed] == [objects["session"].pk] and listed[0]["kind"] == "peer_group"
    url = f"/api/programme/sessions/{objects['session'].pk}/attendance"
    body = {"tally": {"gender": {"female": 3, "male": 2}}}
    response = client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["participants"] == 5 and response.json()["activity"].startswith("programme-")
    bad = client.put(url, json.dumps({"tally": {"gender": {"robot": 1}}}), content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("tally")
    agenda = client.get("/api/programme/agenda?cite=alpha&from=2000-01-01").json()
    assert agenda[0]["participants"] is None  # the public reads the offer, not the counts
    schema = client.get("/api/openapi.json").json()
    assert "/api/programme/sessions/{session_id}/attendance" in schema["paths"]


def test_the_demo_programme_plans_series_and_counts_the_past_weeks(world):
    from cdm.programme.demo import load_demo_programme

    made = load_demo_programme(cites=1)
    with scopes_disabled():
        sessions = Session.objects.filter(cite=world[0]["cite"])
        assert made == sessions.count() > 10
        assert not sessions.filter(cite=world[1]["cite"]).exists()
        counted = sessions.filter(activity__isnull=False)
        assert counted.exists() and all(s.ends_at < timezone.now() for s in counted)
        assert Activity.objects.filter(uid__startswith="programme-", date__year=2024).count() == 0
        assert Event.objects.filter(featured=True).count() == 1


def test_a_picture_is_uploaded_and_served_by_the_programme(client, world, tmp_path, settings):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.VAR_DIR = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    alpha = world[0]
    client.force_login(alpha["users"]["manager"])
    picture = SimpleUploadedFile("affiche.png", buffer.getvalue(), content_type="image/png")
    form = _form(next_tuesday(), site=alpha["site"].pk, picture=picture, frequency="")
    assert client.post(reverse("programme:programme_event_new"), form).status_code == 302
    with scopes_disabled():
        event = Event.objects.get()
        session = event.sessions.get()
    assert (tmp_path / "programme" / event.picture.name).exists()
    client.logout()
    page = client.get(reverse("programme:programme_session", args=[session.pk])).content.decode()
    url = reverse("programme:programme_picture", args=[event.uid])
    assert f'src="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == buffer.getvalue()


def test_a_months_sessions_counted_on_one_page(client, world):
    alpha = world[0]
    now = timezone.localtime()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = max(first + datetime.timedelta(hours=9), now - datetime.timedelta(days=20))
    if start > now - datetime.timedelta(hours=2):
        start = now - datetime.timedelta(hours=2)
    event = plan(alpha["cite"], start=start, rule="FREQ=DAILY;COUNT=2")
    with scopes_disabled():
        done, later = list(event.sessions.order_by("starts_at"))
    client.force_login(alpha["users"]["agent"])
    url = reverse("programme:programme_month") + f"?month={timezone.localtime(done.starts_at):%Y-%m}"
    page = client.get(url).content.decode()
    assert f'name="session-{done.pk}"' in page
    assert (f'name="session-{later.pk}"' in page) == (later.starts_at <= timezone.now())
    assert client.post(url, {f"session-{done.pk}": "9"}).status_code == 302
    assert client.post(url, {f"session-{done.pk}": "-2"}).status_code == 200  # refused, said on the page
    with scopes_disabled():
        assert Session.objects.get(pk=done.pk).activity.participants == 9
    client.force_login(alpha["users"]["counsellor"])
    assert client.get(url).status_code == 403


def test_the_needs_table_is_an_include_the_dashboard_can_hook(world):
    from django.template import Context, Template

    alpha = world[0]
    year = timezone.localdate().year
    with scopes_disabled():
        Visit.objects.bulk_create(
            [
                Visit(cite=alpha["cite"], date=datetime.date(year, 1, 2), theme="job", outcome="information")
                for _ in range(3)
            ]
        )
        template = Template("{% load programme %}{% programme_needs cite year user %}")
        agent = template.render(
            Context({"cite": alpha["cite"], "year": year, "user": alpha["users"]["agent"]})
        )
        manager = template.render(
            Context({"cite": alpha["cite"], "year": year, "user": alpha["users"]["manager"]})
        )
    assert 'class="programme-needs"' in agent and "&lt; 5" in agent
    assert "&lt; 5" not in manager and "<td>3</td>" in manager
