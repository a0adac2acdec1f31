"""The reminder the day before a session: through a real SMTP server (aiosmtpd on 127.0.0.1), the clock
moved with ``--now``; sent once to each confirmed registrant, with the cancellation link that works."""

import datetime
import io
import re
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import translation
from django_scopes import scopes_disabled

from cdm.programme import services
from cdm.programme.models import Event, Registration, RegistrationStatus

from .conftest import make_cite_world
from .test_counselling_email import smtp  # noqa: F401  (the fixture: a local SMTP server)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
START = datetime.datetime(2031, 3, 12, 14, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def reminders(now: datetime.datetime) -> int:
    out = io.StringIO()
    call_command("programme_reminders", now=now, base_url="https://cdm.example.org", stdout=out)
    return int(out.getvalue().strip())


def reminded(smtp):  # noqa: F811
    return [(to, m) for to, m in smtp.messages if m["Subject"].startswith("Rappel")]


def test_each_confirmed_registrant_is_reminded_once_the_day_before(client, db, smtp):  # noqa: F811
    alpha = make_cite_world("alpha")
    with scopes_disabled():
        event = services.event_save(
            user=alpha["users"]["manager"],
            event=Event(
                cite=alpha["cite"],
                format="participatory_workshop",
                title={"fr": "Atelier CV"},
                theme="job",
                starts_at=START,
                duration_minutes=90,
                site=alpha["site"],
                capacity=2,
            ),
        )
        session = event.sessions.get()
        for name in ["Alice", "Bruno", "Chloé"]:
            services.registration_create(session=session, name=name, email=f"{name.lower()}@example.org")
        assert Registration.objects.filter(status=RegistrationStatus.WAITING).count() == 1
    confirmations = len(smtp.messages)
    assert confirmations == 3

    # Two days before: not yet.
    assert reminders(START - datetime.timedelta(days=2)) == 0
    # The day before, in the morning: the two confirmed, not the waiting list.
    assert reminders(datetime.datetime(2031, 3, 11, 9, 0, tzinfo=PARIS)) == 2
    sent = reminded(smtp)
    assert sorted(to[0] for to, _m in sent) == ["alice@example.org", "bruno@example.org"]
    body = sent[0][1].get_content()
    assert "Atelier CV" in body and "12/03/2031 14:00" in body and "Site alpha" in body
    link = re.search(r"https://cdm\.example\.org(/\S+/agenda/cancel/\S+/)", body).group(1)
    # Run again (cron every hour, or twice by mistake): nobody is reminded twice.
    assert reminders(datetime.datetime(2031, 3, 11, 10, 0, tzinfo=PARIS)) == 0
    assert len(reminded(smtp)) == 2

    # The reminder's link cancels: the seat goes to Chloé, who is told, and reminded in her turn.
    assert client.post(link).status_code == 200
    with scopes_disabled():
        cancelled = Registration.objects.get(email=sent[0][0][0])
        assert cancelled.status == RegistrationStatus.CANCELLED
        assert Registration.objects.get(name="Chloé").status == RegistrationStatus.CONFIRMED
    assert reminders(datetime.datetime(2031, 3, 11, 18, 0, tzinfo=PARIS)) == 1
    assert [to for to, _m in reminded(smtp)][-1] == ["chloé@example.org"]
    # Once the session has started, nothing more.
    assert reminders(START + datetime.timedelta(minutes=5)) == 0
    assert len(reminded(smtp)) == 3


def test_a_cancelled_session_sends_no_reminder_and_a_far_zone_counts_its_own_tomorrow(db, smtp):  # noqa: F811
    reunion = make_cite_world("reunion")
    with scopes_disabled():
        reunion["cite"].timezone = "Indian/Reunion"
        reunion["cite"].save()
        zone = zoneinfo.ZoneInfo("Indian/Reunion")
        # 00:30 on 13 March in Réunion is still 12 March, 21:30, in Paris.
        start = datetime.datetime(2031, 3, 13, 0, 30, tzinfo=zone)
        events = []
        for title in ["Nuit de l'orientation", "Annulé"]:
            events.append(
                services.event_save(
                    user=reunion["users"]["manager"],
                    event=Event(
                        cite=reunion["cite"],
                        format="information_session",
                        title={"fr": title},
                        theme="job",
                        starts_at=start,
                        duration_minutes=60,
                        site=reunion["site"],
                        capacity=5,
                    ),
                )
            )
        for event in events:
            services.registration_create(session=event.sessions.get(), name="Zoé", email="zoe@example.org")
        services.session_cancel(user=reunion["users"]["manager"], session=events[1].sessions.get())
    # 11 March, 23:00 in Réunion: the session is the day after tomorrow there.
    assert reminders(datetime.datetime(2031, 3, 11, 23, 0, tzinfo=zone)) == 0
    # 12 March, 08:00 in Réunion: tomorrow.
    assert reminders(datetime.datetime(2031, 3, 12, 8, 0, tzinfo=zone)) == 1
    (to, message), *_rest = reminded(smtp)
    assert "13/03/2031 00:30" in message.get_content() and "Nuit de l" in message["Subject"]
