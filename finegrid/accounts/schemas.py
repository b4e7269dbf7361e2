"""API shapes of users and audit entries."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class ScopeOut(Schema):
    code: str
    name: str
    kind: str  # an area level or a grid kind


class MeOut(Schema):
    username: str
    name: str
    role: str
    scopes: list[ScopeOut]
    permissions: list[str]


class AuditOut(Schema):
    id: int
    time: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    before: dict | None
    after: dict | None
    changed_fields: list[str]
    request_id: str
    reason: str

    @staticmethod
    def resolve_actor(entry) -> str:
        return entry.actor_label
