"""Every change to training, points and assessment."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from finegrid import bulk
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.roles import STAFF_ROLES
from finegrid.accounts.scope import path_q, require, require_place
from finegrid.clock import FIRST_YEAR, LAST_YEAR
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.org.models import Worker
from finegrid.territory import queries as territory
from finegrid.workforce import compute, queries, sources
from finegrid.workforce.models import (
    Appeal,
    AppealStatus,
    AssessmentPeriod,
    AssessmentResult,
    Attendance,
    Certificate,
    CheckInMethod,
    Component,
    Course,
    CourseKind,
    CourseMaterial,
    Enrolment,
    EntryKind,
    PeriodStatus,
    PointEntry,
    PointRun,
    QuizAttempt,
    QuizQuestion,
    Redemption,
    Rule,
    Scheme,
    TrainingSession,
)

# How early before a session starts its check-in opens.
CHECK_IN_OPENS = dt.timedelta(minutes=30)
MATERIAL_MAX_BYTES = 20 * 1024 * 1024


def _insert(model, fields: tuple[str, ...], rows) -> None:
    """Many rows at once: PostgreSQL's COPY, else finegrid.bulk's batched inserts."""
    if connection.vendor != "postgresql":
        bulk.insert(model, fields, rows)
        return
    meta = model._meta
    column = {field.attname: field.column for field in meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column[name]) for name in fields)
    table = connection.ops.quote_name(meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _month(value: dt.date) -> dt.date:
    """The first day of ``value``'s month, for months the platform can have records of."""
    if not 2000 <= value.year <= 2100:
        raise InvalidInput(f"month: {value:%Y-%m} is not between 2000 and 2100")
    return compute.month_start(value)


def _acts_for(actor, worker: Worker) -> None:
    """Staff act for any worker in their scope; a worker only for their own posts."""
    if actor.is_superuser or actor.role in STAFF_ROLES:
        return
    if worker.user_id != actor.pk:
        raise NotFound(f"no worker with id {worker.pk}")


def _decimal(value, field: str, problems: list[str], low=None, high=None) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(f"{field}: {value!r} is not a number")
        return None
    if (
        not number.is_finite()
        or (low is not None and number < low)
        or (high is not None and number > high)
    ):
        problems.append(f"{field}: must be between {low} and {high}")
        return None
    return number


# --- Training ----------------------------------------------------------------------------


