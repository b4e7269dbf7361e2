"""Scope, masking and audit on every path personal data can leave by."""

import io
import json

import openpyxl

from finegrid.accounts.models import AuditEntry
from finegrid.cli import main
from finegrid.people.models import Person
from finegrid.territory.models import Building, Dwelling, Route
from tests.conftest import COMMUNITY_A, system
from tests.registry_data import LI, WANG, ZHANG

FULL = (ZHANG, LI, WANG, "13800008000", "13900001234")
# A masked ID number hides exactly the birth date: shown whole, it would give the number.
BIRTH_DATES = tuple(f"{n[6:10]}-{n[10:12]}-{n[12:14]}" for n in (ZHANG, LI, WANG))


def assert_masked(text: str):
    for value in (*FULL, *BIRTH_DATES, *(date.replace("-", "") for date in BIRTH_DATES)):
        assert value not in text, value


def test_placing_dwellings_carries_households_and_persons(world, registry):
    assert registry.zhang.path == world.grids.micro.path
    assert set(Person.objects.filter(household=registry.zhang).values_list("path", flat=True)) == {
        world.grids.micro.path
    }
    assert registry.wang.path == world.grids.micro2.path
    # 3栋 is split between two micro-grids: the building sits in their general grid.
    building = registry.zhang.dwelling.building
    building.refresh_from_db()
    assert building.grid == world.grids.general


def test_a_micro_grid_worker_reaches_only_their_own_micro_grid(world, registry, login):
    client = login(world.users.micro_worker)
    mine, theirs = registry.zhang, registry.wang
    assert client.get(f"/api/households/{mine.pk}").status_code == 200
    assert client.get(f"/api/households/{theirs.pk}").status_code == 404
    assert client.get(f"/households/{theirs.pk}/").status_code == 404
    wang = Person.objects.get(name="王秀英")
    assert client.get(f"/api/persons/{wang.pk}").status_code == 404
    by_name = client.get("/api/persons", {"name": "王"}).json()
    assert by_name == {"items": [], "count": 0}
    by_id = client.post(
        "/api/persons/search", data={"id_number": WANG}, content_type="application/json"
    )
    assert by_id.json()["count"] == 0
    assert "王秀英" not in client.post("/registry/search/", {"name": "王"}).content.decode()
    export = client.get("/api/registry/export", {"area": world.grids.general.code})
    assert export.status_code == 404  # the general grid is outside a micro-grid worker's scope
    own = client.get("/api/registry/export", {"area": world.grids.micro.code, "format": "csv"})
    text = own.content.decode("utf-8-sig")
    assert "张建国" in text
    assert "王秀英" not in text
    names = {p["name"] for p in client.get("/api/persons").json()["items"]}
    assert names == {"张建国", "李梅", "张小雨"}


def test_a_micro_grid_worker_sees_a_building_shared_with_another_micro_grid(world, registry, login):
    """3栋 is split between micro-grids -01 (502) and -02 (101): the worker of -01 finds
    the building, its own dwelling and its route stop there, and nothing of -02."""
    building = Building.objects.get(name="3栋")
    Route.objects.create(
        grid=world.grids.micro,
        households=1,
        minutes=12.0,
        stops=[{"building": building.ref, "entrance": 1, "floors": [5, 5], "households": 1}],
        path=world.grids.micro.path,
    )
    client = login(world.users.micro_worker)
    listed = client.get("/api/buildings").json()["items"]
    assert [item["ref"] for item in listed] == [building.ref]
    page = client.get(f"/buildings/{building.ref}/").content.decode()
    assert "张建国" in page
    assert "王秀英" not in page
    sheet = client.get(f"/grids/{world.grids.micro.code}/route/").content.decode()
    assert "3栋" in sheet
    assert "张建国" in sheet
    assert "王秀英" not in sheet
    other = login(world.users.community_staff).get(f"/grids/{world.grids.micro2.code}/")
    assert "3栋" in other.content.decode()


