"""Batch intake (POST /api/cases/batch): each item checked, placed in the caller's scope
and routed as a single intake does it, all written or none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finegrid import clock
from finegrid.accounts.models import AuditEntry
from finegrid.cases.actions import do_add_robot, do_open_case, do_open_cases
from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import Case, CaseStep, Category, Notification
from finegrid.errors import InvalidInput, NotFound
from finegrid.people.actions import do_link_account
from tests.conftest import COMMUNITY_A, system


@pytest.fixture
def lists(world):
    do_load_illustrative(system(), "510116001")


def written() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        CaseStep.objects.count(),
        AuditEntry.objects.filter(object_type="cases.case").count(),
        Notification.objects.count(),
    )


def post(client, items):
    return client.post("/api/cases/batch", {"items": items}, content_type="application/json")


@pytest.fixture
def frozen():
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))):
        yield


def test_a_batch_opens_every_case_as_single_intakes_would(world, registry, lists, login, frozen):
    do_add_robot(
        system(), node=COMMUNITY_A, name="社区群", kind="wecom", url="wecombot://k", below=True
    )
    items = [
        {"category": "sanitation", "text": "垃圾满溢", "household": registry.zhang.pk},
        {"category": "parking", "text": "乱停车", "grid": world.grids.micro.code},
        {"category": "noise", "text": "夜间施工", "community": COMMUNITY_A, "urgency": "urgent"},
    ]
    answer = post(login(world.users.community_staff), items)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert [c["text"] for c in body] == ["垃圾满溢", "乱停车", "夜间施工"]
    assert len({c["ref"] for c in body}) == 3
    assert [c["status"] for c in body] == ["submitted"] * 3
    assert body[2]["urgency"] == "urgent"
    singles = [do_open_case(world.users.community_staff, channel="staff", **item) for item in items]
    for batched, single in zip(body, singles, strict=True):
        case = Case.objects.get(pk=batched["id"])
        assert (case.route_rule, case.duty_item_id, case.path, case.address, case.due_at) == (
            single.route_rule,
            single.duty_item_id,
            single.path,
            single.address,
            single.due_at,
        )
        assert [(s.kind, s.to_status, s.actor_label) for s in case.steps.all()] == [
            ("open", "submitted", "community_staff")
        ]
        assert AuditEntry.objects.filter(
            object_type="cases.case", object_id=str(case.pk), action="create"
        ).exists()
        # The community's robot hears of each case, as of a single intake's.
        assert Notification.objects.filter(text__startswith=f"新事件 {case.ref}").count() == 1


def test_a_batch_with_a_bad_item_writes_nothing_and_names_every_problem(
    world, registry, lists, login
):
    before = written()
    answer = post(
        login(world.users.community_staff),
        [
            {"category": "sanitation", "text": "垃圾", "household": registry.zhang.pk},
            {"category": "weather", "text": "下雨", "community": COMMUNITY_A},
            {"category": "noise", "text": " ", "community": COMMUNITY_A, "reporter_phone": "1"},
        ],
    )
    assert answer.status_code == 400
    problems = answer.json()["problems"]
    assert problems[0].startswith("items[1].category: 'weather' is not one of parking, ")
    assert problems[1:] == [
        "items[2].text: describe the problem",
        problems[2],
    ]
    assert problems[2].startswith("items[2].reporter_phone: ")
    assert written() == before


def test_an_item_out_of_scope_reads_as_missing_and_nothing_is_written(
    world, registry, lists, login
):
    before = written()
    client = login(world.users.outsider)
    items = [
        {"category": "sanitation", "text": "垃圾", "community": "510104017001"},
        {"category": "sanitation", "text": "垃圾", "household": registry.zhang.pk},
    ]
    foreign = post(client, items)
    items[1]["household"] = 999_999
    missing = post(client, items)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == f"items[1]: no household with id {registry.zhang.pk}"
    assert missing.json()["detail"] == "items[1]: no household with id 999999"
    assert written() == before


def test_a_resident_batches_only_for_their_own_household(world, registry, lists):
    resident = world.users.resident
    do_link_account(system(), registry.zhang.head, resident)
    cases = do_open_cases(
        resident,
        [
            {"category": "noise", "text": "楼上噪音", "channel": "resident"},
            {"category": "elevator", "text": "电梯坏了", "channel": "resident", "grid": "x"},
        ],
    )
    assert [(c.household_id, c.reporter_id) for c in cases] == [
        (registry.zhang.pk, resident.pk)
    ] * 2
    with pytest.raises(NotFound, match=r"^items\[0\]: no household "):
        do_open_cases(
            resident,
            [{"category": "noise", "text": "噪音", "channel": "resident", "household": 99}],
        )


def test_a_batch_holds_one_to_500_items(world, lists, login):
    client = login(world.users.community_staff)
    assert post(client, []).status_code in (400, 422)
    item = {"category": "other", "text": "x", "community": COMMUNITY_A}
    assert post(client, [item] * 501).status_code in (400, 422)
    with pytest.raises(InvalidInput, match="at most 500 cases"):
        do_open_cases(system(), [{**item, "channel": "staff"}] * 501)
    assert Case.objects.count() == 0


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.tuples(
            st.sampled_from(Category.values),
            st.sampled_from(["household", "grid", "community"]),
            st.sampled_from([None, "urgent", "normal"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_batched_and_single_intakes_route_alike(world, registry, lists, items):
    staff = world.users.street_staff
    places = {
        "household": {"household": registry.zhang.pk},
        "grid": {"grid": world.grids.micro2.code},
        "community": {"community": COMMUNITY_A},
    }
    given_items = [
        {"category": c, "text": "问题", "channel": "staff", "urgency": u, **places[p]}
        for c, p, u in items
    ]
    batched = do_open_cases(staff, given_items)
    for item, case in zip(given_items, batched, strict=True):
        single = do_open_case(staff, **item)
        assert (case.route_rule, case.urgency, case.path, case.household_id) == (
            single.route_rule,
            single.urgency,
            single.path,
            single.household_id,
        )
