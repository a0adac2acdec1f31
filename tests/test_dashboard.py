"""The dashboards: a Cité's one screen and the network's, with the clock given.

What a manager reads must be what the figures engine counts (``figures.compute``) for the same
windows; the median beside it is the median of the Cités of its size; the label's renewal date is
announced when it comes near; small counts are hidden for the roles the rule keeps from them.
"""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.activity.models import Interview, Visit
from cdm.audit.models import AuditEntry
from cdm.stats import dashboard
from cdm.stats.charts import format_number
from cdm.stats.figures import OUTCOMES, Period, compute
from tests.conftest import make_cite_world

TODAY = datetime.date(2024, 6, 12)  # a Wednesday


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(dashboard, "today", lambda: TODAY)
    return TODAY


def add_visits(cite, day, n, *, outcome="information", theme="job", first_visit=None, waited=None):
    with scopes_disabled():
        made = Visit.objects.bulk_create(
            [
                Visit(cite=cite, date=day, theme=theme, outcome=outcome, first_visit=first_visit)
                for _ in range(n)
            ]
        )
        if waited is not None:
            Interview.objects.bulk_create([Interview(visit=v, waited_minutes=waited) for v in made])


def engine_visits(cite, start, end) -> int:
    with scopes_disabled():
        figures = compute(Period(start, end, cites=(cite.pk,)))
    return sum(figures["beneficiaries"]["by_activity"].get(o, 0) for o in OUTCOMES)


def cards(response) -> dict:
    return {card["key"]: card for card in response.context["cards"]}


def test_the_key_figures_are_the_engines_for_the_week_month_and_year(client, clock, two_cites):
    alpha, _beta = two_cites
    cite = alpha["cite"]
    for day, n in [
        (datetime.date(2024, 6, 10), 7),  # this week (Monday)
        (datetime.date(2024, 6, 12), 5),  # today
        (datetime.date(2024, 6, 3), 11),  # this month, last week
        (datetime.date(2024, 2, 14), 20),  # this year
        (datetime.date(2024, 6, 13), 50),  # tomorrow: not yet
        (datetime.date(2023, 6, 13), 9),  # last year's same week (52 weeks earlier: 12–14 June 2023)
        (datetime.date(2023, 6, 2), 6),  # last year's same month
        (datetime.date(2023, 3, 1), 30),  # last year's same year to date
        (datetime.date(2023, 9, 1), 40),  # last year, after the same date
    ]:
        add_visits(cite, day, n, outcome="interview" if n % 2 else "information")
    client.force_login(alpha["users"]["manager"])
    response = client.get("/fr/dashboard/alpha/2024/")
    assert response.status_code == 200
    shown = cards(response)
    windows = dashboard.windows(TODAY)
    assert windows["week"] == (datetime.date(2024, 6, 10), TODAY)
    assert windows["week_prev"] == (datetime.date(2023, 6, 12), datetime.date(2023, 6, 14))
    for key in ("week", "month", "year"):
        start, end = windows[key]
        expected = engine_visits(cite, start, end)
        before = engine_visits(cite, *windows[f"{key}_prev"])
        assert shown[key]["value"] == expected, key
        assert shown[key]["previous"] == before, key
        assert shown[key]["change"] == round(100 * (expected - before) / before, 1)
    assert [shown[k]["value"] for k in ("week", "month", "year")] == [
        12,
        23,
        44,
    ]  # + make_cite_world's May visit
    page = response.content.decode()
    assert "▲" in page and "+33,3\u202f%" in page  # the week: 12 against 9
    assert f'<p class="dash-value">{format_number(44)} <span' in page


def test_the_network_dashboard_adds_up_its_members(client, clock, two_cites, coordinator):
    alpha, beta = two_cites
    add_visits(alpha["cite"], datetime.date(2024, 6, 11), 8)
    add_visits(beta["cite"], datetime.date(2024, 6, 1), 6)
    client.force_login(coordinator)
    response = client.get("/fr/dashboard/2024/")
    assert response.status_code == 200
    with scopes_disabled():
        for key in ("week", "month", "year"):
            start, end = dashboard.windows(TODAY)[key]
            figures = compute(Period(start, end))
            expected = sum(figures["beneficiaries"]["by_activity"].get(o, 0) for o in OUTCOMES)
            assert cards(response)[key]["value"] == expected


