"""Case figures: what the cockpit, partners' ratings and workers' points read.

``rates(cases)`` takes any case queryset (already restricted to the reader) and returns
counts and shares, ``rates_by(cases, keys)`` the same per group in one pass; a share is
``None`` when nothing counts towards it.
- on_time (按期结案率): closed cases handled within their limit / closed cases;
- satisfied (满意率): rated 满意 or 基本满意 / rated cases;
- responded (响应率): accepted within the acceptance limit / accepted cases;
- resolved (解决率): closed and not rated 不满意 / closed cases.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Q

from finegrid.cases.models import OPEN_STATUSES, Satisfaction, Status, Whistle


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _counts() -> dict:
    """What each figure counts, as aggregates over cases (whistles are counted apart: a join
    on them would count a case once per whistle)."""
    return {
        "total": Count("pk"),
        "closed": Count("pk", filter=Q(status=Status.CLOSED)),
        "closed_on_time": Count("pk", filter=Q(status=Status.CLOSED, closed_on_time=True)),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "accepted_on_time": Count("pk", filter=Q(accepted_on_time=True)),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count(
            "pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY])
        ),
        "unsatisfied_closed": Count(
            "pk", filter=Q(status=Status.CLOSED, satisfaction=Satisfaction.UNSATISFIED)
        ),
        "reopened": Count("pk", filter=Q(reopened__gt=0)),
        "overdue": Count("pk", filter=Q(overdue=True)),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
    }


def _rates(row: dict, whistled: int) -> dict:
    return {
        "total": row["total"],
        "closed": row["closed"],
        "on_time": _share(row["closed_on_time"], row["closed"]),
        "satisfied": _share(row["satisfied"], row["rated"]),
        "responded": _share(row["accepted_on_time"], row["accepted"]),
        "resolved": _share(row["closed"] - row["unsatisfied_closed"], row["closed"]),
        "rated": row["rated"],
        "reopened": row["reopened"],
        "overdue": row["overdue"],
        "whistled": whistled,
    }


def rates(cases) -> dict:
    row = cases.aggregate(**_counts())
    return _rates(row, Whistle.objects.filter(case__in=cases.values("pk")).count())


def rates_by(cases, keys: tuple[str, ...], *, limit: int | None = None) -> list[dict]:
    """``rates`` per distinct value of ``keys`` (case fields, ``grid__code`` and the like),
    biggest first, each row with its keys and its open cases: two grouped queries,
    whatever the number of groups."""
    grouped = cases.order_by().values(*keys).annotate(**_counts()).order_by("-total", *keys)
    rows = list(grouped[:limit] if limit else grouped)
    whistles = Counter()
    for row in (
        Whistle.objects.filter(case__in=cases.values("pk"))
        .values(*(f"case__{key}" for key in keys))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        whistles[tuple(row[f"case__{key}"] for key in keys)] = row["n"]
    return [
        {
            **{key: row[key] for key in keys},
            **_rates(row, whistles[tuple(row[key] for key in keys)]),
            "open": row["open"],
        }
        for row in rows
    ]
