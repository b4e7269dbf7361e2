"""Reads of cases, always through ``restrict(user, action)``."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass

from django.db import connections
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
from finegrid.errors import InvalidInput

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
        # A case number is looked up by its index, not by reading the area's cases newest
        # first: SQLite would take the area's single path for the better start.
        by_ref = bool(text) and REF_LIKE.fullmatch(text) is not None
        queryset = queryset.filter(path_q((path,)) if by_ref else area_q(path))
    if overdue is not None:
        queryset = queryset.filter(overdue=overdue)
    if since:
        queryset = queryset.filter(opened_at__gte=since)
    if until:
        queryset = queryset.filter(opened_at__lt=until)
    if text:
        queryset = queryset.filter(text_q(text, connections[queryset.db].vendor))
    return queryset


def area_q(path: str) -> Q:
    """The cases at or below ``path``. With no case below it (a grid, the usual area of a
    search) that is the cases at ``path``: a single value the list's index (path,
    opened_at, id) reads newest first and stops at a page, where at-or-below is two
    ranges whose cases are all read and sorted (a grid's 33,000 at a million cases)."""
    if Case.objects.filter(path__below=path).exists():
        return path_q((path,))
    return Q(path=path)


# A search that is a case's reference or its beginning, at least its date (20261202,
# 20261202-3F…). Anything shorter, a room number (1502) or a code in a text (A12B), is
# looked for in the texts too.
REF_LIKE = re.compile(r"[0-9]{8}(-[0-9A-Za-z]{0,10})?")


def text_q(text: str, vendor: str) -> Q:
    """The cases a search ``text`` finds. A reference (or its beginning) finds the cases
    whose ref starts with it, case ignored, through the ref's index; anything else the
    cases whose text or ref contains it, which reads the cases of the filtered area
    newest first until a page and the count are found. Text without upper and lower case
    (Chinese) is matched as is: folding it (PostgreSQL's UPPER() on both sides) only
    costs time."""
    if REF_LIKE.fullmatch(text):
        start = text.upper()
        if vendor == "sqlite":  # SQLite's LIKE ignores case, so never uses an index
            end = start[:-1] + chr(ord(start[-1]) + 1)
            return Q(ref__gte=start, ref__lt=end)
        return Q(ref__startswith=start)  # the ref's varchar_pattern_ops index
    lookup = "icontains" if text.lower() != text.upper() else "contains"
    return Q(**{f"text__{lookup}": text}) | Q(**{f"ref__{lookup}": text})


# A list counts its cases up to here and then says "1,000+": counting a street's million
# cases on every page was most of the list's time, and nobody pages that far.
COUNT_CAP = 1000
BAD_CURSOR = "cursor: not a position in this list; take next or previous from a page"


@dataclass
class CasePage:
    """One page of a case list, newest first, and where the pages next to it start."""

    items: list[Case]
    count: int
    count_capped: bool
    next: str | None
    previous: str | None


def _cursor(direction: str, case: Case) -> str:
    micros = round(case.opened_at.timestamp() * 1_000_000)
    return f"{direction}{micros}.{case.pk}"


def _seek(queryset: QuerySet[Case], cursor: str) -> QuerySet[Case]:
    """The cases after (``a…``) or before (``b…``) a cursor's case, nearest first. The
    ``<=`` bound lets the database start from the cursor in an index ending in
    (opened_at, id); the OR only breaks ties."""
    direction, (micros, dot, pk) = cursor[:1], cursor[1:].partition(".")
    try:
        at = dt.datetime.fromtimestamp(int(micros) / 1_000_000, dt.UTC)
        pk = int(pk)
    except (ValueError, OverflowError, OSError):
        raise InvalidInput(BAD_CURSOR) from None
    if pk < 0 or pk.bit_length() > 63:  # ids are 64-bit; a bigger one overflows SQLite
        raise InvalidInput(BAD_CURSOR)
    if direction == "a" and dot:
        after = Q(opened_at__lt=at) | Q(pk__lt=pk)
        return queryset.filter(after, opened_at__lte=at).order_by("-opened_at", "-pk")
    if direction == "b" and dot:
        before = Q(opened_at__gt=at) | Q(pk__gt=pk)
        return queryset.filter(before, opened_at__gte=at).order_by("opened_at", "pk")
    raise InvalidInput(BAD_CURSOR)


def page_cases(
    queryset: QuerySet[Case], *, size: int, cursor: str | None = None, page: int = 1
) -> CasePage:
    """A page of ``queryset`` newest first: after or before ``cursor`` (seek paging, so a
    case opened or closed meanwhile neither repeats nor skips another) or, without one,
    the ``page``-th (offset paging, as before cursors). The count stops at COUNT_CAP."""
    newest = queryset.order_by("-opened_at", "-pk")
    offset = (page - 1) * size
    if not cursor and offset + size < COUNT_CAP:
        # One pass finds both the page and the count: the ids of the newest COUNT_CAP + 1
        # cases (what a count would read anyway), then the page's cases by id.
        ids = list(newest.values_list("pk", flat=True)[: COUNT_CAP + 1])
        count, wanted = len(ids), ids[offset : offset + size + 1]
        found = {case.pk: case for case in queryset.filter(pk__in=wanted)}
        rows = [found[pk] for pk in wanted if pk in found]  # unless deleted meanwhile
    else:
        rows = list((_seek(queryset, cursor) if cursor else newest[offset:])[: size + 1])
        # In the page's order, so that the database takes the same index as for the page.
        count = newest[: COUNT_CAP + 1].count()
    more, items = len(rows) > size, rows[:size]
    backwards = bool(cursor) and cursor.startswith("b")
    if backwards:
        items.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = bool(cursor) or page > 1, more
    return CasePage(
        items=items,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        next=_cursor("a", items[-1]) if has_next and items else None,
        previous=_cursor("b", items[0]) if has_previous and items else None,
    )


# The partial index of the overdue cases (migration 0003) and its SQLite statistics when
# it is empty: one row. SQLite's ANALYZE records nothing for an empty index, and its
# planner then takes it for half the table and reads a whole scope's cases instead.
OVERDUE_INDEX = "case_overdue_opened"
EMPTY_OVERDUE_STAT = "1 1 1 1 1"  # its rows, then rows per value of each of 4 columns


def _recorded(cursor, table: str) -> dict[str, int]:
    """The number of rows ANALYZE found in each index of ``table``."""
    cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = %s AND idx IS NOT NULL", [table])
    return {idx: int(stat.split()[0]) for idx, stat in cursor.fetchall()}


def _current(recorded: int | None, now: int) -> bool:
    return recorded is not None and recorded // 2 <= now <= recorded * 2


def refresh_statistics() -> bool:
    """Analyze the cases table again on SQLite when its size has doubled or halved since
    the statistics were taken (or there are none), and the overdue cases' index when
    their number has; True when it did. SQLite chooses among the list's indexes by
    ANALYZE's figures: without them (a new database is analyzed empty when it is
    migrated), or with none for the overdue index (empty when analyzed), it reads a
    street's million cases for the overdue list. The cases worker calls this every round;
    a full ANALYZE takes seconds at a million cases and is needed again at two million.
    PostgreSQL's autovacuum keeps its own statistics."""
    connection = connections[Case.objects.db]
    if connection.vendor != "sqlite":
        return False
    table, did = Case._meta.db_table, False
    with connection.cursor() as cursor:
        recorded = _recorded(cursor, table)
        cursor.execute(f"SELECT count(*) FROM {table}")
        rows = cursor.fetchone()[0]
        if not rows:
            return False
        # An index's first figure is its number of rows: the table's, but for a partial
        # index (the overdue cases), whose are fewer.
        if not _current(max(recorded.values(), default=None), rows):
            cursor.execute(f"ANALYZE {table}")
            recorded, did = _recorded(cursor, table), True
        cursor.execute(f"SELECT count(*) FROM {table} WHERE overdue")
        overdue = cursor.fetchone()[0]
        if not _current(recorded.get(OVERDUE_INDEX), max(overdue, 1)):
            cursor.execute(f"ANALYZE {OVERDUE_INDEX}")
            if not overdue:
                cursor.execute(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
                    [table, OVERDUE_INDEX, EMPTY_OVERDUE_STAT],
                )
                cursor.execute("ANALYZE sqlite_master")  # this connection reads it again
            did = True
    return did


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
