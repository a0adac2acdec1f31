"""The import path under attack: another Cité's rows, unbounded files, ids that name a person,
dates out of range, formulas in cells, and an audit log the victim can read."""

import csv
import datetime
import io
import re
import shutil
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.activity.models import Activity, Interview, Visit
from cdm.audit.models import AuditEntry
from cdm.exchange import bulk
from cdm.exchange.cells import formula_safe, formula_unquote
from cdm.exchange.exporter import export_package
from cdm.exchange.importer import PackageImport, import_package, visit_uid
from cdm.exchange.package import Package
from cdm.exchange.schema import TABLES_BY_NAME
from cdm.network.models import Cite, Partner, Site

from .conftest import SAMPLE

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def write_package(folder, tables: dict[str, list[dict]]):
    """A package folder: each table's CSV with the standard's header and the given rows."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        fields = TABLES_BY_NAME[name].field_names
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fields)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return folder


def cite_row(slug):
    return {"id": slug, "name": f"Cité {slug}", "country": "FR", "city": slug.title(), "status": "labelled"}


def visit_row(uid, cite, **kw):
    return {
        "id": uid,
        "cite": cite,
        "date": YESTERDAY.isoformat(),
        "channel": "in_person",
        "theme": "job",
        "outcome": "information",
        "age_band": "26_44",
        "gender": "female",
        "status": "employed",
        **kw,
    }


def state(obj):
    with scopes_disabled():
        return type(obj).objects.filter(pk=obj.pk).values().get()


def text_in_database(text: str) -> bool:
    """Is ``text`` stored anywhere, in any column of any table?"""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                if any(text in str(value) for value in row if value is not None):
                    return True
    return False


# -- 1. an import never takes over another Cité's rows -------------------------------------------


def crossing_package(tmp_path, beta):
    """Rows of alpha that carry the ids of beta's site, visit and activity."""
    return write_package(
        tmp_path / "crossing",
        {
            "cites": [cite_row("alpha")],
            "sites": [{"id": beta["site"].slug, "cite": "alpha", "name": "Pris", "kind": "main"}],
            "visits": [visit_row(str(beta["visit"].uid), "alpha", outcome="interview")],
            "interviews": [{"visit": str(beta["visit"].uid), "duration_minutes": 999}],
            "activities": [
                {
                    "id": str(beta["activity"].uid),
                    "cite": "alpha",
                    "kind": "forum",
                    "role": "organized",
                    "title": "Pris",
                    "date": YESTERDAY.isoformat(),
                    "participants": 1,
                    "partners": "alpha-partner",
                }
            ],
        },
    )


@pytest.mark.parametrize("who", ["manager", "coordinator"])
def test_rows_of_my_cite_carrying_ids_of_another_are_refused(two_cites, coordinator, tmp_path, who):
    alpha, beta = two_cites
    user = coordinator if who == "coordinator" else alpha["users"]["manager"]
    before = [state(beta[k]) for k in ("site", "visit", "activity", "interview")]
    result = import_package(crossing_package(tmp_path, beta), user=user)
    assert not result.ok
    refused = {(p.file, p.field) for p in result.problems if "autre Cité" in p.reason}
    assert refused == {("sites.csv", "id"), ("visits.csv", "id"), ("activities.csv", "id")}, result.problems
    assert all(p.row == 2 for p in result.problems if "autre Cité" in p.reason)
    assert [state(beta[k]) for k in ("site", "visit", "activity", "interview")] == before


def test_no_write_path_moves_or_changes_another_cites_row(two_cites, tmp_path):
    """Validation skipped: the writes themselves leave beta's rows alone."""
    alpha, beta = two_cites
    keys = ("site", "visit", "activity", "interview")
    before = [state(beta[k]) for k in keys]
    with scopes_disabled():
        links = set(beta["activity"].partners.values_list("pk", flat=True))
    importer = PackageImport(crossing_package(tmp_path, beta), user=alpha["users"]["manager"])
    with Package(importer.path) as package:
        importer.write(package)
    assert [state(beta[k]) for k in keys] == before
    with scopes_disabled():
        assert set(beta["activity"].partners.values_list("pk", flat=True)) == links


