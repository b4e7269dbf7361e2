"""Units and duty lists as spreadsheets: the template, reading an .xlsx, checking every row
(all or nothing, each problem by sheet, row and column), writing versions, exporting.

A workbook has two sheets. 责任单位 lists units (created, or updated by name within their
area); 清单事项 lists items of the three lists published by one area (a street or a
district). An item whose content changed gets a new version and the old one is closed; an
item marked 取消 gets a retired version with its reason, so the record of what was
cleared from communities stays.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from finegrid import clock, divisions
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.scope import in_scope, require
from finegrid.cases.models import Category, DutyItem, DutyList, Level, Unit, UnitKind
from finegrid.cases.notify import ancestors
from finegrid.errors import InvalidInput
from finegrid.territory import queries as territory
from finegrid.territory.models import AdminArea, Compound

UNIT_SHEET = "责任单位"
ITEM_SHEET = "清单事项"
UNIT_COLUMNS = ["名称", "类型", "所属区划代码", "服务小区编号", "联系人", "值班电话"]
ITEM_COLUMNS = [
    "清单",
    "编号",
    "事项",
    "事件类别",
    "责任层级",
    "牵头单位",
    "配合单位",
    "办理时限（工作日）",
    "法律依据",
    "状态",
    "取消理由",
    "变更说明",
]
ACTIVE, RETIRED = "有效", "取消"


@dataclass
class ImportReport:
    units_created: int = 0
    units_updated: int = 0
    items_created: int = 0
    items_changed: int = 0
    items_retired: int = 0
    items_unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _choice(enum, value: str):
    """An enum value from its code or its Chinese label."""
    value = (value or "").strip()
    for code, label in enum.choices:
        if value in (code, str(label)):
            return code
    return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _full_code(code: str) -> str:
    try:
        return divisions.normalize_code(code)
    except divisions.UnknownDivision:
        return code


def read_workbook(content: bytes) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
    """The rows (with their spreadsheet row numbers) of the two sheets."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise InvalidInput(f"file: not an .xlsx workbook ({error.__class__.__name__})") from None
    sheets = {}
    for name, columns in ((UNIT_SHEET, UNIT_COLUMNS), (ITEM_SHEET, ITEM_COLUMNS)):
        if name not in workbook.sheetnames:
            sheets[name] = []
            continue
        rows = workbook[name].iter_rows(values_only=True)
        header = [_text(c) for c in next(rows, ())]
        missing = [c for c in columns[:2] if c not in header]
        if missing:
            raise InvalidInput(f"{name}: header is missing {', '.join(missing)}")
        found = []
        for number, row in enumerate(rows, start=2):
            values = {h: _text(v) for h, v in zip(header, row, strict=False) if h}
            if any(values.values()):
                found.append((number, values))
        sheets[name] = found
    return sheets[UNIT_SHEET], sheets[ITEM_SHEET]


