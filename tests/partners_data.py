"""Co-governance data for the partners tests, set up through the real actions."""

from __future__ import annotations

import datetime as dt
import types

from finegrid.partners import actions
from finegrid.partners.creditcode import complete
from finegrid.territory.actions import do_create_compound, do_create_dwelling, do_update_building
from finegrid.territory.models import Building, Dwelling
from tests.conftest import COMMUNITY_A, COMMUNITY_B, system

START = dt.date(2026, 1, 1)
PROPERTY_CODE = complete("91510116MA6C1B2X3")
COMMITTEE_CODE = complete("53510116MJ0000001")


def build(world, registry) -> types.SimpleNamespace:
    """锦苑 (community A) holding 3栋 with six dwellings of 80–120 m², served by 锦华物业
    and its owners' committee; 棠苑 in community B served by another company; the
    ``partner`` user acts for 锦华物业."""
    actor = system()
    compound = do_create_compound(
        actor, ref=f"{COMMUNITY_A}-C01", community=COMMUNITY_A, name="锦苑", kind="estate"
    )
    other = do_create_compound(
        actor, ref=f"{COMMUNITY_A}-C02", community=COMMUNITY_A, name="桂苑", kind="estate"
    )
    far = do_create_compound(
        actor, ref=f"{COMMUNITY_B}-C01", community=COMMUNITY_B, name="棠苑", kind="estate"
    )
    building = Building.objects.get(name="3栋")
    do_update_building(actor, building, compound=compound.ref)
    for room, floor in (("201", 2), ("301", 3), ("401", 4), ("402", 4)):
        do_create_dwelling(actor, building=building, entrance=1, floor=floor, room=room)
    dwellings = list(Dwelling.objects.filter(building=building).order_by("floor", "room"))
    for number, dwelling in enumerate(dwellings):
        actions.do_set_dwelling_area(actor, dwelling.pk, 80 + 8 * number)
    company = actions.do_create_partner(
        actor,
        kind="property",
        name="锦华物业",
        area=COMMUNITY_A,
        credit_code=PROPERTY_CODE,
        contact_name="刘经理",
        phone="028-85550000",
    )
    committee = actions.do_create_partner(
        actor,
        kind="owners_committee",
        name="锦苑业主委员会",
        area=COMMUNITY_A,
        credit_code=COMMITTEE_CODE,
    )
    rival = actions.do_create_partner(actor, kind="property", name="桂城物业", area=COMMUNITY_A)
    far_company = actions.do_create_partner(
        actor, kind="property", name="棠湖物业", area=COMMUNITY_B
    )
    actions.do_start_service(actor, company, compound=compound.pk, start=START)
    actions.do_start_service(actor, committee, compound=compound.pk, start=START)
    actions.do_start_service(actor, rival, compound=other.pk, start=START)
    actions.do_start_service(actor, far_company, compound=far.pk, start=START)
    actions.do_add_partner_account(actor, company, "partner")
    return types.SimpleNamespace(
        compound=compound,
        other=other,
        far=far,
        building=building,
        dwellings=dwellings,
        company=company,
        committee=committee,
        rival=rival,
        far_company=far_company,
    )


def failed_decision(coop):
    """锦苑's closed vote on rebuilding the bicycle shed: three of six owners took part."""
    decision = actions.do_open_decision(
        system(),
        coop.compound.pk,
        title="改建非机动车棚",
        matter="rebuild",
        held_on=START.replace(month=3),
    )
    for dwelling in coop.dwellings[:3]:
        actions.do_record_vote(system(), decision, dwelling.pk, "yes")
    return actions.do_close_decision(system(), decision)


def attack_objects(community: dict) -> dict:
    """A community's co-governance objects for the cross-scope attack (tests/test_attack.py),
    one of each kind a write names, in the state the write needs."""
    from finegrid.partners.catalogue import do_load_catalogue
    from finegrid.people.models import Person

    actor = system()
    code = community["community"]
    do_load_catalogue(actor)
    head = Person.objects.get(pk=community["head_id"])
    building = head.household.dwelling.building
    compound_ref = community["compound_ref"]
    do_update_building(actor, building, compound=compound_ref)
    for dwelling in Dwelling.objects.filter(building=building):
        actions.do_set_dwelling_area(actor, dwelling.pk, 90)
    spare = do_create_compound(actor, ref=f"{code}-C02", community=code, name="桂苑", kind="estate")
    company = actions.do_create_partner(actor, kind="property", name="锦华物业", area=code)
    committee = actions.do_create_partner(
        actor, kind="owners_committee", name="锦苑业委会", area=code
    )
    service = actions.do_start_service(
        actor, company, compound=community["compound_id"], start=dt.date(2024, 1, 1)
    )
    actions.do_start_service(
        actor, committee, compound=community["compound_id"], start=dt.date(2024, 1, 1)
    )
    term = actions.do_start_term(actor, committee, start=START, end=dt.date(2030, 12, 31))
    decision = actions.do_open_decision(
        actor, community["compound_id"], title="续聘物业", matter="manager", held_on=START
    )
    period = actions.do_open_period(
        actor, area=code, name="2026年评价", start=START, end=dt.date(2026, 6, 30)
    )
    closed = actions.do_open_period(
        actor, area=code, name="2025年下半年", start=dt.date(2025, 7, 1), end=dt.date(2025, 12, 31)
    )
    published = actions.do_open_period(
        actor, area=code, name="2025年上半年", start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30)
    )
    actions.do_set_party_role(actor, published, company.pk, "strong", "支部作用好")
    actions.do_close_period(actor, published)
    actions.do_publish_period(actor, published)
    [rating] = actions.do_close_period(actor, closed)
    offer = actions.do_create_offer(actor, item="WH-01", area=code, year=2026, budget="50000")
    ledgers = {}
    for quarter, state in ((1, "draft"), (2, "confirmed"), (3, "published")):
        ledger = actions.do_open_ledger(actor, spare.pk, year=2025, quarter=quarter)
        actions.do_add_entry(actor, ledger, kind="parking", amount="1000", description="停车")
        if state != "draft":
            actions.do_confirm_ledger(actor, ledger)
        if state == "published":
            actions.do_publish_ledger(actor, ledger)
        ledgers[state] = ledger.pk
        ledgers[f"{state}_entry"] = ledger.entries.get().pk
    # A draft of the served compound, for the committee's confirmation on paper.
    paper = actions.do_open_ledger(actor, community["compound_id"], year=2025, quarter=4)
    actions.do_add_entry(actor, paper, kind="parking", amount="800", description="停车")
    from finegrid.cases.actions import do_create_unit

    unit = do_create_unit(
        actor,
        name="锦华物业服务中心",
        kind="property",
        area=code,
        compound=community["compound_id"],
    )
    return {
        "property_unit_id": unit.pk,
        "paper_ledger_id": paper.pk,
        "partner_id": company.pk,
        "committee_id": committee.pk,
        "service_id": service.pk,
        "spare_compound_id": spare.pk,
        "term_id": term.pk,
        "decision_id": decision.pk,
        "period_id": period.pk,
        "closed_period_id": closed.pk,
        "rating_id": rating.pk,
        "offer_id": offer.pk,
        "ledger_id": ledgers["draft"],
        "confirmed_ledger_id": ledgers["confirmed"],
        "published_ledger_id": ledgers["published"],
        "published_entry_id": ledgers["published_entry"],
    }
