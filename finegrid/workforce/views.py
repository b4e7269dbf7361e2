"""Pages of training, points and assessment: the staff's overview, the trainer's check-in
screen, the worker's own phone page, results with their export, certificates as PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from finegrid.accounts.roles import STAFF_ROLES
from finegrid.accounts.scope import in_scope, path_q, scope_paths
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.territory import queries as territory
from finegrid.workforce import actions, export, queries, sources
from finegrid.workforce.models import AppealStatus, CourseKind, ResultKind


def _found(call, *args, **kwargs):
    """A query's NotFound as the 404 page: out of scope looks like missing."""
    try:
        return call(*args, **kwargs)
    except NotFound as error:
        raise Http404(str(error)) from None


def _problem(request, error) -> None:
    text = "; ".join(error.problems) if isinstance(error, InvalidInput) else str(error)
    messages.error(request, text)


@login_required
def index(request):
    """Staff overview: courses, upcoming and recent sessions, schemes, assessments."""
    user = request.user
    if not user.has_perm("workforce.view_course"):
        raise PermissionDenied
    return render(
        request,
        "workforce/index.html",
        {
            "courses": queries.courses(user).prefetch_related("materials")[:100],
            "sessions": queries.sessions(user).order_by("-starts_at")[:30],
            "schemes": queries.schemes(user)[:20],
            "periods": queries.periods(user)[:24],
            "open_appeals": queries.appeals(user).filter(status=AppealStatus.OPEN)[:50],
            "scopes": user.assignments.select_related("area", "grid"),
        },
    )


@login_required
def course_detail(request, pk: int):
    course = _found(queries.get_course, request.user, pk)
    posts = list(queries.my_posts(request.user).filter(end__isnull=True))
    return render(
        request,
        "workforce/course.html",
        {
            "course": course,
            "materials": course.materials.all(),
            "sessions": queries.sessions(request.user).filter(course=course),
            "questions": course.questions.order_by("number"),
            "posts": posts,
            "may_change": request.user.has_perm("workforce.change_course")
            and in_scope(request.user, course.path),
        },
    )


# --- Running training: courses, materials, sessions and quizzes, made on pages -------------

# The actions' problems (English, for the API and the command line) as each form says
# them next to its field: (how the problem starts, the field, what the page says).
FIELD_PROBLEMS = [
    (r"title:", "title", gettext_lazy("请填写名称，最多 100 个字")),
    (r"kind:", "kind", gettext_lazy("请选择岗前培训、专题培训或轮训")),
    (r"hours:", "hours", gettext_lazy("学时须在 0.5 至 200 之间")),
    (r"pass_mark:", "pass_mark", gettext_lazy("及格分须为 0 至 100 的整数")),
    (r"file: is empty", "file", gettext_lazy("请选择一个不为空的文件")),
    (r"file: larger", "file", gettext_lazy("文件不能超过 %(mb)s MB")),
    (r"starts_at: must be from", "starts_at", gettext_lazy("开始时间须在1900年至2999年之间")),
    (r"starts_at:", "starts_at", gettext_lazy("请填写开始时间")),
    (r"ends_at: not a time", "ends_at", gettext_lazy("请填写结束时间")),
    (r"ends_at: must be after", "ends_at", gettext_lazy("结束时间须晚于开始时间")),
    (r"ends_at: a session lasts", "ends_at", gettext_lazy("一个场次最长 7 天")),
    (r"place:", "place", gettext_lazy("请填写地点，最多 100 个字")),
    (r"trainer:", "trainer", gettext_lazy("请填写授课人，最多 50 个字")),
    (r"capacity:", "capacity", gettext_lazy("名额须为 1 至 10000 的整数")),
    (r"question (\d+): text", "text_{}", gettext_lazy("请填写题目，最多 300 个字")),
    (r"question (\d+): needs", "choices_{}", gettext_lazy("每行一个选项，共 2 至 6 个")),
    (r"question (\d+): answer", "answer_{}", gettext_lazy("正确选项须是上面选项的序号")),
]


