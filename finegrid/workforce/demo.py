"""A month of training, points and a published assessment for the demo's workers.

Run by ``finegrid demo`` after staffing, through the same actions staff use, for the
month before the current one (the demo's workers took their posts the month before that).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.utils import timezone

from finegrid.org.models import Worker, WorkerRole
from finegrid.workforce import actions, sources
from finegrid.workforce.models import AssessmentResult, CourseKind, ResultKind

QUIZ = [
    {
        "text": "一个微网格一般包含多少户？",
        "choices": ["30–100 户", "300–500 户", "1000 户以上"],
        "answer": 0,
    },
    {
        "text": "微网格员完成一轮入户动员的时限是？",
        "choices": ["3 小时", "1 天", "1 周"],
        "answer": 0,
    },
    {"text": "居民身份证号码在系统中如何显示？", "choices": ["完整显示", "脱敏显示"], "answer": 1},
]
# The demo's scheme, of the sources installed (cases and campaigns bring theirs).
RULES = [
    {"source": "training_hours", "points": "2", "component": "worker"},
    {"source": "induction_passed", "points": "5", "component": "bonus"},
    {"source": "visit_on_time", "points": "1", "component": "grid"},
    {"source": "satisfaction", "points": "1", "component": "grid"},
    {"source": "case_raised", "points": "2", "component": "duty"},
    {"source": "case_closed", "points": "3", "component": "duty"},
    {"source": "verification_on_time", "points": "1", "component": "duty"},
    {"source": "step_overdue", "points": "-2", "component": "duty"},
    {"source": "verification_failed", "points": "-3", "component": "duty"},
]


def last_month() -> dt.date:
    return (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _at(month: dt.date, day: int, hour: int) -> dt.datetime:
    naive = dt.datetime(month.year, month.month, day, hour)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def populate(actor, area_code: str, area_path: str, seed: int) -> dict:
    """Courses, sessions, attendance, quizzes, the month's points, a published assessment
    and a few appeals, deterministic by seed. Returns what it made, counted."""
    rng = np.random.default_rng([seed, 0x7EA1])
    month = last_month()
    workers = list(Worker.objects.filter(path__startswith=area_path).order_by("path", "pk"))
    induction = actions.do_create_course(
        actor,
        area_code,
        title="微网格员岗前培训",
        kind=CourseKind.INDUCTION,
        hours="3",
        pass_mark=60,
    )
    actions.do_set_quiz(actor, induction, QUIZ)
    topical = actions.do_create_course(
        actor, area_code, title="入户走访与信息采集专题", kind=CourseKind.TOPICAL, hours="2"
    )
    refresher = actions.do_create_course(
        actor, area_code, title="专职网格员月度轮训", kind=CourseKind.REFRESHER, hours="4"
    )
    installed = sources.available()
    actions.do_create_scheme(
        actor,
        area_code,
        effective_from=month,
        rules=[rule for rule in RULES if rule["source"] in installed],
        worker_target=Decimal(10),
        note="演示方案：培训学时计入个人表现，通过岗前培训计入加分",
    )
    capacity = 80

    def sessions(course, count: int, first_day: int):
        """``count`` sittings, mornings and afternoons from ``first_day`` on."""
        made = []
        for n in range(count):
            day, hour = first_day + (n // 2) % 24, (9, 14)[n % 2]
            made.append(
                actions.do_schedule_session(
                    actor,
                    course,
                    starts_at=_at(month, day, hour),
                    ends_at=_at(month, day, hour + int(course.hours)),
                    place="街道党群服务中心" if n % 2 == 0 else "社区新时代文明实践站",
                    trainer=("张丽", "王强", "陈敏")[n % 3],
                    capacity=capacity,
                )
            )
        return made

    residents = [w for w in workers if w.role != WorkerRole.GRID_WORKER]
    full_time = [w for w in workers if w.role in (WorkerRole.GRID_WORKER, WorkerRole.GRID_LEADER)]
    induction_sessions = sessions(induction, max(1, -(-len(residents) // capacity)), 2)
    topical_sessions = sessions(topical, max(1, -(-len(workers) // (2 * capacity))), 3)
    refresher_sessions = sessions(refresher, max(1, -(-len(full_time) // capacity)), 5)
    counts = {"attendances": 0, "certificates": 0}
    for index, worker in enumerate(residents):
        if rng.random() < 0.85 or worker.user_id:
            session = induction_sessions[index // capacity]
            # The quiz first, so that the certificate is dated by the session.
            right = rng.random() < 0.9 or bool(worker.user_id)
            answers = [
                q["answer"] if right else (q["answer"] + 1) % len(q["choices"]) for q in QUIZ
            ]
            attempt = actions.do_submit_quiz(actor, induction, worker, answers)
            actions.do_record_attendance(actor, session, worker, session.starts_at)
            counts["attendances"] += 1
            counts["certificates"] += attempt.passed
    for course_sessions, group, share in (
        (topical_sessions, workers, 0.4),
        (refresher_sessions, full_time, 0.8),
    ):
        chosen = [w for w in group if rng.random() < share]
        for index, worker in enumerate(chosen):
            session = course_sessions[min(index // capacity, len(course_sessions) - 1)]
            if session.enrolments.count() < session.capacity:
                actions.do_record_attendance(actor, session, worker, session.starts_at)
                counts["attendances"] += 1
    run = actions.do_compute_points(actor, area_code, month)
    period = actions.do_compute_assessment(actor, area_code, month)
    actions.do_publish_assessment(actor, period)
    lowest = list(
        AssessmentResult.objects.filter(
            period=period, kind=ResultKind.WORKER, worker__user__isnull=True
        ).order_by("total", "path")[:3]
    )
    for number, result in enumerate(lowest):
        appeal = actions.do_file_appeal(actor, result, "本月参加了岗前培训，签到未记录")
        if number == 0:
            actions.do_decide_appeal(
                actor, appeal, status="rejected", decision="经核对签到表，当月未参加培训"
            )
    return {
        "courses": 3,
        "sessions": len(induction_sessions) + len(topical_sessions) + len(refresher_sessions),
        "point_entries": run.appended,
        "assessment": f"{period.month:%Y-%m}",
        **counts,
    }
