"""Writing the audit log. Actions call these; nothing else writes AuditEntry rows."""

from __future__ import annotations

import datetime as dt
import decimal
import getpass
import uuid
from collections.abc import Iterable

from django.db import models

from finegrid.accounts.context import get_request_id, new_request_id
from finegrid.accounts.models import AuditAction, AuditEntry

# Never copied into the log, whatever the model.
_SECRET_FIELDS = frozenset({"password", "digest"})


def actor_label(actor) -> str:
    """How the log names who acted: the user, or the operating-system user of the CLI."""
    if actor is None:
        try:
            return f"cli:{getpass.getuser()}"
        except OSError:
            return "cli"
    return actor.username


def _plain(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict:
    """The stored values of a row, JSON-ready; foreign keys as their ids."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in _SECRET_FIELDS:
            continue
        values[field.attname] = _plain(getattr(obj, field.attname))
    return values


def _entry(actor, action: str, obj: models.Model, before, after, reason: str) -> AuditEntry:
    return AuditEntry(
        actor_id=getattr(actor, "pk", None),
        actor_label=actor_label(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:300],
        path=getattr(obj, "path", "") or "",
        before=before,
        after=after,
        request_id=get_request_id() or new_request_id("cli-"),
        reason=reason,
    )


def record(
    actor, action: str, obj: models.Model, *, before=None, after=None, reason: str = ""
) -> AuditEntry:
    """Write one audit row. ``before``/``after`` default to nothing and the current values."""
    if after is None and action != AuditAction.DELETE:
        after = snapshot(obj)
    entry = _entry(actor, action, obj, before, after, reason)
    entry.save()
    return entry


def record_created(actor, objects: Iterable[models.Model], reason: str = "") -> int:
    """One 'create' row per object, written in bulk for large loads and imports."""
    entries = [
        _entry(actor, AuditAction.CREATE, obj, None, snapshot(obj), reason) for obj in objects
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def record_updated(actor, changes: Iterable[tuple[dict, models.Model]], reason: str = "") -> int:
    """One 'update' row per (before, object) pair, in bulk."""
    entries = [
        _entry(actor, AuditAction.UPDATE, obj, before, snapshot(obj), reason)
        for before, obj in changes
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)
