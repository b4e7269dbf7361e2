"""The closing report of a campaign, as the page and the Excel file show it: per-grid
figures, outcome counts, the households not reached (masked: an address and a surname,
only those in the reader's scope), the needs-help cases and the record of the standard."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.campaigns import queries
from finegrid.campaigns.models import Campaign, Outcome


def masked_name(name: str) -> str:
    """A surname and a star per other character: enough to knock, not to identify."""
    return (name[:1] + "＊" * (len(name) - 1)) if name else "—"


def address(household) -> str:
    dwelling = household.dwelling
    return f"{dwelling.building.name}{dwelling.entrance.number}单元{dwelling.room}"


def build(user, campaign: Campaign) -> dict:
    figures = queries.progress(user, campaign)
    grids = []
    sections = queries.sections(user, campaign).select_related("grid", "worker").order_by("path")
    for section in sections:
        grids.append(
            {
                "grid": section.grid.code,
                "name": section.grid.name,
                "worker": section.worker.name if section.worker else "",
                "households": section.households,
                "reached": section.done,
                "outcomes": [getattr(section, name) for name in Outcome.values],
                "finished_at": section.finished_at,
            }
        )
    unreached = [
        {
            "grid": a.section.grid.code,
            "address": address(a.household),
            "head": masked_name(a.household.head.name if a.household.head_id else ""),
            "outcome": str(a.get_outcome_display()) if a.outcome else _("未走访"),
        }
        for a in queries.unreached(user, campaign)
    ]
    help_cases = [
        {
            "grid": v.assignment.section.grid.code,
            "address": address(v.assignment.household),
            "case": v.case_id,
            "note": v.note,
            "recorded_at": v.recorded_at,
        }
        for v in queries.needs_help(user, campaign)
    ]
    return {
        "campaign": campaign,
        "figures": figures,
        "outcome_labels": [str(label) for _, label in Outcome.choices],
        "outcome_counts": [
            (str(label), figures["outcomes"][value]) for value, label in Outcome.choices
        ],
        "grids": grids,
        "unreached": unreached,
        "help_cases": help_cases,
        "standard": queries.standard(user, campaign),
    }


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def workbook(user, campaign: Campaign) -> bytes:
    """The report as an .xlsx: one sheet per part."""
    import openpyxl

    data = build(user, campaign)
    book = openpyxl.Workbook(write_only=True)
    summary = book.create_sheet(_("概况"))
    figures = data["figures"]
    for row in [
        (_("名称"), campaign.title),
        (_("范围"), f"{campaign.node_name} ({campaign.node_code})"),
        (_("开始时间"), _local(campaign.start)),
        (_("截止时间"), _local(campaign.deadline)),
        (_("结束时间"), _local(campaign.closed_at)),
        (_("户数"), figures["households"]),
        (_("已完成户数"), figures["reached"]),
        *[(label, count) for label, count in data["outcome_counts"]],
        (_("微网格"), figures["micro_grids"]),
        (_("已完成微网格"), figures["micro_grids_done"]),
        (_("3小时内完成的微网格占比"), data["standard"]["micro_grids_share"]),
        (_("3小时内走访到的户数占比"), data["standard"]["households_share"]),
        (_("划分预计3小时内可完成的微网格占比"), data["standard"]["estimated_share"]),
    ]:
        summary.append(list(row))
    grids = book.create_sheet(_("分网格"))
    grids.append(
        [
            _("网格编码"),
            _("名称"),
            _("网格员"),
            _("户数"),
            _("已完成"),
            *data["outcome_labels"],
            _("完成时间"),
        ]
    )
    for row in data["grids"]:
        grids.append(
            [
                row["grid"],
                row["name"],
                row["worker"],
                row["households"],
                row["reached"],
                *row["outcomes"],
                _local(row["finished_at"]),
            ]
        )
    unreached = book.create_sheet(_("未走访到的户"))
    unreached.append([_("网格编码"), _("地址"), _("户主"), _("最新结果")])
    for row in data["unreached"]:
        unreached.append([row["grid"], row["address"], row["head"], row["outcome"]])
    cases = book.create_sheet(_("需帮扶"))
    cases.append([_("网格编码"), _("地址"), _("事件编号"), _("备注"), _("时间")])
    for row in data["help_cases"]:
        cases.append(
            [row["grid"], row["address"], row["case"], row["note"], _local(row["recorded_at"])]
        )
    standard = book.create_sheet(_("3小时标准"))
    standard.append(
        [
            _("网格编码"),
            _("名称"),
            _("户数"),
            _("划分预计用时（分钟）"),
            _("实际用时（分钟）"),
            _("3小时内完成"),
        ]
    )
    for row in data["standard"]["rows"]:
        standard.append(
            [
                row["grid"],
                row["name"],
                row["households"],
                row["estimate_minutes"],
                None if row["actual_minutes"] is None else round(row["actual_minutes"], 1),
                _("是") if row["in_time"] else _("否"),
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
