"""Loading the administrative divisions, each community with its community grid."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from finegrid import divisions
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.scope import require
from finegrid.errors import InvalidInput
from finegrid.territory import queries
from finegrid.territory.actions.grids import parse_geometry
from finegrid.territory.models import AdminArea, AreaLevel, Grid, GridKind


@dataclass
class AreaLoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: int = 0
    unchanged: int = 0
    community_grids_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or self.updated or self.community_grids_created)


def community_grid_name(area: AdminArea) -> str:
    return f"{divisions.Division(area.code, area.level, area.name, None).short_name}总网格"


@transaction.atomic
def do_load_areas(actor, code: str) -> AreaLoadReport:
    """Load the division data at and under ``code`` (with its ancestors); create each
    community's community grid. Loading the same data again changes nothing."""
    require(actor, "territory.change_adminarea")
    try:
        rows = divisions.subtree(code)
    except divisions.UnknownDivision as error:
        raise InvalidInput(f"area code: {error}") from None
    report = AreaLoadReport()
    existing = {a.code: a for a in AdminArea.objects.filter(code__in=[r.code for r in rows])}
    created: list[AdminArea] = []
    changed: list[tuple[dict, AdminArea]] = []
    for level in divisions.LEVELS:
        new_at_level = []
        for row in (r for r in rows if r.level == level):
            values = {
                "level": row.level,
                "name": row.name,
                "is_village": row.is_village,
                "parent": existing[row.parent] if row.parent else None,
                "path": divisions.path_of(row),
            }
            area = existing.get(row.code)
            if area is None:
                new_at_level.append(AdminArea(code=row.code, **values))
                continue
            before = audit.snapshot(area)
            for name, value in values.items():
                setattr(area, name, value)
            if audit.snapshot(area) == before:
                report.unchanged += 1
            else:
                changed.append((before, area))
        AdminArea.objects.bulk_create(new_at_level, batch_size=1000)
        existing.update((area.code, area) for area in new_at_level)
        created.extend(new_at_level)
        if new_at_level:
            report.created[level] = len(new_at_level)
    AdminArea.objects.bulk_update(
        [area for _, area in changed], ["level", "name", "is_village", "parent", "path"]
    )
    report.updated = len(changed)
    audit.record_created(actor, created, reason=f"areas load {code}")
    audit.record_updated(actor, changed, reason=f"areas load {code}")
    communities = [a for a in existing.values() if a.level == AreaLevel.COMMUNITY]
    report.community_grids_created = _create_community_grids(actor, communities)
    return report


def _create_community_grids(actor, communities: list[AdminArea]) -> int:
    have = set(
        Grid.objects.filter(kind=GridKind.COMMUNITY, community__in=communities).values_list(
            "community_id", flat=True
        )
    )
    grids = [
        Grid(
            code=area.code,
            kind=GridKind.COMMUNITY,
            name=community_grid_name(area),
            community=area,
            path=area.path,
        )
        for area in communities
        if area.pk not in have
    ]
    Grid.objects.bulk_create(grids, batch_size=1000)
    audit.record_created(actor, grids, reason="community grid created with its community")
    return len(grids)


@transaction.atomic
def do_set_area_boundary(actor, code: str, geometry) -> AdminArea:
    """Give an area its boundary (the NBS codes come without one)."""
    area = queries.get_area(actor, code, "change")
    shape, problem = parse_geometry(geometry)
    if problem:
        raise InvalidInput(f"geometry: {problem}")
    before = audit.snapshot(area)
    area.set_geometry(shape)
    if audit.snapshot(area) != before:
        area.save()
        audit.record(actor, AuditAction.UPDATE, area, before=before)
    return area
