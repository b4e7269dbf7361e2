"""Campaigns through the API, the command line and the pages; the counters against a
count of the visit table under any sequence of outcomes."""

from __future__ import annotations

import io
import json
import uuid

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finegrid.accounts.models import AuditEntry
from finegrid.campaigns import queries
from finegrid.campaigns.actions import (
    VisitItem,
    do_launch_campaign,
    do_record_visit,
    do_record_visits,
)
from finegrid.campaigns.models import FINAL, Assignment, Outcome, Section, Visit
from finegrid.cli import main
from tests import campaign_data
from tests.campaign_data import START
from tests.conftest import COMMUNITY_A, system


@pytest.fixture
def field(world):
    return campaign_data.build(world)


@pytest.fixture
def campaign(field):
    return do_launch_campaign(
        system(),
        scope=COMMUNITY_A,
        title="防汛入户",
        checklist=[{"question": "是否收到预警", "type": "yes_no"}],
    )


def test_launch_through_the_api(world, field, login):
    client = login(world.users.community_staff)
    answer = client.post(
        "/api/campaigns",
        {"scope": world.grids.general.code, "title": "疫苗接种动员", "hours": 2},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["households"] == 10
    assert body["without_worker"] == [world.grids.micro2.code]
    assert body["scope"] == world.grids.general.code


def test_a_visit_posted_twice_answers_with_the_first_record(world, field, campaign, login):
    client = login(world.users.micro_worker)
    household = field.households["一11号"].pk
    body = {"client_id": str(uuid.uuid4()), "household": household, "outcome": "reached"}
    url = f"/api/campaigns/{campaign.pk}/visits"
    first = client.post(url, body, content_type="application/json")
    again = client.post(url, {**body, "outcome": "refused"}, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert first.json()["outcome"] == "reached"
    assert Visit.objects.count() == 1
    other = client.post(
        url,
        {**body, "client_id": str(uuid.uuid4()), "household": field.households["二11号"].pk},
        content_type="application/json",
    )
    assert other.status_code == 404
    assert other.json() == {
        "detail": f"no household {field.households['二11号'].pk} in campaign {campaign.pk}"
    }


def test_a_phone_queue_in_one_request(world, field, campaign, login):
    """A queue of outcomes in one request: each as one request would take it, a retried
    client_id answered with its first record; all or nothing when one is refused."""
    client = login(world.users.micro_worker)
    url = f"/api/campaigns/{campaign.pk}/visits/batch"
    one, two = field.households["一11号"].pk, field.households["一12号"].pk
    retried = str(uuid.uuid4())
    queue = [
        {"client_id": str(uuid.uuid4()), "household": one, "outcome": "not_home"},
        {"client_id": retried, "household": two, "outcome": "reached"},
        {"client_id": str(uuid.uuid4()), "household": one, "outcome": "reached"},
        {"client_id": retried, "household": two, "outcome": "refused"},
    ]
    answer = client.post(url, {"visits": queue}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["created"] == 3
    assert [r["status"] for r in body["results"]] == [201, 201, 201, 200]
    assert [r["visit"]["outcome"] for r in body["results"]] == [
        "not_home",
        "reached",
        "reached",
        "reached",
    ]
    assert body["results"][3]["visit"] == body["results"][1]["visit"]
    section = Section.objects.get(campaign=campaign, grid=world.grids.micro)
    assert (section.visits, section.done, section.reached, section.not_home) == (3, 2, 2, 0)
    assert list(
        Visit.objects.filter(assignment__household_id=one).values_list("outcome", flat=True)
    ) == ["not_home", "reached"]
    assert Assignment.objects.get(campaign=campaign, household_id=one).outcome == "reached"
    assert AuditEntry.objects.filter(object_type="campaigns.visit").count() == 3

    again = client.post(url, {"visits": queue}, content_type="application/json")
    assert [r["status"] for r in again.json()["results"]] == [200, 200, 200, 200]
    assert again.json()["results"] == [{**r, "status": 200} for r in body["results"]]
    assert Visit.objects.count() == 3

    other = field.households["二11号"].pk
    refused = client.post(
        url,
        {
            "visits": [
                {"client_id": str(uuid.uuid4()), "household": two, "outcome": "moved"},
                {"client_id": str(uuid.uuid4()), "household": other, "outcome": "reached"},
            ]
        },
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert refused.json() == {
        "detail": f"visits[1]: no household {other} in campaign {campaign.pk}"
    }
    invalid = client.post(
        url,
        {"visits": [{"client_id": str(uuid.uuid4()), "household": two, "outcome": "gone"}]},
        content_type="application/json",
    )
    assert invalid.status_code == 400
    assert invalid.json()["problems"] == [
        "visits[0].outcome: 'gone' is not one of reached, not_home, refused, moved, needs_help"
    ]
    assert Visit.objects.count() == 3
    assert Assignment.objects.get(campaign=campaign, household_id=two).outcome == "reached"


def test_progress_through_the_api(world, field, campaign, login):
    do_record_visit(
        world.users.micro_worker,
        campaign,
        client_id=uuid.uuid4(),
        household=field.households["一11号"].pk,
        outcome="reached",
    )
    client = login(world.users.grid_worker)
    answer = client.get(f"/api/campaigns/{campaign.pk}/progress?grid={world.grids.general.code}")
    assert answer.status_code == 200
    body = answer.json()
    # The grid worker sees their general grid: micro-grids 01 and 02.
    assert (body["households"], body["reached"], body["micro_grids"]) == (10, 1, 2)
    assert [row["code"] for row in body["children"]] == [
        world.grids.micro.code,
        world.grids.micro2.code,
    ]
    states = client.get(f"/api/campaigns/{campaign.pk}/grids").json()
    assert [(s["grid"], s["reached"], s["worker"]) for s in states] == [
        (world.grids.micro.code, 1, True),
        (world.grids.micro2.code, 0, False),
    ]
    assert (
        login(world.users.outsider).get(f"/api/campaigns/{campaign.pk}/progress").status_code == 404
    )


def test_the_command_line(world, field, capsys):
    assert (
        main(
            [
                "campaigns",
                "launch",
                "--scope",
                COMMUNITY_A,
                "--title",
                "燃气排查",
                "--start",
                "2026-07-01T09:00",
                "--hours",
                "2",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    campaign_id = int(out.strip())
    assert f"no active worker: {world.grids.micro2.code} (4 households)" in err
    assert main(["campaigns", "progress", str(campaign_id), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert {
        k: figures[k] for k in ("households", "reached", "micro_grids", "micro_grids_done")
    } == {
        "households": 12,
        "reached": 0,
        "micro_grids": 3,
        "micro_grids_done": 0,
    }
    assert "late" in figures
    assert main(["campaigns", "close", str(campaign_id)]) == 0
    assert capsys.readouterr().out == f"closed campaign {campaign_id} (燃气排查)\n"
    assert main(["campaigns", "close", str(campaign_id)]) == 1
    assert "is already closed" in capsys.readouterr().err
    assert main(["campaigns", "launch", "--scope", "510104017001", "--title", "t"]) == 1
    assert "scope: no household lives in a grid of" in capsys.readouterr().err
    assert (
        main(["campaigns", "launch", "--scope", COMMUNITY_A, "--title", "t", "--start", "tomorrow"])
        == 1
    )


def test_the_pages(world, field, campaign, login):
    worker = login(world.users.micro_worker)
    doors = worker.get(f"/campaigns/{campaign.pk}/doors/")
    assert doors.status_code == 200
    text = doors.content.decode()
    assert text.count('data-testid="door"') == 6
    assert text.count('data-testid="priority"') == 3
    assert "独居" not in text
    assert "重病" not in text
    assert worker.get("/campaigns/").status_code == 200
    assert worker.get("/campaigns/sw.js")["Content-Type"] == "application/javascript"
    staff = login(world.users.community_staff)
    assert staff.get(f"/campaigns/{campaign.pk}/").status_code == 200
    assert staff.get(f"/campaigns/{campaign.pk}/live/").status_code == 200
    shapes = staff.get(f"/campaigns/{campaign.pk}/grids.geojson").json()
    assert len(shapes["features"]) == 3
    report = staff.get(f"/campaigns/{campaign.pk}/report/")
    assert report.status_code == 200
    # Unreached households are listed masked: surname and stars.
    assert "一＊＊" in report.content.decode()
    assert "一11号" not in report.content.decode()
    book = openpyxl.load_workbook(
        io.BytesIO(staff.get(f"/campaigns/{campaign.pk}/report.xlsx").content)
    )
    assert book.sheetnames == ["概况", "分网格", "未走访到的户", "需帮扶", "3小时标准"]
    assert book["未走访到的户"].max_row == 13
    # The grid worker's report lists only the households under their general grid.
    mine = login(world.users.grid_worker).get(f"/campaigns/{campaign.pk}/report/")
    assert mine.content.decode().count("<td>3栋") == 10
    assert login(world.users.outsider).get(f"/campaigns/{campaign.pk}/").status_code == 404


def test_launch_page(world, field, login):
    staff = login(world.users.community_staff)
    answer = staff.post(
        "/campaigns/new/",
        {
            "scope": COMMUNITY_A,
            "title": "防汛",
            "hours": "3",
            "checklist": "是否收到预警\n数字:在家人数\n单选:需要=转移/物资",
            "vulnerable_first": "1",
        },
    )
    assert answer.status_code == 302
    campaign = queries.campaigns(world.users.community_staff).get()
    assert [q["type"] for q in campaign.checklist] == ["yes_no", "number", "choice"]
    assert campaign.checklist[2]["choices"] == ["转移", "物资"]
    assert login(world.users.micro_worker).get("/campaigns/new/").status_code == 403


OUTCOMES = st.sampled_from(Outcome.values)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(st.tuples(st.integers(0, 5), OUTCOMES, st.booleans()), max_size=25),
    queue=st.integers(1, 6),
)
def test_counters_equal_a_count_of_the_visit_table(world, field, campaign, steps, queue):
    """Whatever outcomes arrive, in whatever order, retried or not, one a request or in
    queues of several, each section's counters equal what the visit table says."""
    worker = world.users.micro_worker
    doors = list(queries.my_doors(worker, campaign))
    items = []
    for index, outcome, retry in steps:
        client_id = items[-1].client_id if retry and items else uuid.uuid4()
        items.append(VisitItem(client_id, doors[index].household_id, outcome))
    for start in range(0, len(items), queue):
        if queue == 1:
            do_record_visit(worker, campaign, **items[start]._asdict())
        else:
            do_record_visits(worker, campaign, items[start : start + queue])
    for section in Section.objects.filter(campaign=campaign):
        visits = Visit.objects.filter(assignment__section=section)
        latest = {}
        for visit in visits.order_by("recorded_at", "id"):
            latest[visit.assignment_id] = visit.outcome
        assert section.visits == visits.count()
        assert section.done == sum(o in FINAL for o in latest.values())
        for name in Outcome.values:
            assert getattr(section, name) == sum(o == name for o in latest.values())
        assert (
            section.done
            == Assignment.objects.filter(section=section, outcome__in=list(FINAL)).count()
        )
    Visit.objects.all().delete()
    Assignment.objects.update(outcome="", visited_at=None)
    Section.objects.update(
        visits=0,
        done=0,
        first_visit_at=None,
        last_visit_at=None,
        finished_at=None,
        **dict.fromkeys(Outcome.values, 0),
    )


def test_launch_with_a_start_keeps_it(field):
    campaign = do_launch_campaign(system(), scope=COMMUNITY_A, title="t", start=START, hours=1.5)
    assert (campaign.deadline - campaign.start).total_seconds() == 5400


def test_escalate_on_the_command_line_reads_the_project_clock(world, field, capsys):
    import datetime as dt

    from finegrid import clock

    do_launch_campaign(system(), scope=COMMUNITY_A, title="t", start=START, now=START)
    with clock.frozen(START + dt.timedelta(minutes=29)):
        assert main(["campaigns", "escalate"]) == 0
    assert capsys.readouterr().out == ""
    with clock.frozen(START + dt.timedelta(minutes=30)):
        assert main(["campaigns", "escalate"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{world.grids.micro.code}: 开始30分钟仍无走访",
        f"{world.grids.micro2.code}: 开始30分钟仍无走访",
        f"{world.grids.dedicated.code}: 开始30分钟仍无走访",
    ]
