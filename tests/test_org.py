import datetime as dt
import json

import pytest

from finegrid.accounts.models import AuditEntry
from finegrid.cli import main
from finegrid.errors import Conflict, InvalidInput
from finegrid.org.actions import (
    do_add_member,
    do_assign_worker,
    do_create_party_org,
    do_end_worker,
)
from finegrid.org.queries import coverage
from finegrid.people.actions import do_move_household
from finegrid.people.models import Person
from finegrid.territory.models import Dwelling, Grid
from tests.conftest import COMMUNITY_A, system


def test_party_organizations_mirror_the_grid_tree(world):
    with pytest.raises(InvalidInput, match="grid 510116001005 has no party organization yet"):
        do_create_party_org(system(), world.grids.general)
    committee = do_create_party_org(system(), world.grids.general.parent)
    assert committee.name == "五洞桥社区党委"
    assert committee.kind == "community_committee"
    branch = do_create_party_org(system(), world.grids.general)
    assert (branch.kind, branch.parent, branch.name) == (
        "grid_branch",
        committee,
        "第001网格党支部",
    )
    group = do_create_party_org(system(), world.grids.micro)
    assert (group.kind, group.parent, group.name) == ("micro_group", branch, "第001-01微网格党小组")
    dedicated = do_create_party_org(system(), world.grids.dedicated)
    assert (dedicated.kind, dedicated.parent, dedicated.name) == (
        "dedicated_org",
        committee,
        "实验小学党支部",
    )
    with pytest.raises(Conflict, match="already has a party organization"):
        do_create_party_org(system(), world.grids.micro)


def test_members_are_party_members_living_in_the_grid(world, registry):
    committee = do_create_party_org(system(), world.grids.general.parent)
    do_create_party_org(system(), world.grids.general)
    group = do_create_party_org(system(), world.grids.micro2)
    zhang = Person.objects.get(name="张建国")
    li = Person.objects.get(name="李梅")
    membership = do_add_member(system(), committee, zhang, "secretary")
    assert membership.role == "secretary"
    with pytest.raises(InvalidInput, match="李梅 is not registered as a party member"):
        do_add_member(system(), committee, li)
    with pytest.raises(InvalidInput, match="张建国 does not live in 第001-02微网格"):
        do_add_member(system(), group, zhang)
    with pytest.raises(Conflict):
        do_add_member(system(), committee, zhang)


def test_workers_serve_the_grid_kind_of_their_role(world, registry):
    zhang = Person.objects.get(name="张建国")
    worker = do_assign_worker(
        system(), world.grids.micro, role="micro_worker", person=zhang, phone="13800008000"
    )
    assert (worker.name, worker.phone_masked) == ("张建国", "138****8000")
    with pytest.raises(InvalidInput, match="a 微网格员 serves a 微网格, not a 一般网格"):
        do_assign_worker(system(), world.grids.general, role="micro_worker", name="某人")
    with pytest.raises(InvalidInput, match="phone: must be 11 digits"):
        do_assign_worker(system(), world.grids.general, role="grid_worker", name="刘洋", phone="12")
    ended = do_end_worker(system(), worker, dt.date.today())
    assert ended.end == dt.date.today()


