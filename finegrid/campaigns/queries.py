"""Reads of campaigns: lists, a worker's doors, live progress, the closing report and the
record of the 3-hour standard. Progress comes from the sections' counters."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, FloatField, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr
from django.db.models.lookups import GreaterThan

from finegrid import clock
from finegrid.accounts.scope import access, by_key, path_q
from finegrid.campaigns.models import FINAL, Assignment, Campaign, Outcome, Section, Visit
from finegrid.territory import queries as territory
from finegrid.territory.models import AdminArea, Grid

SILENCE = dt.timedelta(minutes=30)
WINDOW = dt.timedelta(hours=3)
# The length of a path one level below a path of this length: province → city → district
# → street → community → general or dedicated grid → micro-grid.
CHILD_PATH_LENGTH = {2: 7, 7: 14, 14: 24, 24: 37, 37: 41, 41: 44}


def campaigns(user, action: str = "view") -> QuerySet[Campaign]:
    return Campaign.objects.restrict(user, action)


def get_campaign(user, ref: Campaign | int, action: str = "view") -> Campaign:
    key = by_key(ref)
    return access(user, action, Campaign.objects.all(), f"no campaign with id {key['pk']}", **key)


def sections(user, campaign: Campaign, action: str = "view") -> QuerySet[Section]:
    return Section.objects.restrict(user, action).filter(campaign=campaign)


def assignments(user, action: str = "view") -> QuerySet[Assignment]:
    return Assignment.objects.restrict(user, action)


def my_doors(user, campaign: Campaign) -> QuerySet[Assignment]:
    """The households a user visits in a campaign, in the order to visit them: "visit
    first" ones first when the campaign says so, then the division's order."""
    queryset = (
        assignments(user)
        .filter(campaign=campaign, worker__user=user)
        .select_related(
            "household__dwelling__building", "household__dwelling__entrance", "section__grid"
        )
    )
    if campaign.vulnerable_first:
        return queryset.order_by("-priority", "section__path", "order")
    return queryset.order_by("section__path", "order")


def history(campaign: Campaign, assignment_ids) -> dict[int, list[Visit]]:
    found: dict[int, list[Visit]] = {}
    for visit in Visit.objects.filter(campaign=campaign, assignment_id__in=list(assignment_ids)):
        found.setdefault(visit.assignment_id, []).append(visit)
    return found


# How many doors the division's estimate weighs in a micro-grid's projected pace: after
# ten doors the worker's own pace counts as much as the estimate.
PRIOR_DOORS = 10


def _elapsed_minutes(campaign: Campaign, now: dt.datetime) -> float:
    return max((now - campaign.start).total_seconds(), 0.0) / 60


def minutes_left(campaign: Campaign, now: dt.datetime):
    """A section's projected minutes from now (or from the start, before it) to its
    last household, as an SQL expression; NULL when finished or without a basis.

    With the division's estimate (the route's minutes at launch, E for H households):
    the households left × minutes a household, that being the division's E / H as a
    prior worth ``PRIOR_DOORS`` doors, blended with the pace so far (elapsed minutes
    over households done): (elapsed + E / H × P) / (done + P). Without an estimate:
    the pace so far alone, once a household is done."""
    elapsed = Value(_elapsed_minutes(campaign, now))
    left = F("households") - F("done")
    return Case(
        When(finished_at__isnull=False, then=Value(None)),
        When(
            Q(estimate_minutes__isnull=False) & Q(households__gt=0),
            then=left
            * (elapsed + F("estimate_minutes") * PRIOR_DOORS / F("households"))
            / (F("done") + PRIOR_DOORS),
        ),
        When(done__gt=0, then=left * elapsed / F("done")),
        default=Value(None),
        output_field=FloatField(),
    )


def late_q(campaign: Campaign, now: dt.datetime) -> Q:
    """Sections not finished that had no household done 30 minutes after the start, or
    that have started and whose projected finish (``minutes_left``) passes the
    deadline."""
    elapsed = (now - campaign.start).total_seconds()
    never = Q(done__lt=0)
    if elapsed <= 0:
        return never
    silent = Q(done=0) if now - campaign.start >= SILENCE else never
    remaining = (campaign.deadline - now).total_seconds() / 60
    beyond = GreaterThan(minutes_left(campaign, now), Value(remaining))
    return Q(finished_at__isnull=True) & (silent | (Q(done__gt=0) & Q(beyond)))


def late_sections(queryset: QuerySet[Section], campaign: Campaign, now: dt.datetime):
    return queryset.filter(late_q(campaign, now))