def test_the_median_is_that_of_the_cites_of_the_same_size(client, clock, db):
    # Six Cités: 11, 21, … 61 visits in the last 12 months (make_cite_world gives each one more).
    worlds = [make_cite_world(f"c{i}") for i in range(6)]
    for i, w in enumerate(worlds):
        add_visits(w["cite"], datetime.date(2024, 3, 4), 10 * (i + 1))
    client.force_login(worlds[3]["users"]["manager"])  # 41 visits: the middle third, with 31
    response = client.get("/fr/dashboard/c3/2024/")
    comparison = response.context["comparison"]
    assert comparison["size_class"] == 1 and comparison["peers"] == 2
    visits = next(r for r in comparison["rows"] if r["key"] == "visits")
    assert (visits["own"], visits["median"]) == (41, 36)
    page = response.content.decode()
    assert "Médiane des 2 Cités de taille moyenne du réseau" in page
    client.force_login(worlds[5]["users"]["manager"])
    visits = next(
        r for r in client.get("/fr/dashboard/c5/2024/").context["comparison"]["rows"] if r["key"] == "visits"
    )
    assert (visits["own"], visits["median"]) == (61, 56)


def test_waits_and_first_visits_are_the_engines(client, clock, two_cites):
    alpha, _ = two_cites
    add_visits(alpha["cite"], datetime.date(2024, 4, 2), 6, outcome="interview", first_visit=True, waited=10)
    add_visits(alpha["cite"], datetime.date(2024, 4, 3), 4, outcome="interview", first_visit=False, waited=30)
    client.force_login(alpha["users"]["manager"])
    response = client.get("/fr/dashboard/alpha/2024/")
    with scopes_disabled():
        figures = compute(Period(datetime.date(2024, 1, 1), TODAY, cites=(alpha["cite"].pk,)), details=True)
    scope = response.context["scope"]
    assert scope.waits["mean"] == figures["interview_times"]["waits"]["mean"] == 18
    assert scope.waits["p90"] == figures["interview_times"]["waits"]["p90"] == 30
    assert response.context["first_share"] == 60
    assert "18 min en moyenne ; 9 visiteurs sur 10 attendent au plus 30 min" in response.content.decode()


@pytest.mark.parametrize(
    ("due", "warning"),
    [
        (datetime.date(2025, 1, 31), "Échéance dans moins de 12 mois"),
        (datetime.date(2026, 1, 31), None),
        (datetime.date(2024, 5, 1), "Échéance dépassée"),
    ],
)
def test_the_label_renewal_date_and_its_warning(client, clock, two_cites, coordinator, due, warning):
    from cdm.governance.models import Milestone

    alpha, _ = two_cites
    with scopes_disabled():
        Milestone.objects.create(
            cite=alpha["cite"], kind="label_operating", date=datetime.date(2019, 1, 1), renewal_due_on=due
        )
        Milestone.objects.create(cite=alpha["cite"], kind="inaugurated", date=datetime.date(2020, 1, 1))
    for user in (alpha["users"]["manager"], coordinator):
        client.force_login(user)
        page = client.get("/fr/dashboard/alpha/2024/").content.decode()
        assert f"Renouvellement dû le {due.day} " in page
        for text in ("Échéance dans moins de 12 mois", "Échéance dépassée"):
            assert (text in page) == (text == warning)


def test_the_latest_label_decision_gives_the_renewal_date(client, clock, two_cites):
    from cdm.governance.models import Milestone

    alpha, _ = two_cites
    with scopes_disabled():
        for date, due in [
            (datetime.date(2016, 1, 1), datetime.date(2021, 1, 1)),
            (datetime.date(2021, 2, 1), None),
        ]:
            Milestone.objects.create(cite=alpha["cite"], kind="label_renewed", date=date, renewal_due_on=due)
        Milestone.objects.create(
            cite=alpha["cite"],
            kind="label_renewed",
            date=datetime.date(2021, 3, 1),
            renewal_due_on=datetime.date(2026, 3, 1),
        )
    client.force_login(alpha["users"]["manager"])
    assert client.get("/fr/dashboard/alpha/2024/").context["renewal"]["due"] == datetime.date(2026, 3, 1)


