"""The data package carries the network's life and the programme: members' milestones, the
representation log (events, delegations, interventions, memberships), the programme's events,
their sessions and their attendances' tallies. Exported and imported like the other tables:
round trip, tenancy, errors; an event brought without its sessions gets its series' sessions."""

import csv
import datetime
import io
import json
import shutil
import uuid
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django_scopes import scopes_disabled
from frictionless import validate

from cdm.accounts.models import Role, User
from cdm.activity.models import Activity
from cdm.exchange.exporter import export_package
from cdm.exchange.importer import import_package
from cdm.exchange.spreadsheet import template_workbook
from cdm.governance.models import Delegation, Intervention, Milestone, NetworkMembership, RepresentationEvent
from cdm.network.models import Cite, Partner
from cdm.programme import services
from cdm.programme.models import Attendance, Event, Session

from .conftest import SAMPLE

NEW_TABLES = [
    "milestones",
    "programme_events",
    "sessions",
    "attendances",
    "representation_events",
    "delegations",
    "interventions",
    "memberships",
]
PARIS = timezone.get_fixed_timezone(60)  # 2024-03: Paris is UTC+1


def records() -> dict:
    """Every record of the new tables, as text, without the database's own keys."""
    with scopes_disabled():
        out = {
            "milestones": Milestone.objects.values_list(
                "uid", "cite__slug", "kind", "date", "precision", "text", "renewal_due_on", "public"
            ),
            "representation_events": RepresentationEvent.objects.values_list(
                "uid",
                "title",
                "role",
                "organiser",
                "place",
                "country",
                "online",
                "starts_on",
                "ends_on",
                "stand",
                "workshops",
                "round_tables",
                "description",
                "url",
            ),
            "delegations": Delegation.objects.values_list(
                "uid", "date", "end_date", "organisation", "country", "online", "description"
            ),
            "interventions": Intervention.objects.values_list(
                "uid", "date", "place", "country", "online", "theme", "organiser", "audience"
            ),
            "memberships": NetworkMembership.objects.values_list(
                "uid", "name", "acronym", "since", "until", "description", "url"
            ),
            "programme_events": Event.objects.values_list(
                "uid",
                "cite__slug",
                "format",
                "role",
                "title",
                "description",
                "theme",
                "target_public",
                "starts_at",
                "duration_minutes",
                "rrule",
                "exdates",
                "site__slug",
                "venue_name",
                "venue_address",
                "online_url",
                "capacity",
                "language",
                "accessibility",
                "featured",
                "published",
            ),
            "sessions": Session.objects.values_list(
                "uid",
                "cite__slug",
                "event__uid",
                "occurrence",
                "starts_at",
                "ends_at",
                "status",
                "detached",
                "site__slug",
                "capacity",
                "seats_taken",
                "activity__uid",
                "activity__participants",
            ),
        }
        out["cites"] = Cite.objects.values_list("slug", "timezone")
        out = {name: sorted(map(str, rows)) for name, rows in out.items()}
        # A tally's keys in a stable order (PostgreSQL's jsonb orders them its own way).
        out["attendances"] = sorted(
            (str(uid), cite, n, json.dumps(tally, sort_keys=True))
            for uid, cite, n, tally in Attendance.objects.values_list(
                "session__uid", "cite__slug", "participants", "tally"
            )
        )
        out["cites_present"] = sorted(
            RepresentationEvent.objects.values_list("uid", "cites_present__slug").exclude(cites_present=None)
        )
        out["event_partners"] = sorted(map(str, Event.objects.values_list("uid", "partners__slug")))
    return out