def test_the_bulk_upsert_never_changes_a_rows_cite(two_cites):
    alpha, beta = two_cites
    visit = beta["visit"]
    before = state(visit)
    table = Visit._meta.db_table
    columns = [
        "uid",
        "cite_id",
        "date",
        "channel",
        "theme",
        "outcome",
        "age_band",
        "gender",
        "status",
        "recorded_at",
    ]
    row = (
        str(visit.uid),
        alpha["cite"].pk,
        YESTERDAY,
        "phone",
        "training",
        "information",
        "26_44",
        "male",
        "student",
        timezone.now(),
    )
    written = bulk.upsert(table, columns, ["uid"], [row], update=columns[2:-1], scope="cite_id")
    assert written == [] and state(visit) == before
    with pytest.raises(ValueError):
        bulk.upsert(table, columns, ["uid"], [row], update=columns[1:], scope="cite_id")


def test_a_manager_brings_only_rows_of_their_own_cites(two_cites, tmp_path):
    alpha, beta = two_cites
    package = write_package(
        tmp_path / "p", {"cites": [cite_row("alpha"), cite_row("beta")], "visits": [visit_row("x1", "beta")]}
    )
    result = import_package(package, user=alpha["users"]["manager"])
    assert {(p.file, p.field) for p in result.problems} >= {("cites.csv", "id"), ("visits.csv", "cite")}
    with scopes_disabled():
        assert Visit.objects.filter(cite=beta["cite"]).count() == 1


# -- 2. bounded uploads ------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_declared_sizes(db, tmp_path):
    target = tmp_path / "bomb.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(SAMPLE / "cites.csv", "cites.csv")
        with zf.open("visits.csv", "w", force_zip64=True) as member:
            chunk = b"a" * (1024 * 1024)
            for _ in range(1024):  # 1 GB of one byte, about 1 MB on disk
                member.write(chunk)
    assert target.stat().st_size < 5 * 1024 * 1024
    result = import_package(target, name="bomb.zip")
    assert [(p.file, p.row) for p in result.problems] == [("bomb.zip", None)]
    assert "visits.csv" in result.problems[0].reason and "100" in result.problems[0].reason


def test_a_zip_member_inflating_beyond_what_it_declares_stops_while_streaming(db, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    target = tmp_path / "liar.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in folder.iterdir():
            zf.write(file, file.name)
    # Declare visits.csv far smaller than it is, in both headers.
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as zf:
        info = zf.getinfo("visits.csv")
    real = info.file_size.to_bytes(4, "little")
    fake = (1000).to_bytes(4, "little")
    assert data.count(real) >= 2
    target.write_bytes(bytes(data).replace(real, fake))
    result = import_package(target)
    assert not result.ok
    assert any(p.file == "visits.csv" for p in result.problems), result.problems
    with scopes_disabled():
        assert not Visit.objects.exists()


def test_an_endless_csv_line_is_refused_without_reading_it_whole(db, tmp_path):
    folder = tmp_path / "endless"
    shutil.copytree(SAMPLE, folder)
    with open(folder / "visits.csv", "a", encoding="utf-8") as f:
        for _ in range(40):
            f.write("x" * 1024 * 1024)  # one line of 40 MB
    tracemalloc.start()
    result = import_package(folder)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert any(p.file == "visits.csv" and "65536" in p.reason for p in result.problems), result.problems
    assert peak < 20 * 1024 * 1024
    with scopes_disabled():
        assert not Visit.objects.exists()


def absurd_xlsx(tmp_path):
    from .test_exchange import fill_template, sample_rows

    rows = sample_rows()
    source = tmp_path / "filled.xlsx"
    fill_template(source, {"cites": rows["cites"]})
    target = tmp_path / "absurd.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
            zout.writestr(info, data)
    return target


def test_an_xlsx_declaring_absurd_dimensions_is_refused_before_reading(db, tmp_path):
    result = import_package(absurd_xlsx(tmp_path))
    assert result.problems and result.problems[0].file == "cites.csv"
    assert all(p.row is None and "1048576" in p.reason and "16384" in p.reason for p in result.problems)


def test_an_upload_too_large_is_refused_naming_the_file(client, coordinator, monkeypatch):
    from cdm.exchange import package

    monkeypatch.setattr(package, "MAX_UPLOAD", 1000)
    client.force_login(coordinator)
    response = client.post(
        "/fr/exchange/import/", {"package": SimpleUploadedFile("gros.zip", b"PK" + b"\0" * 2000)}
    )
    body = response.content.decode()
    assert "gros.zip" in body and "au-delà de la limite" in body
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="import").exists()


