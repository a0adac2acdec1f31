"""Attendance entries carry an idempotency key (the phone's outbox): each is applied once."""

import datetime
import uuid

import pytest
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from cdm.activity.models import Activity
from cdm.programme import services
from cdm.programme.models import Attendance, Event, Session

from .conftest import make_cite_world


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def test_an_entry_is_applied_once_and_a_stale_one_never_undoes_a_later(db):
    alpha = make_cite_world("alpha")
    agent = alpha["users"]["agent"]
    start = timezone.now() - datetime.timedelta(hours=2)
    with scopes_disabled():
        event = Event.objects.create(
            cite=alpha["cite"],
            format="peer_group",
            title={"fr": "Pairs"},
            theme="job",
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
        first, second = str(uuid.uuid4()), str(uuid.uuid4())
        services.attendance_record(user=agent, session=session, participants=7, entry=first)
        services.attendance_record(user=agent, session=session, participants=7, entry=first)
        assert Attendance.objects.get(session=session).entries == [first]
        services.attendance_record(user=agent, session=session, participants=9, entry=second)
        services.attendance_record(user=agent, session=session, participants=7, entry=first)
        attendance = Attendance.objects.get(session=session)
        assert attendance.participants == 9 and attendance.entries == [first, second]
        assert Activity.objects.get(uid=f"programme-{session.uid}").participants == 9
        # Without a key (the page's form, bulk entry), an entry is simply applied.
        services.attendance_record(user=agent, session=session, participants=10)
        assert Attendance.objects.get(session=session).participants == 10
        with pytest.raises(services.ProgrammeError):
            services.attendance_record(user=agent, session=session, participants=1, entry="not-a-uuid")