@transaction.atomic
def do_import_duty_lists(
    actor,
    area_code: str,
    unit_rows: list[tuple[int, dict]],
    item_rows: list[tuple[int, dict]],
    *,
    illustrative: bool = False,
) -> ImportReport:
    """Load units and the list items published by ``area_code``. Every problem of every
    row is collected first; with any problem nothing is written (InvalidInput lists them)."""
    require(actor, "cases.add_dutyitem")
    require(actor, "cases.add_unit")
    publisher = territory.get_area(actor, area_code)
    report = ImportReport()
    problems = report.problems
    moment = clock.now()

    # Units first: items name them.
    planned_units: dict[tuple[int, str], dict] = {}
    for number, row in unit_rows:
        where = f"{UNIT_SHEET} row {number}"
        name = row.get("名称", "")
        kind = _choice(UnitKind, row.get("类型", ""))
        if not name or len(name) > 100:
            problems.append(f"{where}, column 名称: 1 to 100 characters")
        if kind is None:
            problems.append(
                f"{where}, column 类型: {row.get('类型', '')!r} is not one of "
                + "、".join(str(label) for _, label in UnitKind.choices)
            )
        area = AdminArea.objects.filter(
            code=_full_code(row.get("所属区划代码", "") or area_code)
        ).first()
        if area is None or not in_scope(actor, area.path):
            problems.append(f"{where}, column 所属区划代码: no area {row.get('所属区划代码', '')}")
            continue
        compound = None
        if row.get("服务小区编号"):
            compound = Compound.objects.filter(
                ref=row["服务小区编号"], path__startswith=area.path
            ).first()
            if compound is None:
                problems.append(f"{where}, column 服务小区编号: no compound {row['服务小区编号']}")
        if (area.pk, name) in planned_units:
            problems.append(f"{where}, column 名称: {name} appears twice")
        planned_units[(area.pk, name)] = {
            "name": name,
            "kind": kind,
            "area": area,
            "compound": compound,
            "contact_name": row.get("联系人", "")[:50],
            "contact_phone": row.get("值班电话", "")[:20],
        }

    def known_unit(name: str) -> bool:
        if any(n == name for _, n in planned_units):
            return True
        return _units_near(publisher).filter(name=name).exists()

    planned_items = []
    seen = set()
    for number, row in item_rows:
        where = f"{ITEM_SHEET} row {number}"
        values = {
            "list": _choice(DutyList, row.get("清单", "")),
            "code": row.get("编号", ""),
            "title": row.get("事项", ""),
            "category": _choice(Category, row.get("事件类别", "")),
            "level": _choice(Level, row.get("责任层级", "")),
        }
        status = row.get("状态", "") or ACTIVE
        for column, key, enum in (
            ("清单", "list", DutyList),
            ("事件类别", "category", Category),
            ("责任层级", "level", Level),
        ):
            if values[key] is None:
                problems.append(
                    f"{where}, column {column}: {row.get(column, '')!r} is not one of "
                    + "、".join(str(label) for _, label in enum.choices)
                )
        if not values["code"] or len(values["code"]) > 32:
            problems.append(f"{where}, column 编号: 1 to 32 characters")
        if not values["title"] or len(values["title"]) > 200:
            problems.append(f"{where}, column 事项: 1 to 200 characters")
        if status not in (ACTIVE, RETIRED):
            problems.append(f"{where}, column 状态: {status!r} is not 有效 or 取消")
        if status == RETIRED and not row.get("取消理由"):
            problems.append(f"{where}, column 取消理由: a retired item needs its reason")
        days = row.get("办理时限（工作日）", "")
        # ASCII digits only: "一百" or "²" pass str.isdigit() checks but not int().
        days = int(days) if days.isascii() and days.isdigit() else days
        if days and not (isinstance(days, int) and 1 <= days <= 90):
            problems.append(f"{where}, column 办理时限（工作日）: a whole number of days, 1 to 90")
            days = None
        lead = row.get("牵头单位", "")
        if lead and not known_unit(lead):
            problems.append(f"{where}, column 牵头单位: no unit {lead}")
        if values["level"] == Level.DISTRICT and not lead:
            problems.append(f"{where}, column 牵头单位: a district item names its lead department")
        supporting = [
            s.strip() for s in row.get("配合单位", "").replace(",", "、").split("、") if s.strip()
        ]
        for name in supporting:
            if not known_unit(name):
                problems.append(f"{where}, column 配合单位: no unit {name}")
        key = (values["list"], values["code"])
        if key in seen:
            problems.append(f"{where}, column 编号: {values['code']} appears twice in this list")
        seen.add(key)
        planned_items.append(
            (
                values,
                status,
                lead,
                supporting,
                days or None,
                row.get("法律依据", ""),
                row.get("取消理由", "")[:200],
                row.get("变更说明", "")[:200],
                where,
            )
        )
    if problems:
        raise InvalidInput(problems)

    for spec in planned_units.values():
        unit = Unit.objects.filter(area=spec["area"], name=spec["name"]).first()
        if unit is None:
            unit = Unit.objects.create(path=spec["area"].path, illustrative=illustrative, **spec)
            audit.record(actor, AuditAction.CREATE, unit)
            report.units_created += 1
            continue
        before = audit.snapshot(unit)
        for key in ("kind", "compound", "contact_name", "contact_phone"):
            setattr(unit, key, spec[key])
        if audit.snapshot(unit) != before:
            unit.save()
            audit.record(actor, AuditAction.UPDATE, unit, before=before)
            report.units_updated += 1

    units = _units_near(publisher)
    for values, status, lead, supporting, days, basis, reason, change, where in planned_items:
        lead_unit = units.filter(name=lead).first() if lead else None
        support = list(units.filter(name__in=supporting))
        current = DutyItem.objects.filter(
            path=publisher.path, list=values["list"], code=values["code"], valid_to__isnull=True
        ).first()
        content = {
            **values,
            "lead_unit": lead_unit,
            "handle_days": days,
            "legal_basis": basis,
            "active": status == ACTIVE,
        }
        if current is not None and status == RETIRED and not current.active:
            report.items_unchanged += 1
            continue
        if current is not None and _same(current, content, support):
            report.items_unchanged += 1
            continue
        if current is None and status == RETIRED:
            raise InvalidInput(f"{where}, column 状态: no current item {values['code']} to retire")
        version = 1
        if current is not None:
            before = audit.snapshot(current)
            current.valid_to = moment
            current.save(update_fields=["valid_to"])
            audit.record(actor, AuditAction.UPDATE, current, before=before, reason="superseded")
            version = current.version + 1
        item = DutyItem.objects.create(
            version=version,
            valid_from=moment,
            path=publisher.path,
            illustrative=illustrative,
            retired_reason=reason if status == RETIRED else "",
            change_note=change,
            **content,
        )
        item.supporting_units.set(support)
        audit.record(actor, AuditAction.CREATE, item)
        if status == RETIRED:
            report.items_retired += 1
        elif current is None:
            report.items_created += 1
        else:
            report.items_changed += 1
    return report


