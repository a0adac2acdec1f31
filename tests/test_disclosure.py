"""An attacker with everything public tries to recover a hidden small count, and must fail.

The data has small cells on purpose: a Cité with two visits (one of them of a rare status), a
Belgian Cité alone in its country, rare genders and themes in a large Cité. The test reads every
public output anonymously (report JSON and CSV of the network, each country and each Cité; the
open data; the home page; the API), then:

- collects every published count as a cell ``(family, scope, value)``, checking that two sources
  never disagree on a cell (one shows it, another hides it, or they give different numbers);
- solves every sum an outsider knows (a breakdown adds up to its total, a country to its Cités,
  the network to its countries), again and again, from what is shown;
- fails if any hidden cell's exact value comes out.
"""

import csv
import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from cdm.activity.models import Visit
from cdm.network.vocabularies import AgeBand, Channel, Gender, Status, Theme

from .conftest import make_cite_world

K = 5
MARK = f"< {K}"
OUTCOMES = ["information", "self_service", "interview"]
DIMS = {
    "age_band": AgeBand.values,
    "gender": Gender.values,
    "status": Status.values,
    "theme": Theme.values,
    "channel": Channel.values,
    "first_visit": ["first", "returning", "unknown"],
}
CITES = {"alpha": "FR", "gamma": "FR", "beta": "BE"}


def _visits(world, n, **fields):
    base = {"theme": "job", "outcome": "information", "date": datetime.date(2024, 3, 4)}
    with scopes_disabled():
        for i in range(n):
            Visit.objects.create(
                cite=world["cite"],
                site=world["site"],
                **{**base, **fields, "date": base["date"] + datetime.timedelta(days=i % 200)},
            )


@pytest.fixture
def world(db, settings):
    settings.SMALL_COUNT_THRESHOLD = K
    settings.CACHES = {
        **settings.CACHES,
        "figures": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "disclosure"},
    }
    from django.core.cache import caches

    caches["figures"].clear()
    caches["default"].clear()
    alpha = make_cite_world("alpha", "FR")  # + 1 interview visit each, from the world
    gamma = make_cite_world("gamma", "FR")
    beta = make_cite_world("beta", "BE")
    _visits(alpha, 40, gender="female", status="employed", age_band="26_44", first_visit=True)
    _visits(
        alpha,
        30,
        gender="male",
        status="job_seeker",
        age_band="18_25",
        theme="training",
        outcome="self_service",
    )
    _visits(
        alpha,
        3,
        gender="other",
        status="retired",
        age_band="55_plus",
        theme="international",
        channel="phone",
        outcome="interview",
    )
    _visits(alpha, 2, theme="business", first_visit=False)
    _visits(gamma, 1, status="inactive", theme="career_change")  # gamma: 2 visits in all
    _visits(beta, 12, gender="female", status="student", age_band="under_18", outcome="self_service")
    _visits(beta, 2, gender="male", status="retired", channel="video", outcome="interview")
    return {"alpha": alpha, "beta": beta, "gamma": gamma}


class Published:
    """Every count an outsider read, by cell; a cell seen twice must read the same."""

    def __init__(self):
        self.cells: dict = {}
        self.conflicts: list = []

    def add(self, family, scope, value, n, source):
        if n in (None, ""):
            return
        n = n if n == MARK else int(n)
        key = (family, scope, value)
        if key in self.cells and self.cells[key][0] != n:
            self.conflicts.append((key, self.cells[key], (n, source)))
        self.cells.setdefault(key, (n, source))

    def read_json(self, data, scope, source):
        b = data["beneficiaries"]
        self.add("B", scope, "", b["total"], source)
        for o in OUTCOMES:
            self.add("activity", scope, o, b["by_activity"].get(o, 0), source)
        self.add("P", scope, "", sum(b["by_activity"].get(o, 0) for o in ("workshop", "event")), source)
        for c, n in data["interviews"]["by_channel"].items():
            self.add("ichannel", scope, c, n, source)
        self.add("activity", scope, "interview", data["interviews"]["total"], source)
        for dim in ("age_band", "gender", "status"):
            for v, n in data["profiles"][dim].items():
                self.add(dim, scope, v, n, source)
        for dim, key in (("theme", "themes"), ("channel", "channels"), ("first_visit", "first_visits")):
            for v, n in data[key].items():
                self.add(dim, scope, v, n, source)
        for m, row in data["monthly"].items():
            self.add("month", scope, m, row["visits"], source)
        for name in ("durations", "waits"):
            self.add(name, scope, "", data["interview_times"][name]["count"], source)
        if scope == "network":
            for slug, row in data["by_cite"].items():
                self.add("V", f"cite:{slug}", "", row["visits"], source)
            for c, n in b["by_country"].items():
                self.add("B", f"country:{c}", "", n, source)

    def value(self, key):
        found = self.cells.get(key)
        return found[0] if found else None


