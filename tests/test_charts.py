"""The report's charts: one palette readable by everyone (WCAG contrast), real text, natural order."""

import re

from django.utils import translation

from cdm.stats import charts
from cdm.stats.report import by_size, natural


def luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_chart_colour_stands_out_from_the_page_and_carries_white_text():
    for colour in charts.PALETTE:
        assert contrast(colour, charts.BACKGROUND) >= 3, colour  # WCAG 1.4.11, graphical objects
        assert contrast(charts.ON_BAR, colour) >= 4.5, colour  # WCAG 1.4.3, a value written on its bar
    assert contrast(charts.INK, charts.BACKGROUND) >= 4.5
    assert contrast(charts.GRID, charts.BACKGROUND) >= 3


def test_the_trends_two_lines_differ_in_grey_as_well_as_in_hue():
    # Printed in grey the second line is told apart by its dashes and by a lighter grey.
    first, second = charts.PALETTE[:2]
    assert contrast(first, second) >= 1.25


def test_a_bar_chart_writes_each_value_and_share_as_text_in_the_languages_format():
    with translation.override("fr"):
        svg = charts.bar_chart([("Belgique", 110968), ("France", 1000)], title="Par pays", shares=True)
    texts = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    assert "Belgique" in texts and "France" in texts
    assert any(t.startswith("110\u202f968") and "99\u202f%" in t for t in texts)
    with translation.override("en"):
        svg = charts.bar_chart([("Belgium", 110968)], title="By country")
    assert "110,968" in svg
    assert 'role="img"' in svg and "<title>By country</title>" in svg


def test_a_hidden_count_keeps_its_row_and_draws_no_bar():
    svg = charts.bar_chart([("Femme", 40), ("Autre", "< 5")], title="Genre")
    assert "&lt; 5" in svg and svg.count("<rect") == 1


def test_the_month_trend_draws_last_year_as_a_dashed_line_with_a_legend():
    months = [(f"m{i}", 10 * i) for i in range(1, 13)]
    svg = charts.trend_chart(
        months, title="Visites par mois", previous=list(range(12)), legend=("2024", "2023")
    )
    assert 'stroke-dasharray="6 4"' in svg and ">2023</text>" in svg and ">2024</text>" in svg
    alone = charts.trend_chart(months, title="Visites par mois")
    assert "stroke-dasharray" not in alone


def test_age_bands_come_in_their_natural_order_and_not_stated_last():
    from cdm.network.vocabularies import AgeBand

    counts = {"not_stated": 500, "under_18": 3, "55_plus": 10, "18_25": 7, "26_44": 9, "45_54": 1}
    assert [k for k, _v in natural(counts, AgeBand.values)] == [
        "under_18",
        "18_25",
        "26_44",
        "45_54",
        "55_plus",
        "not_stated",
    ]


def test_shares_come_largest_first_with_hidden_then_not_stated_last():
    counts = {"not_stated": 900, "female": 40, "male": 60, "other": "< 5"}
    assert [k for k, _v in by_size(counts)] == ["male", "female", "other", "not_stated"]
    counts = {"BE": 10, "FR": 300, "CH": "< 5", "PT": 20}
    assert [k for k, _v in by_size(counts)] == ["FR", "PT", "BE", "CH"]


def test_a_long_label_is_cut_to_its_room_and_kept_whole_in_a_tooltip():
    name = "Chambre de commerce et d'industrie de Barcelona, service emploi"
    svg = charts.bar_chart([(name, 31)], title="Entretiens")
    assert "…" in svg and f"<title>{name.replace(chr(39), '&#x27;')}</title>" in svg
