"""A Cité's sessions live in its own time zone: entered, shown, mailed and fed in it (Réunion, UTC+4)."""

import datetime
import json
import re
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from cdm.programme import services
from cdm.programme.models import Event, Session

from .conftest import make_cite_world

REUNION = zoneinfo.ZoneInfo("Indian/Reunion")


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


@pytest.fixture
def reunion(db):
    world = make_cite_world("reunion")
    with scopes_disabled():
        world["cite"].timezone = "Indian/Reunion"
        world["cite"].save()
    return world


def a_day_ahead(weeks: int = 2) -> datetime.date:
    """A Tuesday a few weeks ahead (in winter or summer, Réunion has no daylight saving)."""
    today = timezone.localdate()
    return today + datetime.timedelta(days=(1 - today.weekday()) % 7 + 7 * weeks)


def _form(day, site, **extra):
    return {
        "format": "information_session",
        "role": "organized",
        "title_fr": "Les métiers de la mer",
        "theme": "job",
        "start_date": day.isoformat(),
        "start_time": "09:00",
        "duration_minutes": "60",
        "frequency": "weekly",
        "until": (day + datetime.timedelta(days=14)).isoformat(),
        "capacity": "10",
        "language": "fr",
        "published": "on",
        "site": site.pk,
    } | extra


def test_a_time_zone_is_an_iana_name(db):
    world = make_cite_world("alpha")
    cite = world["cite"]
    assert cite.timezone == "Europe/Paris"
    for wrong in ["Mars/Olympus", "UTC+4", "", " Europe/Paris"]:
        cite.timezone = wrong
        with pytest.raises(ValidationError) as caught:
            cite.full_clean()
        assert "timezone" in caught.value.message_dict
    cite.timezone = "America/Cayenne"
    cite.full_clean()


def test_a_reunion_session_entered_at_nine_is_nine_on_its_pages_and_five_utc_in_the_feed(client, reunion):
    day = a_day_ahead()
    client.force_login(reunion["users"]["manager"])
    response = client.post(reverse("programme:programme_event_new"), _form(day, reunion["site"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        sessions = list(Session.objects.filter(cite=reunion["cite"]).order_by("starts_at"))
    assert len(sessions) == 3
    first = sessions[0]
    # 09:00 in Saint-Pierre is 05:00 UTC (07:00 in Paris in summer, 06:00 in winter), every week.
    assert [s.starts_at.astimezone(datetime.UTC).time() for s in sessions] == [datetime.time(5)] * 3
    assert first.starts_at.astimezone(REUNION).date() == day

    page = client.get(reverse("programme:programme_session", args=[first.pk])).content.decode()
    assert "09:00" in page and "Indian/Reunion" in page
    assert "05:00" not in page and "07:00" not in page and "06:00" not in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["startDate"].endswith("09:00:00+04:00")

    staff = client.get(reverse("programme:programme_plan") + "?cite=reunion").content.decode()
    assert f"{day:%d/%m/%Y} 09:00" in staff
    agenda = client.get(reverse("programme:programme_agenda")).content.decode()
    assert f"{day:%d/%m/%Y} 09:00" in agenda

    feed = client.get(reverse("programme:programme_cite_ics", args=["reunion"])).content
    assert f"DTSTART:{day:%Y%m%d}T050000Z".encode() in feed
    cal = icalendar.Calendar.from_ical(feed)
    starts = sorted(e.decoded("dtstart") for e in cal.walk("VEVENT"))
    assert starts[0] == datetime.datetime.combine(day, datetime.time(9), REUNION)

    # The staff's change form shows and reads the Cité's hour too.
    form = client.get(reverse("programme:programme_session_admin", args=[first.pk])).content.decode()
    assert re.search(r"id=\"id_start_time\"[^>]*value=\"09:00|value=\"09:00[^>]*id=\"id_start_time", form), (
        re.findall(r"<input[^>]*start_time[^>]*>", form)
    )


def test_the_registration_mail_gives_the_cites_hour(client, reunion):
    day = a_day_ahead()
    start = datetime.datetime.combine(day, datetime.time(9), REUNION)
    with scopes_disabled():
        event = services.event_save(
            user=reunion["users"]["manager"],
            event=Event(
                cite=reunion["cite"],
                format="information_session",
                title={"fr": "Info"},
                theme="job",
                starts_at=start,
                duration_minutes=60,
                site=reunion["site"],
                capacity=5,
            ),
        )
        session = event.sessions.get()
    response = client.post(
        reverse("programme:programme_session", args=[session.pk]), {"name": "Zoé", "email": "z@example.org"}
    )
    assert response.status_code == 302
    assert f"{day:%d/%m/%Y} 09:00" in mail.outbox[-1].body


def test_a_weekly_series_keeps_its_local_hour_across_the_daylight_saving_change(db):
    """Paris changes its clocks on the last Sunday of October; a Paris series stays at 14:00 there."""
    paris = make_cite_world("paris")["cite"]
    start = datetime.datetime(2030, 10, 15, 14, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    with scopes_disabled():
        event = services.event_save(
            user=_manager("paris"),
            event=Event(
                cite=paris,
                format="information_session",
                title={"fr": "Info"},
                theme="job",
                starts_at=start,
                duration_minutes=60,
                rrule="FREQ=WEEKLY;COUNT=4",
                site=paris.sites.first(),
            ),
        )
        local = [s.local_starts_at for s in event.sessions.order_by("starts_at")]
        utc = {s.starts_at.astimezone(datetime.UTC).hour for s in event.sessions.all()}
    assert [t.strftime("%H:%M") for t in local] == ["14:00"] * 4
    assert utc == {12, 13}  # summer, then winter time


def _manager(slug):
    from cdm.accounts.models import User

    return User.objects.get(username=f"manager-{slug}")


def test_needs_against_offer_counts_a_session_in_the_cites_own_month(reunion):
    from cdm.programme import selectors

    # 00:30 on 1 February in Saint-Pierre is still 31 January in Paris (and in UTC).
    start = datetime.datetime(2030, 2, 1, 0, 30, tzinfo=REUNION)
    with scopes_disabled():
        services.event_save(
            user=reunion["users"]["manager"],
            event=Event(
                cite=reunion["cite"],
                format="information_session",
                title={"fr": "Info"},
                theme="training",
                starts_at=start,
                duration_minutes=60,
                site=reunion["site"],
                capacity=10,
            ),
        )
        rows = selectors.needs_against_offer(reunion["cite"], 2030, exact=True)["rows"]
    offered = [(r["month"], r["sessions"]) for r in rows if r["theme"] == "training"]
    assert offered == [(datetime.date(2030, 2, 1), 1)]
