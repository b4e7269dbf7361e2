"""Ratings of property companies, purchased services, and the public accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from finegrid.accounts.models import AuditEntry
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.partners import actions, queries, score
from finegrid.partners.models import Award, ServiceItem
from finegrid.people.actions import do_link_account
from tests import partners_data
from tests.conftest import COMMUNITY_A, system

PERIOD = {
    "name": "2026年上半年物业服务评价",
    "start": dt.date(2026, 1, 1),
    "end": dt.date(2026, 6, 30),
}


@pytest.fixture
def coop(world, registry):
    return partners_data.build(world, registry)


@pytest.fixture
def period(coop):
    return actions.do_open_period(system(), area=COMMUNITY_A, **PERIOD)


def _rate_inputs(coop, period, registry):
    actions.do_answer_survey(system(), period, registry.zhang.pk, 5)
    actions.do_answer_survey(system(), period, registry.wang.pk, 4, "电梯维修慢")
    actions.do_set_party_role(system(), period, coop.company.pk, "strong", "党支部牵头加装电梯")
    actions.do_add_record(
        system(),
        coop.company.pk,
        compound=coop.compound.pk,
        kind="bad",
        points=10,
        occurred_on=dt.date(2026, 3, 5),
        description="违规停水",
    )


def _mine(coop, ratings):
    """The rating of 锦苑 among those of the period (桂苑 is rated too)."""
    assert sorted(r.compound.name for r in ratings) == ["桂苑", "锦苑"]
    return next(r for r in ratings if r.compound == coop.compound)


def test_the_score_from_its_inputs(coop, period, registry):
    period.config["min_answers"] = 2
    period.save()
    _rate_inputs(coop, period, registry)
    rating = _mine(coop, actions.do_close_period(system(), period))
    # Survey mean 4.5 → 87.50; no cases; party strong → 100; records 80 − 10 = 70.
    # (40·87.5 + 15·100 + 15·70) / 70 = 86.43 → AA.
    assert rating.inputs["components"] == {
        "satisfaction": "87.50",
        "cases": None,
        "party": "100",
        "records": "70",
    }
    assert (rating.score, rating.grade) == (Decimal("86.43"), "AA")
    assert rating.inputs["survey"] == {"answers": 2, "sum": 9, "distribution": {"4": 1, "5": 1}}
    assert rating.inputs["party_reason"] == "党支部牵头加装电梯"
    # Reproducible: the stored inputs and settings give the stored score again.
    assert score.compute(rating.inputs, period.config)[:2] == (rating.score, rating.grade)


def test_too_few_answers_leave_satisfaction_out(coop, period, registry):
    _rate_inputs(coop, period, registry)
    rating = _mine(coop, actions.do_close_period(system(), period))
    assert rating.inputs["components"]["satisfaction"] is None
    assert (rating.score, rating.grade) == (Decimal("85.00"), "AA")


def test_heavy_bad_records_give_the_lowest_grade():
    inputs = {"survey": {"answers": 5, "sum": 25}, "party": "strong", "records": {"bad": 30}}
    assert score.compute(inputs, score.DEFAULT_CONFIG)[1] == "C"


def test_a_household_answers_once_and_a_resident_sees_only_its_own(coop, period, registry, world):
    actions.do_answer_survey(system(), period, registry.zhang.pk, 5)
    actions.do_answer_survey(system(), period, registry.wang.pk, 2)
    with pytest.raises(Conflict, match="has already answered in 2026年上半年物业服务评价"):
        actions.do_answer_survey(system(), period, registry.zhang.pk, 1)
    with pytest.raises(InvalidInput, match="score: must be 1"):
        actions.do_answer_survey(system(), period, registry.zhang.pk, 6)
    do_link_account(system(), registry.zhang.head, world.users.resident)
    from finegrid.partners.models import SurveyAnswer

    mine = SurveyAnswer.objects.restrict(world.users.resident)
    assert [(a.household_id, a.score) for a in mine] == [(registry.zhang.pk, 5)]


def test_a_closed_period_changes_only_by_a_new_audited_version(coop, period, registry):
    _rate_inputs(coop, period, registry)
    first = _mine(coop, actions.do_close_period(system(), period))
    actions.do_publish_period(system(), period)
    with pytest.raises(Conflict, match="is 已公布, no longer open"):
        actions.do_answer_survey(system(), period, registry.zhang.pk, 1)
    # A good record found late; the published grade stays until a correction.
    actions.do_add_record(
        system(),
        coop.company.pk,
        compound=coop.compound.pk,
        kind="good",
        points=20,
        occurred_on=dt.date(2026, 5, 1),
        description="疫情期间保供",
    )
    first.refresh_from_db()
    assert (first.score, first.current) == (Decimal("85.00"), True)
    second = actions.do_correct_rating(system(), first, "补录良好记录")
    first.refresh_from_db()
    assert (first.current, second.current, second.version) == (False, True, 2)
    assert (second.score, second.grade) == (Decimal("95.00"), "AAA")
    entry = AuditEntry.objects.filter(object_type="partners.rating", object_id=str(second.pk)).get()
    assert entry.reason == "补录良好记录"
    with pytest.raises(Conflict, match="a later version exists"):
        actions.do_correct_rating(system(), first, "再改")
    current = queries.current_ratings(system(), period).filter(compound=coop.compound)
    assert list(current) == [second]


def test_the_ranking_and_an_award_that_departs_from_it(coop, period, registry):
    _rate_inputs(coop, period, registry)
    actions.do_set_party_role(system(), period, coop.rival.pk, "weak", "支部活动少")
    actions.do_close_period(system(), period)
    actions.do_publish_period(system(), period)
    ServiceItem.objects.create(code="WH-01", name="社区文化活动", category="culture")
    offer = actions.do_create_offer(
        system(), item="WH-01", area=COMMUNITY_A, year=2026, budget="50000"
    )
    ranking = queries.ranking(system(), offer)
    assert [(r["rank"], r["name"], r["grade"]) for r in ranking] == [
        (1, "锦华物业", "AA"),
        (2, "桂城物业", "B"),
    ]
    with pytest.raises(InvalidInput) as error:
        actions.do_award(system(), offer, coop.rival.pk, amount="40000")
    assert error.value.problems == ["reason: 桂城物业 ranks 2; say why the first is passed over"]
    with pytest.raises(InvalidInput, match="is not eligible"):
        actions.do_award(system(), offer, coop.far_company.pk, amount="40000")
    award = actions.do_award(
        system(), offer, coop.rival.pk, amount="40000", reason="锦华物业放弃承接"
    )
    assert (award.rank, award.reason, award.ranking[0]["name"]) == (
        2,
        "锦华物业放弃承接",
        "锦华物业",
    )
    assert list(queries.public_awards(2026)) == [award]


def test_a_streets_ranking_shows_each_reader_only_the_ratings_of_their_scope(coop, world):
    street = "510116001"
    period = actions.do_open_period(system(), area=street, **PERIOD)
    actions.do_close_period(system(), period)
    actions.do_publish_period(system(), period)
    ServiceItem.objects.create(code="WH-01", name="社区文化活动", category="culture")
    offer = actions.do_create_offer(system(), item="WH-01", area=street, year=2026, budget="9000")

    def names(user):
        return sorted(
            row["name"] for row in queries.ranking(user, queries.get_offer(user, offer.pk))
        )

    assert names(world.users.street_staff) == ["桂城物业", "棠湖物业", "锦华物业"]
    # Community A's staff see the street's offer, but not community B's grades.
    assert names(world.users.community_staff) == ["桂城物业", "锦华物业"]
    # A partner sees its own organization's rating only.
    assert names(world.users.partner) == ["锦华物业"]
    # Seeing the street's offer is not awarding it; the outsider does not even see it.
    with pytest.raises(NotFound):
        actions.do_award(world.users.outsider, offer, coop.company.pk, amount="100")
    with pytest.raises(PermissionDenied):
        actions.do_award(world.users.community_staff, offer, coop.company.pk, amount="100")
    award = actions.do_award(
        world.users.street_staff, offer, coop.far_company.pk, amount="100", reason="就近"
    )
    assert sorted(row["name"] for row in award.ranking) == ["桂城物业", "棠湖物业", "锦华物业"]
    # The award is seen from below, like its offer.
    seen = Award.objects.restrict(world.users.community_staff).filter(offer=offer)
    assert list(seen) == [award]
    assert list(Award.objects.restrict(world.users.outsider)) == []


# --- Public accounts ------------------------------------------------------------------------


def test_the_other_side_confirms_and_a_published_ledger_never_changes(coop, world):
    partner = world.users.partner
    ledger = actions.do_open_ledger(partner, coop.compound.pk, year=2026, quarter=1)
    actions.do_add_entry(partner, ledger, kind="parking", amount="12000", description="临时停车费")
    actions.do_add_entry(partner, ledger, kind="repair", amount="3500.50", description="更换路灯")
    with pytest.raises(
        InvalidInput, match="锦华物业 entered this ledger; the other side confirms it"
    ):
        actions.do_confirm_ledger(partner, ledger)
    with pytest.raises(InvalidInput, match="锦苑业主委员会 confirms this compound's accounts"):
        actions.do_confirm_ledger(system(), ledger)
    from finegrid.accounts.actions import do_create_user

    chair = do_create_user(system(), username="chair", role="partner", scopes=[COMMUNITY_A])
    actions.do_add_partner_account(system(), coop.committee, "chair")
    actions.do_confirm_ledger(chair, ledger)
    actions.do_publish_ledger(system(), ledger)
    totals = queries.ledger_totals(ledger)
    assert (totals["income"], totals["expense"], totals["balance"]) == (
        Decimal("12000.00"),
        Decimal("3500.50"),
        Decimal("8499.50"),
    )
    with pytest.raises(Conflict, match="is 已公示; a published one is corrected by a new version"):
        actions.do_add_entry(partner, ledger, kind="parking", amount="1", description="补")
    fresh = actions.do_correct_ledger(partner, ledger, "漏记广告收入")
    actions.do_add_entry(partner, fresh, kind="advertising", amount="800", description="道闸广告")
    assert (fresh.version, fresh.correction, fresh.entries.count()) == (2, "漏记广告收入", 3)
    ledger.refresh_from_db()
    assert ledger.entries.count() == 2
    assert list(queries.published_notices()) == [ledger]


def test_the_cases_component_from_the_rates_of_the_cases_app():
    conf = score.DEFAULT_CONFIG
    both = {"cases": {"total": 10, "closed": 8, "on_time": 0.75, "rated": 5, "satisfied": 0.8}}
    assert score.components(both, conf)["cases"] == Decimal("77.50")
    unrated = {"cases": {"total": 3, "closed": 2, "on_time": 0.5, "rated": 0, "satisfied": None}}
    assert score.components(unrated, conf)["cases"] == Decimal("50.00")
    assert score.components({"cases": {"total": 0}}, conf)["cases"] is None
    assert score.components({"cases": None}, conf)["cases"] is None


def test_a_rating_counts_the_cases_of_its_compound_and_period(coop, period, registry, world):
    from django.utils import timezone

    from finegrid import clock
    from finegrid.cases.actions import do_open_case, do_rate_case, do_step
    from finegrid.cases.illustrative import do_load_illustrative
    from finegrid.cases.models import Unit

    do_load_illustrative(system(), "510116001")
    unit = Unit.objects.get(kind="community", area__code=COMMUNITY_A)
    resident, staff = world.users.resident, world.users.community_staff
    do_link_account(system(), registry.zhang.head, resident)
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))):
        case = do_open_case(resident, category="sanitation", text="楼道垃圾", channel="resident")
        for kind in ("accept", "dispatch", "start", "handle"):
            case = do_step(staff, case, kind, note="好" if kind != "dispatch" else "", unit=unit)
        case = do_step(world.users.grid_worker, case, "verify", note="好")
        case = do_step(staff, case, "close", note="好")
        do_rate_case(resident, case, "satisfied")
        do_open_case(
            staff,
            category="parking",
            text="消防通道停车",
            channel="staff",
            compound=coop.compound.pk,
        )
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 7, 2, 9, 0))):
        do_open_case(
            staff,
            category="parking",
            text="下一周期的事件",
            channel="staff",
            compound=coop.compound.pk,
        )
    rating = _mine(coop, actions.do_close_period(system(), period))
    assert rating.inputs["cases"] == {
        "total": 2,
        "closed": 1,
        "on_time": 1.0,
        "rated": 1,
        "satisfied": 1.0,
    }
    assert rating.inputs["components"]["cases"] == "100.00"


def test_a_period_keeps_the_settings_it_opened_with(coop, settings):
    settings.FINEGRID_RATING = {"min_answers": 7, "grades": [["优", 85], ["良", 70], ["差", 0]]}
    first = actions.do_open_period(system(), area=COMMUNITY_A, **PERIOD)
    settings.FINEGRID_RATING = {}
    second = actions.do_open_period(system(), area=COMMUNITY_A, **PERIOD)
    assert (first.config["min_answers"], first.config["grades"][0]) == (7, ["优", 85])
    assert (second.config["min_answers"], second.config["grades"][0]) == (3, ["AAA", 90])
    ratings = actions.do_close_period(system(), first)
    assert {r.grade for r in ratings} <= {"优", "良", "差"}
