"""Reads of cases, always through ``restrict(user, action)``."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from django.db.models import Count, Q, QuerySet

from finegrid import clock
from finegrid.accounts.scope import path_q
from finegrid.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseStep,
    DutyItem,
    StreamMessage,
    Unit,
)

# Duplicates: the same category, open, within this distance (or in the same compound).
DUPLICATE_METRES = 200


def cases(user, action: str = "view") -> QuerySet[Case]:
    return Case.objects.restrict(user, action).select_related(
        "community", "grid", "compound", "unit", "duty_item"
    )


def filter_cases(
    queryset: QuerySet[Case],
    *,
    status: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    unit: int | None = None,
    path: str | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    text: str | None = None,
) -> QuerySet[Case]:
    if status:
        queryset = queryset.filter(status=status)
    if open_only:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if category:
        queryset = queryset.filter(category=category)
    if channel:
        queryset = queryset.filter(channel=channel)
    if unit:
        queryset = queryset.filter(unit_id=unit)
    if path:
        queryset = queryset.filter(path_q((path,)))
    if overdue is not None:
        queryset = queryset.filter(overdue=overdue)
    if since:
        queryset = queryset.filter(opened_at__gte=since)
    if until:
        queryset = queryset.filter(opened_at__lt=until)
    if text:
        queryset = queryset.filter(Q(text__icontains=text) | Q(ref__icontains=text))
    return queryset


def timeline(user, case: Case) -> QuerySet[CaseStep]:
    return case.steps.select_related("unit").order_by("at", "pk")


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), good enough for a few hundred metres."""
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def duplicates(user, case: Case) -> list[Case]:
    """Open cases the user sees of the same category near this one: in the same compound,
    on the same household, or within DUPLICATE_METRES — offered for merging at intake."""
    near = Q(pk__in=[])
    if case.compound_id:
        near |= Q(compound_id=case.compound_id)
    if case.household_id:
        near |= Q(household_id=case.household_id)
    found = list(
        cases(user)
        .filter(category=case.category, status__in=OPEN_STATUSES)
        .exclude(pk=case.pk)
        .filter(near)[:10]
    )
    if case.lon is not None:
        box = DUPLICATE_METRES / 111_000
        for other in (
            cases(user)
            .filter(category=case.category, status__in=OPEN_STATUSES)
            .exclude(pk=case.pk)
            .filter(lon__range=(case.lon - 2 * box, case.lon + 2 * box))
            .filter(lat__range=(case.lat - box, case.lat + box))[:20]
        ):
            if (
                other not in found
                and metres(case.lon, case.lat, other.lon, other.lat) <= DUPLICATE_METRES
            ):
                found.append(other)
    return found


def units(user) -> QuerySet[Unit]:
    return Unit.objects.restrict(user).select_related("area", "compound")


def duty_items(user, *, current: bool = True) -> QuerySet[DutyItem]:
    items = DutyItem.objects.restrict(user).select_related("lead_unit")
    return items.filter(valid_to__isnull=True) if current else items


def stream(user, compound) -> QuerySet[StreamMessage]:
    from finegrid.cases.actions import get_stream_compound

    compound = get_stream_compound(user, compound)
    return compound.messages.select_related("case").order_by("-at", "-pk")


def overdue_now(user) -> QuerySet[Case]:
    return cases(user).filter(status__in=OPEN_STATUSES, due_at__lt=clock.now())


def open_counts_under(user, common: str) -> Counter:
    """Open cases the user sees at or below ``common``, counted on every path above them
    (for the map's 未结事件 colouring)."""
    totals: Counter[str] = Counter()
    for path, n in (
        Case.objects.restrict(user)
        .filter(path_q((common,)), status__in=OPEN_STATUSES)
        .values_list("path")
        .annotate(n=Count("pk"))
        .values_list("path", "n")
    ):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            totals["/".join(parts[:depth])] += n
    return totals
