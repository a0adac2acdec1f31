"""One description of the data package: a column added to the schema, and nowhere else, reaches the
export (CSV and datapackage.json), the import (checked and written), the .xlsx template and the docs.

The added columns are fields the models have and the package does not carry yet: an interview's
wait (``Interview.waited_minutes``, written by the import's raw upsert) and an ephemeral action's
target public (``Site.target_public``, written through the ORM)."""

import csv
import dataclasses
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled
from frictionless import validate

from cdm.activity.models import Interview
from cdm.exchange import schema
from cdm.exchange.exporter import export_package
from cdm.exchange.importer import import_package
from cdm.exchange.schema import Field
from cdm.exchange.spreadsheet import template_workbook
from cdm.network.models import Site

from .conftest import SAMPLE

DOCS = Path(__file__).resolve().parent.parent / "docs" / "data-package.md"
WAIT = Field("waited_minutes", "integer", minimum=0, maximum=600, description="from arrival to the call")
TARGET = Field("target_public", "text", description="for an ephemeral action: prisons, schools…")


@pytest.fixture
def added_columns(monkeypatch):
    """The schema with two more columns: the only change made anywhere."""
    added = {"interviews": WAIT, "sites": TARGET}
    tables = tuple(
        dataclasses.replace(t, fields=(*t.fields, added[t.name])) if t.name in added else t
        for t in schema.TABLES
    )
    monkeypatch.setattr(schema, "TABLES", tables)
    monkeypatch.setattr(schema, "TABLES_BY_NAME", {t.name: t for t in tables})


@pytest.fixture
def sample_with_values(db, added_columns):
    """The sample imported, then a wait on every interview and a target public on one site."""
    assert import_package(SAMPLE).ok
    with scopes_disabled():
        for i, pk in enumerate(Interview.objects.order_by("pk").values_list("pk", flat=True)):
            Interview.objects.filter(pk=pk).update(waited_minutes=i % 45)
        site = Site.objects.order_by("slug").first()
        site.target_public = "=prisons, écoles"
        site.save()
    return site


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def waits() -> dict:
    with scopes_disabled():
        return dict(Interview.objects.values_list("visit__uid", "waited_minutes"))


def test_an_added_column_is_exported_and_described(sample_with_values, tmp_path):
    export_package(tmp_path / "out", year=2024)
    interviews = read_csv(tmp_path / "out" / "interviews.csv")
    assert list(interviews[0]) == ["visit", "partner", "duration_minutes", "waited_minutes"]
    assert {row["visit"]: int(row["waited_minutes"]) for row in interviews} == waits()
    sites = {row["id"]: row["target_public"] for row in read_csv(tmp_path / "out" / "sites.csv")}
    # Free text: written safe to open in a spreadsheet, like every text column.
    assert sites[sample_with_values.slug] == "'=prisons, écoles"

    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    fields = {r["name"]: {f["name"]: f for f in r["schema"]["fields"]} for r in descriptor["resources"]}
    assert fields["interviews"]["waited_minutes"]["type"] == "integer"
    assert fields["interviews"]["waited_minutes"]["constraints"] == {"minimum": 0, "maximum": 600}
    assert fields["sites"]["target_public"]["constraints"] == {"maxLength": 200}
    report = validate(str(tmp_path / "out" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_an_added_column_is_read_back_by_the_import(sample_with_values, tmp_path):
    export_package(tmp_path / "out", year=2024)
    expected = waits()
    with scopes_disabled():
        Interview.objects.update(waited_minutes=None)
        Site.objects.update(target_public="")
    result = import_package(tmp_path / "out")
    assert result.ok, result.problems
    assert waits() == expected
    with scopes_disabled():
        assert Site.objects.get(pk=sample_with_values.pk).target_public == "=prisons, écoles"
    # And a second import of the same package changes nothing.
    again = tmp_path / "again"
    export_package(again, year=2024)
    assert (again / "interviews.csv").read_bytes() == (tmp_path / "out" / "interviews.csv").read_bytes()


def test_an_added_column_is_checked_against_its_bounds(sample_with_values, tmp_path):
    export_package(tmp_path / "out", year=2024)
    path = tmp_path / "out" / "interviews.csv"
    rows = read_csv(path)
    rows[3]["waited_minutes"] = "601"
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    result = import_package(tmp_path / "out")
    assert [(p.file, p.row, p.field) for p in result.problems] == [("interviews.csv", 5, "waited_minutes")]


def test_an_added_column_is_in_the_template(added_columns, db):
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    header = [c.value for c in workbook["interviews"][1]]
    assert header == ["visit", "partner", "duration_minutes", "waited_minutes"]
    assert "target_public" in [c.value for c in workbook["sites"][1]]
    help_rows = {(r[0], r[1]): r[3] for r in workbook.worksheets[0].iter_rows(min_row=6, values_only=True)}
    assert "600" in help_rows[("interviews", "waited_minutes")]


def test_an_added_column_is_in_the_docs(added_columns):
    docs = schema.describe()
    interviews = docs.split("## interviews")[1].split("## ")[0]
    assert "| `waited_minutes` |" in interviews and "from arrival to the call" in interviews
    assert "| `target_public` |" in docs.split("## sites")[1].split("## ")[0]


def test_the_committed_docs_are_the_schemas(db, tmp_path):
    """docs/data-package.md is generated: `cdm datapackage --docs docs/data-package.md`."""
    call_command("datapackage", docs=str(tmp_path / "docs.md"), stdout=io.StringIO())
    assert DOCS.read_text(encoding="utf-8") == (tmp_path / "docs.md").read_text(encoding="utf-8"), (
        "docs/data-package.md is out of date: run `cdm datapackage --docs docs/data-package.md`"
    )


def test_every_column_is_a_model_field():
    """The schema names the model field of every column: a typo fails here, not in an import."""
    for table in schema.TABLES:
        for field in table.fields:
            table.model._meta.get_field(field.model_field)
            if field.references:
                assert schema.table(field.references).primary_key == ("id",)
