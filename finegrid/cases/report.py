"""Figures per grid, per unit and per period: for the cockpit, the map layer and Excel."""

from __future__ import annotations

import io

from django.db.models import Avg, Count, F, Q

from finegrid.cases import figures
from finegrid.cases.models import WhistleCall


def _figures_of(row: dict, keys: tuple[str, ...]) -> dict:
    return {key: value for key, value in row.items() if key not in keys}


def by_grid(cases) -> list[dict]:
    """Per finest grid (or community when a case has no grid) of ``cases``, the 500 with
    most cases: counts and shares."""
    keys = ("grid__code", "grid__name", "community__name")
    return [
        {
            "grid": row["grid__code"] or "",
            "name": row["grid__name"] or row["community__name"],
            **_figures_of(row, keys),
        }
        for row in figures.rates_by(cases, keys, limit=500)
    ]


def by_unit(cases) -> list[dict]:
    keys = ("unit", "unit__name")
    return [
        {"unit": row["unit__name"], **_figures_of(row, keys)}
        for row in figures.rates_by(cases.filter(unit__isnull=False), keys)
    ]


def department_responses(user, cases) -> list[dict]:
    """Per department summoned on ``cases``: calls, reported, reported in time, mean hours
    to report."""
    calls = (
        WhistleCall.objects.restrict(user)
        .filter(whistle__case__in=cases)
        .values("unit__name")
        .annotate(
            calls=Count("pk"),
            reported=Count("pk", filter=Q(reported_at__isnull=False)),
            in_time=Count("pk", filter=Q(reported_at__lte=F("due_at"))),
            mean=Avg(F("reported_at") - F("whistle__at")),
        )
    )
    return [
        {
            "unit": row["unit__name"],
            "calls": row["calls"],
            "reported": row["reported"],
            "in_time": row["in_time"],
            "mean_hours": round(row["mean"].total_seconds() / 3600, 1) if row["mean"] else None,
        }
        for row in calls.order_by("unit__name")
    ]


def _percent(value) -> str:
    return "" if value is None else f"{value:.1%}"


HEADERS = [
    "网格",
    "名称",
    "受理量",
    "结案",
    "响应率",
    "按期结案率",
    "解决率",
    "满意率",
    "重新办理",
    "超时",
    "吹哨",
]


def _figure_cells(row: dict) -> list:
    """The columns of HEADERS after the name: counts, then shares as percentages."""
    shares = ("responded", "on_time", "resolved", "satisfied")
    return [
        row["total"],
        row["closed"],
        *(_percent(row[key]) for key in shares),
        row["reopened"],
        row["overdue"],
        row["whistled"],
    ]


def figures_workbook(user, cases) -> bytes:
    """The figures of ``cases`` (already scoped to ``user``) per grid, per responsible
    unit and per summoned department, one sheet each."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "按网格"
    sheet.append(HEADERS)
    for row in by_grid(cases):
        sheet.append([row["grid"], row["name"], *_figure_cells(row)])
    units = workbook.create_sheet("按责任单位")
    units.append(["责任单位", *HEADERS[2:]])
    for row in by_unit(cases):
        units.append([row["unit"], *_figure_cells(row)])
    departments = workbook.create_sheet("吹哨报到")
    departments.append(["部门", "被吹哨次数", "已报到", "按时报到", "平均报到用时（小时）"])
    for row in department_responses(user, cases):
        departments.append(
            [row["unit"], row["calls"], row["reported"], row["in_time"], row["mean_hours"]]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