def _whole(value, field: str, problems: list[str], low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        problems.append(f"{field}: must be between {low} and {high}")
        return None
    return number


def _course_values(title, kind, hours, description, pass_mark) -> dict:
    """A course's fields checked together, for its creation and its edits."""
    problems = []
    title = (title or "").strip()
    if not 1 <= len(title) <= 100:
        problems.append("title: must be 1 to 100 characters")
    if kind not in CourseKind.values:
        problems.append(f"kind: {kind!r} is not one of {', '.join(CourseKind.values)}")
    hours = _decimal(hours, "hours", problems, Decimal("0.5"), Decimal(200))
    pass_mark = _whole(pass_mark, "pass_mark", problems, 0, 100)
    if problems:
        raise InvalidInput(problems)
    return {
        "title": title,
        "kind": kind,
        "hours": hours,
        "description": (description or "").strip(),
        "pass_mark": pass_mark,
    }


@transaction.atomic
def do_create_course(
    actor,
    area: str,
    *,
    title: str,
    kind: str,
    hours,
    description: str = "",
    pass_mark: int = 80,
) -> Course:
    """A course run by an area (a street's course is open to every worker under it)."""
    area = territory.get_area(actor, area)
    require_place(actor, "add", Course, area.path, f"no administrative area with code {area.code}")
    values = _course_values(title, kind, hours, description, pass_mark)
    course = Course.objects.create(**values, area=area, path=area.path)
    audit.record(actor, AuditAction.CREATE, course)
    return course


@transaction.atomic
def do_update_course(
    actor,
    course: Course | int,
    *,
    title: str,
    kind: str,
    hours,
    description: str = "",
    pass_mark: int = 80,
) -> Course:
    """Correct a course's title, kind, hours, description or pass mark. The area that
    runs it stays: its sessions, materials and quiz belong there."""
    course = queries.get_course(actor, course, "change")
    values = _course_values(title, kind, hours, description, pass_mark)
    before = audit.snapshot(course)
    for name, value in values.items():
        setattr(course, name, value)
    course.save(update_fields=list(values))
    audit.record(actor, AuditAction.UPDATE, course, before=before)
    return course


@transaction.atomic
def do_add_material(actor, course: Course | int, *, title: str, file) -> CourseMaterial:
    """Attach a file (slides, a handbook) to a course."""
    course = queries.get_course(actor, course, "change")
    require(actor, "workforce.add_coursematerial")
    problems = []
    title = (title or "").strip() or getattr(file, "name", "")
    if not 1 <= len(title) <= 100:
        problems.append("title: must be 1 to 100 characters")
    size = getattr(file, "size", 0)
    if not size:
        problems.append("file: is empty")
    elif size > MATERIAL_MAX_BYTES:
        problems.append(f"file: larger than {MATERIAL_MAX_BYTES // 2**20} MB")
    if problems:
        raise InvalidInput(problems)
    material = CourseMaterial(course=course, title=title, path=course.path)
    material.file.save(file.name.rsplit("/", 1)[-1], file, save=False)
    material.save()
    audit.record(actor, AuditAction.CREATE, material)
    return material


@transaction.atomic
def do_set_quiz(
    actor, course: Course | int, questions: list[dict], pass_mark=None
) -> list[QuizQuestion]:
    """Replace a course's quiz: each question a text, 2–6 choices and the right one; and,
    where given, the pass mark with it."""
    course = queries.get_course(actor, course, "change")
    require(actor, "workforce.add_quizquestion")
    problems = []
    if pass_mark is not None:
        pass_mark = _whole(pass_mark, "pass_mark", problems, 0, 100)
    for number, question in enumerate(questions, start=1):
        choices = question.get("choices") or []
        if not 1 <= len((question.get("text") or "").strip()) <= 300:
            problems.append(f"question {number}: text must be 1 to 300 characters")
        if not 2 <= len(choices) <= 6 or not all(str(c).strip() for c in choices):
            problems.append(f"question {number}: needs 2 to 6 non-empty choices")
        if not isinstance(question.get("answer"), int) or not (
            0 <= question["answer"] < len(choices)
        ):
            problems.append(f"question {number}: answer must be the index of a choice")
    if problems:
        raise InvalidInput(problems)
    questions_before = [audit.snapshot(q) for q in course.questions.all()]
    before = {"pass_mark": course.pass_mark, "questions": questions_before}
    if pass_mark is not None:
        course.pass_mark = pass_mark
        course.save(update_fields=["pass_mark"])
    course.questions.all().delete()
    created = [
        QuizQuestion.objects.create(
            course=course,
            number=number,
            text=question["text"].strip(),
            choices=[str(c).strip() for c in question["choices"]],
            answer=question["answer"],
            path=course.path,
        )
        for number, question in enumerate(questions, start=1)
    ]
    audit.record(
        actor,
        AuditAction.UPDATE,
        course,
        before=before,
        after={
            "pass_mark": course.pass_mark,
            "questions": [audit.snapshot(q) for q in created],
        },
        reason="quiz",
    )
    return created


@transaction.atomic
def do_schedule_session(
    actor,
    course: Course | int,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    trainer: str,
    capacity: int,
) -> TrainingSession:
    """A sitting of a course, held by the area that runs it."""
    course = queries.get_course(actor, course, "change")
    require(actor, "workforce.add_trainingsession")
    problems = []
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        problems.append("starts_at: needs a time zone")
    elif not FIRST_YEAR <= starts_at.year <= LAST_YEAR:
        problems.append(f"starts_at: must be from {FIRST_YEAR} up to {LAST_YEAR}")
    elif ends_at <= starts_at:
        problems.append("ends_at: must be after starts_at")
    elif ends_at - starts_at > dt.timedelta(days=7):
        problems.append("ends_at: a session lasts at most 7 days")
    place, trainer = (place or "").strip(), (trainer or "").strip()
    if not 1 <= len(place) <= 100:
        problems.append("place: must be 1 to 100 characters")
    if not 1 <= len(trainer) <= 50:
        problems.append("trainer: must be 1 to 50 characters")
    capacity = _whole(capacity, "capacity", problems, 1, 10000)
    if problems:
        raise InvalidInput(problems)
    session = TrainingSession.objects.create(
        course=course,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        trainer=trainer,
        capacity=capacity,
        secret=secrets.token_hex(16),
        path=course.path,
    )
    audit.record(actor, AuditAction.CREATE, session)
    return session


def _enrol(actor, session: TrainingSession, worker: Worker) -> Enrolment:
    require_place(actor, "add", Enrolment, worker.path, f"no worker with id {worker.pk}")
    _acts_for(actor, worker)
    existing = Enrolment.objects.filter(session=session, worker=worker).first()
    if existing is not None:
        return existing
    taken = Enrolment.objects.filter(session=session).count()
    if taken >= session.capacity:
        raise Conflict(f"session {session.pk}: all {session.capacity} places are taken")
    enrolment = Enrolment.objects.create(session=session, worker=worker, path=worker.path)
    audit.record(actor, AuditAction.CREATE, enrolment)
    return enrolment


@transaction.atomic
def do_enrol(actor, session: TrainingSession | int, worker: Worker | int) -> Enrolment:
    """Give a worker a place in a session (again: the place they have)."""
    session = queries.get_session(actor, session)
    worker = queries.get_worker(actor, worker)
    if Enrolment.objects.filter(session=session, worker=worker).exists():
        raise Conflict(f"worker {worker.name} is already enrolled in session {session.pk}")
    return _enrol(actor, session, worker)


def check_in_seconds() -> int:
    return settings.FINEGRID_CHECK_IN_SECONDS


def check_in_code(session: TrainingSession, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The code the trainer's screen shows at ``now`` and when it stops being accepted:
    it changes every FINEGRID_CHECK_IN_SECONDS and the previous one is still accepted, so
    a code read just before it changes still works."""
    seconds = check_in_seconds()
    window = int(now.timestamp()) // seconds
    expires = dt.datetime.fromtimestamp((window + 2) * seconds, tz=dt.UTC)
    return _code(session, window), expires


def _code(session: TrainingSession, window: int) -> str:
    message = f"{session.pk}:{session.secret}:{window}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return digest[:8].upper()


def _code_valid(session: TrainingSession, code: str, now: dt.datetime) -> bool:
    window = int(now.timestamp()) // check_in_seconds()
    given = (code or "").strip().upper()
    return any(hmac.compare_digest(given, _code(session, w)) for w in (window, window - 1))


def _attend(actor, enrolment: Enrolment, when: dt.datetime, method: str) -> Attendance:
    existing = Attendance.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    attendance = Attendance.objects.create(
        enrolment=enrolment, checked_in_at=when, method=method, path=enrolment.path
    )
    audit.record(actor, AuditAction.CREATE, attendance)
    _certify(actor, enrolment.worker, enrolment.session.course, when)
    return attendance


@transaction.atomic
def do_check_in(
    actor, session: TrainingSession | int, code: str, now: dt.datetime | None = None
) -> Attendance:
    """A worker checks in with the code on the trainer's screen, from their phone: the code
    must be current and the session open (from half an hour before it starts until it
    ends). A worker not yet enrolled takes a free place."""
    now = now or timezone.now()
    session = queries.get_session(actor, session)
    posts = Worker.objects.filter(user=actor).active(timezone.localdate(now))
    worker = next((w for w in posts if session.enrolments.filter(worker=w).exists()), None)
    worker = worker or next(iter(posts), None)
    if worker is None:
        raise InvalidInput("worker: your account holds no worker post")
    if not _code_valid(session, code, now):
        raise InvalidInput("code: wrong or expired check-in code; scan the screen again")
    if not session.starts_at - CHECK_IN_OPENS <= now <= session.ends_at:
        raise InvalidInput("code: check-in opens 30 minutes before the session, until it ends")
    require(actor, "workforce.add_attendance")
    enrolment = _enrol(actor, session, worker)
    return _attend(actor, enrolment, now, CheckInMethod.QR)


@transaction.atomic
def do_record_attendance(
    actor, session: TrainingSession | int, worker: Worker | int, when: dt.datetime | None = None
) -> Attendance:
    """Staff record that a worker attended (补签), e.g. one whose phone failed."""
    session = queries.get_session(actor, session)
    worker = queries.get_worker(actor, worker)
    require_place(actor, "add", Attendance, worker.path, f"no worker with id {worker.pk}")
    if not actor.is_superuser and actor.role not in STAFF_ROLES:
        raise PermissionDenied("your role may not record others' attendance; check in instead")
    enrolment = _enrol(actor, session, worker)
    return _attend(actor, enrolment, when or session.starts_at, CheckInMethod.MANUAL)


@transaction.atomic
def do_submit_quiz(
    actor, course: Course | int, worker: Worker | int, answers: list[int]
) -> QuizAttempt:
    """A worker answers a course's quiz; the score is the share of right answers."""
    course = queries.get_course(actor, course)
    worker = queries.get_worker(actor, worker)
    require_place(actor, "add", QuizAttempt, worker.path, f"no worker with id {worker.pk}")
    _acts_for(actor, worker)
    questions = list(course.questions.order_by("number"))
    if not questions:
        raise InvalidInput(f"course: {course.title} has no quiz")
    if len(answers) != len(questions):
        raise InvalidInput(f"answers: {len(questions)} answers expected, not {len(answers)}")
    # Each answer is kept with the question's and the chosen choice's text: a later
    # replacement of the quiz renumbers its questions and choices, and the attempt must
    # still say what the worker was asked and answered (its score and pass stay as marked).
    kept = [
        {
            "number": q.number,
            "question": q.text,
            "choice": q.choices[a] if isinstance(a, int) and 0 <= a < len(q.choices) else None,
            "right": a == q.answer,
        }
        for q, a in zip(questions, answers, strict=True)
    ]
    right = sum(1 for answer in kept if answer["right"])
    score = round(100 * right / len(questions))
    attempt = QuizAttempt.objects.create(
        worker=worker,
        course=course,
        answers=kept,
        score=score,
        passed=score >= course.pass_mark,
        path=worker.path,
    )
    audit.record(actor, AuditAction.CREATE, attempt)
    _certify(actor, worker, course, timezone.now())
    return attempt


def _certify(actor, worker: Worker, course: Course, when: dt.datetime) -> Certificate | None:
    """Issue the certificate once the worker attended a session and passed the quiz (a
    course without a quiz needs attendance only)."""
    if Certificate.objects.filter(worker=worker, course=course).exists():
        return None
    attended = Attendance.objects.filter(
        enrolment__worker=worker, enrolment__session__course=course
    ).exists()
    passed = (
        not course.questions.exists() or course.attempts.filter(worker=worker, passed=True).exists()
    )
    if not (attended and passed):
        return None
    certificate = Certificate.objects.create(
        worker=worker,
        course=course,
        number=f"PX{course.pk:05d}-{worker.pk:07d}",
        issued_at=when,
        path=worker.path,
    )
    audit.record(actor, AuditAction.CREATE, certificate)
    return certificate


# --- Points ------------------------------------------------------------------------------

SCHEME_WEIGHTS = ("grid_weight", "duty_weight", "worker_weight", "bonus_cap")
SCHEME_TARGETS = ("grid_target", "duty_target", "worker_target")


@transaction.atomic
def do_create_scheme(
    actor,
    area: str,
    *,
    effective_from: dt.date,
    rules: list[dict],
    grid_weight: int = 50,
    duty_weight: int = 30,
    worker_weight: int = 20,
    bonus_cap: int = 10,
    grid_target=100,
    duty_target=60,
    worker_target=20,
    note: str = "",
) -> Scheme:
    """A new version of an area's scheme: the rules (source, points a unit, component)
    and the assessment's weights and targets. Earlier versions stay as they were."""
    area = territory.get_area(actor, area)
    require_place(actor, "add", Scheme, area.path, f"no administrative area with code {area.code}")
    problems = []
    weights = {"grid_weight": grid_weight, "duty_weight": duty_weight}
    weights |= {"worker_weight": worker_weight, "bonus_cap": bonus_cap}
    for name, value in weights.items():
        if not isinstance(value, int) or not 0 <= value <= 100:
            problems.append(f"{name}: must be a whole number from 0 to 100")
    if not problems and grid_weight + duty_weight + worker_weight != 100:
        problems.append("grid_weight: grid, duty and worker weights must add up to 100")
    targets = {}
    for name, value in (
        ("grid_target", grid_target),
        ("duty_target", duty_target),
        ("worker_target", worker_target),
    ):
        targets[name] = _decimal(value, name, problems, Decimal("0.1"), Decimal(100000))
    known = sources.available()
    seen = set()
    for number, rule in enumerate(rules, start=1):
        source = rule.get("source")
        if source not in known:
            problems.append(f"rule {number}: source {source!r} is not one of {', '.join(known)}")
        elif source in seen:
            problems.append(f"rule {number}: source {source} appears twice")
        seen.add(source)
        _decimal(rule.get("points"), f"rule {number}: points", problems, -1000, 1000)
        if rule.get("component") not in Component.values:
            components = ", ".join(Component.values)
            problems.append(f"rule {number}: component must be one of {components}")
    if problems:
        raise InvalidInput(problems)
    latest = Scheme.objects.filter(area=area).order_by("-version").first()
    scheme = Scheme.objects.create(
        area=area,
        version=(latest.version + 1) if latest else 1,
        effective_from=compute.month_start(effective_from),
        note=note.strip()[:200],
        path=area.path,
        **weights,
        **targets,
    )
    for rule in rules:
        Rule.objects.create(
            scheme=scheme,
            source=rule["source"],
            points=Decimal(str(rule["points"])),
            component=rule["component"],
            path=area.path,
        )
    audit.record(
        actor,
        AuditAction.CREATE,
        scheme,
        after={**audit.snapshot(scheme), "rules": [audit.snapshot(r) for r in scheme.rules.all()]},
    )
    return scheme


def _published_over(path: str, month: dt.date) -> AssessmentPeriod | None:
    """A published period of ``month`` covering, or under, ``path``."""
    return (
        AssessmentPeriod.objects.filter(month=month, status=PeriodStatus.PUBLISHED)
        .filter(Q(path__in=compute.ancestors(path)) | path_q((path,)))
        .first()
    )


@transaction.atomic
def do_compute_points(actor, area: str, month: dt.date) -> PointRun:
    """Bring the month's ledger of an area in line with its records: append what new
    records earn, corrections where a record's worth changed and reversals where it no
    longer counts. Running it again appends nothing; it never edits an entry."""
    area = territory.get_area(actor, area)
    require_place(
        actor, "add", PointEntry, area.path, f"no administrative area with code {area.code}"
    )
    month = _month(month)
    published = _published_over(area.path, month)
    if published is not None:
        raise Conflict(f"{published}: the assessment is published; its month is closed")
    run = PointRun.objects.create(
        area=area, month=month, appended=0, created_by=actor, path=area.path
    )
    run.appended = compute.append_points(area.path, month, run.pk, actor.pk)
    run.save(update_fields=["appended"])
    audit.record(actor, AuditAction.CREATE, run)
    return run


@transaction.atomic
def do_adjust_points(actor, entry: PointEntry | int, points, note: str) -> PointEntry:
    """Staff correct an entry by hand: a new entry for the same record, with a reason."""
    entry = queries.get_entry(actor, entry)
    require_place(actor, "add", PointEntry, entry.path, f"no point entry with id {entry.pk}")
    problems = []
    points = _decimal(points, "points", problems, -1000, 1000)
    if not (note or "").strip():
        problems.append("note: say why the points are corrected")
    if points == 0:
        problems.append("points: a correction of 0 changes nothing")
    if problems:
        raise InvalidInput(problems)
    published = _published_over(entry.path, entry.month)
    if published is not None:
        raise Conflict(f"{published}: the assessment is published; its month is closed")
    adjustment = PointEntry.objects.create(
        worker_id=entry.worker_id,
        month=entry.month,
        source=entry.source,
        record_type=entry.record_type,
        record_id=entry.record_id,
        quantity=Decimal(0),
        points=points,
        kind=EntryKind.ADJUSTMENT,
        scheme=entry.scheme,
        corrects=entry,
        note=note.strip()[:200],
        created_by=actor,
        path=entry.path,
    )
    audit.record(actor, AuditAction.CREATE, adjustment)
    return adjustment


def balance(worker: Worker) -> Decimal:
    """Points earned (all months) less points redeemed."""
    earned = PointEntry.objects.filter(worker=worker).aggregate(s=Sum("points"))["s"] or 0
    spent = Redemption.objects.filter(worker=worker).aggregate(s=Sum("points"))["s"] or 0
    return (Decimal(earned) - Decimal(spent)).quantize(compute.CENT)


@transaction.atomic
def do_redeem(actor, worker: Worker | int, points, item: str) -> Redemption:
    """Spend a worker's points on recognition or a small reward; never beyond the balance."""
    worker = queries.get_worker(actor, worker)
    require_place(actor, "add", Redemption, worker.path, f"no worker with id {worker.pk}")
    Worker.objects.select_for_update().filter(pk=worker.pk).first()
    problems = []
    points = _decimal(points, "points", problems, Decimal("0.01"), Decimal(100000))
    item = (item or "").strip()
    if not 1 <= len(item) <= 100:
        problems.append("item: must be 1 to 100 characters")
    if problems:
        raise InvalidInput(problems)
    available = balance(worker)
    points = points.quantize(compute.CENT)
    if points > available:
        raise Conflict(f"worker {worker.name}: balance is {available}, not enough for {points}")
    redemption = Redemption.objects.create(
        worker=worker, points=points, item=item, created_by=actor, path=worker.path
    )
    audit.record(actor, AuditAction.CREATE, redemption)
    return redemption


# --- Assessment --------------------------------------------------------------------------


@transaction.atomic
def do_compute_assessment(actor, area: str, month: dt.date) -> AssessmentPeriod:
    """Compute (or recompute, while a draft) an area's assessment for a month."""
    area = territory.get_area(actor, area)
    require_place(
        actor, "add", AssessmentPeriod, area.path, f"no administrative area with code {area.code}"
    )
    month = _month(month)
    published = _published_over(area.path, month)
    if published is not None:
        raise Conflict(f"{published}: the assessment is published and cannot change")
    period, created = AssessmentPeriod.objects.get_or_create(
        area=area, month=month, defaults={"path": area.path}
    )
    before = None if created else audit.snapshot(period)
    period.results.all().delete()
    workers, grids = compute.assess(period.pk, area.path, month)
    period.computed_at = timezone.now()
    period.save()
    audit.record(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        period,
        before=before,
        reason=f"{workers} workers, {grids} grids",
    )
    return period


@transaction.atomic
def do_publish_assessment(actor, period: AssessmentPeriod | int) -> AssessmentPeriod:
    """Publish a computed period: from now on its results, and its month's points, are
    closed; disagreement goes through appeals."""
    period = queries.get_period(actor, period, "change")
    if period.status == PeriodStatus.PUBLISHED:
        raise Conflict(f"{period}: already published")
    if period.computed_at is None:
        raise InvalidInput(f"period: {period} has not been computed")
    before = audit.snapshot(period)
    period.status = PeriodStatus.PUBLISHED
    period.published_at = timezone.now()
    period.save(update_fields=["status", "published_at"])
    audit.record(actor, AuditAction.UPDATE, period, before=before)
    return period


@transaction.atomic
def do_file_appeal(actor, result: AssessmentResult | int, reason: str) -> Appeal:
    """A worker appeals their published result (staff may file for them)."""
    result = queries.get_result(actor, result)
    require_place(actor, "add", Appeal, result.path, f"no assessment result with id {result.pk}")
    if result.worker_id is None:
        raise InvalidInput("result: appeals are against a worker's result, not a grid's")
    _acts_for(actor, result.worker)
    if result.period.status != PeriodStatus.PUBLISHED:
        raise InvalidInput(f"result: {result.period} is not published yet")
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 2000:
        raise InvalidInput("reason: must be 2 to 2000 characters")
    if result.appeals.filter(status=AppealStatus.OPEN).exists():
        raise Conflict(f"result {result.pk}: an appeal is already open")
    appeal = Appeal.objects.create(result=result, reason=reason, filed_by=actor, path=result.path)
    audit.record(actor, AuditAction.CREATE, appeal)
    return appeal


@transaction.atomic
def do_decide_appeal(
    actor,
    appeal: Appeal | int,
    *,
    status: str,
    decision: str,
    corrected_total=None,
) -> Appeal:
    """Decide an appeal: upheld (with the corrected total) or rejected, with reasons."""
    appeal = queries.get_appeal(actor, appeal, "change")
    if appeal.status != AppealStatus.OPEN:
        raise Conflict(f"appeal {appeal.pk}: already decided")
    problems = []
    if status not in (AppealStatus.UPHELD, AppealStatus.REJECTED):
        problems.append("status: must be upheld or rejected")
    decision = (decision or "").strip()
    if not 2 <= len(decision) <= 2000:
        problems.append("decision: must be 2 to 2000 characters")
    total = None
    if status == AppealStatus.UPHELD:
        if corrected_total is None:
            problems.append("corrected_total: an upheld appeal gives the corrected total")
        else:
            total = _decimal(corrected_total, "corrected_total", problems, 0, 110)
    elif corrected_total is not None:
        problems.append("corrected_total: only an upheld appeal corrects the total")
    if problems:
        raise InvalidInput(problems)
    before = audit.snapshot(appeal)
    appeal.status = status
    appeal.decision = decision
    appeal.corrected_total = total
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.save()
    audit.record(actor, AuditAction.UPDATE, appeal, before=before)
    return appeal