# -- 3. a visit's id carries no person ---------------------------------------------------------


def test_a_visit_id_that_is_not_a_uuid_becomes_one_and_is_never_stored(db, tmp_path):
    name = "jean-dupont-1990-01-01"
    package = write_package(
        tmp_path / "p",
        {
            "cites": [cite_row("alpha")],
            "visits": [
                visit_row(name, "alpha", outcome="interview"),
                visit_row("0B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9", "alpha"),
            ],
            "interviews": [{"visit": name, "duration_minutes": 20}],
        },
    )
    assert import_package(package).ok
    assert import_package(package).ok
    with scopes_disabled():
        uids = set(Visit.objects.values_list("uid", flat=True))
        assert Interview.objects.get().visit.uid == visit_uid("alpha", name)
    assert uids == {visit_uid("alpha", name), "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"}
    assert not text_in_database("jean-dupont") and not text_in_database("1990-01-01")
    # An interview brought later, without its visit, still finds it.
    write_package(
        package, {"cites": [cite_row("alpha")], "interviews": [{"visit": name, "duration_minutes": 45}]}
    )
    (package / "visits.csv").unlink()
    assert import_package(package).ok
    with scopes_disabled():
        assert Interview.objects.get().duration_minutes == 45


# -- 4. dates ----------------------------------------------------------------------------------


def test_a_visit_before_the_cites_opening_or_in_the_future_is_refused(db, tmp_path):
    opening = {**cite_row("alpha"), "opened_on": "2020-03-01"}
    package = write_package(
        tmp_path / "p",
        {
            "cites": [opening],
            "visits": [
                visit_row("a1", "alpha", date="2020-02-28"),
                visit_row("a2", "alpha", date=(TODAY + datetime.timedelta(days=1)).isoformat()),
                visit_row("a3", "alpha", date="2020-03-01"),
            ],
        },
    )
    result = import_package(package)
    assert [(p.file, p.row, p.field) for p in result.problems] == [
        ("visits.csv", 2, "date"),
        ("visits.csv", 3, "date"),
    ]


def test_a_stored_cites_opening_bounds_a_managers_visits(two_cites, tmp_path):
    alpha, _ = two_cites
    with scopes_disabled():
        Cite.objects.filter(pk=alpha["cite"].pk).update(opened_on=YESTERDAY)
    package = write_package(
        tmp_path / "p",
        {
            # The manager's cites.csv row is not written: the stored opening decides.
            "cites": [{**cite_row("alpha"), "opened_on": "2000-01-01"}],
            "visits": [visit_row("a1", "alpha", date=(YESTERDAY - datetime.timedelta(days=1)).isoformat())],
        },
    )
    result = import_package(package, user=alpha["users"]["manager"])
    assert [(p.file, p.field) for p in result.problems] == [("visits.csv", "date")]


# -- 5. formula injection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["=1+2", "+33 1", "-x", "@SUM(A1)", "\tx", "\rx", "'=x", "''", "'", "ok", "a=b"]
)
def test_formula_safe_round_trips(text):
    safe = formula_safe(text)
    assert safe[0] not in "=+-@\t\r" and formula_unquote(safe) == text


