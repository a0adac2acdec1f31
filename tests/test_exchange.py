"""Export, the spreadsheet template, open data and the upload page."""

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from frictionless import validate

from cdm.accounts.scoping import network_scope
from cdm.exchange.exporter import export_package
from cdm.exchange.importer import import_package
from cdm.exchange.spreadsheet import template_workbook
from cdm.stats.figures import Period, compute

from .conftest import SAMPLE, SAMPLE_FIGURES
from .test_import import snapshot

TABLES = [
    "cites",
    "sites",
    "partners",
    "partnerships",
    "contributions",
    "visits",
    "interviews",
    "activities",
    "equipment",
]


@pytest.fixture
def sample(db):
    assert import_package(SAMPLE).ok


def figures():
    with network_scope():
        return compute(Period.year(2024), details=True)


def test_the_export_is_a_valid_frictionless_package(sample, tmp_path):
    counts = export_package(tmp_path / "out", year=2024)
    assert counts["visits"] == 1284 and counts["interviews"] == 291
    report = validate(str(tmp_path / "out" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    visits = next(r for r in descriptor["resources"] if r["name"] == "visits")
    channel = next(f for f in visits["schema"]["fields"] if f["name"] == "channel")
    assert channel["constraints"]["enum"] == ["in_person", "phone", "video", "email", "chat"]
    assert visits["schema"]["primaryKey"] == ["id"]


@pytest.mark.django_db(transaction=True)
def test_import_of_export_gives_back_the_same_rows_and_figures(tmp_path):
    assert import_package(SAMPLE).ok
    before_figures = figures()
    export_package(tmp_path / "first.zip", year=2024)
    call_command("flush", interactive=False, verbosity=0)
    assert import_package(tmp_path / "first.zip").ok
    assert figures() == before_figures
    export_package(tmp_path / "second.zip", year=2024)
    first, second = zipfile.ZipFile(tmp_path / "first.zip"), zipfile.ZipFile(tmp_path / "second.zip")
    for name in first.namelist():
        assert first.read(name) == second.read(name), name


def test_a_cites_export_holds_only_that_cite(sample, tmp_path):
    export_package(tmp_path / "porto", year=2024, cite="porto")
    with open(tmp_path / "porto" / "visits.csv", encoding="utf-8") as f:
        cites = {row["cite"] for row in csv.DictReader(f)}
    assert cites == {"porto"}
    assert validate(str(tmp_path / "porto" / "datapackage.json")).valid


def test_the_template_has_a_sheet_per_table_lists_and_help(db):
    from django.utils import translation

    with translation.override("en"):
        wb = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    assert wb.sheetnames[0] == "Help"
    assert set(TABLES) <= set(wb.sheetnames)
    visits = wb["visits"]
    assert [c.value for c in visits[1]] == [
        "id",
        "cite",
        "site",
        "date",
        "time",
        "channel",
        "theme",
        "outcome",
        "age_band",
        "gender",
        "status",
        "first_visit",
    ]
    lists = [dv for dv in visits.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) >= 7  # channel, theme, outcome, age_band, gender, status, first_visit
    help_text = " ".join(str(c.value) for row in wb["Help"].iter_rows() for c in row if c.value)
    assert "required" in help_text.lower() or "yes" in help_text


def fill_template(path, rows_by_table):
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    for name, rows in rows_by_table.items():
        sheet = wb[name]
        header = [c.value for c in sheet[1]]
        for row in rows:
            sheet.append([row.get(h) or None for h in header])
    wb.save(path)


def sample_rows():
    out = {}
    for name in TABLES:
        with open(SAMPLE / f"{name}.csv", encoding="utf-8") as f:
            out[name] = list(csv.DictReader(f))
    return out


def test_a_filled_template_imports_under_the_same_rules(db, tmp_path):
    fill_template(tmp_path / "filled.xlsx", sample_rows())
    assert import_package(tmp_path / "filled.xlsx").ok
    expected = json.loads(SAMPLE_FIGURES.read_text())
    got = figures()
    assert {k: got[k] for k in expected} == expected


def test_a_template_with_a_bad_value_is_rejected_with_sheet_row_and_field(db, tmp_path):
    rows = sample_rows()
    rows["visits"][4]["channel"] = "pigeon"
    fill_template(tmp_path / "filled.xlsx", rows)
    result = import_package(tmp_path / "filled.xlsx")
    assert [(p.file, p.row, p.field) for p in result.problems] == [("visits.csv", 6, "channel")]
    assert snapshot()["Visit"] == []


def test_a_broken_file_is_an_error_not_a_crash(db, tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"not a spreadsheet")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 broken")
    for name in ["broken.xlsx", "broken.zip"]:
        result = import_package(tmp_path / name)
        assert not result.ok and result.problems[0].file == name


def test_open_data_is_aggregated_protected_and_valid(sample, tmp_path):
    call_command("opendata", "--year", "2024", "--language", "en", str(tmp_path / "od"), stdout=io.StringIO())
    assert validate(str(tmp_path / "od" / "datapackage.json")).valid
    files = {p.name for p in (tmp_path / "od").iterdir()}
    assert "visits.csv" not in files
    with open(tmp_path / "od" / "visits_by_profile.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    hidden = [r for r in rows if r["hidden"]]
    assert hidden and all(r["visits"] == "" and r["hidden"] == "< 5" for r in hidden)
    assert all(int(r["visits"]) in (0,) or int(r["visits"]) >= 5 for r in rows if r["visits"])
    by_breakdown: dict = {}
    for r in rows:
        by_breakdown.setdefault((r["cite"], r["dimension"]), []).append(r)
    assert all(sum(1 for r in group if r["hidden"]) != 1 for group in by_breakdown.values())
    assert {r["value_label"] for r in rows if r["value"] == "female"} == {"Woman"}
    with open(tmp_path / "od" / "beneficiaries.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    total, hidden = sum(int(r["beneficiaries"] or 0) for r in rows), sum(1 for r in rows if r["hidden"])
    assert hidden and total + hidden <= 1774  # complementary cells may hold more than k - 1


def test_the_public_open_data_page_serves_each_year(client, sample):
    body = client.get("/fr/opendata/").content.decode()
    assert 'href="/fr/opendata/2024.zip"' in body
    response = client.get("/es/opendata/2024.zip")
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "datapackage.json" in names and "visits_by_profile.csv" in names
    assert client.get("/fr/opendata/1999.zip").status_code == 404


@pytest.fixture
def immediate_tasks(settings, tmp_path):
    """The upload's job run at once, in the request (tests/test_import_job.py runs the real worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path / "var"


def upload(client, path, dry_run=False):
    """Upload, then follow to the job's page (the job has run: ``immediate_tasks``)."""
    with open(path, "rb") as f:
        data = {"package": SimpleUploadedFile(path.name, f.read())}
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/en/exchange/import/", data, follow=True)


def zipped(tmp_path, folder, name="package.zip"):
    target = tmp_path / name
    with zipfile.ZipFile(target, "w") as zf:
        for file in folder.iterdir():
            zf.write(file, file.name)
    return target


def test_the_coordinator_uploads_a_package(client, coordinator, tmp_path, immediate_tasks):
    response = upload(client.force_login(coordinator) or client, zipped(tmp_path, SAMPLE))
    assert response.redirect_chain[0][1] == 302
    assert response.status_code == 200 and "Import complete." in response.content.decode()
    assert len(snapshot()["Visit"]) == 1284


def test_an_upload_with_errors_lists_them_all_and_writes_nothing(
    client, coordinator, tmp_path, immediate_tasks
):
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(SAMPLE, folder)
    text = (folder / "visits.csv").read_text().replace(",chat,", ",fax,")
    (folder / "visits.csv").write_text(text)
    client.force_login(coordinator)
    response = upload(client, zipped(tmp_path, folder))
    body = response.content.decode()
    assert "errors: nothing was imported." in body and "“fax” is not an allowed value" in body
    assert snapshot()["Visit"] == []


def test_a_manager_only_brings_their_own_cites_rows(client, two_cites, tmp_path, immediate_tasks):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    response = upload(client, zipped(tmp_path, SAMPLE))
    assert "is not a Cité you are in charge of" in response.content.decode()


def test_agents_cannot_import(client, two_cites, tmp_path, immediate_tasks):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["agent"])
    assert upload(client, zipped(tmp_path, SAMPLE)).status_code == 403


def test_a_manager_exports_their_cite_only(client, two_cites):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    response = client.get("/fr/exchange/export/2024.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    visits = archive.read("visits.csv").decode()
    assert "alpha" in visits and "beta" not in visits
    assert client.get("/fr/exchange/export/2024.zip?cite=beta").status_code == 404
