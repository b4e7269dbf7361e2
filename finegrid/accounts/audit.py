"""Writing the audit log. Actions call these; nothing else writes AuditEntry rows."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable

from django.db import models
from django.utils import timezone

from finegrid import bulk
from finegrid.accounts.context import get_request_id, new_request_id
from finegrid.accounts.models import AuditAction, AuditEntry
from finegrid.accounts.system import is_system

# Never copied into the log, whatever the model; a model adds its own in AUDIT_EXCLUDE
# (encrypted personal data, whose masked form is logged instead), and logs the fields of
# AUDIT_MASKED ({name: mask}) in masked form.
_SECRET_FIELDS = frozenset({"password", "digest"})


def actor_label(actor) -> str:
    """How the log names who acted: the user, or the system actor with what it ran for
    (``system:cli:<operating-system user>``, ``system:demo``, ``system:tasks``)."""
    if actor is None:
        raise TypeError("every change has an actor; the command line acts as the system actor")
    if is_system(actor):
        return f"system:{getattr(actor, 'channel', 'unknown')}"
    return actor.username


def _plain(value):
    if value is None or type(value) in (str, int, float, bool, list, dict):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict:
    """The stored values of a row, JSON-ready; foreign keys as their ids."""
    values = {}
    excluded = _SECRET_FIELDS | frozenset(getattr(obj, "AUDIT_EXCLUDE", ()))
    masks = getattr(obj, "AUDIT_MASKED", {})
    for field in obj._meta.concrete_fields:
        if field.name in excluded:
            continue
        value = getattr(obj, field.attname)
        mask = masks.get(field.name)
        values[field.attname] = mask(value) if mask and value is not None else _plain(value)
    return values


def _entry(actor, action: str, obj: models.Model, before, after, reason: str) -> AuditEntry:
    return AuditEntry(
        actor_id=actor.pk,
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


def record_read(actor, objects: Iterable[models.Model], reason: str) -> int:
    """One 'unmask' row per object whose personal data was read in clear, in bulk."""
    entries = [
        _entry(actor, AuditAction.UNMASK, obj, None, {"fields": ["all"]}, reason) for obj in objects
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def record_created_rows(
    actor, model: type[models.Model], rows: list[dict], labels: list[str], reason: str
) -> int:
    """'create' rows for objects written straight from ``rows`` (attname → value, as
    inserted by finegrid.bulk), without building model instances."""
    excluded = _SECRET_FIELDS | frozenset(getattr(model, "AUDIT_EXCLUDE", ()))
    masks = getattr(model, "AUDIT_MASKED", {})
    # Only date and time columns need turning into text; everything else a bulk row holds
    # is already JSON-ready, and skipping the per-value check matters at 500,000 rows.
    temporal = [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField | models.TimeField) and f.name not in masks
    ]

    def after(row: dict) -> dict:
        values = {k: v for k, v in row.items() if k not in excluded}
        for name, mask in masks.items():
            if values.get(name) is not None:
                values[name] = mask(values[name])
        for name in temporal:
            if values.get(name) is not None:
                values[name] = values[name].isoformat()
        return values

    return _insert_entries(
        actor,
        AuditAction.CREATE,
        model,
        (
            (row["id"], text, row.get("path", ""), None, after(row))
            for row, text in zip(rows, labels, strict=True)
        ),
        reason,
    )


def record_moved(actor, model: type[models.Model], moves: Iterable[tuple], reason: str) -> int:
    """One 'update' row per object moved between grids, from (id, label, before, after)
    tuples (the changed columns only, ``path`` among them), without building instances."""
    return _insert_entries(
        actor,
        AuditAction.UPDATE,
        model,
        ((pk, label, after["path"], before, after) for pk, label, before, after in moves),
        reason,
    )


_ENTRY_FIELDS = (
    "time",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "path",
    "before",
    "after",
    "request_id",
    "reason",
)


def _insert_entries(actor, action: str, model, items: Iterable[tuple], reason: str) -> int:
    """Audit rows straight through finegrid.bulk, one per (id, label, path, before, after)."""
    object_type = model._meta.label_lower
    label, request_id = actor_label(actor), get_request_id() or new_request_id("cli-")
    now, actor_id = timezone.now(), actor.pk
    rows = (
        (now, actor_id, label, action, object_type, str(pk), text[:300], path, before, after)
        for pk, text, path, before, after in items
    )
    return bulk.insert(AuditEntry, _ENTRY_FIELDS, ((*row, request_id, reason) for row in rows))
