"""A realistic month of cases for the demo street: categories, places and outcomes drawn
from the synthetic population with a seed, each case taken through the real actions with
the clock set to when it happened. Most close on time and are rated; some run late and
are escalated by the sweep, some are refused, reopened or whistled, some are still open."""

from __future__ import annotations

import datetime as dt
import random

from finegrid import clock
from finegrid.cases import routing
from finegrid.cases.actions import (
    do_create_unit,
    do_open_case,
    do_rate_case,
    do_report_whistle,
    do_step,
    do_sweep_deadlines,
    do_whistle_case,
)
from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import Case, Category, Channel, Unit, UnitKind
from finegrid.cases.open311 import do_issue_key
from finegrid.errors import FinegridError
from finegrid.people.models import Household
from finegrid.territory.models import AdminArea, AreaLevel, Compound

# How often each category comes up (parking and sanitation lead in Chengdu's complaints).
WEIGHTS = {
    Category.PARKING: 18,
    Category.SANITATION: 16,
    Category.PROPERTY: 10,
    Category.NOISE: 9,
    Category.FACILITY: 9,
    Category.ELEVATOR: 7,
    Category.UTILITIES: 6,
    Category.DISPUTE: 6,
    Category.GREENING: 5,
    Category.SAFETY: 5,
    Category.HELP: 5,
    Category.OTHER: 4,
}
TEXTS = {
    Category.PARKING: "小区门口车辆乱停，消防通道被占",
    Category.SANITATION: "楼下垃圾桶满溢，无人清运",
    Category.PROPERTY: "物业维修报修一周无人上门",
    Category.NOISE: "夜间装修噪音扰民",
    Category.FACILITY: "单元门禁损坏",
    Category.ELEVATOR: "电梯停运，老人上下楼困难",
    Category.UTILITIES: "整栋楼停水，未见通知",
    Category.DISPUTE: "楼上漏水，邻里协商未果",
    Category.GREENING: "绿化带树枝遮挡路灯",
    Category.SAFETY: "楼道堆放电动车充电",
    Category.HELP: "独居老人行动不便，需要帮扶",
    Category.OTHER: "咨询老旧小区改造进度",
}
CHANNELS = [Channel.RESIDENT] * 4 + [Channel.WORKER] * 3 + [Channel.HOTLINE] * 2 + [Channel.STAFF]


