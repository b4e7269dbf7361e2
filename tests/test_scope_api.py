"""Scopes and permissions for every API endpoint: anonymous, in scope, out of scope
(another community's grid by id and by code) and the wrong role."""

import json

import pytest

from finegrid.territory import queries
from tests.conftest import COMMUNITY_A, COMMUNITY_B, COMMUNITY_C, square

READS = [
    "/api/me",
    "/api/areas",
    "/api/areas.geojson",
    "/api/areas/{area}",
    "/api/grids",
    "/api/grids.geojson",
    "/api/grids/{id}",
    "/api/grids/code/{code}",
    "/api/grids/{id}/geojson",
]


def _urls(grid):
    return [url.format(id=grid.pk, code=grid.code, area=grid.community.code) for url in READS]


def _write_requests(grid):
    new_code = f"{grid.community.code}-050"
    return [
        ("post", "/api/grids", {"code": new_code, "geometry": square(103.9, 30.5)}),
        ("patch", f"/api/grids/{grid.pk}", {"name": "新名称"}),
        ("delete", f"/api/grids/{grid.pk}", None),
    ]


def _send(client, method, url, body):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_anonymous_gets_401_everywhere(world, client):
    grid = world.grids.micro2
    for url in [*_urls(grid), "/api/audit"]:
        assert client.get(url).status_code == 401, url
    for method, url, body in _write_requests(grid):
        response = _send(client, method, url, body)
        assert response.status_code == 401, url
        assert response.json() == {"detail": "Unauthorized"}


def test_in_scope_staff_can_read_and_change(world, login):
    client = login(world.users.community_staff)
    grid = world.grids.micro2
    for url in [*_urls(grid), "/api/audit"]:
        assert client.get(url).status_code == 200, url
    statuses = [_send(client, *request).status_code for request in _write_requests(grid)]
    assert statuses == [201, 200, 204]


def test_out_of_scope_is_exactly_like_missing(world, login):
    client = login(world.users.community_staff)
    foreign = world.grids.other_district
    missing = {"detail": f"no grid {foreign.code}"}
    for url in _urls(foreign)[2:]:
        if url in ("/api/areas.geojson", "/api/grids", "/api/grids.geojson"):
            continue
        assert client.get(url).status_code == 404, url
    response = client.get(f"/api/grids/code/{foreign.code}")
    assert response.json() == missing
    never_existed = client.get(f"/api/grids/code/{COMMUNITY_C}-077")
    assert never_existed.status_code == 404
    by_id = client.get(f"/api/grids/{foreign.pk}")
    assert by_id.json() == {"detail": f"no grid with id {foreign.pk}"}
    assert client.get("/api/grids/999999").json() == {"detail": "no grid with id 999999"}
    statuses = [_send(client, *request).status_code for request in _write_requests(foreign)]
    assert statuses == [404, 404, 404]


def test_wrong_role_is_forbidden_in_scope(world, login):
    client = login(world.users.micro_worker)
    grid = world.grids.micro
    assert client.get(f"/api/grids/{grid.pk}").status_code == 200
    for method, url, body in _write_requests(grid):
        response = _send(client, method, url, body)
        assert response.status_code == 403, url
        assert "your role may not" in response.json()["detail"]
    response = client.get("/api/audit")
    assert response.status_code == 403


VISIBLE = {
    "city_admin": {
        "A",
        "A-001",
        "A-002",
        "A-001-01",
        "A-001-02",
        "A-Z01",
        "B",
        "B-001",
        "C",
        "C-001",
    },
    "district_staff": {"A", "A-001", "A-002", "A-001-01", "A-001-02", "A-Z01", "B", "B-001"},
    "street_staff": {"A", "A-001", "A-002", "A-001-01", "A-001-02", "A-Z01", "B", "B-001"},
    "community_staff": {"A", "A-001", "A-002", "A-001-01", "A-001-02", "A-Z01"},
    "partner": {"A", "A-001", "A-002", "A-001-01", "A-001-02", "A-Z01"},
    "grid_worker": {"A-001", "A-001-01", "A-001-02"},
    "micro_worker": {"A-001-01"},
    "resident": {"A-001-01"},
    "dedicated_worker": {"A-Z01"},
    "outsider": {"C", "C-001"},
}
SHORT = {COMMUNITY_A: "A", COMMUNITY_B: "B", COMMUNITY_C: "C"}


def _short(code):
    community, _, rest = code.partition("-")
    return SHORT.get(community, community) + (f"-{rest}" if rest else "")


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_each_role_sees_exactly_its_subtree(world, login, role):
    user = getattr(world.users, role)
    named = {COMMUNITY_A, COMMUNITY_B, COMMUNITY_C}
    seen = {
        _short(code)
        for code in queries.grids(user).values_list("code", flat=True)
        if "-" in code or code in named
    }
    assert seen == VISIBLE[role]
    client = login(user)
    listed = client.get("/api/grids", {"page_size": 1000}).json()
    codes = {
        _short(item["code"])
        for item in listed["items"]
        if "-" in item["code"] or item["code"] in named
    }
    assert codes == VISIBLE[role]