def _lines(scopes):
    """Every sum an outsider knows: (head, members), with participants ("P") published apart."""
    lines = []
    for scope in scopes:
        months = [f"2024-{m:02d}" for m in range(1, 13)]
        lines.append((("B", scope, ""), [("V", scope, ""), ("P", scope, "")]))
        lines.append((("V", scope, ""), [("activity", scope, o) for o in OUTCOMES]))
        lines.append((("activity", scope, "interview"), [("ichannel", scope, c) for c in Channel.values]))
        for dim, values in DIMS.items():
            lines.append((("V", scope, ""), [(dim, scope, v) for v in values]))
        lines.append((("V", scope, ""), [("month", scope, m) for m in months]))
    families = {"B", "V", "P", "activity", "ichannel", "month", "durations", "waits", *DIMS}
    values = {f: [""] for f in families}
    values.update({"activity": OUTCOMES, "ichannel": Channel.values, **DIMS})
    values["month"] = [f"2024-{m:02d}" for m in range(1, 13)]
    countries = {"FR": ["alpha", "gamma"], "BE": ["beta"]}
    for family in families:
        for value in values[family]:
            lines.append(((family, "network", value), [(family, f"country:{c}", value) for c in countries]))
            for c, slugs in countries.items():
                lines.append(((family, f"country:{c}", value), [(family, f"cite:{s}", value) for s in slugs]))
    return lines


def _recover(published: Published, lines) -> dict:
    """Exact values of hidden cells an outsider can compute: each known sum with one unknown, repeatedly."""
    known = {k: v for k, (v, _src) in published.cells.items() if not isinstance(v, str)}
    recovered = {}
    changed = True
    while changed:
        changed = False
        for head, members in lines:
            unknown = [c for c in [head, *members] if c not in known]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            if cell == head:
                n = sum(known[m] for m in members)
            else:
                n = known[head] - sum(known[m] for m in members if m != cell)
            known[cell] = n
            changed = True
            if published.value(cell) == MARK:
                recovered[cell] = n
    return recovered