def projected_finish(campaign: Campaign, row: dict, now: dt.datetime):
    """When a node's households would all be done: the latest of its micro-grids'
    projected finishes (they are visited side by side), or when the last finished; None
    while no micro-grid has a projection (no estimate and no household done)."""
    if row["micro_grids"] and row["micro_grids_done"] == row["micro_grids"]:
        return row["last_finished"]
    if row["minutes_left"] is None:
        return None
    return max(now, campaign.start) + dt.timedelta(minutes=row["minutes_left"])


FIGURES = ("households", "done", *Outcome.values, "visits")


def _sums(campaign: Campaign, now: dt.datetime) -> dict:
    """The aggregates of a set of sections, named apart from the columns they add up."""
    return {
        **{f"sum_{name}": Sum(name) for name in FIGURES},
        "micro_grids": Count("pk"),
        "micro_grids_done": Count("pk", filter=Q(finished_at__isnull=False)),
        "late": Count("pk", filter=late_q(campaign, now)),
        "without_worker": Count("pk", filter=Q(worker__isnull=True)),
        "minutes_left": Max(minutes_left(campaign, now)),
        "last_finished": Max("finished_at"),
    }


# Aggregates whose NULL means "none", not 0.
NULLABLE = frozenset({"minutes_left", "last_finished"})
# The others: sums and counts.
COUNTS = (*FIGURES, "micro_grids", "micro_grids_done", "late", "without_worker")


def _plain(row: dict) -> dict:
    return {
        key.removeprefix("sum_"): value if key in NULLABLE else value or 0
        for key, value in row.items()
    }


def _totals(queryset: QuerySet[Section], campaign: Campaign, now: dt.datetime) -> dict:
    return _plain(queryset.aggregate(**_sums(campaign, now)))


def _combined(rows: list[dict]) -> dict:
    """The aggregates of several groups of sections as one (``_sums`` of their union):
    counts and sums added, the latest finish and the longest projection kept."""
    combined = {key: sum(row[key] for row in rows) for key in COUNTS}
    for key in NULLABLE:
        values = [row[key] for row in rows if row[key] is not None]
        combined[key] = max(values) if values else None
    return combined


def _figures(campaign: Campaign, row: dict, now: dt.datetime) -> dict:
    finish = projected_finish(campaign, row, now)
    return {
        "households": row["households"],
        "reached": row["done"],
        "outcomes": {name: row[name] for name in Outcome.values},
        "visits": row["visits"],
        "micro_grids": row["micro_grids"],
        "micro_grids_done": row["micro_grids_done"],
        "late": row["late"],
        "without_worker": row["without_worker"],
        "projected_finish": finish,
        "on_time": finish is None or finish <= campaign.deadline,
    }


def progress(user, campaign: Campaign, node: str | None = None, now: dt.datetime | None = None):
    """The campaign's figures under ``node`` (an area or grid code, default the campaign's
    own node) for ``user``'s part of it, and the same for each node one level down."""
    now = now or clock.now()
    if campaign.closed_at is not None:
        now = min(now, campaign.closed_at)
    queryset = sections(user, campaign)
    path = campaign.path
    if node:
        place = territory.get_node(user, node)
        path = place.path
        queryset = queryset.filter(path_q((place.path,)))
    length = CHILD_PATH_LENGTH.get(len(path))
    children = []
    if length:
        # One pass over the sections: the figures of each node one level down, added up
        # here for the node's own (every section falls in one of them).
        grouped = (
            queryset.annotate(child=Substr("path", 1, length))
            .values("child")
            .annotate(**_sums(campaign, now))
            .order_by("child")
        )
        rows = [{**_plain(row), "child": row["child"]} for row in grouped]
        totals = _figures(campaign, _combined(rows), now)
        names = _names([row["child"] for row in rows])
        for row in rows:
            code, name = names.get(row["child"], (row["child"].rsplit("/", 1)[-1], ""))
            children.append({"code": code, "name": name, **_figures(campaign, row, now)})
    else:
        totals = _figures(campaign, _totals(queryset, campaign, now), now)
    elapsed = max((now - campaign.start).total_seconds(), 0) / 60
    return {
        "campaign": campaign.pk,
        "title": campaign.title,
        "node": node or campaign.node_code,
        "start": campaign.start,
        "deadline": campaign.deadline,
        "closed": campaign.closed_at is not None,
        "elapsed_minutes": round(elapsed, 1),
        **totals,
        "children": children,
    }


