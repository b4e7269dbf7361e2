"""The partners API: answers, errors and scope, through the test client and over a live
server with a bearer token."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from finegrid.accounts.actions import do_create_token
from finegrid.partners import actions
from tests import partners_data
from tests.conftest import COMMUNITY_A, system


@pytest.fixture
def coop(world, registry):
    return partners_data.build(world, registry)


def test_a_wrong_credit_code_is_a_400_naming_the_field(login, world):
    client = login(world.users.community_staff)
    answer = client.post(
        "/api/partners",
        {
            "kind": "property",
            "name": "锦华物业",
            "area": COMMUNITY_A,
            "credit_code": "91350100M000100Y44",
        },
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["problems"] == ["credit_code: check character is 4, should be 3"]


def test_a_partner_user_lists_only_its_organization_and_compounds(login, coop, world):
    client = login(world.users.partner)
    partners = client.get("/api/partners").json()["items"]
    assert [p["name"] for p in partners] == ["锦华物业"]
    services = client.get("/api/partner-services").json()["items"]
    assert {s["compound"] for s in services} == {coop.compound.pk}
    assert client.get(f"/api/partners/{coop.rival.pk}").status_code == 404
    # A partner user may keep its own compound's accounts, not register organizations.
    refused = client.post(
        "/api/partners",
        {"kind": "property", "name": "x", "area": COMMUNITY_A},
        content_type="application/json",
    )
    assert refused.status_code == 403
    opened = client.post(
        "/api/ledgers",
        {"compound": coop.compound.pk, "year": 2026, "quarter": 1},
        content_type="application/json",
    )
    assert opened.status_code == 201
    assert opened.json()["entered_by"] == coop.company.pk
    other = client.post(
        "/api/ledgers",
        {"compound": coop.other.pk, "year": 2026, "quarter": 1},
        content_type="application/json",
    )
    assert other.status_code == 404
    assert other.json() == {"detail": f"no compound with id {coop.other.pk}"}


def test_the_decision_answers_with_its_count(login, coop, world):
    decision = actions.do_open_decision(
        system(),
        coop.compound.pk,
        title="使用维修资金",
        matter="use_fund",
        held_on=dt.date(2026, 4, 1),
    )
    client = login(world.users.community_staff)
    for dwelling in coop.dwellings[1:]:
        answer = client.post(
            f"/api/decisions/{decision.pk}/votes",
            {"dwelling": dwelling.pk, "choice": "yes"},
            content_type="application/json",
        )
        assert answer.status_code == 201
    closed = client.post(f"/api/decisions/{decision.pk}/close").json()
    assert closed["status"] == "closed"
    assert closed["outcome"]["passed"] is True
    assert closed["outcome"]["tally"] == {
        "total_area": "600.00",
        "total_owners": 6,
        "voted_area": "520.00",
        "voted_owners": 5,
        "yes_area": "520.00",
        "yes_owners": 5,
    }


def test_over_a_live_server_with_a_token(coop, world, registry, live_server):
    _, secret = do_create_token(system(), world.users.community_staff, "partners")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret}"
    base = f"{live_server.url}/api"
    period = session.post(
        f"{base}/rating-periods",
        json={
            "area": COMMUNITY_A,
            "name": "2026上半年",
            "start": "2026-01-01",
            "end": "2026-06-30",
        },
    )
    assert period.status_code == 201
    assert period.json()["config"]["weights"] == {
        "satisfaction": 40,
        "cases": 30,
        "party": 15,
        "records": 15,
    }
    period_id = period.json()["id"]
    ratings = session.post(f"{base}/rating-periods/{period_id}/close").json()
    assert sorted((r["compound_name"], r["grade"]) for r in ratings) == [
        ("桂苑", "AA"),
        ("锦苑", "AA"),
    ]
    corrected = session.post(f"{base}/ratings/{ratings[0]['id']}/correct", json={"reason": "复核"})
    assert corrected.status_code == 201
    assert (corrected.json()["version"], corrected.json()["reason"]) == (2, "复核")
    late = session.post(
        f"{base}/rating-periods/{period_id}/answers",
        json={"household": registry.zhang.pk, "score": 3},
    )
    assert late.status_code == 409
    assert late.json() == {"detail": "rating period 2026上半年: is 已结束, no longer open"}


def test_an_offer_and_its_award_answer_with_amounts(login, coop, world):
    from finegrid.partners.catalogue import do_load_catalogue

    do_load_catalogue(system())
    client = login(world.users.community_staff)
    offer = client.post(
        "/api/service-offers",
        {"item": "WH-02", "area": COMMUNITY_A, "year": 2026, "budget": "9000"},
        content_type="application/json",
    )
    assert offer.status_code == 201
    assert (offer.json()["budget"], offer.json()["awarded_to"]) == ("9000.00", None)
    refused = client.post(
        f"/api/service-offers/{offer.json()['id']}/award",
        {"partner": coop.company.pk, "amount": "9000.01"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["problems"] == [
        "amount: must be at most the budget 9000.00",
        "partner: 锦华物业 is not eligible (no published rating under 五洞桥社区居委会)",
    ]


def test_staff_record_the_committees_confirmation_given_on_paper(login, coop, world):
    ledger = actions.do_open_ledger(system(), coop.compound.pk, year=2026, quarter=1)
    actions.do_add_entry(system(), ledger, kind="parking", amount="1200", description="停车")
    client = login(world.users.community_staff)
    url = f"/api/ledgers/{ledger.pk}/confirm"
    # Without a side named, the community may not confirm where a committee exists.
    refused = client.post(url, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["problems"] == [
        "confirmed_by: 锦苑业主委员会 confirms this compound's accounts"
    ]
    wrong = client.post(url, {"on_behalf_of": coop.rival.pk}, content_type="application/json")
    assert wrong.json()["problems"] == ["on_behalf_of: 桂城物业 does not serve 锦苑"]
    far = client.post(url, {"on_behalf_of": coop.far_company.pk}, content_type="application/json")
    assert (far.status_code, far.json()) == (
        404,
        {"detail": f"no partner with id {coop.far_company.pk}"},
    )
    done = client.post(url, {"on_behalf_of": coop.committee.pk}, content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["confirmed_by"]) == ("confirmed", coop.committee.pk)
    assert done.json()["confirmed_by_community"] is False
