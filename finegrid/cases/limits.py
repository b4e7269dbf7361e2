"""Time limits per urgency, and the urgency a category has by default.

The defaults follow the practice of Chinese urban-grid and 12345 hotline handling, where
local rules fix the numbers: emergencies (a gas leak, a fall hazard) are handled within
2 hours; water, power and gas outages within 24 hours; general cases within 7 working
days; complex ones (several departments, disputes) within 15 working days — the figures
of the 12345 hotline rules of several provinces (e.g. 四川省12345热线 工单办理时限: 紧急
2小时, 一般 5–7 个工作日, 复杂 15 个工作日). Acceptance and dispatch are quick, on-site
verification follows handling. A street or district changes them in
``settings.FINEGRID_CASE_LIMITS`` (same shape as ``DEFAULT_LIMITS``).

Each limit is ``(amount, unit)`` with unit ``"hours"`` (calendar hours) or ``"days"``
(working days on the official holiday calendar, see finegrid.clock).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from finegrid import clock
from finegrid.cases.models import Category, Urgency

STAGES = ("accept", "dispatch", "handle", "verify")

DEFAULT_LIMITS: dict[str, dict[str, tuple[int, str]]] = {
    Urgency.EMERGENCY: {
        "accept": (1, "hours"),
        "dispatch": (1, "hours"),
        "handle": (2, "hours"),
        "verify": (2, "hours"),
    },
    Urgency.URGENT: {
        "accept": (2, "hours"),
        "dispatch": (2, "hours"),
        "handle": (24, "hours"),
        "verify": (24, "hours"),
    },
    Urgency.NORMAL: {
        "accept": (1, "days"),
        "dispatch": (1, "days"),
        "handle": (7, "days"),
        "verify": (2, "days"),
    },
    Urgency.COMPLEX: {
        "accept": (1, "days"),
        "dispatch": (2, "days"),
        "handle": (15, "days"),
        "verify": (3, "days"),
    },
}

DEFAULT_URGENCY = {
    Category.UTILITIES: Urgency.URGENT,
    Category.ELEVATOR: Urgency.URGENT,
    Category.SAFETY: Urgency.URGENT,
    Category.DISPUTE: Urgency.COMPLEX,
}

# How long a department has to report (报到) after a whistle.
WHISTLE_REPORT_HOURS = 24
# How long after closing a reporter may still rate 不满意 and so reopen the case.
REOPEN_DAYS = 7


def limits() -> dict:
    return getattr(settings, "FINEGRID_CASE_LIMITS", DEFAULT_LIMITS)


def default_urgency(category: str) -> str:
    return DEFAULT_URGENCY.get(category, Urgency.NORMAL)


def deadline(start: dt.datetime, urgency: str, stage: str, handle_days: int | None = None):
    """When ``stage`` of a case of ``urgency`` that starts at ``start`` is due. A duty item's
    own handling limit (in working days) overrides the handling stage of ordinary cases."""
    amount, unit = limits()[urgency][stage]
    if stage == "handle" and handle_days and unit == "days":
        amount = handle_days
    if unit == "hours":
        return start + dt.timedelta(hours=amount)
    return clock.add_working_days(start, amount)


def describe(urgency: str) -> str:
    """The limits of an urgency in words, for pages and the Open311 service list."""
    parts = []
    names = {"accept": "受理", "dispatch": "派遣", "handle": "办结", "verify": "核查"}
    for stage in STAGES:
        amount, unit = limits()[urgency][stage]
        parts.append(f"{names[stage]}{amount}{'小时' if unit == 'hours' else '个工作日'}")
    return "，".join(parts)