def test_search_by_whole_id_or_phone_in_scope(world, registry, login):
    client = login(world.users.community_staff)

    def search(**terms):
        response = client.post("/api/persons/search", data=terms, content_type="application/json")
        return [p["name"] for p in response.json()["items"]]

    assert search(id_number=LI.lower()) == ["李梅"]
    assert search(phone="139-0000-1234") == ["李梅"]
    assert search(name="张") == ["张建国", "张小雨"]
    page = client.post("/registry/search/", {"id_number": ZHANG}).content.decode()
    assert "张建国" in page
    assert_masked(page)


def test_every_output_is_masked(world, registry, login):
    client = login(world.users.community_staff)
    zhang = Person.objects.get(name="张建国")
    outputs = {
        "household page": client.get(f"/households/{registry.zhang.pk}/").content.decode(),
        "persons api": json.dumps(client.get("/api/persons").json(), ensure_ascii=False),
        "person api": json.dumps(client.get(f"/api/persons/{zhang.pk}").json()),
        "csv export": client.get(
            "/api/registry/export", {"area": "510116001005", "format": "csv"}
        ).content.decode("utf-8-sig"),
        "page export": _xlsx_text(client.get("/registry/export/510116001005/").content),
        "admin list": login(world.users.community_staff)
        .get("/admin/people/person/")
        .content.decode(),
        "admin change": client.get(f"/admin/people/person/{zhang.pk}/change/").content.decode(),
        "audit api": json.dumps(
            client.get("/api/audit", {"page_size": 1000}).json(), ensure_ascii=False
        ),
    }
    for where, text in outputs.items():
        assert_masked(text)
        assert "张建国" in text or where in ("person api", "audit api"), where
    assert "510116********0037"[:6] in outputs["csv export"]
    assert zhang.id_number_masked in outputs["household page"]
    assert "138****8000" in outputs["persons api"]
    assert "残疾人" not in outputs["household page"]
    assert "（已隐藏）" in outputs["household page"]


def _xlsx_text(content: bytes) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return "\n".join(
        ",".join(str(c or "") for c in row) for row in sheet.iter_rows(values_only=True)
    )


