"""`cdm import`: every rule checked before anything is written; all or nothing; idempotent."""

import json
import shutil
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from cdm.accounts.scoping import network_scope
from cdm.activity.models import Activity, Equipment, Interview, Visit
from cdm.exchange.importer import import_package
from cdm.network.models import Cite, Contribution, Partner, Partnership, Site
from cdm.stats.figures import Period, compute

from .conftest import SAMPLE, SAMPLE_FIGURES

MODELS = [Cite, Site, Partner, Partnership, Contribution, Visit, Interview, Activity, Equipment]


def counts():
    with scopes_disabled():
        return {m.__name__: m.objects.count() for m in MODELS}


def snapshot():
    with scopes_disabled():
        return {m.__name__: sorted(map(str, m.objects.values_list())) for m in MODELS}


@pytest.fixture
def package(tmp_path):
    target = tmp_path / "package"
    shutil.copytree(SAMPLE, target)
    return target


def edit(path, filename, old, new, count=1):
    file = path / filename
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {filename}"
    file.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.mark.django_db
def test_the_sample_package_gives_the_expected_figures():
    result = import_package(SAMPLE)
    assert result.ok, result.problems
    expected = json.loads(SAMPLE_FIGURES.read_text())
    with network_scope():
        figures = compute(Period.year(2024))
    assert {k: figures[k] for k in expected} == expected


@pytest.mark.django_db
def test_importing_twice_changes_nothing_the_second_time():
    assert import_package(SAMPLE).ok
    before = snapshot()
    assert import_package(SAMPLE).ok
    assert snapshot() == before


@pytest.mark.django_db
def test_a_corrected_package_updates_what_changed(package):
    assert import_package(package).ok
    edit(
        package,
        "visits.csv",
        "3a021fa7-8d88-4e8f-804f-ae8c65bc38e7,mayotte,,2024-07-09,,chat",
        "3a021fa7-8d88-4e8f-804f-ae8c65bc38e7,mayotte,,2024-07-10,,phone",
    )
    assert import_package(package).ok
    with scopes_disabled():
        visit = Visit.objects.get(uid="3a021fa7-8d88-4e8f-804f-ae8c65bc38e7")
    assert (str(visit.date), visit.channel) == ("2024-07-10", "phone")
    assert counts()["Visit"] == 1284


@pytest.mark.django_db
def test_a_zip_of_the_folder_imports_too(tmp_path):
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in SAMPLE.iterdir():
            zf.write(file, f"sample/{file.name}")
    assert import_package(archive).ok
    assert counts()["Visit"] == 1284