def seed_cases(
    actor, area_code: str, seed: int, *, days: int = 30, per_day: int = 12, resident=None
) -> dict:
    """Load the illustrative lists for the streets of ``area_code`` and play ``days`` days
    of cases ending now; returns counts for the demo summary, and an Open311 key."""
    rng = random.Random(seed)
    streets = AdminArea.objects.filter(level=AreaLevel.STREET, code__startswith=area_code[:9])
    if len(area_code.rstrip("0")) <= 6:
        streets = AdminArea.objects.filter(level=AreaLevel.STREET, code__startswith=area_code[:6])
    for street in streets:
        do_load_illustrative(actor, street.code)
    # Property companies for some compounds (illustrative too).
    compounds = Compound.objects.filter(
        community__code__startswith=area_code.rstrip("0")[:9]
    ).order_by("pk")
    taken = set()
    for compound in compounds[:200]:
        name = f"{compound.name}物业服务中心（示例）"
        if (compound.community_id, name) in taken:
            name = f"{compound.name}（{compound.ref}）物业服务中心（示例）"
        if rng.random() < 0.7 and (compound.community_id, name) not in taken:
            taken.add((compound.community_id, name))
            do_create_unit(
                actor,
                name=name,
                kind=UnitKind.PROPERTY,
                area=compound.community.code,
                compound=compound.pk,
                illustrative=True,
            )
    households = list(
        Household.objects.filter(community__code__startswith=area_code.rstrip("0")[:9])
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    if not households:
        return {"cases": 0}
    end = clock.now()
    start = end - dt.timedelta(days=days)
    categories, weights = zip(*WEIGHTS.items(), strict=True)
    opened = []
    for day in range(days):
        for _ in range(rng.randint(per_day // 2, per_day * 3 // 2)):
            moment = start + dt.timedelta(days=day, hours=rng.uniform(7, 21))
            opened.append((moment, rng.choices(categories, weights)[0]))
    opened.sort()
    for moment, category in opened:
        with clock.frozen(moment):
            case = do_open_case(
                actor,
                category=category,
                text=TEXTS[category],
                channel=rng.choice(CHANNELS),
                household=rng.choice(households),
            )
        _play(actor, case, rng, end)
    if resident is not None:
        _resident_cases(actor, resident, end)
    with clock.frozen(end):
        do_sweep_deadlines(actor)
    _, key = do_issue_key(actor, f"demo-open311-{seed}", area_code[:9])
    return {"cases": len(opened), "open311_key": key}


def _play(actor, case: Case, rng: random.Random, end: dt.datetime) -> None:
    """Take a case as far as its luck and the time left allow."""
    moment = case.opened_at
    fate = rng.random()

    def at(hours: float) -> bool:
        nonlocal moment
        moment = moment + dt.timedelta(hours=hours)
        return moment < end

    def step(kind: str, **kwargs) -> bool:
        nonlocal case
        try:
            with clock.frozen(moment):
                case = do_step(actor, case, kind, **kwargs)
        except FinegridError:
            return False
        return True

    late = fate < 0.15
    if not at(rng.uniform(0.5, 6) if not late else rng.uniform(20, 60)):
        return
    if fate > 0.97:
        step("refuse", note="不属于受理范围，已告知反映人")
        return
    if not step("accept"):
        return
    if not at(rng.uniform(0.5, 4)) or not step("dispatch"):
        return
    if case.category in (Category.NOISE, Category.PARKING) and rng.random() < 0.25:
        departments = list(
            Unit.objects.filter(kind=UnitKind.DEPARTMENT, path__in=_ancestors(case))[:2]
        )
        if departments:
            with clock.frozen(moment):
                whistle = do_whistle_case(actor, case, departments, note="多次反映，吹哨")
            for call in whistle.calls.all():
                if rng.random() < 0.85:
                    with clock.frozen(moment + dt.timedelta(hours=rng.uniform(2, 30))):
                        do_report_whistle(actor, call, "已到场处置")
    handle_hours = rng.uniform(4, 24 * 6) if not late else rng.uniform(24 * 9, 24 * 14)
    if not at(rng.uniform(0.5, 3)) or not step("start"):
        return
    if not at(handle_hours) or not step("handle", note="已处置完毕"):
        return
    if not at(rng.uniform(2, 30)):
        return
    if rng.random() < 0.08:
        step("fail", note="现场核查未整改到位")
        if not at(rng.uniform(12, 48)) or not step("handle", note="二次处置"):
            return
        if not at(rng.uniform(2, 24)):
            return
    if not step("verify") or not at(rng.uniform(0.5, 8)) or not step("close"):
        return
    if rng.random() < 0.8 and at(rng.uniform(2, 72)):
        rating = rng.choices(["satisfied", "basically", "unsatisfied"], [70, 22, 8])[0]
        with clock.frozen(moment):
            do_rate_case(actor, case, rating, note="电话回访")


def _ancestors(case: Case) -> list[str]:
    from finegrid.cases.notify import ancestors

    return ancestors(case.community.path)


def _by_hand(case: Case) -> Unit | None:
    """Where the duty list names no unit here (a property item for a household without a
    property company, as in a village), staff dispatch by hand to the street office, as
    a street does; otherwise the route decides (None)."""
    if routing.route(case).unit is not None:
        return None
    return Unit.objects.filter(
        kind=UnitKind.STREET_OFFICE, area_id=case.community.parent_id
    ).first()


def _resident_cases(actor, resident, end: dt.datetime) -> None:
    """The demo resident's own: one closed and waiting for their rating, one in progress."""
    with clock.frozen(end - dt.timedelta(days=6)):
        done = do_open_case(
            resident,
            category=Category.FACILITY,
            text="单元门禁损坏，刷卡进不去",
            channel=Channel.RESIDENT,
        )
    for hours, kind in (
        (1, "accept"),
        (2, "dispatch"),
        (20, "handle"),
        (26, "verify"),
        (27, "close"),
    ):
        with clock.frozen(done.opened_at + dt.timedelta(hours=hours)):
            done = do_step(
                actor,
                done,
                kind,
                note="已清理完毕" if kind == "handle" else "",
                unit=_by_hand(done) if kind == "dispatch" else None,
            )
    with clock.frozen(end - dt.timedelta(hours=5)):
        going = do_open_case(
            resident,
            category=Category.PARKING,
            text="楼下消防通道长期停车",
            channel=Channel.RESIDENT,
        )
    for hours, kind in ((1, "accept"), (2, "dispatch")):
        with clock.frozen(going.opened_at + dt.timedelta(hours=hours)):
            going = do_step(
                actor, going, kind, unit=_by_hand(going) if kind == "dispatch" else None
            )