def _field_errors(error: InvalidInput, slots: list[int] | None = None) -> dict[str, str]:
    """The page's message for each field the action found wrong; a problem no field is
    known for is kept, as said, under ``other``. Quiz problems name the n-th question
    sent, which is the form's slot ``slots[n - 1]``."""
    errors: dict[str, str] = {}
    for problem in error.problems:
        for start, field, text in FIELD_PROBLEMS:
            found = re.match(start, problem)
            if found:
                if found.groups():
                    field = field.format(slots[int(found.group(1)) - 1])
                errors.setdefault(field, str(text) % {"mb": actions.MATERIAL_MAX_BYTES // 2**20})
                break
        else:
            errors["other"] = "; ".join(filter(None, [errors.get("other"), problem]))
    return errors


def _course_to_change(request, pk: int, perm: str):
    """A course the user may change (404 out of scope, 403 for a role that may not), and
    may add ``perm`` to."""
    course = _found(queries.get_course, request.user, pk, "change")
    if not request.user.has_perm(perm):
        raise PermissionDenied
    return course


COURSE_FIELDS = ("title", "kind", "hours", "description", "pass_mark")


@login_required
def course_form(request, pk: int | None = None):
    """A new course of an area in the user's scope, or the edit of one (its area stays)."""
    user = request.user
    if pk is None:
        if not user.has_perm("workforce.add_course"):
            raise PermissionDenied
        course = None
    else:
        course = _course_to_change(request, pk, "workforce.change_course")
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in ("area", *COURSE_FIELDS)}
        fields = {name: values[name] for name in COURSE_FIELDS}
        try:
            if course is None:
                saved = _found(actions.do_create_course, user, values["area"].strip(), **fields)
            else:
                saved = _found(actions.do_update_course, user, course, **fields)
        except InvalidInput as error:
            errors = _field_errors(error)
        else:
            done = _("已创建课程：%(title)s") if course is None else _("已保存课程：%(title)s")
            messages.success(request, done % {"title": saved.title})
            return redirect("workforce-course", pk=saved.pk)
    elif course is None:
        first = user.assignments.filter(area__isnull=False).select_related("area").first()
        values = {"area": first.area.code if first else "", "kind": "", "pass_mark": 80}
    else:
        values = {name: getattr(course, name) for name in COURSE_FIELDS}
    paths = scope_paths(user)
    areas = territory.areas(user).order_by("path")
    if paths is not None:
        areas = areas.filter(path_q(paths)) if paths else areas.none()
    return render(
        request,
        "workforce/course_form.html",
        {
            "course": course,
            "values": values,
            "errors": errors,
            "kinds": CourseKind.choices,
            "areas": areas[:200],
        },
    )


@login_required
def material_form(request, pk: int):
    """Upload a file to a course, checked as the API checks it (not empty, at most 20 MB)."""
    course = _course_to_change(request, pk, "workforce.add_coursematerial")
    errors: dict[str, str] = {}
    title = request.POST.get("title", "")
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput("file: is empty")
            found = actions.do_add_material(request.user, course, title=title, file=upload)
        except InvalidInput as error:
            errors = _field_errors(error)
        else:
            messages.success(request, _("已上传资料：%(title)s") % {"title": found.title})
            return redirect("workforce-course", pk=course.pk)
    return render(
        request,
        "workforce/material_form.html",
        {
            "course": course,
            "title": title,
            "errors": errors,
            "max_mb": actions.MATERIAL_MAX_BYTES // 2**20,
        },
    )


def _local_time(text: str) -> dt.datetime | None:
    """A browser's datetime-local value (2026-12-03T09:00) in the site's time zone."""
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


SESSION_FIELDS = ("starts_at", "ends_at", "place", "trainer", "capacity")


@login_required
def session_form(request, pk: int):
    """Schedule a sitting of a course: when, where, who teaches, how many places."""
    course = _course_to_change(request, pk, "workforce.add_trainingsession")
    errors: dict[str, str] = {}
    values = {name: request.POST.get(name, "") for name in SESSION_FIELDS}
    if request.method == "POST":
        starts_at, ends_at = _local_time(values["starts_at"]), _local_time(values["ends_at"])
        times = {"starts_at": starts_at, "ends_at": ends_at}
        try:
            if None in times.values():
                raise InvalidInput([f"{n}: not a time" for n, t in times.items() if t is None])
            actions.do_schedule_session(
                request.user,
                course,
                starts_at=starts_at,
                ends_at=ends_at,
                place=values["place"],
                trainer=values["trainer"],
                capacity=values["capacity"],
            )
        except InvalidInput as error:
            errors = _field_errors(error)
        else:
            when = f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}"
            messages.success(request, _("已安排场次：%(when)s") % {"when": when})
            return redirect("workforce-course", pk=course.pk)
    return render(
        request,
        "workforce/session_form.html",
        {"course": course, "values": values, "errors": errors},
    )