def test_area_scope_is_the_assigned_subtree(world, login):
    client = login(world.users.community_staff)
    assert client.get(f"/api/areas/{COMMUNITY_A}").status_code == 200
    assert client.get("/api/areas/510116001").status_code == 404
    assert client.get(f"/api/areas/{COMMUNITY_B}").status_code == 404
    areas = client.get("/api/areas").json()
    assert [a["code"] for a in areas["items"]] == [COMMUNITY_A]
    street = login(world.users.street_staff).get("/api/areas", {"level": "community"}).json()
    assert street["count"] == 23


def test_list_filters(world, login):
    client = login(world.users.city_admin)

    def codes(**params):
        return [g["code"] for g in client.get("/api/grids", params).json()["items"]]

    assert codes(kind="micro") == [f"{COMMUNITY_A}-001-01", f"{COMMUNITY_A}-001-02"]
    assert codes(parent=f"{COMMUNITY_A}-001") == [f"{COMMUNITY_A}-001-01", f"{COMMUNITY_A}-001-02"]
    assert codes(code_prefix=f"{COMMUNITY_A}-00") == [
        f"{COMMUNITY_A}-001",
        f"{COMMUNITY_A}-001-01",
        f"{COMMUNITY_A}-001-02",
        f"{COMMUNITY_A}-002",
    ]
    assert codes(bbox="104.0,30.6,104.1,30.7") == [f"{COMMUNITY_C}-001"]
    assert codes(community="510116001001", kind="general") == [f"{COMMUNITY_B}-001"]
    page = client.get("/api/grids", {"page_size": 2, "page": 2}).json()
    assert len(page["items"]) == 2
    bad = client.get("/api/grids", {"bbox": "1,2,3"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "bbox"]
    corners = codes(bbox="104.1,30.7,104.0,30.6")  # any two opposite corners
    assert corners == [f"{COMMUNITY_C}-001"]


def test_geojson_output(world, login):
    client = login(world.users.community_staff)
    response = client.get("/api/grids.geojson", {"kind": "micro"})
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["numberMatched"] == 2
    assert [f["properties"]["code"] for f in collection["features"]] == [
        f"{COMMUNITY_A}-001-01",
        f"{COMMUNITY_A}-001-02",
    ]
    capped = client.get("/api/grids.geojson", {"limit": 1}).json()
    assert capped["numberReturned"] == 1
    assert len(capped["features"]) == 1
    feature = client.get(f"/api/grids/{world.grids.micro.pk}/geojson").json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["parent"] == f"{COMMUNITY_A}-001"


def test_areas_as_geojson(world, login):
    """Areas in scope as features, with null geometry where no boundary was loaded."""
    client = login(world.users.community_staff)
    response = client.get("/api/areas.geojson", {"level": "community", "limit": 5})
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["numberMatched"] == 1
    assert collection["features"] == [
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "code": COMMUNITY_A,
                "level": "community",
                "name": world.grids.general.community.name,
                "parent": COMMUNITY_A[:9] + "000",
            },
        }
    ]


def test_create_reports_invariant_problems(world, login):
    client = login(world.users.community_staff)
    response = _send(client, "post", "/api/grids", {"code": f"{COMMUNITY_A}-007-01"})
    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"property 'parent': the general grid of the same community {COMMUNITY_A}-007 does not exist"
    ]
    duplicate = _send(client, "post", "/api/grids", {"code": f"{COMMUNITY_A}-001"})
    assert duplicate.status_code == 409
    blocked = _send(client, "delete", f"/api/grids/{world.grids.general.pk}", None)
    assert blocked.status_code == 409
    assert "has 2 child grid(s)" in blocked.json()["detail"]


def test_session_writes_need_the_csrf_token(world, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users.community_staff)
    response = _send(strict, "patch", f"/api/grids/{world.grids.micro.pk}", {"name": "x"})
    assert response.status_code == 403


def test_me_describes_role_scope_and_permissions(world, login):
    me = login(world.users.grid_worker).get("/api/me").json()
    assert me["role"] == "grid_worker"
    assert me["scopes"] == [{"code": f"{COMMUNITY_A}-001", "name": "第001网格", "kind": "general"}]
    assert "territory.view_grid" in me["permissions"]
    assert "territory.change_grid" not in me["permissions"]


def test_token_writes_need_no_csrf_token(world):
    """An integration with a bearer token changes what its user may change; the same
    request with a bad token falls back to the session check and is refused."""
    from django.test import Client

    from finegrid.accounts.actions import do_create_token

    staff = world.users.community_staff
    token = do_create_token(staff, staff, name="sync")[1]
    strict = Client(enforce_csrf_checks=True)
    url = f"/api/grids/{world.grids.micro.pk}"
    body = json.dumps({"name": "令牌改名"})
    done = strict.patch(
        url, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert done.status_code == 200, done.content
    assert done.json()["name"] == "令牌改名"
    refused = strict.patch(
        url, data=body, content_type="application/json", HTTP_AUTHORIZATION="Bearer fg_wrong"
    )
    assert refused.status_code in (401, 403)
