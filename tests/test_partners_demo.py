"""The demo's co-governance: every partners page has real-looking content."""

import re

import pytest

from finegrid.accounts.models import User
from finegrid.demo import build
from finegrid.divisions import get
from finegrid.partners.models import (
    AssemblyDecision,
    Award,
    Ledger,
    Partner,
    PeriodStatus,
    Rating,
    RatingPeriod,
)

VILLAGE = "510131002219"


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    return settings


def test_the_demo_has_partners_grades_an_award_and_published_accounts(
    demo_settings, client, login, db
):
    state = build.build(get(VILLAGE), seed=2, workers=1)
    assert state["partners"] == Partner.objects.count() > 0
    period = RatingPeriod.objects.get()
    assert period.status == PeriodStatus.PUBLISHED
    grades = set(Rating.objects.values_list("grade", flat=True))
    assert grades
    assert grades <= {"AAA", "AA", "A", "B", "C"}
    assert Award.objects.count() == 1
    assert AssemblyDecision.objects.get().outcome is not None
    assert state["published_ledgers"] == Ledger.objects.filter(status="published").count() >= 2
    index = client.get("/public/").content.decode()
    notices = re.findall(r'href="(/public/notices/\d+/\d+q\d/)"', index)
    assert len(notices) >= 2
    page = client.get(notices[0])
    assert page.status_code == 200
    assert "结余" in page.content.decode()
    partner = User.objects.get(username="partner")
    assert partner.is_demo
    assert login(partner).get("/partners/").status_code == 200
    assert "partner" in [entry["username"] for entry in state["logins"]]