@pytest.mark.django_db(transaction=True)
def test_exported_free_text_is_safe_in_a_spreadsheet_and_imports_back_identical(tmp_path):
    assert import_package(SAMPLE).ok
    with scopes_disabled():
        site = Site.objects.order_by("pk").first()
        partner = Partner.objects.order_by("pk").first()
        activity = Activity.objects.order_by("pk").first()
        Site.objects.filter(pk=site.pk).update(name='=HYPERLINK("http://x","y")', city="@cmd")
        Partner.objects.filter(pk=partner.pk).update(name="+33 1 23")
        Activity.objects.filter(pk=activity.pk).update(title="-2+3")
    export_package(tmp_path / "out", year=2024)
    with open(tmp_path / "out" / "sites.csv", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["id"] == site.slug)
    assert row["name"] == '\'=HYPERLINK("http://x","y")' and row["city"] == "'@cmd"
    cells = "".join((tmp_path / "out" / f).read_text() for f in ("partners.csv", "activities.csv"))
    assert ",'+33 1 23," in cells and ",'-2+3," in cells
    with scopes_disabled():
        Site.objects.filter(pk=site.pk).update(name="other", city="")
        Partner.objects.filter(pk=partner.pk).update(name="other")
        Activity.objects.filter(pk=activity.pk).update(title="other")
    assert import_package(tmp_path / "out").ok
    with scopes_disabled():
        assert Site.objects.get(pk=site.pk).name == '=HYPERLINK("http://x","y")'
        assert Site.objects.get(pk=site.pk).city == "@cmd"
        assert Partner.objects.get(pk=partner.pk).name == "+33 1 23"
        assert Activity.objects.get(pk=activity.pk).title == "-2+3"


# -- 6. the audit the victim can read ----------------------------------------------------------


def test_an_import_is_audited_per_cite_and_the_victims_manager_reads_it(
    client, two_cites, coordinator, tmp_path, settings
):
    # The upload's job runs at once, in the request (tests/test_import_job.py runs the real worker).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path / "var"
    alpha, beta = two_cites
    package = write_package(
        tmp_path / "p",
        {
            "cites": [cite_row("beta")],
            "visits": [
                visit_row("b1", "beta"),
                visit_row(str(beta["visit"].uid), "beta", date=YESTERDAY.isoformat()),
            ],
        },
    )
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in package.iterdir():
            zf.write(file, file.name)
    client.force_login(coordinator)
    response = client.post(
        "/fr/exchange/import/",
        {"package": SimpleUploadedFile("activite-beta-2026.zip", archive.read_bytes())},
        follow=True,
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="import")
    assert entry.cite_id == beta["cite"].pk and entry.user == coordinator
    assert entry.object_repr == "activite-beta-2026.zip"
    assert entry.changes["created"]["visits"] == 1 and entry.changes["changed"]["visits"] == 1
    changelist = reverse("admin:audit_auditentry_changelist")
    client.force_login(beta["users"]["manager"])
    assert "activite-beta-2026.zip" in client.get(changelist).content.decode()
    client.force_login(alpha["users"]["manager"])
    assert "activite-beta-2026.zip" not in client.get(changelist).content.decode()


# -- 7. the pages ask the one rule -------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "counsellor", "observer"])
def test_only_who_may_import_and_export_reach_the_pages(client, two_cites, role):
    alpha, _ = two_cites
    client.force_login(alpha["users"][role])
    assert client.get("/fr/exchange/import/").status_code == 403
    assert client.get("/fr/exchange/export/2024.zip").status_code == 403


def test_a_network_observer_may_not_import(client, db):
    observer = User.objects.create_user("obs", password="pw", role=Role.OBSERVER)
    client.force_login(observer)
    assert client.get("/fr/exchange/import/").status_code == 403


def test_a_manager_exports_only_their_cite(client, two_cites):
    alpha, beta = two_cites
    client.force_login(alpha["users"]["manager"])
    assert client.get("/fr/exchange/export/2024.zip?cite=beta").status_code == 404
    response = client.get("/fr/exchange/export/2024.zip?cite=alpha")
    visits = zipfile.ZipFile(io.BytesIO(response.content)).read("visits.csv").decode()
    assert "alpha" in visits and "beta" not in visits