@pytest.fixture
def network_life(db):
    """The sample's year 2024, with Porto's milestones and programme and the network's representation."""
    assert import_package(SAMPLE).ok
    coordinator = User.objects.create_user("coord", password="pw", role=Role.COORDINATOR)
    with scopes_disabled():
        porto, bruxelles = Cite.objects.get(slug="porto"), Cite.objects.get(slug="bruxelles")
        Cite.objects.filter(pk=bruxelles.pk).update(timezone="Europe/Brussels")
        partner = Partner.objects.filter(partnerships__cite=porto).order_by("slug").first()
        site = porto.sites.order_by("slug").first()
        Milestone.objects.create(
            cite=porto, kind="inaugurated", date=datetime.date(2024, 3, 5), text="Porto inaugure ses locaux."
        )
        Milestone.objects.create(
            cite=porto,
            kind="label_operating",
            date=datetime.date(2024, 6, 1),
            precision="month",
            renewal_due_on=datetime.date(2028, 6, 1),
            public=False,
        )
        printemps = RepresentationEvent.objects.create(
            title="Printemps des compétences",
            role="co_organised",
            organiser="Réseau",
            place="Paris",
            country="FR",
            starts_on=datetime.date(2024, 4, 10),
            ends_on=datetime.date(2024, 4, 11),
            stand=True,
            workshops=3,
            round_tables=1,
            url="https://example.org/printemps",
        )
        printemps.cites_present.set([porto, bruxelles])
        Delegation.objects.create(
            date=datetime.date(2024, 5, 2), organisation="=Ministère du Québec", country="CA"
        )
        Intervention.objects.create(
            date=datetime.date(2024, 9, 12), place="Lisbonne", country="PT", theme="Orientation", online=True
        )
        NetworkMembership.objects.create(
            name="Lifelong Learning Platform", acronym="LLLP", since=datetime.date(2019, 1, 1)
        )
        event = Event(
            cite=porto,
            format="participatory_workshop",
            role="co_organized",
            title={"fr": "Atelier CV", "pt": "Oficina de CV"},
            description={"fr": "Votre CV,\nrelu."},
            theme="job",
            starts_at=datetime.datetime(2024, 3, 5, 14, 0, tzinfo=PARIS),
            duration_minutes=90,
            rrule="FREQ=WEEKLY;COUNT=3",
            exdates=["2024-03-12"],
            site=site,
            capacity=12,
            featured=True,
        )
        services.event_save(user=coordinator, event=event, partners=[partner])
        sessions = list(Session.objects.filter(event=event).order_by("starts_at"))
        assert len(sessions) == 2
        Session.objects.filter(pk=sessions[1].pk).update(seats_taken=5)
        services.attendance_record(
            user=coordinator,
            session=sessions[0],
            participants=9,
            tally={"age_band": {"18_25": 4, "26_44": 3}, "gender": {"female": 5, "male": 4}},
        )
    return coordinator


