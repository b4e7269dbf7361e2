"""Grids from a GeoJSON FeatureCollection: every feature checked, then all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from finegrid.accounts import audit
from finegrid.accounts.scope import require
from finegrid.errors import InvalidInput
from finegrid.territory import codes, queries
from finegrid.territory.actions.grids import GridPlan, build_grid, plan_grid
from finegrid.territory.models import Grid, GridKind


def features_of(collection) -> list:
    """The features of a GeoJSON FeatureCollection, or the error saying it is none."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput("file: not a GeoJSON FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list):
        raise InvalidInput("file: 'features' must be a list")
    return features


@dataclass
class GridImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# Parents before children.
_IMPORT_ORDER = (GridKind.COMMUNITY, GridKind.GENERAL, GridKind.DEDICATED, GridKind.MICRO)


@transaction.atomic
def do_import_grids(actor, collection: dict) -> GridImportReport:
    """Create or update grids from a GeoJSON FeatureCollection, all or nothing. A grid
    that exists keeps what a feature leaves out (its name, site kind or boundary), and a
    community grid, made with its community, can only be updated.

    Every feature is checked first; if any breaks a rule, nothing is written and the
    error lists each problem as ``feature N (code): property 'x': reason``.
    """
    require(actor, "territory.add_grid")
    require(actor, "territory.change_grid")
    features = features_of(collection)

    codes_in_file = [
        (f.get("properties") or {}).get("code") for f in features if isinstance(f, dict)
    ]
    valid_codes = set()
    for value in codes_in_file:
        try:
            valid_codes.add(codes.parse(value).code)
        except (ValueError, TypeError):
            continue
    parsed = [codes.parse(c) for c in valid_codes]
    communities = queries.communities_by_code(actor, {c.community for c in parsed})
    known = queries.grids_by_code(
        actor, valid_codes | {c.parent_code for c in parsed if c.parent_code}
    )

    problems: list[str] = []
    plans: list[GridPlan] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"feature {number}: not a GeoJSON Feature")
            continue
        properties = feature.get("properties") or {}
        label = f"feature {number} ({properties.get('code', 'no code')})"
        code = properties.get("code")
        if isinstance(code, str) and code in seen:
            problems.append(f"{label}: property 'code': duplicates feature {seen[code]}")
            continue
        if isinstance(code, str):
            seen[code] = number
        plan, found = plan_grid(
            properties,
            feature.get("geometry"),
            known_grids=known,
            communities=communities,
            planned_codes=valid_codes,
        )
        problems.extend(f"{label}: {p}" for p in found)
        if plan:
            plans.append(plan)
    if problems:
        raise InvalidInput(problems)

    report = GridImportReport()
    created: list[Grid] = []
    updated: list[tuple[dict, Grid]] = []
    for kind in _IMPORT_ORDER:
        new_grids = []
        for plan in (p for p in plans if p.code.kind == kind):
            existing = known.get(plan.code.code)
            if existing is None:
                new_grids.append(build_grid(plan, plan.parent or known[plan.parent_code]))
                continue
            before = audit.snapshot(existing)
            if "name" in plan.given:
                existing.name = plan.name
            if "site_kind" in plan.given:
                existing.site_kind = plan.site_kind
            if "geometry" in plan.given:
                existing.set_geometry(plan.shape)
            if audit.snapshot(existing) == before:
                report.unchanged += 1
            else:
                existing.updated_at = timezone.now()  # bulk_update skips auto_now
                updated.append((before, existing))
        Grid.objects.bulk_create(new_grids, batch_size=1000)
        known.update((grid.code, grid) for grid in new_grids)
        created.extend(new_grids)
    Grid.objects.bulk_update(
        [grid for _, grid in updated],
        ["name", "site_kind", "geometry", "min_lon", "min_lat", "max_lon", "max_lat", "updated_at"],
        batch_size=1000,
    )
    report.created = len(created)
    report.updated = len(updated)
    audit.record_created(actor, created, reason="grids import")
    audit.record_updated(actor, updated, reason="grids import")
    return report
