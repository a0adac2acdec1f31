"""The demo's 2024 programme: the report's workshops and events come out of planned sessions with their
attendance; series with bank-holiday exceptions; featured events with a picture; titles in the Cités'
languages; each Cité's sessions in its time zone."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from cdm.activity.models import Activity
from cdm.network.models import Cite
from cdm.programme import series
from cdm.programme.models import Attendance, Event, Session
from cdm.stats import figures

WORKSHOPS = ["information_session", "participatory_workshop", "peer_group"]
EVENTS = ["forum", "conference", "other_event"]


@pytest.mark.django_db(transaction=True)
def test_the_2024_programme_is_the_reports_workshops_and_events(client):
    call_command("demo", scale=0.02, seed=3, verbosity=0)
    with scopes_disabled():
        counted = Activity.objects.filter(date__year=2024, kind__in=WORKSHOPS + EVENTS)
        assert counted.count() > 50
        # Every workshop and event of the year is exactly one session's attendance.
        assert counted.filter(programme_session__isnull=True).count() == 0
        sessions = Session.objects.filter(activity__in=counted).select_related(
            "event", "activity", "attendance"
        )
        assert sessions.count() == counted.count() == Attendance.objects.filter(session__in=sessions).count()
        for s in sessions[:200]:
            assert s.attendance.participants == s.activity.participants
            assert s.activity.date == s.local_starts_at.date()

        # The report's workshop and event figures are these sessions'.
        report = figures.compute(figures.Period.year(2024))
        for kind in WORKSHOPS:
            kind_sessions = sessions.filter(activity__kind=kind)
            figure = report["workshops"].get(kind, {"sessions": 0, "participants": 0})
            assert figure["sessions"] == kind_sessions.count()
            assert figure["participants"] == sum(s.attendance.participants for s in kind_sessions)
        events = sessions.filter(activity__kind__in=EVENTS)
        assert report["events"]["organized"] == events.exclude(event__role="participated").count()
        assert report["events"]["participated"] == events.filter(event__role="participated").count()

        # Workshops are weekly series, their bank holidays left out; the sessions are the rule's.
        series_events = Event.objects.exclude(rrule="").filter(starts_at__year=2024)
        assert series_events.exists()
        for event in series_events[:20]:
            expected = [
                o
                for o in series.occurrences(event.starts_at, event.rrule, event.exdates, event.cite.tz)
                if o.year == 2024
            ]
            assert sorted(s.starts_at for s in event.sessions.all()) == expected
        assert Event.objects.exclude(exdates=[]).exists()

        # The seed's featured events, with a picture served to the public.
        featured = list(Event.objects.filter(featured=True).exclude(picture=""))
        assert {e.title["fr"] for e in featured} >= {
            "Forum de l'emploi des femmes",
            "Big Bang Day",
            "Fête de la Science",
        }
        # Titles in the Cité's languages: Brussels writes in Dutch too, Barcelona in Catalan.
        assert Event.objects.filter(cite__slug="bruxelles", title__has_key="nl").exists()
        assert Event.objects.filter(cite__slug="barcelona", title__has_key="ca").exists()

        reunion = Cite.objects.get(slug="la-reunion")
        assert reunion.timezone == "Indian/Reunion"
        assert Cite.objects.get(slug="bruxelles").timezone == "Europe/Brussels"
        hours = {s.local_starts_at.hour for s in Session.objects.filter(cite=reunion, starts_at__year=2024)}
        assert hours and hours <= {9, 10, 14, 16}
    response = client.get(reverse("programme:programme_picture", args=[featured[0].uid]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