def test_unmasking_is_audited_on_every_path(world, registry, login):
    client = login(world.users.community_staff)
    li = Person.objects.get(name="李梅")
    response = client.post(
        f"/api/persons/{li.pk}/unmask",
        data={"reason": "核实残疾人补贴"},
        content_type="application/json",
    )
    assert response.json() == {
        "id_number": LI,
        "phone": "13900001234",
        "birth_date": "1982-07-04",
        "sensitive_flags": ["disabled"],
    }
    page = client.post(f"/persons/{li.pk}/unmask/", {"reason": "上门走访"}).content.decode()
    assert LI in page
    assert "1982-07-04" in page
    assert "残疾人" in page
    entries = AuditEntry.objects.filter(action="unmask", object_id=str(li.pk)).order_by("id")
    assert [e.reason for e in entries] == ["核实残疾人补贴", "上门走访"]
    assert all(e.actor_label == "community_staff" for e in entries)
    refused = client.post(f"/persons/{li.pk}/unmask/", {"reason": ""}).content.decode()
    assert "reason: say why" in refused
    assert entries.count() == 2
    worker = login(world.users.grid_worker)
    assert (
        worker.post(
            f"/api/persons/{li.pk}/unmask", data={"reason": "x1"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_unmasked_export_needs_permission_and_reason_and_audits_each_person(
    world, registry, login, tmp_path, capsys
):
    worker_page = login(world.users.grid_worker).get(f"/grids/{world.grids.general.code}/")
    assert 'data-testid="unmasked-export"' not in worker_page.content.decode()
    client = login(world.users.community_staff)
    page = client.get("/areas/510116001005/").content.decode()
    assert 'data-testid="unmasked-export"' in page
    assert 'action="/registry/export/510116001005/"' in page
    refused = client.post("/registry/export/510116001005/", {"format": "csv", "reason": ""})
    assert refused.status_code == 400
    response = client.post(
        "/registry/export/510116001005/", {"format": "csv", "reason": "民政核对"}
    )
    text = response.content.decode("utf-8-sig")
    assert ZHANG in text
    assert "残疾人" in text
    assert (
        AuditEntry.objects.filter(action="unmask", reason="unmasked export: 民政核对").count() == 4
    )
    assert (
        login(world.users.grid_worker)
        .post("/registry/export/510116001005-001/", {"reason": "走访"})
        .status_code
        == 403
    )
    target = tmp_path / "roster.xlsx"
    assert (
        main(["registry", "export", "--area", "510116001005", "-o", str(target), "--unmasked"]) == 1
    )
    assert "reason: say why" in capsys.readouterr().err
    assert not target.exists()


def test_a_resident_sees_only_their_own_household(world, registry, login):
    zhang = Person.objects.get(name="张建国")
    zhang.user = world.users.resident
    zhang.save(update_fields=["user"])
    client = login(world.users.resident)
    assert client.get(f"/api/households/{registry.zhang.pk}").status_code == 200
    li = Person.objects.get(name="李梅")
    assert client.get(f"/api/persons/{li.pk}").json()["phone"] == "139****1234"
    from finegrid.people.actions import do_add_person

    neighbour = do_add_person(system(), registry.wang, name="赵强", relation="other", sex="M")
    assert client.get(f"/api/persons/{neighbour.pk}").status_code == 404
    assert client.get("/api/households").json()["count"] == 1


def test_a_resident_keeps_their_household_when_it_moves(world, registry, login):
    """A resident sees where their household lives; when staff move the household to a
    dwelling in another micro-grid, the resident's scope moves with it."""
    from finegrid.people.actions import do_link_account, do_move_household

    zhang = Person.objects.get(name="张建国")
    do_link_account(system(), zhang, world.users.resident)
    old = registry.zhang.dwelling
    new = Dwelling.objects.create(
        building=old.building,
        entrance=old.entrance,
        floor=6,
        room="602",
        grid=world.grids.micro2,
        path=world.grids.micro2.path,
    )
    staff = world.users.community_staff
    do_move_household(staff, registry.zhang, new)
    client = login(world.users.resident)
    assert client.get(f"/api/households/{registry.zhang.pk}").json()["dwelling"] == new.pk
    assert [a.grid for a in world.users.resident.assignments.all()] == [world.grids.micro2]
    entry = AuditEntry.objects.filter(object_id=str(world.users.resident.pk)).latest("id")
    assert entry.after["scopes"] == [world.grids.micro2.code]
    assert entry.actor_label == "community_staff"


def test_a_resident_keeps_their_household_through_a_re_division(world, registry, login):
    """A re-division moves the resident's dwelling into another micro-grid: the resident
    still sees their own household, their scope follows it, and every object that moved
    has one audit row under the request that moved it."""
    from finegrid.accounts.context import request_context
    from finegrid.people.actions import do_link_account
    from finegrid.territory.actions import do_apply_division

    do_link_account(system(), Person.objects.get(name="张建国"), world.users.resident)
    building = registry.zhang.dwelling.building

    def micro(code: str, parts: list[dict]) -> dict:
        properties = {"code": code, "general_grid": world.grids.general.code, "parts": parts}
        return {"type": "Feature", "geometry": None, "properties": properties | {"minutes": 60}}

    everything = [
        {"building": building.ref, "entrance": 1, "floors": [5, 5]},
        {"building": building.ref, "entrance": 2, "floors": [1, 1]},
    ]
    with request_context("re-division-1"):
        do_apply_division(
            world.users.community_staff,
            [micro(world.grids.micro.code, []), micro(world.grids.micro2.code, everything)],
        )
    registry.zhang.refresh_from_db()
    assert registry.zhang.path == world.grids.micro2.path
    client = login(world.users.resident)
    assert client.get(f"/api/households/{registry.zhang.pk}").status_code == 200
    assert [h["id"] for h in client.get("/api/households").json()["items"]] == [registry.zhang.pk]
    assert [a.grid for a in world.users.resident.assignments.all()] == [world.grids.micro2]
    moved = AuditEntry.objects.filter(request_id="re-division-1", action="update")
    members = set(Person.objects.filter(household=registry.zhang).values_list("pk", flat=True))
    by_type = {}
    for entry in moved:
        by_type.setdefault(entry.object_type, []).append(entry.object_id)
    assert by_type["territory.dwelling"] == [str(registry.zhang.dwelling_id)]
    assert by_type["people.household"] == [str(registry.zhang.pk)]
    assert sorted(by_type["people.person"]) == sorted(str(pk) for pk in members)
    assert by_type["accounts.user"] == [str(world.users.resident.pk)]
    assert all(e.actor_label == "community_staff" for e in moved)


def test_the_api_reports_identity_problems_in_english_without_the_value(world, registry, login):
    """API problems are English 'field: reason' whatever the client's language; the
    roster report, which staff read, follows the reader's language instead."""
    li = Person.objects.get(name="李梅")
    wrong_check = "1" if LI[-1] != "1" else "2"
    response = login(world.users.community_staff).patch(
        f"/api/persons/{li.pk}",
        data=json.dumps({"id_number": LI[:-1] + wrong_check, "phone": "12"}),
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )
    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"id_number: check digit is {wrong_check}, expected {LI[-1]}",
        "phone: must be 11 digits starting with 13–19 (optionally +86)",
    ]


def test_a_grid_worker_registers_names_but_not_protected_fields(world, registry, login):
    """The same rule as for changes: ID numbers, phones and sensitive flags need the
    right to see them, when a person is added as when one is changed."""
    worker = login(world.users.grid_worker)
    household = registry.wang.pk
    for secret in (
        {"phone": "13700001111"},
        {"id_number": ZHANG},
        {"sensitive_flags": ["disabled"]},
    ):
        refused = worker.post(
            "/api/persons",
            data=json.dumps({"household": household, "name": "新人", "sex": "F", **secret}),
            content_type="application/json",
        )
        assert refused.status_code == 403, secret
        assert "may not change ID numbers, phones or sensitive flags" in refused.json()["detail"]
    added = worker.post(
        "/api/persons",
        data=json.dumps({"household": household, "name": "新人", "sex": "F"}),
        content_type="application/json",
    )
    assert added.status_code == 201
    assert Person.objects.filter(name="新人").count() == 1


def test_a_partner_sees_places_but_no_people_or_organization(world, registry, login):
    """A partner (共建单位) of community A works with its grids and buildings, and reads
    nothing of its residents, party organizations or workers, by any path."""
    zhang = Person.objects.get(name="张建国")
    client = login(world.users.partner)
    assert client.get("/api/buildings").json()["count"] == 1
    assert client.get("/api/persons").json() == {"items": [], "count": 0}
    assert client.get("/api/households").json() == {"items": [], "count": 0}
    assert client.get(f"/api/persons/{zhang.pk}").status_code == 404
    assert client.get(f"/api/households/{registry.zhang.pk}").status_code == 404
    assert client.get(f"/households/{registry.zhang.pk}/").status_code == 404
    assert client.get("/api/party-orgs").json()["count"] == 0
    assert client.get("/api/workers").json()["count"] == 0
    assert client.get("/api/coverage", {"area": COMMUNITY_A}).status_code == 403
    assert client.get(f"/coverage/{COMMUNITY_A}/").status_code == 403
    assert client.get("/api/registry/export", {"area": COMMUNITY_A}).status_code == 403
    assert client.get(f"/registry/export/{COMMUNITY_A}/").status_code == 403
    assert "张建国" not in client.get(f"/grids/{world.grids.micro.code}/").content.decode()


def test_staff_change_the_head_of_a_household(world, registry, login):
    """PATCH /api/households/{id} {"head": member}: the member becomes 户主, the former
    head 其他; a person of another household is refused."""
    li = Person.objects.get(name="李梅")
    staff = login(world.users.community_staff)
    response = staff.patch(
        f"/api/households/{registry.zhang.pk}",
        data=json.dumps({"head": li.pk}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["head"] == "李梅"
    relations = dict(
        Person.objects.filter(household=registry.zhang).values_list("name", "relation")
    )
    assert (relations["李梅"], relations["张建国"]) == ("head", "other")
    wang = Person.objects.get(name="王秀英")
    refused = staff.patch(
        f"/api/households/{registry.zhang.pk}",
        data=json.dumps({"head": wang.pk}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["problems"] == ["head: 王秀英 is not a member of this household"]
