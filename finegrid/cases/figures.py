"""Case figures: what the cockpit, partners' ratings and workers' points read.

``rates(cases)`` takes any case queryset (already restricted to the reader) and returns
counts and shares; a share is ``None`` when nothing counts towards it.
- on_time (按期结案率): closed cases handled within their limit / closed cases;
- satisfied (满意率): rated 满意 or 基本满意 / rated cases;
- responded (响应率): accepted within the acceptance limit / accepted cases;
- resolved (解决率): closed and not rated 不满意 / closed cases.
"""

from __future__ import annotations

from django.db.models import Count, Q

from finegrid.cases.models import Satisfaction, Status


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rates(cases) -> dict:
    row = cases.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        closed_on_time=Count("pk", filter=Q(status=Status.CLOSED, closed_on_time=True)),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        accepted_on_time=Count("pk", filter=Q(accepted_on_time=True)),
        rated=Count("pk", filter=~Q(satisfaction="")),
        satisfied=Count(
            "pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY])
        ),
        unsatisfied_closed=Count(
            "pk", filter=Q(status=Status.CLOSED, satisfaction=Satisfaction.UNSATISFIED)
        ),
        reopened=Count("pk", filter=Q(reopened__gt=0)),
        overdue=Count("pk", filter=Q(overdue=True)),
        whistled=Count("whistles", distinct=True),
    )
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
        "whistled": row["whistled"],
    }