def rows(path: Path, name: str) -> list[dict]:
    with open(path / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.django_db(transaction=True)
def test_the_network_life_and_the_programme_go_round_trip(network_life, tmp_path):
    before = records()
    assert all(before[name] for name in NEW_TABLES)
    counts = export_package(tmp_path / "first", year=2024)
    assert {name: counts[name] for name in NEW_TABLES} == {
        "milestones": 2,
        "programme_events": 1,
        "sessions": 2,
        "attendances": 1,
        "representation_events": 1,
        "delegations": 1,
        "interventions": 1,
        "memberships": 1,
    }
    report = validate(str(tmp_path / "first" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    (event,) = rows(tmp_path / "first", "programme_events")
    assert (event["title_fr"], event["title_pt"], event["title_en"]) == ("Atelier CV", "Oficina de CV", "")
    assert event["starts_at"] == "2024-03-05T14:00+01:00" and event["exdates"] == "2024-03-12"
    # The tally: a column per category, what was not stated completed, a family not asked empty.
    (attendance,) = rows(tmp_path / "first", "attendances")
    counts = {k: v for k, v in attendance.items() if v and k != "session"}
    assert counts == {
        "age_band_18_25": "4",
        "age_band_26_44": "3",
        "age_band_not_stated": "2",
        "gender_female": "5",
        "gender_male": "4",
    }
    (printemps,) = rows(tmp_path / "first", "representation_events")
    assert printemps["cites_present"] == "bruxelles;porto"
    # A text a spreadsheet would run as a formula is written safe, and read back as it was.
    assert rows(tmp_path / "first", "delegations")[0]["organisation"] == "'=Ministère du Québec"

    shutil.make_archive(str(tmp_path / "first"), "zip", tmp_path / "first")
    call_command("flush", interactive=False, verbosity=0)
    assert import_package(tmp_path / "first.zip").ok
    assert records() == before
    assert import_package(tmp_path / "first.zip").ok  # twice: nothing changes
    assert records() == before
    export_package(tmp_path / "second.zip", year=2024)
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    second = zipfile.ZipFile(tmp_path / "second.zip")
    for name in second.namelist():
        assert second.read(name) == first[name], name


def test_a_cites_export_has_its_milestones_and_sessions_but_not_the_networks_records(network_life, tmp_path):
    export_package(tmp_path / "porto", year=2024, cite="porto")
    assert len(rows(tmp_path / "porto", "milestones")) == 2
    assert len(rows(tmp_path / "porto", "sessions")) == 2
    for name in ["representation_events", "delegations", "interventions", "memberships"]:
        assert rows(tmp_path / "porto", name) == []
    export_package(tmp_path / "geneve", year=2024, cite="geneve")
    assert rows(tmp_path / "geneve", "milestones") == rows(tmp_path / "geneve", "sessions") == []


def test_a_package_of_2024_without_the_new_tables_imports_and_exports_as_before(db, tmp_path):
    result = import_package(SAMPLE)
    assert result.ok and not set(NEW_TABLES) & set(result.rows)
    export_package(tmp_path / "out", year=2024)
    for name in NEW_TABLES:
        assert (tmp_path / "out" / f"{name}.csv").read_text(encoding="utf-8").count("\n") == 1  # the header
    for name in ["cites", "sites", "partners", "visits", "activities"]:
        with open(SAMPLE / f"{name}.csv", encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert list(rows(tmp_path / "out", name)[0])[: len(header)] == header  # cites: + timezone
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert set(NEW_TABLES) <= {r["name"] for r in descriptor["resources"]}
    assert validate(str(tmp_path / "out" / "datapackage.json")).valid


# -- tenancy -------------------------------------------------------------------------------------
@pytest.fixture
def porto_manager(db):
    assert import_package(SAMPLE).ok
    manager = User.objects.create_user("manager-porto", password="pw", role=Role.MANAGER)
    with scopes_disabled():
        manager.cites.add(Cite.objects.get(slug="porto"))
    return manager


def package_of(tmp_path, **tables) -> Path:
    """A package holding Porto's row of cites.csv and the given tables ({name: [row dict]})."""
    folder = tmp_path / "package"
    folder.mkdir()
    with open(SAMPLE / "cites.csv", encoding="utf-8") as f:
        porto = [row for row in csv.DictReader(f) if row["id"] == "porto"]
    for name, table_rows in {"cites": porto, **tables}.items():
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(table_rows[0]))
            writer.writeheader()
            writer.writerows(table_rows)
    return folder


def milestone(cite="porto", **kw):
    return {"id": "m-1", "cite": cite, "kind": "inaugurated", "date": "2024-03-05", **kw}


def test_a_manager_brings_their_cites_milestone(porto_manager, tmp_path):
    assert import_package(package_of(tmp_path, milestones=[milestone()]), user=porto_manager).ok
    with scopes_disabled():
        assert list(Milestone.objects.values_list("cite__slug", "kind")) == [("porto", "inaugurated")]


def test_a_manager_cannot_import_a_milestone_for_another_cite(porto_manager, tmp_path):
    result = import_package(package_of(tmp_path, milestones=[milestone("bruxelles")]), user=porto_manager)
    assert [(p.file, p.row, p.field) for p in result.problems] == [("milestones.csv", 2, "cite")]
    assert "bruxelles" in result.problems[0].reason
    with scopes_disabled():
        assert not Milestone.objects.exists()


def test_a_milestone_id_of_another_cite_is_refused(porto_manager, tmp_path):
    with scopes_disabled():
        Milestone.objects.create(
            uid="m-1", cite=Cite.objects.get(slug="bruxelles"), kind="opened", date=datetime.date(2020, 1, 1)
        )
    result = import_package(package_of(tmp_path, milestones=[milestone()]), user=porto_manager)
    assert [(p.file, p.row, p.field) for p in result.problems] == [("milestones.csv", 2, "id")]
    with scopes_disabled():
        assert Milestone.objects.get(uid="m-1").cite.slug == "bruxelles"


def test_the_networks_records_are_imported_only_for_the_network(porto_manager, tmp_path):
    delegation = {"id": "d-1", "date": "2024-05-02", "organisation": "Ministère"}
    event = {
        "id": "e-1",
        "title": "Salon",
        "role": "attended",
        "starts_on": "2024-04-10",
        "cites_present": "porto",
    }
    package = package_of(tmp_path, delegations=[delegation], representation_events=[event])
    result = import_package(package, user=porto_manager)
    assert {(p.file, p.row, p.field) for p in result.problems} == {
        ("delegations.csv", 2, "id"),
        ("representation_events.csv", 2, "id"),
    }
    with scopes_disabled():
        assert not Delegation.objects.exists() and not RepresentationEvent.objects.exists()
    coordinator = User.objects.create_user("coord", password="pw", role=Role.COORDINATOR)
    assert import_package(package, user=coordinator).ok
    with scopes_disabled():
        assert list(RepresentationEvent.objects.values_list("title", "cites_present__slug")) == [
            ("Salon", "porto")
        ]


# -- errors --------------------------------------------------------------------------------------
def test_a_malformed_date_names_the_field_in_the_users_language(porto_manager, tmp_path):
    package = package_of(tmp_path, milestones=[milestone(date="05/03/2024")])
    result = import_package(package, user=porto_manager)
    assert [(p.file, p.row, p.field) for p in result.problems] == [("milestones.csv", 2, "date")]
    assert "n'est pas une date AAAA-MM-JJ" in result.problems[0].reason
    with translation.override("en"):
        result = import_package(package, user=porto_manager)
    assert "is not a YYYY-MM-DD date" in result.problems[0].reason


def test_a_sessions_errors_are_named(porto_manager, tmp_path):
    event = {
        "id": "0b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10",
        "cite": "porto",
        "format": "forum",
        "role": "organized",
        "title_fr": "",
        "theme": "job",
        "starts_at": "2024-03-05T14:00+01:00",
        "duration_minutes": "60",
        "rrule": "FREQ=SOMETIMES",
    }
    session = {
        "id": "1b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10",
        "cite": "porto",
        "event": event["id"],
        "occurrence": "2024-03-05T14:00+01:00",
        "starts_at": "2024-03-05 14h",
        "ends_at": "2024-03-05T15:00+01:00",
        "capacity": "3",
        "registered": "4",
    }
    again = {**session, "id": "2b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10", "starts_at": "2024-03-05T14:00+01:00"}
    result = import_package(
        package_of(tmp_path, programme_events=[event], sessions=[session, again]), user=porto_manager
    )
    assert {(p.file, p.row, p.field) for p in result.problems} == {
        ("programme_events.csv", 2, "title_fr"),  # no title in any language
        ("programme_events.csv", 2, "rrule"),
        ("sessions.csv", 2, "starts_at"),
        ("sessions.csv", 2, "registered"),
        ("sessions.csv", 3, "registered"),
        ("sessions.csv", 3, "occurrence"),  # the same occurrence of the event twice
    }
    with scopes_disabled():
        assert not Event.objects.exists() and not Session.objects.exists()


def test_times_are_in_the_cites_time_zone(porto_manager, tmp_path):
    """Written with the offset of the Cité's zone; read without an offset, in the Cité's zone."""
    with scopes_disabled():
        Cite.objects.filter(slug="porto").update(timezone="Indian/Reunion")
    event = {
        "id": "0b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10",
        "cite": "porto",
        "format": "forum",
        "role": "organized",
        "title_pt": "Feira",
        "theme": "job",
        "starts_at": "2024-03-05T09:00",  # as a spreadsheet gives it
        "duration_minutes": "60",
    }
    session = {
        "id": "1b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10",
        "cite": "porto",
        "event": event["id"],
        "occurrence": "2024-03-05 09:00",
        "starts_at": "2024-03-05T09:00:00",
        "ends_at": "2024-03-05T06:00Z",
    }
    package = package_of(tmp_path, programme_events=[event], sessions=[session])
    assert import_package(package, user=porto_manager).ok
    with scopes_disabled():
        stored = Session.objects.get()
    utc = datetime.UTC
    assert stored.starts_at == stored.occurrence == datetime.datetime(2024, 3, 5, 5, 0, tzinfo=utc)
    assert stored.ends_at == datetime.datetime(2024, 3, 5, 6, 0, tzinfo=utc)
    export_package(tmp_path / "out", year=2024, cite="porto")
    (row,) = rows(tmp_path / "out", "sessions")
    assert (row["starts_at"], row["ends_at"]) == ("2024-03-05T09:00+04:00", "2024-03-05T10:00+04:00")


def test_a_session_may_not_name_another_cites_event(porto_manager, tmp_path):
    with scopes_disabled():
        bruxelles = Cite.objects.get(slug="bruxelles")
        other = Event.objects.create(
            cite=bruxelles,
            format="forum",
            title={"fr": "Forum"},
            theme="job",
            starts_at=datetime.datetime(2024, 3, 5, 14, 0, tzinfo=PARIS),
            duration_minutes=60,
        )
    session = {
        "id": "1b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10",
        "cite": "porto",
        "event": str(other.uid),
        "occurrence": "2024-03-05T14:00+01:00",
        "starts_at": "2024-03-05T14:00+01:00",
        "ends_at": "2024-03-05T15:00+01:00",
    }
    result = import_package(package_of(tmp_path, sessions=[session]), user=porto_manager)
    assert [(p.file, p.row, p.field) for p in result.problems] == [("sessions.csv", 2, "event")]
    assert "autre Cité" in result.problems[0].reason


def test_the_template_has_the_new_tables_and_reads_them_back(porto_manager, tmp_path):
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    assert set(NEW_TABLES) <= set(wb.sheetnames)
    kind = next(dv for dv in wb["milestones"].data_validations.dataValidation if dv.errorTitle == "kind")
    column = kind.formula1.split("$")[1]  # the kinds' column of the lists sheet
    assert "inaugurated" in [c.value for c in wb["lists"][column]]
    with open(SAMPLE / "cites.csv", encoding="utf-8") as f:
        porto = next(row for row in csv.DictReader(f) if row["id"] == "porto")
    sheets = {
        "cites": [porto],
        "milestones": [{**milestone(), "date": datetime.datetime(2024, 3, 5)}],
        "programme_events": [
            {
                "id": "0b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10",
                "cite": "porto",
                "format": "peer_group",
                "role": "organized",
                "title_fr": "Groupe",
                "theme": "job",
                "starts_at": datetime.datetime(2024, 3, 5, 14, 0),  # a date and time cell
                "duration_minutes": 60,
            }
        ],
    }
    for name, table_rows in sheets.items():
        sheet = wb[name]
        header = [c.value for c in sheet[1]]
        for row in table_rows:
            sheet.append([row.get(h) for h in header])
    wb.save(tmp_path / "filled.xlsx")
    result = import_package(tmp_path / "filled.xlsx", user=porto_manager)
    assert result.ok, result.problems
    with scopes_disabled():
        assert Milestone.objects.get().date == datetime.date(2024, 3, 5)
        assert Event.objects.get().starts_at == datetime.datetime(2024, 3, 5, 14, 0, tzinfo=PARIS)


def test_a_package_without_the_timezone_column_keeps_the_cites_zone(db):
    """An older package (2024's sample has no `timezone`) leaves what it does not carry as stored."""
    assert import_package(SAMPLE).ok
    with scopes_disabled():
        Cite.objects.filter(slug="porto").update(timezone="Indian/Reunion")
    assert import_package(SAMPLE).ok
    with scopes_disabled():
        assert Cite.objects.get(slug="porto").timezone == "Indian/Reunion"
        assert Cite.objects.get(slug="bruxelles").timezone == "Europe/Paris"  # the default, untouched


# -- attendances' tallies ------------------------------------------------------------------------
def test_frictionless_checks_a_tallys_cells(network_life, tmp_path):
    export_package(tmp_path / "out", year=2024)
    path = tmp_path / "out" / "attendances.csv"
    table = rows(tmp_path / "out", "attendances")
    table[0]["gender_other"] = "-1"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(table[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(table)
    report = validate(str(tmp_path / "out" / "datapackage.json"))
    assert not report.valid
    assert [(e[0], e[1]) for e in report.flatten(["fieldName", "type"])] == [
        ("gender_other", "constraint-error")
    ]


UUIDS = [f"{i}b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10" for i in range(10)]


def programme_event(uid, **kw):
    return {
        "id": uid,
        "cite": "porto",
        "format": "participatory_workshop",
        "role": "organized",
        "title_pt": "Oficina",
        "theme": "job",
        "starts_at": "2024-03-05T14:00+01:00",
        "duration_minutes": "60",
        "rrule": "",
        "exdates": "",
        "capacity": "",
        **kw,
    }


def programme_session(uid, event, day, **kw):
    return {
        "id": uid,
        "cite": "porto",
        "event": event,
        "occurrence": f"{day}T14:00+01:00",
        "starts_at": f"{day}T14:00+01:00",
        "ends_at": f"{day}T15:00+01:00",
        "status": "",
        "activity": "",
        **kw,
    }


def activity(uid, participants, day="2024-03-05"):
    return {
        "id": uid,
        "cite": "porto",
        "kind": "participatory_workshop",
        "role": "organized",
        "title": "Oficina",
        "date": day,
        "participants": str(participants),
    }


def test_a_tally_is_checked_as_the_staff_page_checks_it(porto_manager, tmp_path):
    """Unknown category, negative or not a whole number, more than the activity's participants, a
    session cancelled, not counted, unknown or another Cité's: each named; nothing is written."""
    with scopes_disabled():
        bruxelles = Cite.objects.get(slug="bruxelles")
        theirs = Event.objects.create(
            cite=bruxelles,
            format="forum",
            title={"fr": "Forum"},
            theme="job",
            starts_at=datetime.datetime(2024, 3, 5, 14, 0, tzinfo=PARIS),
            duration_minutes=60,
        )
        counted = Session.objects.create(
            event=theirs,
            cite=bruxelles,
            occurrence=theirs.starts_at,
            starts_at=theirs.starts_at,
            ends_at=theirs.starts_at + datetime.timedelta(hours=1),
            activity=Activity.objects.filter(cite=bruxelles).first(),
        )
    event = UUIDS[0]
    days = ["2024-03-05", "2024-03-12", "2024-03-19", "2024-03-26", "2024-04-02"]
    sessions = [
        programme_session(UUIDS[1], event, days[0], activity="a-1"),
        programme_session(UUIDS[2], event, days[1]),  # no activity counts it
        programme_session(UUIDS[3], event, days[2], activity="a-3", status="cancelled"),
        programme_session(UUIDS[4], event, days[3], activity="a-4"),
        programme_session(UUIDS[5], event, days[4], activity="a-5"),
    ]
    attendances = [
        {
            "session": UUIDS[1],
            "age_band_18_25": "4",
            "age_band_26_44": "7",
            "age_band_99_plus": "",
            "gender_female": "",
            "gender_male": "",
            "status_student": "",
        },
        {"session": UUIDS[2], "gender_female": "1"},
        {"session": UUIDS[3], "gender_female": "1"},
        {"session": UUIDS[4], "status_student": "-1"},
        {"session": UUIDS[5], "gender_male": "2.5"},
        {"session": UUIDS[9], "gender_male": "1"},  # no such session
        {"session": str(counted.uid), "gender_male": "1"},  # another Cité's
    ]
    package = package_of(
        tmp_path,
        activities=[activity("a-1", 9), activity("a-3", 5), activity("a-4", 5), activity("a-5", 5)],
        programme_events=[programme_event(event)],
        sessions=sessions,
        attendances=attendances,
    )
    result = import_package(package, user=porto_manager)
    assert [(p.file, p.row, p.field) for p in result.problems] == [
        ("attendances.csv", 1, "age_band_99_plus"),
        ("attendances.csv", 5, "status_student"),
        ("attendances.csv", 6, "gender_male"),
        ("attendances.csv", 7, "session"),
        ("attendances.csv", 8, "session"),
        ("attendances.csv", 2, "age_band_*"),
        ("attendances.csv", 3, "session"),
        ("attendances.csv", 4, "session"),
    ]
    reasons = {(p.row, p.field): p.reason for p in result.problems}
    assert reasons[(1, "age_band_99_plus")] == "colonne inconnue"
    assert reasons[(2, "age_band_*")].startswith("la répartition dépasse le nombre de participants")
    assert "11" in reasons[(2, "age_band_*")] and "9" in reasons[(2, "age_band_*")]
    assert reasons[(3, "session")].startswith("aucune activité ne compte cette séance")
    assert reasons[(4, "session")] == "une séance annulée n'a pas de présences"
    assert reasons[(5, "status_student")] == "doit être au moins 0"
    assert "ne désigne aucune ligne de sessions.csv" in reasons[(7, "session")]
    assert reasons[(8, "session")] == reasons[(7, "session")].replace(UUIDS[9], str(counted.uid))
    with translation.override("en"):
        result = import_package(package, user=porto_manager)
    reasons = {(p.row, p.field): p.reason for p in result.problems}
    assert reasons[(2, "age_band_*")].startswith("the breakdown exceeds the number of participants")
    assert reasons[(4, "session")] == "a cancelled session has no attendance"
    with scopes_disabled():
        assert not Attendance.objects.exists()
        assert not Session.objects.filter(cite__slug="porto").exists()
        assert not Event.objects.filter(cite__slug="porto").exists()
        assert not Activity.objects.filter(uid__in=["a-1", "a-3", "a-4", "a-5"]).exists()


def test_a_tally_is_completed_as_the_staff_page_completes_it(porto_manager, tmp_path):
    """What was not stated is `not_stated`; a family left empty was not asked; the count is the
    activity's; a later package with the attendances alone reaches stored sessions; twice: the same."""
    event = UUIDS[0]
    package = package_of(
        tmp_path,
        activities=[activity("a-1", 9)],
        programme_events=[programme_event(event)],
        sessions=[programme_session(UUIDS[1], event, "2024-03-05", activity="a-1")],
    )
    assert import_package(package, user=porto_manager).ok
    with scopes_disabled():
        assert not Attendance.objects.exists()  # a 2024-style package: the count only, in activities
    later = tmp_path / "later"
    later.mkdir()
    with open(later / "attendances.csv", "w", encoding="utf-8", newline="") as f:
        f.write("session,age_band_18_25,age_band_55_plus,gender_female,gender_male\r\n")
        f.write(f"{UUIDS[1]},4,3,,\r\n")
    shutil.copy(package / "cites.csv", later / "cites.csv")
    assert import_package(later, user=porto_manager).ok
    with scopes_disabled():
        attendance = Attendance.objects.get()
        assert attendance.cite.slug == "porto" and attendance.participants == 9
        assert attendance.tally == {"age_band": {"18_25": 4, "55_plus": 3, "not_stated": 2}}
        recorded_at = attendance.recorded_at
    assert import_package(later, user=porto_manager).ok
    with scopes_disabled():
        assert Attendance.objects.get().recorded_at == recorded_at  # unchanged: not written again
    export_package(tmp_path / "out", year=2024, cite="porto")
    (row,) = rows(tmp_path / "out", "attendances")
    assert (row["session"], row["age_band_not_stated"], row["gender_female"]) == (UUIDS[1], "2", "")


# -- a series without its sessions ---------------------------------------------------------------
def event_sessions(uid) -> list[tuple]:
    with scopes_disabled():
        return list(
            Session.objects.filter(event__uid=uid)
            .order_by("starts_at")
            .values_list("uid", "starts_at", "ends_at", "capacity", "status")
        )


def test_an_event_brought_without_its_sessions_gets_its_series_sessions(porto_manager, tmp_path):
    """As the planning page makes them, in the Cité's time zone (Lisbon: 14:00 on both sides of the
    change to summer time); an event whose sessions the package brings keeps exactly those."""
    with scopes_disabled():
        Cite.objects.filter(slug="porto").update(timezone="Europe/Lisbon")
    series_uid, once_uid, given_uid = UUIDS[0], UUIDS[1], UUIDS[2]
    weekly = programme_event(
        series_uid,
        starts_at="2024-03-19T14:00",  # in the Cité's time zone
        duration_minutes="90",
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates="2024-03-26",
        capacity="10",
    )
    once = programme_event(once_uid, starts_at="2024-05-02T10:00+01:00")
    given = programme_event(given_uid, rrule="FREQ=WEEKLY;COUNT=4")
    package = package_of(
        tmp_path,
        programme_events=[weekly, once, given],
        sessions=[programme_session(UUIDS[3], given_uid, "2024-03-05")],
    )
    assert import_package(package, user=porto_manager).ok
    made = event_sessions(series_uid)
    utc, lisbon = datetime.UTC, ZoneInfo("Europe/Lisbon")
    assert [s[1] for s in made] == [
        datetime.datetime(2024, 3, 19, 14, 0, tzinfo=utc),  # WET, UTC+0
        datetime.datetime(2024, 4, 2, 13, 0, tzinfo=utc),  # WEST, UTC+1
        datetime.datetime(2024, 4, 9, 13, 0, tzinfo=utc),
    ]
    assert {s[1].astimezone(lisbon).time() for s in made} == {datetime.time(14, 0)}
    assert {(s[2] - s[1], s[3], s[4]) for s in made} == {(datetime.timedelta(minutes=90), 10, "scheduled")}
    assert [s[1] for s in event_sessions(once_uid)] == [datetime.datetime(2024, 5, 2, 9, 0, tzinfo=utc)]
    assert [str(s[0]) for s in event_sessions(given_uid)] == [UUIDS[3]]  # the package's: no more

    # The same sessions the planning page makes for the same event.
    with scopes_disabled():
        stored = Event.objects.get(uid=series_uid)
        stored.pk, stored.uid = None, uuid.uuid4()
        services.event_save(user=porto_manager, event=stored)
        assert [s.starts_at for s in Session.objects.filter(event=stored).order_by("starts_at")] == [
            s[1] for s in made
        ]

    # Twice: no session more, the same ones.
    assert import_package(package, user=porto_manager).ok
    assert event_sessions(series_uid) == made
    assert len(event_sessions(once_uid)) == 1 and len(event_sessions(given_uid)) == 1

    # A shorter rule brought again: the sessions follow it, as when the series is changed on its page.
    (tmp_path / "shorter").mkdir()
    shorter = package_of(tmp_path / "shorter", programme_events=[{**weekly, "rrule": "FREQ=WEEKLY;COUNT=2"}])
    assert import_package(shorter, user=porto_manager).ok
    assert event_sessions(series_uid) == made[:1]


def test_a_tally_is_entered_in_the_template(porto_manager, tmp_path):
    """The template's attendances sheet: a count per cell, read back under the same rules."""
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    with open(SAMPLE / "cites.csv", encoding="utf-8") as f:
        porto = next(row for row in csv.DictReader(f) if row["id"] == "porto")
    sheets = {
        "cites": [porto],
        "activities": [{**activity("a-1", 9), "date": datetime.datetime(2024, 3, 5), "participants": 9}],
        "programme_events": [programme_event(UUIDS[0])],
        "sessions": [programme_session(UUIDS[1], UUIDS[0], "2024-03-05", activity="a-1")],
        "attendances": [{"session": UUIDS[1], "gender_female": 6, "gender_male": 2}],
    }
    for name, table_rows in sheets.items():
        header = [c.value for c in wb[name][1]]
        for row in table_rows:
            wb[name].append([row.get(h) or None for h in header])
    wb.save(tmp_path / "filled.xlsx")
    result = import_package(tmp_path / "filled.xlsx", user=porto_manager)
    assert result.ok, result.problems
    with scopes_disabled():
        assert Attendance.objects.get().tally == {"gender": {"female": 6, "male": 2, "not_stated": 1}}
