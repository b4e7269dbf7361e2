"""Department users (role ``department``): bound to one responsible unit, they see and act
on the cases dispatched or whistled to it — sign for (start) or send back, handle, report
(报到) — and every other case, place or person answers 404 like a missing one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from finegrid.accounts.models import AuditEntry
from finegrid.accounts.scope import scope_paths
from finegrid.cases.actions import (
    do_add_unit_member,
    do_create_department_user,
    do_open_case,
    do_report_whistle,
    do_step,
    do_whistle_case,
)
from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import Case, CaseStep, StreamMessage, Unit
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.people.models import Household, Person
from finegrid.territory.models import Compound, Grid
from tests.conftest import system


@pytest.fixture
def units(world):
    do_load_illustrative(system(), "510116001")
    return {u.name.removesuffix("（示例）"): u for u in Unit.objects.all()}


@pytest.fixture
def env(units):
    """A user of the district's 生态环境局 (ecology and environment bureau)."""
    user, _ = do_create_department_user(
        system(), units["双流区生态环境局"], username="env", first_name="环境局值班"
    )
    return user


def raised(registry, category: str) -> Case:
    return do_open_case(
        system(), category=category, text="问题", channel="worker", household=registry.zhang
    )


def dispatched(world, registry, category: str, unit=None) -> Case:
    staff = world.users.community_staff
    case = do_step(staff, raised(registry, category), "accept")
    return do_step(staff, case, "dispatch", unit=unit)


def test_a_department_user_is_bound_to_one_department(world, units, env):
    assert env.role == "department"
    assert list(env.case_units.all()) == [units["双流区生态环境局"]]
    # Filed under the district (so the district's staff manage the account) …
    assert env.path == units["双流区生态环境局"].area.path
    # … but it reaches no part of the area/grid tree.
    assert scope_paths(env) == ()
    with pytest.raises(InvalidInput, match="a department user is bound to a district department"):
        do_add_unit_member(system(), Unit.objects.filter(kind="community").first(), env)
    with pytest.raises(Conflict, match="env is already bound to 双流区生态环境局"):
        do_add_unit_member(system(), units["双流区水务局"], env)
    with pytest.raises(InvalidInput, match="a department user is bound to a district department"):
        do_create_department_user(
            system(), Unit.objects.filter(kind="community").first(), username="x"
        )
    # Staff of another district do not find the unit to bind a user to.
    with pytest.raises(NotFound):
        do_create_department_user(world.users.outsider, units["双流区生态环境局"], username="y")


def test_a_department_sees_only_the_cases_routed_or_whistled_to_its_unit(
    world, registry, units, env
):
    noise = dispatched(world, registry, "noise")
    assert noise.unit == units["双流区生态环境局"]
    elevator = dispatched(world, registry, "elevator")
    parking = do_step(world.users.community_staff, raised(registry, "parking"), "accept")
    submitted = raised(registry, "noise")
    assert list(Case.objects.restrict(env)) == [noise]
    for other in (elevator, parking, submitted):
        with pytest.raises(NotFound, match=f"no case {other.pk}"):
            do_step(env, other.pk, "start")
    # A whistle summons it to a case dispatched elsewhere: it sees the case and reports.
    do_whistle_case(world.users.street_staff, elevator, [units["双流区生态环境局"]])
    assert set(Case.objects.restrict(env)) == {noise, elevator}
    call = elevator.whistles.get().calls.get()
    call = do_report_whistle(env, call, "已派员到场")
    assert call.report == "已派员到场"
    # … but does not handle a case it was only summoned to.
    with pytest.raises(PermissionDenied, match="not dispatched to a unit you work for"):
        do_step(env, elevator, "send_back", note="不属本单位")
    # Nothing of the tree: no grid, compound, household, person, stream or other step.
    for model in (Grid, Compound, Household, Person, StreamMessage, CaseStep):
        assert not model.objects.restrict(env).exists(), model
    assert not AuditEntry.objects.restrict(env).exists()


def test_a_department_signs_for_handles_or_sends_back_its_cases(world, registry, env):
    noise = dispatched(world, registry, "noise")
    noise = do_step(env, noise, "start", note="已签收")
    noise = do_step(env, noise, "handle", note="已责令施工方停止夜间施工")
    assert noise.status == "handled"
    assert [(s.kind, s.actor_label) for s in noise.steps.filter(actor=env)] == [
        ("start", "env"),
        ("handle", "env"),
    ]
    # Verifying is the grid's, not the department's.
    with pytest.raises(PermissionDenied):
        do_step(env, noise, "verify")
    # Sent back (退回, with its reason) the case leaves the department's reach.
    other = dispatched(world, registry, "noise")
    with pytest.raises(InvalidInput, match="needs a reason"):
        do_step(env, other, "send_back")
    other = do_step(env, other, "send_back", note="属施工噪声以外的生活噪声，请社区调解")
    assert (other.status, other.unit) == ("accepted", None)
    with pytest.raises(NotFound):
        do_step(env, other.pk, "note", note="再看看")


def test_a_departments_pages_list_its_cases_and_calls_only(world, registry, units, env, login):
    noise = dispatched(world, registry, "noise")
    elevator = dispatched(world, registry, "elevator")
    parking = do_step(world.users.community_staff, raised(registry, "parking"), "accept")
    do_whistle_case(world.users.street_staff, elevator, [units["双流区生态环境局"]])
    elevator, parking = parking, elevator  # the one it cannot see, the one summoned to
    client = login(env)
    home = client.get("/")
    assert (home.status_code, home["Location"]) == (302, "/cases/")
    page = client.get("/cases/").content.decode()
    assert "本单位事件" in page
    assert "责任单位：双流区生态环境局（示例）" in page
    assert (noise.ref in page, parking.ref in page, elevator.ref in page) == (True, True, False)
    assert page.count(parking.ref) == 2  # in the list and in 待报到
    detail = client.get(f"/cases/{noise.pk}/").content.decode()
    assert ('value="start"' in detail, 'value="send_back"' in detail) == (True, True)
    # A case it was only summoned to: the report form, no handling steps.
    summoned = client.get(f"/cases/{parking.pk}/").content.decode()
    assert ("报到说明" in summoned, 'value="send_back"' in summoned) == (True, False)
    assert client.get(f"/cases/{elevator.pk}/").status_code == 404
    assert client.get(f"/api/cases/{elevator.pk}").status_code == 404
    assert [c["ref"] for c in client.get("/api/cases").json()["items"]] == sorted(
        [noise.ref, parking.ref], key=lambda ref: -Case.objects.get(ref=ref).pk
    )
    assert client.get("/api/grids").json()["items"] == []
    assert client.get(f"/api/households/{registry.zhang.pk}").status_code == 404
    assert client.get("/cases/streams/").status_code in (200, 403)
    assert (
        registry.zhang.dwelling.building.name not in client.get("/cases/streams/").content.decode()
    )


def test_the_command_line_creates_a_department_user(world, units, capsys):
    from finegrid.accounts.models import User
    from finegrid.cli import main

    water = units["双流区水务局"]
    assert (
        main(["cases", "department-user", "water", "--unit", str(water.pk), "--no-password"]) == 0
    )
    assert capsys.readouterr().out == "created water (department) bound to 双流区水务局（示例）\n"
    user = User.objects.get(username="water")
    assert (user.role, list(user.case_units.all()), user.has_usable_password()) == (
        "department",
        [water],
        False,
    )
    assert main(["cases", "units", "--kind", "department"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"{water.pk}\tdepartment\t双流区水务局（示例）\t510116000000\twater" in lines
