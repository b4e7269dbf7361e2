import json

import pytest

from finegrid.accounts.admin import AuditEntryAdmin
from finegrid.accounts.models import AppendOnly, AuditEntry
from finegrid.territory.actions import do_update_grid


def test_api_changes_record_actor_request_and_values(world, login):
    client = login(world.users.community_staff)
    grid = world.grids.micro
    response = client.patch(
        f"/api/grids/{grid.pk}",
        data=json.dumps({"name": "一号楼微网格"}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-test-0001",
    )
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert request_id.startswith("req-test-0001.")
    entry = AuditEntry.objects.get(request_id=request_id)
    assert entry.actor_label == "community_staff"
    assert entry.actor_id == world.users.community_staff.pk
    assert entry.action == "update"
    assert entry.object_type == "territory.grid"
    assert entry.object_id == str(grid.pk)
    assert entry.before["name"] == "第001-01微网格"
    assert entry.after["name"] == "一号楼微网格"
    assert entry.path == grid.path


def test_a_caller_cannot_give_two_requests_one_id(world, login):
    client = login(world.users.community_staff)
    first, second = (client.get("/api/me", HTTP_X_REQUEST_ID="trace-7") for _ in range(2))
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert first["X-Request-ID"].startswith("trace-7.")


def test_unsafe_request_ids_are_replaced(world, login):
    client = login(world.users.community_staff)
    response = client.get("/api/me", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_audit_rows_cannot_be_changed_or_removed(world):
    entry = AuditEntry.objects.first()
    entry.reason = "tampered"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="tampered")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason != "tampered"


def test_admin_offers_no_way_to_change_the_log(world, rf):
    from django.contrib import admin

    model_admin = AuditEntryAdmin(AuditEntry, admin.site)
    request = rf.get("/")
    request.user = world.users.city_admin
    entry = AuditEntry.objects.first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_staff_read_the_trail_of_objects_in_scope_only(world, login):
    do_update_grid(world.users.street_staff, world.grids.other_street, name="棠湖一网格")
    do_update_grid(world.users.outsider, world.grids.other_district, name="水井坊一网格")
    client = login(world.users.community_staff)
    trail = client.get(
        "/api/audit", {"object_type": "territory.grid", "object_id": world.grids.micro.pk}
    ).json()
    assert [e["action"] for e in trail["items"]] == ["create"]
    assert trail["items"][0]["after"]["code"] == world.grids.micro.code
    foreign = client.get(
        "/api/audit", {"object_type": "territory.grid", "object_id": world.grids.other_street.pk}
    ).json()
    assert foreign == {"items": [], "count": 0}
    street = (
        login(world.users.street_staff)
        .get(
            "/api/audit",
            {"object_type": "territory.grid", "object_id": world.grids.other_street.pk},
        )
        .json()
    )
    assert [e["action"] for e in street["items"]] == ["update", "create"]
    assert street["items"][0]["changed_fields"] == ["name", "updated_at"]
    assert street["items"][0]["actor"] == "street_staff"


def test_user_changes_are_audited_without_secrets(world):
    entry = AuditEntry.objects.get(object_type="accounts.user", object_label="micro_worker")
    assert entry.after["role"] == "micro_worker"
    assert entry.after["scopes"] == [world.grids.micro.code]
    assert "password" not in entry.after
    assert entry.path == world.grids.micro.path


def test_audit_page_and_fragment(world, login):
    client = login(world.users.community_staff)
    page = client.get(
        "/audit/", {"object_type": "territory.grid", "object_id": world.grids.micro.pk}
    )
    assert page.status_code == 200
    assert world.grids.micro.name in page.content.decode()
    fragment = client.get("/audit/", HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content
    assert login(world.users.micro_worker).get("/audit/").status_code == 403
