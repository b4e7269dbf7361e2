import pytest

from finegrid.org.models import PartyOrgKind
from finegrid.web.queries import HOUSEHOLD_BINS, MINUTE_BINS, histogram

pytestmark = pytest.mark.django_db(transaction=True)

# The text an ECharts chart (SVG renderer) draws: axis labels, one <text> per line.
CHART_TEXT = (
    """(chart) => [...chart.querySelectorAll("svg text")].map((t) => t.textContent.trim())"""
)


def test_cockpit_charts_name_every_category_on_a_phone(world, phone, log_in):
    log_in(phone, "community_staff")
    phone.goto("/cockpit/")
    phone.wait_for_selector("#chart-party[data-ready]")
    expected = {
        "chart-households": [row["bin"] for row in histogram([], HOUSEHOLD_BINS)],
        "chart-minutes": [row["bin"] for row in histogram([], MINUTE_BINS)],
        "chart-party": [str(label) for _, label in PartyOrgKind.choices],
    }
    for chart, labels in expected.items():
        drawn = phone.locator(f"#{chart}").evaluate(CHART_TEXT)
        assert [text for text in drawn if text in labels] == labels, chart
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