def _read_opendata(published: Published, client):
    response = client.get("/fr/opendata/2024.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))

    def rows(name):
        return list(csv.DictReader(io.StringIO(archive.read(name).decode())))

    for row in rows("beneficiaries.csv"):
        if row["activity"] in OUTCOMES:
            published.add(
                "activity",
                f"cite:{row['cite']}",
                row["activity"],
                row["beneficiaries"] or row["hidden"],
                "opendata",
            )
    for row in rows("interviews_by_channel.csv"):
        published.add(
            "ichannel", f"cite:{row['cite']}", row["channel"], row["interviews"] or row["hidden"], "opendata"
        )
    for row in rows("visits_by_profile.csv"):
        published.add(
            row["dimension"], f"cite:{row['cite']}", row["value"], row["visits"] or row["hidden"], "opendata"
        )
    return archive


def test_no_hidden_cell_can_be_recovered_from_everything_public(client, world):
    published = Published()
    scopes = {"network": "", "country:FR": "?country=FR", "country:BE": "?country=BE"}
    scopes.update({f"cite:{slug}": f"?cite={slug}" for slug in CITES})
    for scope, query in scopes.items():
        response = client.get(f"/fr/report/2024/json/{query}")
        assert response.status_code == 200, (scope, response.content)
        published.read_json(response.json(), scope, f"json {scope}")
        csv_body = client.get(f"/fr/report/2024/csv/{query}").content.decode()
        html = client.get(f"/fr/report/2024/{query}").content.decode()
        assert csv_body and html
    _read_opendata(published, client)
    assert client.get("/api/figures?year=2024&details=true").status_code == 401

    # Small cells are hidden in the first place…
    assert published.value(("V", "cite:gamma", "")) == MARK
    assert published.value(("gender", "cite:alpha", "other")) == MARK
    assert published.value(("status", "cite:gamma", "inactive")) == MARK
    # …every category listed (no absent key to read), and two sources never disagree.
    assert published.value(("status", "cite:alpha", "inactive")) == 0
    assert not published.conflicts, published.conflicts
    recovered = _recover(published, _lines(scopes))
    assert not recovered, recovered


def test_the_home_page_shows_no_small_total(client, db):
    make_cite_world("solo")  # one visit, an interview, in 2024
    body = client.get("/fr/").content.decode()
    assert "<strong>&lt; 5</strong> entretiens individuels" in body


@pytest.mark.parametrize(
    "parameter", ["from=2024-05-06&to=2024-05-06", "site=alpha-main", "theme=job", "channel=phone"]
)
def test_anonymous_filters_are_refused_naming_the_parameter(client, world, parameter):
    for fmt in ["", "json/", "csv/"]:
        response = client.get(f"/fr/report/2024/{fmt}?{parameter}")
        assert response.status_code == 403
        assert response.content.decode().startswith(parameter.split("=")[0] + " :")


def test_a_one_day_period_of_a_site_gives_no_exact_small_count(client, world):
    client.force_login(world["alpha"]["users"]["agent"])  # may read figures, not exact counts
    data = client.get("/fr/report/2024/json/?from=2024-05-06&to=2024-05-06&site=alpha-main").json()
    assert data["beneficiaries"]["total"] == MARK
    assert all(v in (0, MARK) for v in data["profiles"]["gender"].values())
    client.force_login(world["alpha"]["users"]["manager"])
    data = client.get("/fr/report/2024/json/?from=2024-05-06&to=2024-05-06&site=alpha-main").json()
    assert data["beneficiaries"]["total"] == 1  # exact for the Cité's manager
    client.force_login(world["beta"]["users"]["manager"])  # another Cité's staff: no filtered figures
    assert client.get("/fr/report/2024/json/?site=alpha-main").status_code == 403


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=1990-01-01&to=2100-12-31", "to"),
        ("from=1980-01-01&to=1980-01-02", "from"),
        ("from=2023-01-01&to=2024-06-30", "to"),
        ("theme=cooking", "theme"),
    ],
)
def test_staff_periods_are_bounded_with_an_error_naming_the_parameter(
    client, world, coordinator, query, field
):
    client.force_login(coordinator)
    response = client.get(f"/fr/report/2024/json/?{query}")
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field} :")
    assert client.get("/fr/report/2100/json/").status_code == 400


def test_a_second_anonymous_request_does_not_compute_again(client, world):
    assert client.get("/fr/report/2024/json/?country=FR").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/fr/report/2024/json/?country=FR")
    assert again.status_code == 200 and again["Content-Type"].startswith("application/json")
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_the_api_asks_the_permission_and_protects(client, world, coordinator):
    from cdm.accounts.tokens import token_create

    client.force_login(world["alpha"]["users"]["observer"])
    data = client.get("/api/figures?year=2024&details=true").json()
    assert data["beneficiaries"]["total"] != 1 and data["profiles"]["gender"]["other"] == MARK
    client.force_login(world["alpha"]["users"]["manager"])
    assert client.get("/api/figures?year=2024&details=true").json()["profiles"]["gender"]["other"] == 3
    bad = client.get("/api/figures?from=2020-01-01&to=2024-12-31").json()
    assert bad["errors"][0]["field"] == "to"
    client.logout()
    _token, token = token_create(user=world["alpha"]["users"]["manager"], name="desk")
    response = client.get("/api/figures?year=2024", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_open_data_names_cannot_run_as_formulas(client, world):
    with scopes_disabled():
        cite = world["alpha"]["cite"]
        cite.name = '=HYPERLINK("http://x")'
        cite.save()
    archive = zipfile.ZipFile(io.BytesIO(client.get("/fr/opendata/2024.zip").content))
    rows = list(csv.DictReader(io.StringIO(archive.read("beneficiaries.csv").decode())))
    names = {row["cite_name"] for row in rows if row["cite"] == "alpha"}
    assert names == {'\'=HYPERLINK("http://x")'}
