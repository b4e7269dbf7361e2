"""An assessment period as an Excel workbook: grids and workers, ranked, with appeals."""

from __future__ import annotations

import io

from openpyxl import Workbook

from finegrid.workforce import queries
from finegrid.workforce.models import AppealStatus, AssessmentPeriod, ResultKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = [
    "街道排名",
    "社区排名",
    "网格编码",
    "名称",
    "当月积分",
    "网格成效",
    "履职情况",
    "个人表现",
    "加分",
    "总分",
]


def assessment_xlsx(user, period: AssessmentPeriod) -> bytes:
    """Two sheets (网格, 网格员) of the results the user may see; the workers' sheet adds
    each upheld appeal's corrected total."""
    results = queries.results(user).filter(period=period).order_by("rank_street", "path")
    corrected = {
        a.result_id: a.corrected_total
        for a in queries.appeals(user).filter(result__period=period, status=AppealStatus.UPHELD)
    }
    book = Workbook()
    sheets = [("网格", ResultKind.GRID), ("网格员", ResultKind.WORKER)]
    for index, (title, kind) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        header = COLUMNS + (["申诉更正后总分"] if kind == ResultKind.WORKER else [])
        sheet.append(
            [f"{period.area.name} {period.month:%Y年%m月} 考核（{period.get_status_display()}）"]
        )
        sheet.append(header)
        for r in results.filter(kind=kind):
            row = [
                r.rank_street,
                r.rank_community,
                r.grid.code,
                r.worker.name if r.worker_id else r.grid.name,
                float(r.points),
                float(r.grid_score),
                float(r.duty_score),
                float(r.worker_score),
                float(r.bonus),
                float(r.total),
            ]
            if kind == ResultKind.WORKER:
                fixed = corrected.get(r.pk)
                row.append(float(fixed) if fixed is not None else None)
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
