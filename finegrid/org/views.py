"""The coverage report page, with the workers still without induction training (counted
once, by the workforce app's training coverage)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from finegrid.org import queries
from finegrid.territory import queries as territory
from finegrid.territory.models import GridKind
from finegrid.territory.views import breadcrumbs
from finegrid.workforce import queries as workforce


@login_required
def coverage(request, code: str):
    node = territory.get_node(request.user, code)
    report = queries.coverage(request.user, node)
    training = None
    if request.user.has_perm("workforce.view_attendance"):
        training = workforce.training_coverage(request.user, node)
    return render(
        request,
        "org/coverage.html",
        {
            "node": node,
            "breadcrumbs": breadcrumbs(request.user, node, including=True),
            "report": report,
            "rows": [
                (
                    GridKind(kind).label,
                    count,
                    len(report.without_worker.get(kind, [])),
                    len(report.without_party_org.get(kind, [])),
                )
                for kind, count in report.grids.items()
            ],
            "share": f"{report.share_without_party_org():.1%}",
            "low_high": queries.GENERAL_GRID_HOUSEHOLDS,
            "training": training,
            "induction_days": workforce.induction_days(),
        },
    )
