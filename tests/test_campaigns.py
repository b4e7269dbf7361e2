"""Campaigns: launch, visits at the door, progress, escalation, reassignment, closing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied

from finegrid.accounts.models import AuditEntry
from finegrid.campaigns import queries
from finegrid.campaigns.actions import (
    do_close_campaign,
    do_escalate,
    do_launch_campaign,
    do_reassign,
    do_record_visit,
)
from finegrid.campaigns.models import Assignment, Notice, Section, Visit
from finegrid.errors import Conflict, InvalidInput, NotFound
from tests import campaign_data
from tests.campaign_data import START
from tests.conftest import COMMUNITY_A, system

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def field(world):
    return campaign_data.build(world)


@pytest.fixture
def campaign(world, field):
    return do_launch_campaign(
        system(),
        scope=COMMUNITY_A,
        title="防汛入户",
        checklist=[
            {"question": "是否收到预警", "type": "yes_no"},
            {"key": "people", "question": "在家人数", "type": "number"},
            {"key": "need", "question": "需要", "type": "choice", "choices": ["转移", "物资"]},
        ],
        start=START,
        now=START,
    )


def visit(actor, campaign, household, outcome="reached", **extra):
    extra.setdefault("client_id", uuid.uuid4())
    extra.setdefault("now", START + 10 * MINUTE)
    return do_record_visit(actor, campaign, household=household.pk, outcome=outcome, **extra)


def test_launch_assigns_every_household_to_its_grid_worker(world, field, campaign):
    assert campaign.deadline - campaign.start == dt.timedelta(hours=3)
    assert campaign.households == 12
    sections = {s.grid.code: s for s in Section.objects.filter(campaign=campaign)}
    assert {code: (s.households, s.worker) for code, s in sections.items()} == {
        world.grids.micro.code: (6, field.workers.micro),
        world.grids.micro2.code: (4, None),
        world.grids.dedicated.code: (2, field.workers.dedicated),
    }
    # The micro-grid without a worker is flagged at launch.
    progress = queries.progress(system(), campaign, now=START)
    assert progress["without_worker"] == 1
    # Each worker with a login is told in the app.
    assert sorted(n.recipient.username for n in Notice.objects.filter(campaign=campaign)) == [
        "dedicated_worker",
        "micro_worker",
    ]
    assert AuditEntry.objects.filter(object_type="campaigns.campaign").count() == 1


def test_the_worker_sees_vulnerable_households_first_without_why(world, field, campaign):
    doors = list(queries.my_doors(world.users.micro_worker, campaign))
    names = [a.household.head.name for a in doors]
    # 一12号 (重病患者) and the two on the third floor (独居老人) first, then the route.
    assert names == ["一12号", "一31号", "一32号", "一11号", "一21号", "一22号"]
    assert [a.priority for a in doors] == [True, True, True, False, False, False]


def test_a_launch_names_its_problems(world, field):
    with pytest.raises(InvalidInput) as error:
        do_launch_campaign(
            system(),
            scope=COMMUNITY_A,
            title="",
            checklist=[{"question": "颜色", "type": "choice", "choices": ["红"]}, {"type": "x"}],
            start=START,
            hours=0.0001,
            deadline=START - MINUTE,
        )
    assert error.value.problems == [
        "title: must be 1 to 100 characters",
        "checklist[1].choices: a choice question needs at least two choices",
        "checklist[2].question: must be 1 to 200 characters",
        "checklist[2].type: 'x' is not one of yes_no, choice, number, text",
        "deadline: must be after start",
    ]


def test_staff_launch_only_in_their_scope_and_workers_not_at_all(world, field):
    with pytest.raises(NotFound, match="no administrative area with code 510104017001"):
        do_launch_campaign(world.users.community_staff, scope="510104017001", title="t")
    with pytest.raises(PermissionDenied):
        do_launch_campaign(world.users.grid_worker, scope=world.grids.general.code, title="t")
    assert not Section.objects.exists()


def test_a_retried_outcome_counts_once(world, field, campaign):
    worker = world.users.micro_worker
    household = field.households["一11号"]
    client_id = uuid.uuid4()
    first, created = visit(worker, campaign, household, client_id=client_id, note="在家")
    again, created_again = visit(worker, campaign, household, "not_home", client_id=client_id)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert again.outcome == "reached"
    assert Visit.objects.count() == 1
    section = Section.objects.get(campaign=campaign, grid=world.grids.micro)
    assert (section.visits, section.done, section.reached) == (1, 1, 1)


def test_not_at_home_is_revisited_and_history_kept(world, field, campaign):
    worker = world.users.micro_worker
    household = field.households["一11号"]
    visit(worker, campaign, household, "not_home")
    visit(worker, campaign, household, "reached", now=START + 90 * MINUTE)
    assignment = Assignment.objects.get(campaign=campaign, household=household)
    assert assignment.outcome == "reached"
    assert [v.outcome for v in assignment.visits.all()] == ["not_home", "reached"]
    section = assignment.section
    section.refresh_from_db()
    assert (section.visits, section.done, section.not_home, section.reached) == (2, 1, 0, 1)


def test_a_worker_records_only_for_their_own_households(world, field, campaign):
    other = field.households["二11号"]  # micro-grid 02, no worker
    with pytest.raises(NotFound, match=f"no household {other.pk} in campaign {campaign.pk}"):
        visit(world.users.micro_worker, campaign, other)
    with pytest.raises(NotFound):
        visit(world.users.dedicated_worker, campaign, field.households["一11号"])
    with pytest.raises(NotFound, match="no campaign"):
        visit(world.users.outsider, campaign, other)
    assert not Visit.objects.exists()
    # The resident may read nothing of it and record nothing.
    with pytest.raises(PermissionDenied):
        visit(world.users.resident, campaign, other)


def test_answers_are_checked_against_the_checklist(world, field, campaign):
    with pytest.raises(InvalidInput) as error:
        visit(
            world.users.micro_worker,
            campaign,
            field.households["一11号"],
            "gone",
            answers={"q1": "yes", "people": "3", "need": "钱", "zz": 1},
        )
    assert error.value.problems == [
        "outcome: 'gone' is not one of reached, not_home, refused, moved, needs_help",
        "answers.q1: must be true or false",
        "answers.people: must be a number",
        "answers.need: '钱' is not one of 转移, 物资",
        "answers.zz: no such question in this campaign",
    ]
    stored, _ = visit(
        world.users.micro_worker,
        campaign,
        field.households["一11号"],
        answers={"q1": True, "people": 3, "need": "物资"},
    )
    assert stored.answers == {"q1": True, "people": 3, "need": "物资"}


def test_progress_and_projected_finish(world, field, campaign):
    worker = world.users.micro_worker
    for name in ("一11号", "一12号", "一21号"):
        visit(worker, campaign, field.households[name], now=START + 30 * MINUTE)
    now = START + 60 * MINUTE
    figures = queries.progress(system(), campaign, now=now)
    assert figures["households"] == 12
    assert figures["reached"] == 3
    assert figures["micro_grids"] == 3
    assert figures["micro_grids_done"] == 0
    # The school's grid and micro-grid 02 had no visit in an hour: late. 01 is at 3 of 6
    # in 60 minutes, on course for 120 minutes.
    assert figures["late"] == 2
    by_code = {row["code"]: row for row in figures["children"]}
    assert by_code[f"{COMMUNITY_A}-001"]["reached"] == 3
    micro = queries.progress(system(), campaign, world.grids.micro.code, now=now)
    assert micro["projected_finish"] == START + 120 * MINUTE
    assert micro["on_time"]
    assert micro["late"] == 0


def test_the_projected_finish_blends_the_division_estimate_with_the_pace(world, field, campaign):
    """The division's minutes a household count as ten doors, the worker's own as the
    doors done: a micro-grid projected past the deadline by its estimate is late even
    when its first doors went quickly."""
    section = Section.objects.get(campaign=campaign, grid=world.grids.micro)
    section.estimate_minutes = 36  # 6 minutes a household for its 6
    section.save()
    micro = world.grids.micro.code
    # Before any door: the estimate alone, 6 households × (10 + 10 × 6) / (0 + 10).
    figures = queries.progress(system(), campaign, micro, now=START + 10 * MINUTE)
    assert figures["projected_finish"] == START + 52 * MINUTE
    worker = world.users.micro_worker
    for name in ("一11号", "一12号", "一21号"):
        visit(worker, campaign, field.households[name], now=START + 30 * MINUTE)
    # 3 left × (70 elapsed + 10 × 6) / (3 done + 10) = 3 × 10 minutes.
    figures = queries.progress(system(), campaign, micro, now=START + 70 * MINUTE)
    assert figures["projected_finish"] == START + 100 * MINUTE
    assert (figures["on_time"], figures["late"]) == (True, 0)
    # Estimated at 100 minutes a household: at the pace so far (70 minutes for 3) it would
    # end at 140, but 3 × (70 + 1000) / 13 ≈ 247 minutes more passes the deadline.
    Section.objects.filter(pk=section.pk).update(estimate_minutes=600)
    figures = queries.progress(system(), campaign, micro, now=START + 70 * MINUTE)
    assert (figures["on_time"], figures["late"]) == (False, 1)
    assert [
        s.grid
        for s in queries.late_sections(
            Section.objects.filter(campaign=campaign), campaign, START + 70 * MINUTE
        ).filter(grid=world.grids.micro)
    ] == [world.grids.micro]
    # Once every micro-grid under the node is done, it finished with the last of them.
    for name in ("一22号", "一31号", "一32号"):
        visit(worker, campaign, field.households[name], now=START + 80 * MINUTE)
    figures = queries.progress(system(), campaign, micro, now=START + 90 * MINUTE)
    assert figures["projected_finish"] == START + 80 * MINUTE


def test_escalation_with_a_controlled_clock(world, field, campaign):
    assert do_escalate(system(), now=START + 29 * MINUTE) == []
    for name in ("一11号", "一12号"):
        visit(world.users.micro_worker, campaign, field.households[name], now=START + 20 * MINUTE)
    alerts = do_escalate(system(), now=START + 31 * MINUTE)
    assert sorted((a.section.grid.code, a.kind) for a in alerts) == [
        (world.grids.micro2.code, "not_started"),
        (world.grids.dedicated.code, "not_started"),
    ]
    # Raised once, not at every check.
    assert do_escalate(system(), now=START + 32 * MINUTE) == []
    # 2 of 6 after 60 minutes finishes just in time; after 61 minutes, past the deadline.
    assert do_escalate(system(), now=START + 60 * MINUTE) == []
    late = do_escalate(system(), now=START + 61 * MINUTE)
    assert [(a.section.grid.code, a.kind) for a in late] == [(world.grids.micro.code, "late")]
    told = Notice.objects.filter(recipient=world.users.grid_worker).values_list("text", flat=True)
    assert any("预计无法按时完成" in text for text in told)
    assert Notice.objects.filter(recipient=world.users.community_staff).count() == 3


def test_reassign_to_a_neighbour_in_one_action(world, field, campaign):
    grid_code = world.grids.micro2.code
    with pytest.raises(NotFound, match="no worker with id"):
        do_reassign(
            world.users.grid_worker, campaign, grid=grid_code, worker=field.workers.dedicated
        )
    with pytest.raises(InvalidInput, match="does not serve a grid next to"):
        do_reassign(system(), campaign, grid=grid_code, worker=field.workers.dedicated)
    moved = do_reassign(
        world.users.grid_worker, campaign, grid=grid_code, worker=field.workers.micro
    )
    assert moved == 4
    # The neighbour now records there, though it is outside their own micro-grid.
    _, created = visit(world.users.micro_worker, campaign, field.households["二11号"])
    assert created
    assert Notice.objects.filter(recipient=world.users.micro_worker).count() == 2
    with pytest.raises(PermissionDenied):
        do_reassign(
            world.users.micro_worker,
            campaign,
            grid=world.grids.micro.code,
            worker=field.workers.general,
        )


def test_reassign_part_of_a_grid(world, field, campaign):
    households = [field.households["一11号"].pk]
    with pytest.raises(InvalidInput, match="is not a household of"):
        do_reassign(
            system(),
            campaign,
            grid=world.grids.micro2.code,
            worker=field.workers.micro,
            households=households,
        )
    moved = do_reassign(
        system(),
        campaign,
        grid=world.grids.micro.code,
        worker=field.workers.general,
        households=households,
    )
    assert moved == 1
    assert Assignment.objects.get(household_id=households[0]).worker == field.workers.general


def test_closing_stops_visits(world, field, campaign):
    do_close_campaign(world.users.community_staff, campaign)
    with pytest.raises(Conflict, match="is closed"):
        visit(world.users.micro_worker, campaign, field.households["一11号"])
    with pytest.raises(Conflict, match="already closed"):
        do_close_campaign(world.users.community_staff, campaign)
    with pytest.raises(PermissionDenied):
        do_close_campaign(world.users.micro_worker, campaign)


def test_a_street_campaign_is_seen_below_but_closed_only_from_above(world, field):
    campaign = do_launch_campaign(system(), scope="510116001", title="街道动员", start=START)
    assert queries.campaigns(world.users.micro_worker).filter(pk=campaign.pk).exists()
    with pytest.raises(PermissionDenied):
        do_close_campaign(world.users.community_staff, campaign)
    assert not queries.campaigns(world.users.outsider).filter(pk=campaign.pk).exists()


def test_needs_help_is_listed_in_the_report(world, field, campaign):
    stored, _ = visit(
        world.users.micro_worker, campaign, field.households["一31号"], "needs_help", note="漏水"
    )
    assert [v.pk for v in queries.needs_help(world.users.community_staff, campaign)] == [stored.pk]
    unreached = queries.unreached(world.users.community_staff, campaign)
    assert unreached.count() == 11


def test_the_record_of_the_standard(world, field, campaign):
    worker = world.users.micro_worker
    for name in ("一11号", "一12号", "一21号", "一22号", "一31号", "一32号"):
        visit(worker, campaign, field.households[name], now=START + 100 * MINUTE)
    visit(
        world.users.dedicated_worker, campaign, field.households["校1号"], now=START + 200 * MINUTE
    )
    record = queries.standard(system(), campaign)
    assert (record["micro_grids"], record["micro_grids_in_time"]) == (3, 1)
    assert (record["households"], record["households_in_time"]) == (12, 6)
    assert record["households_share"] == 0.5


def test_needs_help_opens_a_case(world, field, campaign):
    from finegrid.cases.models import Case

    client_id = uuid.uuid4()
    stored, _ = visit(
        world.users.micro_worker,
        campaign,
        field.households["一31号"],
        "needs_help",
        note="漏水",
        client_id=client_id,
    )
    case = Case.objects.get(pk=stored.case_id)
    assert (case.channel, case.category, case.source) == ("campaign", "help", f"visit:{client_id}")
    assert case.household_id == field.households["一31号"].pk
    assert "漏水" in case.text
    # A neighbour handed the household, outside their own scope, still opens one.
    do_reassign(system(), campaign, grid=world.grids.micro2.code, worker=field.workers.micro)
    other, _ = visit(world.users.micro_worker, campaign, field.households["二11号"], "needs_help")
    assert Case.objects.get(pk=other.case_id).reporter == world.users.micro_worker


def test_launch_and_escalation_reach_the_group_robots(
    world, field, django_capture_on_commit_callbacks
):
    from finegrid.cases.models import Notification, Robot

    Robot.objects.create(
        name="五洞桥社区群",
        kind="wecom",
        url="json://127.0.0.1:9/",
        below=True,
        path=world.grids.general.community.path,
    )
    with django_capture_on_commit_callbacks(execute=True):
        campaign = do_launch_campaign(
            system(), scope=COMMUNITY_A, title="防汛入户", start=START, now=START
        )
    assert list(Notification.objects.values_list("text", flat=True)) == [
        "防汛入户：07-01 12:00 前完成入户走访"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        do_escalate(system(), now=START + 31 * MINUTE)
    texts = set(Notification.objects.values_list("text", flat=True))
    assert f"防汛入户：第001-02微网格（{world.grids.micro2.code}）开始30分钟仍无走访" in texts
    assert campaign.alerts.count() == 3