def _units_near(area: AdminArea):
    """Units a list published by ``area`` may name: at the area, above it or below it."""
    return Unit.objects.filter(
        Q(path__in=ancestors(area.path)) | Q(path__startswith=f"{area.path}/")
    )


def _same(current: DutyItem, content: dict, support: list[Unit]) -> bool:
    for key, value in content.items():
        if getattr(current, key) != value:
            return False
    return {u.pk for u in current.supporting_units.all()} == {u.pk for u in support}


def export_rows(actor, area_code: str, *, history: bool = False) -> tuple[list, list]:
    """Rows of the two sheets for the units and current items (all versions with
    ``history``) an area publishes, as the template reads them back."""
    area = territory.get_area(actor, area_code)
    units = (
        Unit.objects.restrict(actor)
        .filter(Q(path__in=ancestors(area.path)) | Q(path__startswith=f"{area.path}/"))
        .select_related("area", "compound")
    )
    unit_rows = [
        [
            u.name,
            u.get_kind_display(),
            u.area.code,
            u.compound.ref if u.compound else "",
            u.contact_name,
            u.contact_phone,
        ]
        for u in units
    ]
    items = DutyItem.objects.restrict(actor).filter(path=area.path).select_related("lead_unit")
    if not history:
        items = items.filter(valid_to__isnull=True)
    item_rows = [
        [
            i.get_list_display(),
            i.code,
            i.title,
            i.get_category_display(),
            i.get_level_display(),
            i.lead_unit.name if i.lead_unit else "",
            "、".join(u.name for u in i.supporting_units.all()),
            i.handle_days or "",
            i.legal_basis,
            ACTIVE if i.active else RETIRED,
            i.retired_reason,
            i.change_note,
        ]
        for i in items.prefetch_related("supporting_units").order_by("list", "code", "version")
    ]
    return unit_rows, item_rows


def workbook_bytes(unit_rows: list, item_rows: list, *, illustrative: bool = False) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    units = workbook.active
    units.title = UNIT_SHEET
    units.append(UNIT_COLUMNS)
    for row in unit_rows:
        units.append(row)
    items = workbook.create_sheet(ITEM_SHEET)
    items.append(ITEM_COLUMNS)
    for row in item_rows:
        items.append(row)
    if illustrative:
        note = workbook.create_sheet("说明")
        note.append(["本清单为示例数据，并非任何地方政府正式发布的清单。"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template() -> bytes:
    """An empty workbook with both sheets' headers and one example row each."""
    return workbook_bytes(
        [["XX区城市管理局", "区级部门", "510116", "", "值班室", "028-00000000"]],
        [
            [
                "职责任务清单",
                "D-001",
                "占道停车管理",
                "车辆乱停",
                "区级部门",
                "XX区城市管理局",
                "",
                "5",
                "《城市道路管理条例》",
                "有效",
                "",
                "",
            ]
        ],
    )
