"""The landing page of each role and the cockpit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from finegrid.accounts.roles import STAFF_ROLES, Role
from finegrid.org.models import PartyOrgKind, WorkerRole
from finegrid.org.queries import serving
from finegrid.people.queries import households
from finegrid.territory.models import GridKind
from finegrid.web.queries import cockpit as cockpit_figures


@login_required
def home(request):
    """Each role lands on what it needs: staff on the cockpit, a micro-grid worker on
    their route sheet, grid workers on their grid, a resident on their household, a
    department on the cases routed or whistled to its unit."""
    user = request.user
    assignments = list(user.assignments.select_related("area", "grid"))
    if user.role in STAFF_ROLES or user.is_superuser:
        return redirect("cockpit")
    grid = next((a.grid for a in assignments if a.grid_id), None)
    if user.role == Role.MICRO_WORKER and grid is not None:
        return redirect("route-sheet", code=grid.code)
    if user.role in (Role.GRID_WORKER, Role.DEDICATED_WORKER) and grid is not None:
        return redirect("grid-detail", code=grid.code)
    if user.role == Role.RESIDENT:
        return resident_home(request)
    if user.role == Role.DEPARTMENT:
        return redirect("case-list")
    return render(request, "web/home.html", {"assignments": assignments})


def case_figures(user) -> dict:
    """The cases section of the cockpit (finegrid.cases)."""
    from finegrid.cases.figures import rates
    from finegrid.cases.queries import cases

    return {"rates": rates(cases(user))} if user.has_perm("cases.view_case") else {}


def resident_home(request):
    """A resident's own household and the masked contacts of the workers of their grid."""
    household = households(request.user).first()
    grid = household.dwelling.grid if household else None
    contacts = [
        (w.get_role_display(), w.name, w.phone_masked)
        for w in (serving(household) if household else [])
    ]
    from finegrid.cases.views import resident_context

    return render(
        request,
        "web/resident.html",
        {"household": household, "grid": grid, "contacts": contacts}
        | resident_context(request.user),
    )


@login_required
def cockpit(request):
    """The figures the city itself reports, for the user's scope, counted live."""
    figures = cockpit_figures(request.user)
    kinds = dict(GridKind.choices)
    charts = {
        "households": figures["micro_households"],
        "minutes": figures["micro_minutes"],
        "party": [
            {"kind": str(label), "count": figures["party_orgs"].get(value, 0)}
            for value, label in PartyOrgKind.choices
        ],
    }
    return render(
        request,
        "web/cockpit.html",
        {
            "figures": figures,
            "grid_rows": [
                (
                    kinds[kind],
                    figures["grids"][kind],
                    figures["without_worker"].get(kind),
                    figures["without_party_org"].get(kind),
                )
                for kind in GridKind.values
            ],
            "micro_workers": figures["workers"].get(WorkerRole.MICRO_WORKER, 0),
            "grid_workers": figures["workers"].get(WorkerRole.GRID_WORKER, 0),
            "charts": charts,
            "scopes": request.user.assignments.select_related("area", "grid"),
        }
        | case_figures(request.user),
    )