def _names(paths: list[str]) -> dict[str, tuple[str, str]]:
    found = {a.path: (a.code, a.name) for a in AdminArea.objects.filter(path__in=paths)}
    found.update({g.path: (g.code, g.name) for g in Grid.objects.filter(path__in=paths)})
    return found


def section_states(user, campaign: Campaign, node: str | None = None, now=None) -> list[dict]:
    """Every section the user may see, with what the map colours it by."""
    now = now or clock.now()
    if campaign.closed_at is not None:
        now = min(now, campaign.closed_at)
    queryset = sections(user, campaign)
    if node:
        queryset = queryset.filter(path_q((territory.get_node(user, node).path,)))
    late = set(late_sections(queryset, campaign, now).values_list("pk", flat=True))
    rows = queryset.values(
        "pk", "grid__code", "grid__name", "households", "done", "visits", "finished_at", "worker"
    ).order_by("path")
    return [
        {
            "grid": row["grid__code"],
            "name": row["grid__name"],
            "households": row["households"],
            "reached": row["done"],
            "visits": row["visits"],
            "finished": row["finished_at"] is not None,
            "late": row["pk"] in late,
            "worker": row["worker"] is not None,
        }
        for row in rows
    ]


def alerts(user, campaign: Campaign):
    from finegrid.campaigns.models import Alert

    return (
        Alert.objects.restrict(user)
        .filter(campaign=campaign)
        .select_related("section__grid", "section__worker")
    )


def standard(user, campaign: Campaign) -> dict:
    """The record of the 3-hour standard: the share of micro-grids finished and of
    households reached within 3 hours of the start, next to the share the division engine
    estimated would fit (its route minutes ≤ 180), micro-grid by micro-grid."""
    limit = campaign.start + WINDOW
    rows = []
    queryset = sections(user, campaign).select_related("grid")
    for section in queryset:
        actual = None
        if section.finished_at is not None:
            actual = (section.finished_at - campaign.start).total_seconds() / 60
        rows.append(
            {
                "grid": section.grid.code,
                "name": section.grid.name,
                "households": section.households,
                "estimate_minutes": section.estimate_minutes,
                "estimated_in_time": section.estimate_minutes is not None
                and section.estimate_minutes <= 180,
                "actual_minutes": actual,
                "in_time": actual is not None and actual <= 180,
            }
        )
    households = sum(r["households"] for r in rows)
    in_time_households = (
        Visit.objects.filter(
            campaign=campaign,
            outcome__in=list(FINAL),
            recorded_at__lte=limit,
            assignment__section__in=queryset.values("pk"),
        )
        .values("assignment_id")
        .distinct()
        .count()
    )
    estimated = [r for r in rows if r["estimate_minutes"] is not None]
    return {
        "micro_grids": len(rows),
        "micro_grids_in_time": sum(r["in_time"] for r in rows),
        "micro_grids_share": _share(sum(r["in_time"] for r in rows), len(rows)),
        "households": households,
        "households_in_time": in_time_households,
        "households_share": _share(in_time_households, households),
        "estimated_micro_grids": len(estimated),
        "estimated_share": _share(sum(r["estimated_in_time"] for r in estimated), len(estimated)),
        "wrong_estimates": [r for r in rows if r["estimated_in_time"] and not r["in_time"]],
        "rows": rows,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def unreached(user, campaign: Campaign) -> QuerySet[Assignment]:
    """Households of the campaign in the user's scope not done (never visited, or last
    found not at home), with what the report shows of them."""
    return (
        Assignment.objects.filter(campaign=campaign)
        .filter(household__in=_households_in_scope(user))
        .exclude(outcome__in=list(FINAL))
        .select_related(
            "household__dwelling__building",
            "household__dwelling__entrance",
            "household__head",
            "section__grid",
        )
        .order_by("section__path", "order")
    )


def _households_in_scope(user):
    from finegrid.people.models import Household

    return Household.objects.restrict(user).values("pk")


def needs_help(user, campaign: Campaign) -> QuerySet[Visit]:
    return (
        Visit.objects.restrict(user)
        .filter(campaign=campaign, outcome=Outcome.NEEDS_HELP)
        .select_related("assignment__household__dwelling__building", "assignment__section__grid")
        .order_by("recorded_at")
    )


def notices(user, limit: int = 20):
    from finegrid.campaigns.models import Notice

    return Notice.objects.filter(recipient=user).select_related("campaign")[:limit]