def test_who_may_open_which_dashboard(client, clock, two_cites, coordinator):
    alpha, beta = two_cites
    for role in ("manager", "agent", "counsellor", "observer"):
        client.force_login(alpha["users"][role])
        assert client.get("/fr/dashboard/alpha/2024/").status_code == 200, role
        assert client.get("/fr/dashboard/beta/2024/").status_code == 404, role
        assert client.get("/fr/dashboard/2024/").status_code == 403, role
        assert client.get("/fr/dashboard/").url == "/fr/dashboard/alpha/2024/"
    network_observer = User.objects.create_user("netobs", role=Role.OBSERVER)
    for user in (coordinator, network_observer):
        client.force_login(user)
        assert client.get("/fr/dashboard/2024/").status_code == 200
        assert client.get("/fr/dashboard/beta/2024/").status_code == 200
        assert client.get("/fr/dashboard/").url == "/fr/dashboard/2024/"
    client.logout()
    assert client.get("/fr/dashboard/alpha/2024/").status_code == 302
    assert client.get("/fr/dashboard/2024/").status_code == 302


def test_a_year_to_come_and_a_bad_day(client, clock, two_cites):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    assert client.get("/fr/dashboard/alpha/2025/").status_code == 404
    assert client.get("/fr/dashboard/alpha/2024/?on=2024-13-01").status_code == 400
    assert client.get("/fr/dashboard/alpha/2024/?on=2024-07-01").status_code == 400  # after today
    response = client.get("/fr/dashboard/alpha/2023/")
    assert response.context["as_of"] == datetime.date(2023, 12, 31)
    response = client.get("/fr/dashboard/alpha/2024/?on=2024-03-15")
    assert cards(response)["month"]["start"] == datetime.date(2024, 3, 1)


def test_small_counts_are_hidden_from_who_may_not_see_them_exactly(client, clock, two_cites, coordinator):
    alpha, _ = two_cites
    cite = alpha["cite"]
    add_visits(cite, datetime.date(2024, 6, 11), 3)  # this week: 3
    add_visits(cite, datetime.date(2024, 6, 4), 10)  # this month: 13
    add_visits(cite, datetime.date(2024, 2, 4), 49)  # this year: 63 (with the May visit)
    for user in (alpha["users"]["manager"], coordinator):
        client.force_login(user)
        shown = cards(client.get("/fr/dashboard/alpha/2024/"))
        assert [shown[k]["value"] for k in ("week", "month", "year")] == [3, 13, 63]
    for role in ("agent", "counsellor", "observer"):
        client.force_login(alpha["users"][role])
        response = client.get("/fr/dashboard/alpha/2024/")
        shown = cards(response)
        assert [shown[k]["value"] for k in ("week", "month", "year")] == ["< 5", 13, 63], role
        page = response.content.decode()
        assert "&lt; 5" in page and "Les petits nombres (moins de 5) sont masqués." in page
        # The theme breakdown: job holds every visit, the others are 0 — nothing small to hide.
        assert {t["theme"]: t["visits"] for t in response.context["themes"]}["job"] == 63


def test_the_week_inside_the_month_cannot_be_subtracted(client, clock, two_cites):
    """13 visits this month, 11 of them this week: the month and the week would give the 2 others."""
    alpha, _ = two_cites
    add_visits(alpha["cite"], datetime.date(2024, 6, 11), 11)
    add_visits(alpha["cite"], datetime.date(2024, 6, 3), 2)
    add_visits(alpha["cite"], datetime.date(2024, 1, 8), 40)
    client.force_login(alpha["users"]["agent"])
    shown = cards(client.get("/fr/dashboard/alpha/2024/"))
    values = [shown[k]["value"] for k in ("week", "month", "year")]
    assert "< 5" in values[:2], values  # the week or the month hidden: never both shown
    client.force_login(alpha["users"]["manager"])
    shown = cards(client.get("/fr/dashboard/alpha/2024/"))
    assert [shown[k]["value"] for k in ("week", "month", "year")] == [11, 13, 54]