QUIZ_BLANKS = 3  # empty question slots the quiz form offers beyond those written


@login_required
def quiz_form(request, pk: int):
    """Write a course's quiz and its pass mark: each question its text, its choices (one a
    line) and the number of the right one. A question left empty is dropped."""
    course = _course_to_change(request, pk, "workforce.add_quizquestion")
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST
        numbers = sorted(int(k[5:]) for k in form if re.fullmatch(r"text_\d{1,3}", k))
        slots = [
            {
                "slot": n,
                "text": form.get(f"text_{n}", ""),
                "choices": form.get(f"choices_{n}", ""),
                "answer": form.get(f"answer_{n}", ""),
            }
            for n in numbers
        ]
        pass_mark = form.get("pass_mark", "")
        written = [s for s in slots if s["text"].strip() or s["choices"].strip()]
        questions = [
            {
                "text": s["text"],
                "choices": [c.strip() for c in s["choices"].splitlines() if c.strip()],
                "answer": int(s["answer"]) - 1 if s["answer"].strip().isdigit() else None,
            }
            for s in written
        ]
        try:
            actions.do_set_quiz(request.user, course, questions, pass_mark=pass_mark)
        except InvalidInput as error:
            errors = _field_errors(error, [s["slot"] for s in written])
        else:
            messages.success(request, _("已保存测验：%(count)s 题") % {"count": len(questions)})
            return redirect("workforce-course", pk=course.pk)
    else:
        pass_mark = course.pass_mark
        slots = [
            {
                "slot": q.number,
                "text": q.text,
                "choices": "\n".join(q.choices),
                "answer": q.answer + 1,
            }
            for q in course.questions.order_by("number")
        ]
        slots += [
            {"slot": n, "text": "", "choices": "", "answer": ""}
            for n in range(len(slots) + 1, len(slots) + 1 + QUIZ_BLANKS)
        ]
    for slot in slots:
        slot["errors"] = {
            name: errors[f"{name}_{slot['slot']}"]
            for name in ("text", "choices", "answer")
            if f"{name}_{slot['slot']}" in errors
        }
    return render(
        request,
        "workforce/quiz_form.html",
        {"course": course, "slots": slots, "pass_mark": pass_mark, "errors": errors},
    )


@login_required
def material(request, pk: int):
    """A course file, only for readers of the course."""
    found = _found(queries.get_material, request.user, pk)
    return FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.file.name.rsplit("/", 1)[-1]
    )


@login_required
@require_POST
def take_quiz(request, pk: int):
    course = _found(queries.get_course, request.user, pk)
    post = queries.my_posts(request.user).filter(pk=request.POST.get("worker") or 0).first()
    if post is None:
        raise Http404("no worker post of yours")
    count = course.questions.count()
    try:
        answers = [int(request.POST.get(f"q{n}", "-1")) for n in range(1, count + 1)]
        attempt = actions.do_submit_quiz(request.user, course, post, answers)
    except (InvalidInput, Conflict, NotFound) as error:
        _problem(request, error)
    except ValueError:
        messages.error(request, _("请回答每一道题"))
    else:
        if attempt.passed:
            messages.success(request, _("测验通过，得分 %(score)s") % {"score": attempt.score})
        else:
            messages.error(request, _("未通过，得分 %(score)s") % {"score": attempt.score})
    return redirect("workforce-me")


def _trainer(request, pk: int):
    session = _found(queries.get_session, request.user, pk)
    if not request.user.has_perm("workforce.change_trainingsession"):
        raise PermissionDenied
    return session