# One defect each: (file, text to replace, replacement, field named in the error, words of the reason)
DEFECTS = {
    "wrong type": ("equipment.csv", "paper_references\n", None, None, None),
    "bad enum": ("visits.csv", ",chat,business,", ",fax,business,", "channel", "fax"),
    "bad date": ("visits.csv", "2024-07-09", "2024-13-09", "date", "2024-13-09"),
    "bad integer": ("activities.csv", ",120,3,", ",120,trois,", "participants", "trois"),
    "negative count": ("activities.csv", ",120,3,", ",120,-3,", "participants", "0"),
    "missing required": ("visits.csv", ",chat,business,", ",,business,", "channel", None),
    "unknown reference": (
        "visits.csv",
        "3a021fa7-8d88-4e8f-804f-ae8c65bc38e7,mayotte,",
        "3a021fa7-8d88-4e8f-804f-ae8c65bc38e7,atlantis,",
        "cite",
        "atlantis",
    ),
    "site of another cite": (
        "visits.csv",
        "3a021fa7-8d88-4e8f-804f-ae8c65bc38e7,mayotte,,",
        "3a021fa7-8d88-4e8f-804f-ae8c65bc38e7,mayotte,porto-main,",
        "site",
        "porto-main",
    ),
    "duplicate id": (
        "visits.csv",
        "fd8786e1-5b55-4344-844d-a1624a15c727",
        "3a021fa7-8d88-4e8f-804f-ae8c65bc38e7",
        "id",
        None,
    ),
    "unknown column": ("partners.csv", "id,name,kind,country", "id,name,kind,country,email", "email", None),
    "bad slug": ("partners.csv", "partner-000,", "Partner 000,", "id", "Partner 000"),
    "bad country": ("partners.csv", "local_authority,IT", "local_authority,XX", "country", "XX"),
    "NUL byte": ("partners.csv", "Partenaire 000", "Partenaire\x00 000", "name", None),
    "control character": ("partners.csv", "Partenaire 000", "Partenaire\x07 000", "name", None),
    "huge text": ("partners.csv", "Partenaire 000", "P" * 5000, "name", "200"),
    "interview of a non-interview visit": (
        "interviews.csv",
        "4dd68bbf-902c-4f5d-9dac-17230b31618d,",
        "3a021fa7-8d88-4e8f-804f-ae8c65bc38e7,",
        "visit",
        None,
    ),
    "contribution without partnership": (
        "contributions.csv",
        "paris-la-villette,partner-139,2024,human_resources",
        "paris-la-villette,partner-000,2024,human_resources",
        "partner",
        None,
    ),
    "bad boolean": ("visits.csv", "job_seeker,false", "job_seeker,nope", "first_visit", "nope"),
    "bad time": ("visits.csv", "2024-07-09,,chat", "2024-07-09,25:99,chat", "time", "25:99"),
    "wrong cell count": (
        "partners.csv",
        "partner-000,Partenaire 000,local_authority,IT",
        "partner-000,Partenaire 000,local_authority",
        "",
        None,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("defect", DEFECTS)
def test_a_package_with_one_defect_is_rejected_whole(package, defect):
    filename, old, new, field, words = DEFECTS[defect]
    if defect == "wrong type":
        edit(package, filename, "paris-la-villette,2024,294", "paris-la-villette,2024,many")
        field, words = "paper_references", "many"
    else:
        edit(package, filename, old, new)
    result = import_package(package)
    assert not result.ok
    assert any(p.file == filename and p.field == field for p in result.problems), result.problems
    if words:
        assert any(words in p.reason for p in result.problems if p.field == field), result.problems
    assert all(p.row is None or p.row >= 1 for p in result.problems)
    assert counts() == dict.fromkeys(counts(), 0)


@pytest.mark.django_db
def test_not_utf8_is_rejected(package):
    (package / "cites.csv").write_bytes((package / "cites.csv").read_text().encode("latin-1"))
    result = import_package(package)
    assert any("UTF-8" in p.reason for p in result.problems)
    assert counts()["Cite"] == 0


@pytest.mark.django_db
def test_every_error_is_reported_not_just_the_first(package):
    text = (package / "visits.csv").read_text()
    (package / "visits.csv").write_text(text.replace(",chat,", ",fax,"))
    result = import_package(package)
    assert result.problem_count == text.count(",chat,")
    assert result.problem_count > 10


@pytest.mark.django_db
def test_the_errors_are_capped_with_a_count(package):
    text = (package / "visits.csv").read_text()
    (package / "visits.csv").write_text(text.replace("2024-", "24-"))
    result = import_package(package)
    assert result.problem_count > len(result.problems) == 200


@pytest.mark.django_db
def test_a_package_without_cites_is_rejected(package):
    (package / "cites.csv").unlink()
    result = import_package(package)
    assert [p.file for p in result.problems] == ["cites.csv"]


@pytest.mark.django_db
def test_a_manager_may_only_bring_their_own_cites_rows():
    assert import_package(SAMPLE).ok
    before = snapshot()
    from cdm.accounts.models import Role, User

    manager = User.objects.create_user("manager-porto", password="pw", role=Role.MANAGER)
    with scopes_disabled():
        manager.cites.add(Cite.objects.get(slug="porto"))
    result = import_package(SAMPLE, user=manager)
    assert not result.ok
    assert any(p.field == "cite" and "bruxelles" in p.reason for p in result.problems)
    assert snapshot() == before


@pytest.mark.django_db
def test_the_command_exits_non_zero_and_names_file_row_field(package, capsys):
    edit(package, "visits.csv", ",chat,business,", ",fax,business,")
    with pytest.raises(CommandError) as error:
        call_command("import", str(package))
    assert error.value.returncode == 1
    err = capsys.readouterr().err
    assert "visits.csv:2: channel:" in err and "fax" in err


@pytest.mark.django_db
def test_the_command_translates_its_errors(package, capsys, settings):
    from django.utils import translation

    edit(package, "visits.csv", ",chat,business,", ",fax,business,")
    with translation.override("en"), pytest.raises(CommandError):
        call_command("import", str(package))
    assert "is not an allowed value" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_visit_no_longer_an_interview_loses_its_interview(package):
    assert import_package(package).ok
    uid = "4dd68bbf-902c-4f5d-9dac-17230b31618d"
    visits = (package / "visits.csv").read_text(encoding="utf-8").splitlines()
    line = next(i for i, row in enumerate(visits) if row.startswith(uid))
    visits[line] = visits[line].replace(",interview,", ",information,")
    (package / "visits.csv").write_text("\n".join(visits) + "\n", encoding="utf-8")
    interviews = [r for r in (package / "interviews.csv").read_text().splitlines() if not r.startswith(uid)]
    (package / "interviews.csv").write_text("\n".join(interviews) + "\n", encoding="utf-8")
    assert import_package(package).ok
    with scopes_disabled():
        assert Visit.objects.get(uid=uid).outcome == "information"
        assert not Interview.objects.filter(visit__uid=uid).exists()
        assert Interview.objects.count() == 290