def test_the_network_table_flags_who_is_late(client, clock, coordinator, db):
    on_time, late, imported = (make_cite_world(s) for s in ("ontime", "late", "imported"))
    add_visits(on_time["cite"], datetime.date(2024, 6, 11), 6)
    add_visits(late["cite"], datetime.date(2024, 5, 1), 6)  # and make_cite_world's 6 May: 37 days ago
    add_visits(imported["cite"], datetime.date(2024, 4, 30), 6)
    with scopes_disabled():
        entry = AuditEntry.objects.create(
            cite=imported["cite"],
            content_type_id=1,
            object_id="",
            object_repr="package.zip",
            action=AuditEntry.Action.IMPORT,
        )
        at = timezone.make_aware(datetime.datetime(2024, 6, 10, 9))
        AuditEntry.objects.filter(pk=entry.pk).update(at=at)
    client.force_login(coordinator)
    response = client.get("/fr/dashboard/2024/")
    rows = {r["cite"].slug: r for r in response.context["rows"]}
    assert rows["late"]["late"] and rows["late"]["received"] == datetime.date(2024, 5, 6)
    assert not rows["ontime"]["late"] and rows["ontime"]["received"] == datetime.date(2024, 6, 11)
    assert not rows["imported"]["late"] and rows["imported"]["received"] == datetime.date(2024, 6, 10)
    # Without a script, the oldest data comes first; the rule is written on the page.
    assert [r["cite"].slug for r in response.context["rows"]][0] == "late"
    assert response.context["late_count"] == 1
    page = response.content.decode()
    assert "depuis plus de 31 jours" in page and 'aria-sort="ascending"' in page
    assert page.count("<svg") >= 3 and "visites des 12 derniers mois" in page
    assert "(à ce jour)" not in page
    # An earlier day shown: who is late is still today's state, and the page says so.
    earlier = client.get("/fr/dashboard/2024/?on=2024-03-15")
    assert {r["cite"].slug: r["late"] for r in earlier.context["rows"]}["late"]
    assert "Données en retard <span" in earlier.content.decode()
    assert "(à ce jour)" in earlier.content.decode()
    client.force_login(late["users"]["manager"])
    own = client.get("/fr/dashboard/late/2024/?on=2024-03-15").content.decode()
    assert own.count("(à ce jour)") == 2  # the label's renewal and the data received


def test_the_downloads_still_give_the_report_figures(client, clock, two_cites):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    assert (
        client.get("/fr/dashboard/alpha/2024/json/").json()["beneficiaries"]["by_activity"]["interview"] == 1
    )
    page = client.get("/fr/dashboard/alpha/2024/").content.decode()
    for fmt in ("pdf", "json", "csv"):
        assert f'href="/fr/dashboard/alpha/2024/{fmt}/"' in page


def test_drill_down_links_open_the_report_with_staff_filters(client, clock, two_cites):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    page = client.get("/fr/dashboard/alpha/2024/").content.decode()
    for query in (
        "cite=alpha&amp;site=alpha-main",
        "cite=alpha&amp;theme=job",
        "cite=alpha&amp;channel=phone",
        "cite=alpha&amp;from=2024-05-01&amp;to=2024-05-31",
    ):
        assert f'href="/fr/report/2024/?{query}"' in page, query
    assert client.get("/fr/report/2024/?cite=alpha&from=2024-05-01&to=2024-05-31").status_code == 200


def test_a_user_of_several_cites_chooses_a_dashboard(client, clock, two_cites):
    alpha, beta = two_cites
    manager = alpha["users"]["manager"]
    manager.cites.add(beta["cite"])
    client.force_login(manager)
    page = client.get("/fr/dashboard/").content.decode()
    assert 'href="/fr/dashboard/alpha/2024/"' in page and 'href="/fr/dashboard/beta/2024/"' in page


