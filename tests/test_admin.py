from finegrid.accounts.models import AuditEntry, User
from finegrid.territory.models import Grid
from tests.conftest import COMMUNITY_A


def test_admin_lists_only_grids_in_scope(world, login):
    client = login(world.users.community_staff)
    page = client.get("/admin/territory/grid/", {"q": "-0"}).content.decode()
    assert world.grids.micro.code in page
    assert world.grids.other_street.code not in page
    assert world.grids.other_district.code not in page


def test_admin_hides_out_of_scope_objects_like_missing_ones(world, login):
    client = login(world.users.community_staff)
    foreign = client.get(f"/admin/territory/grid/{world.grids.other_district.pk}/change/")
    missing = client.get("/admin/territory/grid/999999/change/")
    assert foreign.status_code == missing.status_code == 302
    assert foreign.url == missing.url == "/admin/"


def test_admin_creates_grids_through_the_action(world, login):
    client = login(world.users.community_staff)
    response = client.post(
        "/admin/territory/grid/add/",
        {
            "code": f"{COMMUNITY_A}-002-01",
            "kind": "micro",
            "name": "二号微网格",
            "site_kind": "",
            "geometry": "",
        },
    )
    assert response.status_code == 302
    grid = Grid.objects.get(code=f"{COMMUNITY_A}-002-01")
    assert grid.parent == world.grids.general2
    entry = AuditEntry.objects.get(object_type="territory.grid", object_id=str(grid.pk))
    assert entry.actor_label == "community_staff"


def test_admin_shows_invariant_errors_on_the_form(world, login):
    client = login(world.users.community_staff)
    response = client.post(
        "/admin/territory/grid/add/",
        {
            "code": f"{COMMUNITY_A}-008-01",
            "kind": "micro",
            "name": "",
            "site_kind": "",
            "geometry": "",
        },
    )
    assert response.status_code == 200
    assert f"the general grid of the same community {COMMUNITY_A}-008 does not exist" in (
        response.content.decode()
    )


def test_admin_change_is_audited_with_before_and_after(world, login):
    client = login(world.users.community_staff)
    grid = world.grids.micro
    response = client.post(
        f"/admin/territory/grid/{grid.pk}/change/",
        {"name": "改名微网格", "site_kind": "", "geometry": grid.geometry},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_id=str(grid.pk), action="update")
    assert (entry.before["name"], entry.after["name"]) == ("第001-01微网格", "改名微网格")


def test_admin_is_chinese_first_with_english_available(world, login):
    client = login(world.users.city_admin)
    assert "finegrid 微网实格管理后台" in client.get("/admin/").content.decode()
    english = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "finegrid administration" in english
    assert "Site administration" not in english or "Grids" in english


def test_admin_users_are_scoped_and_created_through_the_action(world, login):
    client = login(world.users.community_staff)
    listing = client.get("/admin/accounts/user/").content.decode()
    assert ">micro_worker</a>" in listing
    assert ">outsider</a>" not in listing
    assert ">street_staff</a>" not in listing
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "wang",
            "first_name": "王芳",
            "role": "micro_worker",
            "scopes": world.grids.micro2.code,
            "password": "",
        },
    )
    assert response.status_code == 302
    wang = User.objects.get(username="wang")
    assert [a.node for a in wang.assignments.all()] == [world.grids.micro2]
    refused = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "li",
            "first_name": "",
            "role": "street_staff",
            "scopes": COMMUNITY_A,
            "password": "",
        },
    )
    assert refused.status_code == 200
    assert "may not manage users with the role street_staff" in refused.content.decode()
    assert not User.objects.filter(username="li").exists()


def test_workers_cannot_enter_the_admin(world, login):
    response = login(world.users.micro_worker).get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
