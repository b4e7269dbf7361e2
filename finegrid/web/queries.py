"""The cockpit's figures for a user's scope, counted live in the database."""

from __future__ import annotations

import itertools
import posixpath
from collections import Counter

from django.db.models import Count
from django.db.models.functions import Substr

from finegrid.accounts.scope import path_q
from finegrid.org.models import PartyOrg, Worker
from finegrid.org.queries import GENERAL_GRID_HOUSEHOLDS, GENERAL_PATH_LENGTH
from finegrid.people.models import Household, Person
from finegrid.territory.models import AdminArea, Grid, GridKind, Route

# Bins of the two distributions the cockpit draws.
HOUSEHOLD_BINS = (0, 30, 50, 70, 100, 150)
MINUTE_BINS = (0, 60, 90, 120, 150, 180)


def _by(queryset, field: str) -> dict[str, int]:
    return dict(queryset.values_list(field).annotate(n=Count("pk")).values_list(field, "n"))


def histogram(values: list[float], bins: tuple) -> list[dict]:
    """Counts per bin (bins[i], bins[i+1]] — upper edges included, so a micro-grid of
    exactly 180 minutes counts as within the window — and the last bin open-ended."""
    labels = [f"{low}–{high}" for low, high in itertools.pairwise(bins)]
    labels.append(f">{bins[-1]}")
    counts = Counter()
    for value in values:
        index = sum(value > edge for edge in bins[1:])
        counts[index] += 1
    return [{"bin": label, "count": counts[i]} for i, label in enumerate(labels)]


def cockpit(user) -> dict:
    grids = Grid.objects.restrict(user)
    grids_by_kind = _by(grids, "kind")
    staffed = Worker.objects.restrict(user).active().values("grid_id")
    unstaffed = _by(grids.exclude(kind=GridKind.COMMUNITY).exclude(pk__in=staffed), "kind")
    unorganized = _by(grids.filter(party_org__isnull=True), "kind")
    households = Household.objects.restrict(user)
    per_general = (
        households.annotate(general=Substr("path", 1, GENERAL_PATH_LENGTH))
        .values_list("general")
        .annotate(n=Count("pk"))
        .values_list("general", "n")
    )
    general_paths = set(grids.filter(kind=GridKind.GENERAL).values_list("path", flat=True))
    sizes = {path: n for path, n in per_general if path in general_paths}
    low, high = GENERAL_GRID_HOUSEHOLDS
    routes = list(Route.objects.restrict(user).values_list("households", "minutes"))
    return {
        "communities": AdminArea.objects.restrict(user).filter(level="community").count(),
        "grids": {kind: grids_by_kind.get(kind, 0) for kind in GridKind.values},
        "households": households.count(),
        "persons": Person.objects.restrict(user).count(),
        "workers": _by(Worker.objects.restrict(user).active(), "role"),
        "party_orgs": _by(PartyOrg.objects.restrict(user), "kind"),
        "without_worker": unstaffed,
        "without_party_org": unorganized,
        "general_over": sum(sizes.get(path, 0) > high for path in general_paths),
        "general_under": sum(sizes.get(path, 0) < low for path in general_paths),
        "micro_households": histogram([h for h, _ in routes], HOUSEHOLD_BINS),
        "micro_minutes": histogram([m for _, m in routes], MINUTE_BINS),
        "micro_over_window": sum(m > 180 for _, m in routes),
    }


def grid_stats(user, grids: list[Grid]) -> dict[int, dict]:
    """For the map: households, estimated minutes, active workers and whether a party
    organization exists, per grid."""
    totals: Counter[str] = Counter()
    if not grids:
        return {}
    # Count only under the grids asked for: the tree below their common ancestor, not the
    # reader's whole scope (a community's map inside a city-wide scope).
    common = posixpath.commonpath([grid.path for grid in grids])
    ids = [grid.pk for grid in grids]
    for path, n in (
        Household.objects.restrict(user)
        .filter(path_q((common,)))
        .values_list("path")
        .annotate(n=Count("pk"))
        .values_list("path", "n")
    ):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            totals["/".join(parts[:depth])] += n
    staffed = _by(Worker.objects.restrict(user).active().filter(grid_id__in=ids), "grid_id")
    organized = set(
        PartyOrg.objects.restrict(user).filter(grid_id__in=ids).values_list("grid_id", flat=True)
    )
    minutes = dict(
        Route.objects.restrict(user).filter(grid_id__in=ids).values_list("grid_id", "minutes")
    )
    from finegrid.cases.queries import open_counts_under

    cases = open_counts_under(user, common)
    stats = {}
    for grid in grids:
        stats[grid.pk] = {
            "cases": cases[grid.path],
            "households": totals[grid.path],
            "minutes": minutes.get(grid.pk),
            "workers": staffed.get(grid.pk, 0),
            "party_org": grid.pk in organized,
        }
    return stats
