"""Every SVG builder that returns markup marked safe escapes what it is given: a hostile label,
title, description or legend comes out as text, never as an element or an attribute."""

import pytest

from cdm.lib.maps import member_map_svg
from cdm.stats import charts, dashboard_charts

HOSTILE = '</text><script>alert(1)</script><a href="javascript:x" onload="y">'


def _built():
    h = HOSTILE
    return {
        "bar": charts.bar_chart([(h, 3), ("b", "< 5")], title=h, shares=True),
        "trend": charts.trend_chart([(h, 3), ("b", 4)], title=h, previous=[1, 2], legend=(h, h)),
        "grouped": charts.grouped_bar_chart([(h, 3, 4)], title=h, legend=(h, h), description=h),
        "month_trend": dashboard_charts.month_trend(
            [h, "b"], [1, 2], [2, None], title=h, description=h, legend=(h, h)
        ),
        "sparkline": dashboard_charts.sparkline([1, "< 5", 3], title=h),
        "map": member_map_svg([{"name": h, "latitude": 48.8, "longitude": 2.3, "url": h}], title=h),
    }


@pytest.mark.parametrize("name", ["bar", "trend", "grouped", "month_trend", "sparkline", "map"])
def test_hostile_text_stays_text(name):
    svg = str(_built()[name])
    assert "<script" not in svg and '<a href="javascript' not in svg and 'onload="y"' not in svg
    assert "&lt;script&gt;" in svg
