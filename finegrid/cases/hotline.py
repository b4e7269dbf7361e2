"""Bulk import of 12345 hotline exports: one row per call, all rows or none, every
problem by row and column. Each row becomes a case of channel ``hotline`` whose source is
``12345:<工单编号>``, so a file imported twice is refused, not doubled."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from finegrid import clock, identity
from finegrid.accounts.scope import require
from finegrid.cases.actions import do_open_case
from finegrid.cases.dutylists import _choice
from finegrid.cases.models import Case, Category, Channel, Urgency
from finegrid.errors import InvalidInput, NotFound
from finegrid.people import roster
from finegrid.territory import queries as territory

COLUMNS = [
    "工单编号",
    "来电时间",
    "来电人",
    "联系电话",
    "事件类别",
    "诉求内容",
    "社区代码",
    "地址",
    "紧急程度",
]
REQUIRED = ("工单编号", "事件类别", "诉求内容", "社区代码")


def read(name: str, content: bytes) -> list[tuple[int, dict]]:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        rows = roster._xlsx_rows(content)
    elif lower.endswith(".csv"):
        rows = roster._csv_rows(content)
    else:
        raise InvalidInput("file: a hotline export is an .xlsx or .csv file")
    header = [str(h or "").strip() for h in next(rows, ())]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(f"row 1: missing column {'、'.join(missing)}")
    found = []
    for number, values in enumerate(rows, start=2):
        cells = {
            h: roster._text(values[i]) if i < len(values) else "" for i, h in enumerate(header)
        }
        if any(cells.values()):
            found.append((number, cells))
    return found


@transaction.atomic
def do_import_hotline(actor, rows: list[tuple[int, dict]]) -> int:
    """Check every row, then open one case per row; returns how many were opened. Staff
    who may dispatch cases import (a hotline export is the staff's, not a resident's)."""
    require(actor, "cases.dispatch_case")
    problems, planned, seen = [], [], set()
    for number, row in rows:
        where = f"row {number}"
        ticket = row.get("工单编号", "")
        category = _choice(Category, row.get("事件类别", ""))
        urgency = _choice(Urgency, row.get("紧急程度", "")) if row.get("紧急程度") else None
        if not ticket:
            problems.append(f"{where}, column 工单编号: required")
        elif ticket in seen or Case.objects.filter(source=f"12345:{ticket}").exists():
            problems.append(f"{where}, column 工单编号: {ticket} is already imported")
        seen.add(ticket)
        if category is None:
            problems.append(
                f"{where}, column 事件类别: {row.get('事件类别', '')!r} is not a category"
            )
        if row.get("紧急程度") and urgency is None:
            problems.append(f"{where}, column 紧急程度: {row['紧急程度']!r} is not an urgency")
        if not row.get("诉求内容"):
            problems.append(f"{where}, column 诉求内容: required")
        try:
            community = territory.get_community(actor, row.get("社区代码", ""))
        except NotFound:
            problems.append(f"{where}, column 社区代码: no community {row.get('社区代码', '')}")
            community = None
        phone = row.get("联系电话", "")
        if phone:
            try:
                identity.validate_mobile(phone)
            except identity.IdentityError as error:
                problems.append(f"{where}, column 联系电话: {error.reason}")
        called = row.get("来电时间", "")
        if called:
            try:
                dt.datetime.fromisoformat(called)
            except ValueError:
                problems.append(f"{where}, column 来电时间: not a date and time (2026-12-01 09:30)")
        planned.append((row, ticket, category, urgency, community))
    if problems:
        raise InvalidInput(problems)
    for row, ticket, category, urgency, community in planned:
        # The time limits run from the call, not from the import.
        called = row.get("来电时间", "")
        moment = _aware(dt.datetime.fromisoformat(called)) if called else clock.now()
        with clock.frozen(min(moment, clock.now())):
            do_open_case(
                actor,
                category=category,
                text=row["诉求内容"],
                channel=Channel.HOTLINE,
                community=community,
                urgency=urgency,
                address=row.get("地址", ""),
                reporter_name=row.get("来电人", ""),
                reporter_phone=row.get("联系电话", ""),
                source=f"12345:{ticket}",
            )
    return len(planned)


def _aware(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
