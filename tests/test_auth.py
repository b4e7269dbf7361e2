import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from finegrid import settings as project_settings
from finegrid.accounts.actions import (
    do_create_token,
    do_create_user,
    do_revoke_token,
    do_set_password,
    do_update_user,
)
from finegrid.accounts.models import ApiToken
from finegrid.errors import InvalidInput, NotFound
from tests.conftest import system

PASSWORD = "grid-work-2026!"


def test_passwords_are_hashed_with_argon2(world, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    do_set_password(system(), world.users.resident, PASSWORD)
    world.users.resident.refresh_from_db()
    assert world.users.resident.password.startswith("argon2$")
    assert world.users.resident.check_password(PASSWORD)


def test_weak_passwords_are_refused_with_reasons(world):
    with translation.override("en"), pytest.raises(InvalidInput) as error:
        do_set_password(system(), world.users.resident, "12345")
    assert any("too short" in p for p in error.value.problems)
    assert any("entirely numeric" in p for p in error.value.problems)


def test_login_is_rate_limited(world, client):
    do_set_password(system(), world.users.community_staff, PASSWORD)
    for _ in range(5):
        response = client.post("/login/", {"username": "community_staff", "password": "wrong"})
        assert response.status_code in (200, 429)
    locked = client.post("/login/", {"username": "community_staff", "password": PASSWORD})
    assert locked.status_code == 429
    assert "连续 5 次登录失败" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_password_lands_home(world, client):
    do_set_password(system(), world.users.community_staff, PASSWORD)
    response = client.post(
        "/login/", {"username": "community_staff", "password": PASSWORD}, follow=True
    )
    assert [url for url, _ in response.redirect_chain] == ["/", "/cockpit/"]
    assert "五洞桥社区居委会" in response.content.decode()


def test_bearer_tokens(world, client):
    token, secret = do_create_token(system(), world.users.grid_worker, "phone")
    assert token.digest != secret
    assert secret.startswith("fg_")
    assert ApiToken.objects.get(pk=token.pk).prefix == secret[:10]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    me = client.get("/api/me", **headers)
    assert me.status_code == 200
    assert me.json()["username"] == "grid_worker"
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer fg_forged").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert client.get("/api/me", **headers).status_code == 401
    _, secret2 = do_create_token(system(), world.users.grid_worker, "tablet")
    do_update_user(system(), world.users.grid_worker, is_active=False)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret2}").status_code == 401
    do_update_user(system(), world.users.grid_worker, is_active=True)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret2}").status_code == 200
    do_revoke_token(system(), ApiToken.objects.get(name="tablet"))
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret2}").status_code == 401


def test_staff_manage_only_lower_roles_inside_their_scope(world):
    staff = world.users.community_staff
    worker = do_create_user(
        staff, username="new_micro", role="micro_worker", scopes=[world.grids.micro2.code]
    )
    assert worker.is_staff is False
    with pytest.raises(PermissionDenied, match="may not manage users with the role street_staff"):
        do_create_user(staff, username="boss", role="street_staff", scopes=["510116001005"])
    with pytest.raises(InvalidInput, match="scopes: no area or grid 510104017001 in your scope"):
        do_create_user(staff, username="far", role="micro_worker", scopes=["510104017001"])
    with pytest.raises(NotFound):
        do_update_user(staff, world.users.outsider, first_name="x")
    with pytest.raises(PermissionDenied):
        do_create_user(
            world.users.grid_worker, username="x", role="resident", scopes=["510116001005"]
        )
    created = do_create_user(
        world.users.city_admin, username="chief", role="district_staff", scopes=["510116"]
    )
    assert created.is_staff is True
