"""Routing: category + place → duty item → responsible unit, with the rule that chose it.

The duty items that apply to a case are the current items of its category published at
its place or above (a street's list covers its communities); the most local publisher
wins, then the list (职责任务 before 属地管理 before 公共服务), then the code. The item's
level picks the unit: a property company for its own compound, the case's community,
the street's office, or the item's lead unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from finegrid.cases.models import Case, DutyItem, DutyList, Level, Unit, UnitKind
from finegrid.cases.notify import ancestors

LIST_ORDER = {DutyList.DUTY: 0, DutyList.TERRITORIAL: 1, DutyList.SERVICE: 2}


@dataclass(frozen=True)
class Route:
    item: DutyItem | None
    unit: Unit | None
    rule: str


def items_for(path: str, category: str):
    """Current duty items of ``category`` published at ``path`` or above."""
    return DutyItem.objects.filter(
        path__in=ancestors(path), category=category, active=True, valid_to__isnull=True
    ).select_related("lead_unit")


def units_for(case: Case):
    """The units a case may be sent to: those of its place and of the areas above it."""
    return Unit.objects.filter(path__in=ancestors(case.community.path))


class RouteBook:
    """The duty items and units that can route the cases of one community, read in two
    queries (a batch intake routes hundreds of cases with one book per community).
    ``route(case, book)`` then decides exactly as ``route(case)`` does with queries."""

    def __init__(self, community):
        chain = ancestors(community.path)
        self.community = community
        self.items = list(
            DutyItem.objects.filter(
                Q(path__in=chain) | Q(path__startswith=f"{community.path}/"),
                active=True,
                valid_to__isnull=True,
            ).select_related("lead_unit")
        )
        # In the database's order (Unit.Meta.ordering), so "the first that matches" is
        # the row ``.first()`` would give.
        self.units = list(Unit.objects.filter(path__in=chain))

    def items_for(self, path: str, category: str) -> list[DutyItem]:
        chain = set(ancestors(path))
        return [i for i in self.items if i.category == category and i.path in chain]

    def first_unit(self, **match) -> Unit | None:
        for unit in self.units:
            if all(getattr(unit, name) == value for name, value in match.items()):
                return unit
        return None


def route(case: Case, book: RouteBook | None = None) -> Route:
    found = (
        book.items_for(case.path, case.category) if book else items_for(case.path, case.category)
    )
    items = sorted(found, key=lambda i: (-len(i.path), LIST_ORDER.get(i.list, 9), i.code))
    if not items:
        return Route(None, None, f"清单中没有“{case.get_category_display()}”类事项，需人工派遣")
    # The first item that yields a unit here (a property item in a compound without a
    # property company falls through to the next item); else the first, by hand.
    item, unit = items[0], None
    for candidate in items:
        found = unit_for_level(case, candidate, book)
        if found is not None:
            item, unit = candidate, found
            break
    sample = "（示例清单）" if item.illustrative else ""
    where = unit.name if unit else "未配置责任单位，需人工派遣"
    rule = (
        f"{item.get_list_display()}{sample} {item.code}“{item.title}”："
        f"{item.get_level_display()}负责 → {where}"
    )
    return Route(item, unit, rule[:300])


def unit_for_level(case: Case, item: DutyItem, book: RouteBook | None = None) -> Unit | None:
    units = Unit.objects.filter(path__in=ancestors(case.community.path))

    def first(**match):
        return book.first_unit(**match) if book else units.filter(**match).first()

    if item.level == Level.PROPERTY:
        if case.compound_id is not None:
            found = first(kind=UnitKind.PROPERTY, compound_id=case.compound_id)
            if found:
                return found
        return item.lead_unit
    if item.level in (Level.GRID, Level.COMMUNITY):
        return first(kind=UnitKind.COMMUNITY, area_id=case.community_id)
    if item.level == Level.STREET:
        if item.lead_unit_id and item.lead_unit.kind == UnitKind.STREET_OFFICE:
            return item.lead_unit
        return first(kind=UnitKind.STREET_OFFICE, area_id=case.community.parent_id)
    return item.lead_unit


def admission_refusal(case: Case, unit: Unit) -> str:
    """Why ``unit`` may not be handed ``case`` (社区工作事项准入), or "" when it may: a
    community takes only what a current item of its list gives the community or grid level."""
    if unit.kind != UnitKind.COMMUNITY:
        return ""
    given = items_for(case.path, case.category).filter(
        Q(level=Level.COMMUNITY) | Q(level=Level.GRID)
    )
    if given.exists():
        return ""
    return (
        f"社区工作事项准入：{unit.name}的职责清单中没有“{case.get_category_display()}”类事项，"
        "不得派给社区"
    )