@login_required
def check_in_screen(request, pk: int):
    """The trainer's screen: the session's current code as a QR code, refreshed by htmx."""
    session = _trainer(request, pk)
    return render(
        request,
        "workforce/checkin_screen.html",
        {
            "session": session,
            "refresh": max(5, actions.check_in_seconds() // 2),
            **_code_context(request, session),
        },
    )


@login_required
def check_in_code(request, pk: int):
    """The QR code alone (what the screen reloads)."""
    session = _trainer(request, pk)
    return render(request, "workforce/_code.html", _code_context(request, session))


def _code_context(request, session) -> dict:
    code, expires = actions.check_in_code(session, timezone.now())
    url = request.build_absolute_uri(reverse("workforce-check-in", args=[session.pk]))
    url = f"{url}?code={code}"
    svg = segno.make(url, error="m").svg_inline(scale=6, dark="#1f2933")
    return {
        "code": code,
        "expires": expires,
        "svg": svg,
        "attendance": session.enrolments.filter(attendance__isnull=False).count(),
        "enrolled": session.enrolments.count(),
    }


@login_required
def check_in(request, pk: int):
    """What a worker's phone opens when scanning the screen: confirm, and they are in."""
    session = _found(queries.get_session, request.user, pk)
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    if request.method == "POST":
        try:
            actions.do_check_in(request.user, session, code)
        except (InvalidInput, Conflict, NotFound) as error:
            _problem(request, error)
        else:
            messages.success(request, _("签到成功：%(title)s") % {"title": session.course.title})
            return redirect("workforce-me")
    return render(request, "workforce/checkin.html", {"session": session, "code": code})


@login_required
def me(request):
    """The worker's own page, made for a phone: posts, training, points, assessment."""
    user = request.user
    posts = list(queries.my_posts(user))
    if not posts:
        return render(request, "workforce/me.html", {"posts": []})
    current = [p for p in posts if p.end is None] or posts
    records = [queries.training_record(user, p) for p in current]
    points = [queries.points_of(user, p) for p in current]
    results = list(
        queries.results(user)
        .filter(worker__in=posts, kind=ResultKind.WORKER, period__status="published")
        .select_related("period__area")
        .prefetch_related("appeals")
        .order_by("-period__month")[:12]
    )
    upcoming = queries.sessions(user).filter(ends_at__gte=timezone.now()).order_by("starts_at")
    return render(
        request,
        "workforce/me.html",
        {
            "posts": posts,
            "records": records,
            "points": points,
            "results": results,
            "upcoming": upcoming[:10],
            "pending_quizzes": _pending_quizzes(records),
        },
    )


def _pending_quizzes(records) -> list:
    """Courses a worker attended whose quiz they have not passed yet."""
    pending = []
    for record in records:
        passed = {a.course_id for a in record.attempts if a.passed}
        for enrolment in record.enrolments:
            course = enrolment.session.course
            if (
                hasattr(enrolment, "attendance")
                and course.pk not in passed
                and course.questions.exists()
                and (record.worker, course) not in pending
            ):
                pending.append((record.worker, course))
    return pending


@login_required
@require_POST
def file_appeal(request, pk: int):
    result = _found(queries.get_result, request.user, pk)
    try:
        actions.do_file_appeal(request.user, result, request.POST.get("reason", ""))
    except (InvalidInput, Conflict, NotFound) as error:
        _problem(request, error)
    else:
        messages.success(request, _("申诉已提交"))
    return redirect(request.POST.get("next") or "workforce-me")


@login_required
def coverage(request, code: str):
    node = _found(territory.get_node, request.user, code)
    report = queries.training_coverage(request.user, node)
    return render(
        request,
        "workforce/coverage.html",
        {"node": node, "report": report, "days": queries.induction_days()},
    )


@login_required
def assessment(request, pk: int):
    period = _found(queries.get_period, request.user, pk)
    results = queries.results(request.user).filter(period=period).order_by("rank_street", "path")
    return render(
        request,
        "workforce/assessment.html",
        {
            "period": period,
            "grids": results.filter(kind=ResultKind.GRID),
            "workers": results.filter(kind=ResultKind.WORKER),
            "appeals": queries.appeals(request.user).filter(result__period=period),
            "may_decide": request.user.has_perm("workforce.change_appeal"),
            "may_publish": request.user.has_perm("workforce.change_assessmentperiod")
            and in_scope(request.user, period.path),
        },
    )


@login_required
@require_POST
def decide_appeal(request, pk: int):
    appeal = _found(queries.get_appeal, request.user, pk)
    try:
        actions.do_decide_appeal(
            request.user,
            appeal,
            status=request.POST.get("status", ""),
            decision=request.POST.get("decision", ""),
            corrected_total=request.POST.get("corrected_total") or None,
        )
    except (InvalidInput, Conflict, NotFound) as error:
        _problem(request, error)
    return redirect("workforce-assessment", pk=appeal.result.period_id)


@login_required
def assessment_export(request, pk: int):
    period = _found(queries.get_period, request.user, pk)
    content = export.assessment_xlsx(request.user, period)
    response = HttpResponse(content, content_type=export.XLSX)
    name = f"assessment-{period.area.code}-{period.month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def certificate(request, pk: int):
    """A certificate as PDF (WeasyPrint), for readers of the worker."""
    found = _found(queries.get_certificate, request.user, pk)
    from weasyprint import HTML

    html = render_to_string("workforce/certificate.html", {"certificate": found})
    pdf = HTML(string=html).write_pdf()
    response = FileResponse(io.BytesIO(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.number}.pdf"'
    return response


@login_required
def cockpit_panel(request, code: str):
    """The workforce panel of the cockpit, loaded by htmx."""
    if request.user.role not in STAFF_ROLES and not request.user.is_superuser:
        raise Http404
    node = _found(territory.get_node, request.user, code)
    return render(
        request,
        "workforce/_cockpit.html",
        {"node": node, "figures": queries.cockpit(request.user, node)},
    )


# --- Points: a worker's ledger, redemptions (兑换) and corrections (更正) -------------------


@login_required
def points_list(request):
    """Staff: the workers in scope with their points of a month and balance, by area."""
    user = request.user
    if not user.has_perm("workforce.view_pointentry") or not user.has_perm("org.view_worker"):
        raise PermissionDenied
    code = (request.GET.get("area") or "").strip()
    node = _found(territory.get_node, user, code) if code else None
    month = _month_param(request.GET.get("month"))
    page = queries.points_table(user, node, month).get_page(request.GET.get("page"))
    for worker in page:
        worker.balance = worker.earned - worker.spent
    return render(
        request,
        "workforce/points.html",
        {"page": page, "node": node, "month": month, "area": code},
    )


def _month_param(text: str | None) -> dt.date:
    """The month asked for; this month when none is, or not a month like 2026-11."""
    try:
        return _form_month(text, "month")
    except InvalidInput:
        return timezone.localdate().replace(day=1)


@login_required
def worker_points(request, pk: int):
    """Staff: one worker's ledger, each entry with the record that earned it, their
    redemptions and balance; forms to redeem points and to correct an entry."""
    user = request.user
    if user.role not in STAFF_ROLES and not user.is_superuser:
        raise Http404
    worker = _found(queries.get_worker, user, pk)
    if not user.has_perm("workforce.view_pointentry"):
        raise PermissionDenied
    return render(
        request,
        "workforce/worker_points.html",
        {
            "points": queries.points_of(user, worker),
            "may_redeem": user.has_perm("workforce.add_redemption"),
            "may_adjust": user.has_perm("workforce.add_pointentry"),
        },
    )


@login_required
@require_POST
def redeem(request, pk: int):
    worker = _found(queries.get_worker, request.user, pk)
    try:
        done = _found(
            actions.do_redeem,
            request.user,
            worker,
            request.POST.get("points", ""),
            request.POST.get("item", ""),
        )
    except (InvalidInput, Conflict) as error:
        _problem(request, error)
    else:
        messages.success(
            request,
            _("已兑换 %(points)s 积分：%(item)s") % {"points": done.points, "item": done.item},
        )
    return redirect("workforce-worker-points", pk=worker.pk)


@login_required
@require_POST
def adjust(request, pk: int):
    entry = _found(queries.get_entry, request.user, pk)
    try:
        _found(
            actions.do_adjust_points,
            request.user,
            entry,
            request.POST.get("points", ""),
            request.POST.get("note", ""),
        )
    except (InvalidInput, Conflict) as error:
        _problem(request, error)
    else:
        messages.success(request, _("已更正条目 %(pk)s") % {"pk": entry.pk})
    return redirect("workforce-worker-points", pk=entry.worker_id)


# --- Schemes: the points rule table and assessment weights, as versions -------------------


@login_required
def schemes(request):
    """Every version of every scheme in scope, the latest first within each area."""
    user = request.user
    if not user.has_perm("workforce.view_scheme"):
        raise PermissionDenied
    labels = {name: source.label for name, source in sources.available().items()}
    found = list(queries.schemes(user).order_by("path", "-version"))
    for scheme in found:
        scheme.rule_rows = [(labels.get(r.source, r.source), r) for r in scheme.rules.all()]
    return render(
        request,
        "workforce/schemes.html",
        {"schemes": found, "may_add": user.has_perm("workforce.add_scheme")},
    )


@login_required
def scheme_new(request):
    """A new version of an area's scheme, starting from a version in scope (``from``):
    versions are never edited, the new one applies from its month on."""
    user = request.user
    if not user.has_perm("workforce.add_scheme"):
        raise PermissionDenied
    base = None
    if request.GET.get("from"):
        try:
            base = _found(queries.get_scheme, user, int(request.GET["from"]))
        except ValueError:
            raise Http404("no scheme") from None
    available = sources.available()
    if request.method == "POST":
        form = request.POST
        rules = []
        for name in available:
            points = (form.get(f"points_{name}") or "").strip()
            if points:
                component = form.get(f"component_{name}", "")
                rules.append({"source": name, "points": points, "component": component})
        try:
            scheme = _found(
                actions.do_create_scheme,
                user,
                (form.get("area") or "").strip(),
                effective_from=_form_month(form.get("effective_from")),
                rules=rules,
                note=form.get("note", ""),
                **{name: _whole(form.get(name)) for name in actions.SCHEME_WEIGHTS},
                **{name: (form.get(name) or "").strip() for name in actions.SCHEME_TARGETS},
            )
        except (InvalidInput, Conflict) as error:
            _problem(request, error)
            values = {k: form.get(k, "") for k in form}
        else:
            messages.success(request, _("已创建 %(scheme)s") % {"scheme": scheme})
            return redirect("workforce-schemes")
    else:
        values = _scheme_values(base)
    rows = [
        {
            "name": name,
            "label": source.label,
            "points": values.get(f"points_{name}", ""),
            "component": values.get(f"component_{name}", ""),
        }
        for name, source in available.items()
    ]
    from finegrid.workforce.models import Component

    return render(
        request,
        "workforce/scheme_form.html",
        {"base": base, "values": values, "rows": rows, "components": Component.choices},
    )


def _form_month(text: str | None, field: str = "effective_from"):
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a month like 2026-11") from None


def _whole(text: str | None):
    try:
        return int((text or "").strip())
    except ValueError:
        return text  # the action names the field


def _scheme_values(base) -> dict:
    if base is None:
        return {
            "grid_weight": 50,
            "duty_weight": 30,
            "worker_weight": 20,
            "bonus_cap": 10,
            "grid_target": 100,
            "duty_target": 60,
            "worker_target": 20,
            "effective_from": f"{timezone.localdate():%Y-%m}",
        }
    values = {name: getattr(base, name) for name in actions.SCHEME_WEIGHTS}
    values |= {name: getattr(base, name) for name in actions.SCHEME_TARGETS}
    values |= {"area": base.area.code, "note": base.note}
    values["effective_from"] = f"{timezone.localdate():%Y-%m}"
    for rule in base.rules.all():
        values[f"points_{rule.source}"] = rule.points
        values[f"component_{rule.source}"] = rule.component
    return values


# --- Computing and publishing a month --------------------------------------------------------


@login_required
@require_POST
def compute_month(request):
    """Staff compute an area's points of a month, then (``assess``) its assessment."""
    user, form = request.user, request.POST
    code = (form.get("area") or "").strip()
    try:
        month = _form_month(form.get("month"), "month")
        run = _found(actions.do_compute_points, user, code, month)
        if form.get("assess"):
            period = _found(actions.do_compute_assessment, user, code, month)
    except (InvalidInput, Conflict) as error:
        _problem(request, error)
        return redirect("workforce")
    messages.success(
        request, _("%(run)s：新增积分条目 %(count)s 条") % {"run": run, "count": run.appended}
    )
    if form.get("assess"):
        return redirect("workforce-assessment", pk=period.pk)
    return redirect("workforce")


@login_required
@require_POST
def publish(request, pk: int):
    period = _found(queries.get_period, request.user, pk)
    try:
        _found(actions.do_publish_assessment, request.user, period)
    except (InvalidInput, Conflict) as error:
        _problem(request, error)
    else:
        messages.success(request, _("已发布：%(period)s") % {"period": period})
    return redirect("workforce-assessment", pk=period.pk)
