"""Every API operation: anonymous callers get 401; each resource's detail answers in scope,
404 out of scope (exactly like a missing id) and 403 to a role that may not change it."""

import json
import re

import pytest

from finegrid.api import api
from finegrid.org.actions import do_assign_worker, do_create_party_org
from finegrid.people.models import Person
from finegrid.territory.actions import do_create_compound
from finegrid.territory.models import Building, Dwelling
from tests.conftest import system

FILLERS = {"code": "510116001005", "ref": "x", "grid_id": "1"}


def operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            if path.endswith(("openapi.json", "/docs")):
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: FILLERS.get(m.group(1), "1"), path)
            yield method, url


@pytest.mark.parametrize(("method", "url"), list(operations()))
def test_anonymous_callers_are_refused(client, db, method, url):
    if method in ("get", "delete"):
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 401, (method, url)


@pytest.fixture
def resources(world, registry):
    """One object of each resource in community A, and its twin in community C."""
    foreign_building = Building.objects.create(
        ref="510104017001-B0001",
        name="1栋",
        community=world.grids.other_district.community,
        grid=world.grids.other_district,
        path=world.grids.other_district.path,
    )
    compound = do_create_compound(
        system(),
        ref="510116001005-C01",
        community=world.grids.general.community,
        name="锦苑",
        kind="estate",
    )
    occupied = Dwelling.objects.get(room="502")
    empty = Dwelling.objects.create(
        building=occupied.building,
        entrance=occupied.entrance,
        floor=7,
        room="702",
        grid=occupied.grid,
        path=occupied.path,
    )
    return {
        "compound": (compound.pk, None),
        "empty_dwelling": (empty.pk, None),
        "building": (Dwelling.objects.get(room="502").building.ref, foreign_building.ref),
        "household": (registry.zhang.pk, None),
        "dwelling": (Dwelling.objects.get(room="502").pk, None),
        "person": (Person.objects.get(name="李梅").pk, None),
        "party_member": (Person.objects.get(name="张建国").pk, None),
        "party_org": (
            do_create_party_org(system(), world.grids.general.parent).pk,
            do_create_party_org(system(), world.grids.other_district.parent).pk,
        ),
        "worker": (
            do_assign_worker(system(), world.grids.micro, role="micro_worker", name="甲").pk,
            do_assign_worker(
                system(), world.grids.other_district, role="grid_worker", name="乙"
            ).pk,
        ),
    }


DETAILS = {
    "compound": "/api/compounds/{}",
    "building": "/api/buildings/{}",
    "dwelling": "/api/dwellings/{}",
    "household": "/api/households/{}",
    "person": "/api/persons/{}",
    "party_org": "/api/party-orgs/{}",
    "worker": "/api/workers/{}",
}


@pytest.mark.parametrize("resource", sorted(DETAILS))
def test_details_in_scope_and_out_of_scope(world, resources, login, resource):
    mine, theirs = resources[resource]
    staff = login(world.users.community_staff)
    assert staff.get(DETAILS[resource].format(mine)).status_code == 200
    if theirs is not None:
        foreign = staff.get(DETAILS[resource].format(theirs))
        missing = staff.get(
            DETAILS[resource].format("999999" if resource != "building" else "nope")
        )
        assert foreign.status_code == missing.status_code == 404
    outsider = login(world.users.outsider)
    assert outsider.get(DETAILS[resource].format(mine)).status_code == 404


WRITES = [
    (
        "post",
        "/api/compounds",
        {"ref": "510116001005-C02", "community": "510116001005", "name": "新苑"},
    ),
    ("patch", "/api/compounds/{compound}", {"name": "改名苑"}),
    (
        "post",
        "/api/buildings",
        {
            "properties": {
                "id": "510116001005-9栋",
                "name": "9栋",
                "community": "510116001005",
                "households": 4,
                "floors": 2,
            }
        },
    ),
    ("patch", "/api/buildings/{building}", {"name": "改名"}),
    (
        "post",
        "/api/dwellings",
        {"building": "{building}", "entrance": 1, "floor": 2, "room": "299"},
    ),
    ("patch", "/api/dwellings/{dwelling}", {"use": "office"}),
    ("post", "/api/persons", {"household": "{household}", "name": "新生儿", "sex": "F"}),
    ("patch", "/api/persons/{person}", {"name": "李梅梅"}),
    (
        "post",
        "/api/households",
        {"dwelling": "{empty_dwelling}", "head": {"name": "新户主", "sex": "M"}},
    ),
    ("post", "/api/households/{household}/move", {"dwelling": "{empty_dwelling}"}),
    ("patch", "/api/households/{household}", {"head": "{person}"}),
    ("post", "/api/party-orgs", {"grid": "510116001005-001"}),
    ("patch", "/api/party-orgs/{party_org}", {"name": "新名称"}),
    ("post", "/api/party-orgs/{party_org}/members", {"person": "{party_member}"}),
    ("post", "/api/workers", {"grid": "510116001005-001-02", "role": "micro_worker", "name": "丙"}),
    ("patch", "/api/workers/{worker}", {"name": "甲甲"}),
    ("post", "/api/workers/{worker}/end", {}),
]


# Records a partner may not even read: changing them answers like a missing id.
UNREADABLE_TO_PARTNERS = ("{household}", "{person}", "{party_org}", "{worker}", "{party_member}")


@pytest.mark.parametrize(("method", "template", "body"), WRITES)
def test_writes_need_a_role_that_may_change(world, resources, login, method, template, body):
    """In scope with the wrong role (a partner of community A): 403, or 404 for records
    that role cannot read; out of scope: 404, except that a new building naming a
    community outside one's scope is a problem of its input (400); staff: done."""
    ids = {name: pair[0] for name, pair in resources.items() if pair}
    url = template.format(**ids)
    payload = {
        k: (ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v)
        for k, v in body.items()
    }

    def send(user):
        client = login(user)
        return getattr(client, method)(
            url, data=json.dumps(payload), content_type="application/json"
        )

    refused = send(world.users.partner)
    hidden = any(marker in template + json.dumps(body) for marker in UNREADABLE_TO_PARTNERS)
    assert refused.status_code == (404 if hidden else 403), (url, refused.content)
    foreign = send(world.users.outsider)
    assert foreign.status_code == (400 if url == "/api/buildings" else 404), (url, foreign.content)
    allowed = send(world.users.community_staff)
    assert allowed.status_code in (200, 201), (url, allowed.content)


def test_a_grid_worker_may_not_write_protected_fields(world, registry, login):
    li = Person.objects.get(name="李梅")
    response = login(world.users.grid_worker).patch(
        f"/api/persons/{li.pk}",
        data=json.dumps({"phone": "13700001111"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "may not change ID numbers, phones or sensitive flags" in response.json()["detail"]


LISTS = [
    "/api/compounds",
    "/api/buildings",
    "/api/buildings.geojson",
    "/api/dwellings",
    "/api/households",
    "/api/persons",
    "/api/party-orgs",
    "/api/workers",
    "/api/map/grids.geojson",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_hold_only_what_is_in_scope(world, resources, login, url):
    """Community A's staff find A's records in every list; staff of another community
    find none of them."""

    def listed(user) -> set[str]:
        body = login(user).get(url).json()
        items = body.get("items", body.get("features", []))
        return {json.dumps(item, sort_keys=True, ensure_ascii=False) for item in items}

    mine = listed(world.users.community_staff)
    assert mine, url
    assert not mine & listed(world.users.outsider), url