def test_coverage_finds_the_gaps(world, registry, capsys):
    do_create_party_org(system(), world.grids.general.parent)
    do_create_party_org(system(), world.grids.general)
    do_create_party_org(system(), world.grids.micro)
    zhang = Person.objects.get(name="张建国")
    do_assign_worker(system(), world.grids.general, role="grid_worker", name="刘洋")
    do_assign_worker(system(), world.grids.micro, role="micro_worker", person=zhang)
    do_assign_worker(system(), world.grids.micro2, role="micro_worker", person=zhang)
    community = world.grids.general.community
    report = coverage(system(), community)
    assert report.grids == {"community": 1, "general": 2, "micro": 2, "dedicated": 1}
    codes = {kind: [g.code for g in grids] for kind, grids in report.without_party_org.items()}
    assert codes == {
        "general": [f"{COMMUNITY_A}-002"],
        "micro": [f"{COMMUNITY_A}-001-02"],
        "dedicated": [f"{COMMUNITY_A}-Z01"],
    }
    assert report.share_without_party_org() == pytest.approx(3 / 6)
    missing = {kind: [g.code for g in grids] for kind, grids in report.without_worker.items()}
    assert missing == {"general": [f"{COMMUNITY_A}-002"], "dedicated": [f"{COMMUNITY_A}-Z01"]}
    assert [w.grid.code for w in report.workers_living_elsewhere] == [f"{COMMUNITY_A}-001-02"]
    assert report.general_households == {f"{COMMUNITY_A}-001": 2, f"{COMMUNITY_A}-002": 0}
    assert len(report.general_out_of_range) == 2
    assert main(["org", "coverage", "--area", COMMUNITY_A, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["share_without_party_org"] == 0.5
    assert printed["micro_workers_living_elsewhere"] == [
        {"worker": "张建国", "grid": f"{COMMUNITY_A}-001-02"}
    ]


def test_coverage_page_and_api(world, registry, login):
    client = login(world.users.community_staff)
    page = client.get(f"/coverage/{COMMUNITY_A}/").content.decode()
    assert "无党组织的网格占比：100.0%" in page
    api = client.get("/api/coverage", {"area": COMMUNITY_A}).json()
    assert api["grids"]["micro"] == 2
    assert (
        login(world.users.outsider).get("/api/coverage", {"area": COMMUNITY_A}).status_code == 404
    )


def test_grid_page_shows_households_workers_and_party_org(world, registry, login):
    do_create_party_org(system(), world.grids.general.parent)
    do_create_party_org(system(), world.grids.general)
    do_assign_worker(
        system(), world.grids.general, role="grid_worker", name="刘洋", phone="13912345678"
    )
    page = (
        login(world.users.community_staff)
        .get(f"/grids/{world.grids.general.code}/")
        .content.decode()
    )
    assert 'data-testid="grid-households">2<' in page
    assert "刘洋（专职网格员 · 139****5678）" in page
    assert "第001网格党支部" in page
    other = (
        login(world.users.community_staff)
        .get(f"/grids/{world.grids.general2.code}/")
        .content.decode()
    )
    assert "未配备" in other
    assert "未建立" in other


def test_moving_a_household_keeps_its_history(world, registry):
    target = Dwelling.objects.get(room="502")
    empty = Dwelling.objects.create(
        building=target.building,
        entrance=target.entrance,
        floor=6,
        room="601",
        grid=world.grids.micro2,
        path=world.grids.micro2.path,
    )
    moved = do_move_household(world.users.community_staff, registry.zhang, empty)
    assert moved.path == world.grids.micro2.path
    assert set(moved.members.values_list("path", flat=True)) == {world.grids.micro2.path}
    move = moved.moves.get()
    assert (move.from_dwelling, move.to_dwelling) == (target, empty)
    with pytest.raises(Conflict, match="already has a household"):
        do_move_household(system(), registry.wang, empty)
    assert Grid.objects.filter(code=f"{COMMUNITY_A}-001-02").exists()


def test_a_worker_s_name_and_phone_can_be_corrected(world, login):
    """PATCH /api/workers/{id}: name and work phone, checked and audited; the phone stays
    sealed and masked."""
    worker = do_assign_worker(system(), world.grids.micro, role="micro_worker", name="甲")
    staff = login(world.users.community_staff)
    response = staff.patch(
        f"/api/workers/{worker.pk}",
        data=json.dumps({"name": "甲乙", "phone": "138 0000 1111"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["phone"]) == ("甲乙", "138****1111")
    refused = staff.patch(
        f"/api/workers/{worker.pk}",
        data=json.dumps({"phone": "12"}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["problems"] == [
        "phone: must be 11 digits starting with 13–19 (optionally +86)"
    ]
    entry = AuditEntry.objects.filter(object_type="org.worker", action="update").get()
    assert (entry.before["name"], entry.after["name"]) == ("甲", "甲乙")
    assert "13800001111" not in json.dumps(entry.after)
    partner = login(world.users.partner)
    assert (
        partner.patch(
            f"/api/workers/{worker.pk}",
            data=json.dumps({"name": "丙"}),
            content_type="application/json",
        ).status_code
        == 404
    )