def test_a_network_observer_reads_the_network_with_small_counts_hidden(client, clock, two_cites, coordinator):
    alpha, beta = two_cites
    gamma = make_cite_world("gamma")
    add_visits(alpha["cite"], datetime.date(2024, 6, 11), 2)  # 3 this year, with the May visit
    add_visits(beta["cite"], datetime.date(2024, 6, 11), 30)
    add_visits(beta["cite"], datetime.date(2024, 2, 11), 30)
    add_visits(gamma["cite"], datetime.date(2024, 2, 11), 10)
    observer = User.objects.create_user("netobs", role=Role.OBSERVER)
    client.force_login(observer)
    response = client.get("/fr/dashboard/2024/")
    rows = {r["cite"].slug: r for r in response.context["rows"]}
    # Alpha's 3 hidden, and gamma's 11 with it: the network's year less beta's would give alpha's.
    assert [rows[s]["year"] for s in ("alpha", "beta", "gamma")] == ["< 5", 61, "< 5"]
    assert cards(response)["year"]["value"] == 75
    assert "&lt; 5" in response.content.decode()
    client.force_login(coordinator)
    response = client.get("/fr/dashboard/2024/")
    rows = {r["cite"].slug: r for r in response.context["rows"]}
    assert [rows[s]["year"] for s in ("alpha", "beta", "gamma")] == [3, 61, 11]


def test_partners_are_credited_with_their_interviews_beside_their_contributions(
    client, clock, two_cites, coordinator
):
    alpha, beta = two_cites
    partner = alpha["partner"]
    with scopes_disabled():
        for day in (datetime.date(2024, 3, 4), datetime.date(2024, 6, 10)):
            for _ in range(6):
                visit = Visit.objects.create(cite=alpha["cite"], date=day, theme="job", outcome="interview")
                Interview.objects.create(visit=visit, partner=partner, duration_minutes=20)
    client.force_login(alpha["users"]["manager"])
    rows = client.get("/fr/dashboard/alpha/2024/").context["partners"]
    # 12 this year and the fixture's May interview; its one contribution of 2024.
    assert rows == [{"name": partner.name, "interviews": 13, "contributions": 1, "valued": ""}]
    client.force_login(coordinator)
    page = client.get("/fr/dashboard/2024/")
    credited = {r["name"]: r["interviews"] for r in page.context["partners"]}
    assert credited[partner.name] == 13
    assert credited[beta["partner"].name] == 1  # the coordinator sees small counts
    client.force_login(User.objects.create_user("netobs", role=Role.OBSERVER))
    credited = {r["name"]: r["interviews"] for r in client.get("/fr/dashboard/2024/").context["partners"]}
    # Beta's one interview hidden, and alpha's 13 with it: the interviews' total would give it back.
    assert credited == {partner.name: "< 5", beta["partner"].name: "< 5"}
    page = client.get("/fr/dashboard/2024/").content.decode()
    assert "Entretiens tenus par les conseillers de chaque partenaire" in page


def test_the_themes_asked_are_drawn_beside_the_workshops_offered(client, clock, two_cites):
    from cdm.activity.models import Activity

    alpha, _beta = two_cites
    cite = alpha["cite"]
    add_visits(cite, datetime.date(2024, 3, 4), 29, theme="job")  # 30 with the fixture's May visit
    add_visits(cite, datetime.date(2024, 3, 4), 10, theme="training")
    with scopes_disabled():
        for theme in ("training", "training", "training", "job"):
            Activity.objects.create(
                cite=cite,
                kind="information_session",
                role="organized",
                title="Atelier",
                theme=theme,
                date=datetime.date(2024, 4, 2),
                participants=8,
            )
    client.force_login(alpha["users"]["manager"])
    page = client.get("/fr/dashboard/alpha/2024/").content.decode()
    chart = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 460') :]
    chart = chart[: chart.index("</svg>")]
    # 30 of 40 visits asked for a job, 10 for training; 1 of 4 workshops on jobs, 3 on training.
    desc = chart[chart.index("<desc") : chart.index("</desc>")]
    assert "Trouver un emploi : 75\u202f% des visites, 25\u202f% des ateliers" in desc
    assert "Se former : 25\u202f% des visites, 75\u202f% des ateliers" in desc
    assert chart.count(">75\u202f%</text>") == 2 and chart.count(">25\u202f%</text>") == 2
