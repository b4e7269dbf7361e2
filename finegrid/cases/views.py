"""Case pages: the list and figures, a case's timeline and its next steps, intake for
residents, workers and hotline staff, the compound group, units and duty lists."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finegrid.accounts.roles import Role
from finegrid.cases import actions, dutylists, figures, hotline, queries
from finegrid.cases.actions import STEP_PERMISSION, TRANSITIONS
from finegrid.cases.models import (
    OPEN_STATUSES,
    Case,
    CasePhoto,
    Category,
    Channel,
    Response,
    Satisfaction,
    Status,
    StepKind,
    Unit,
    UnitKind,
    Urgency,
    WhistleCall,
)
from finegrid.clock import FIRST_YEAR, LAST_YEAR
from finegrid.downloads import attachment
from finegrid.errors import InvalidInput, NotFound
from finegrid.people import protect
from finegrid.people.models import Household
from finegrid.territory import queries as territory


def reporter_visible(user, case: Case) -> bool:
    """Staff and workers always see who reported; other residents and partners do not
    see a reporter who asked to stay anonymous."""
    if not case.anonymous or user is None:
        return True
    if case.reporter_id is not None and case.reporter_id == getattr(user, "pk", None):
        return True
    return getattr(user, "role", None) not in (Role.RESIDENT, Role.PARTNER)


def _floats(request, *names):
    values = []
    for name in names:
        raw = (request.POST.get(name) or "").strip()
        try:
            values.append(float(raw) if raw else None)
        except ValueError:
            raise InvalidInput(f"{name}: not a number") from None
    return values


def _day(request, name: str, *, after: bool = False) -> dt.datetime | None:
    """A date field of the filter form as the local midnight that starts it (``after``:
    that ends it, so the period includes the day)."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("%(field)s：日期格式应为 YYYY-MM-DD") % {"field": name}) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(_("%(field)s：日期须在1900年至2999年之间") % {"field": name})
    if after:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _filtered_cases(request):
    """The cases the list page's filters select: what the page lists and counts, and what
    its figures and Excel export count."""
    user = request.user
    area = request.GET.get("area", "")
    return queries.filter_cases(
        queries.cases(user),
        status=request.GET.get("status") or None,
        category=request.GET.get("category") or None,
        overdue=True if request.GET.get("overdue") else None,
        open_only=bool(request.GET.get("open")),
        path=territory.get_node(user, area).path if area else None,
        since=_day(request, "since"),
        until=_day(request, "until", after=True),
        text=(request.GET.get("q") or "")[:100] or None,
    )


def _filters(request):
    """The list's query string without its position, for links that keep the filters."""
    query = request.GET.copy()
    query.pop("cursor", None)
    return query


def _with_cursor(request, cursor: str | None) -> str | None:
    """This page's address with the filters kept and ``cursor`` in place of its own."""
    if cursor is None:
        return None
    query = _filters(request)
    query["cursor"] = cursor
    return f"?{query.urlencode()}"


CASES_A_PAGE = 50


@login_required
def case_list(request):
    """Cases newest first, a page at a time; the figures have their own page, since
    they add up every case the filters select."""
    user = request.user
    if not user.has_perm("cases.view_case"):
        raise PermissionDenied
    cursor = request.GET.get("cursor") or None
    page = queries.page_cases(_filtered_cases(request), size=CASES_A_PAGE, cursor=cursor)
    my_units = list(Unit.objects.filter(members=user).order_by("name"))
    return render(
        request,
        "cases/list.html",
        {
            "my_units": my_units,
            "calls": _pending_calls(user, my_units) if my_units else [],
            "page": page,
            "next_url": _with_cursor(request, page.next),
            "previous_url": _with_cursor(request, page.previous),
            "filters": _filters(request).urlencode(),
            "statuses": Status.choices,
            "categories": Category.choices,
            "chosen": request.GET,
        },
    )


@login_required
def case_figures(request):
    """受理量, 响应率, 按期结案率 … of the cases the list's filters select."""
    if not request.user.has_perm("cases.view_case"):
        raise PermissionDenied
    rates = figures.rates(_filtered_cases(request))
    return render(
        request, "cases/figures.html", {"rates": rates, "filters": _filters(request).urlencode()}
    )


def _pending_calls(user, units):
    """Whistle calls of ``units`` not yet reported, on open cases the user sees (a
    department's 待报到 list)."""
    return (
        WhistleCall.objects.filter(
            unit__in=units,
            reported_at__isnull=True,
            whistle__case__in=queries.cases(user).filter(status__in=OPEN_STATUSES).values("pk"),
        )
        .select_related("unit", "whistle__case")
        .order_by("due_at", "pk")
    )


def _handles(user, case: Case) -> bool:
    try:
        actions._require_handler(user, case)
    except PermissionDenied:
        return False
    return True


def _available_steps(user, case: Case) -> list[tuple[str, str]]:
    steps = []
    handles = None
    for (status, kind), _after in TRANSITIONS.items():
        if (
            status == case.status
            and kind in STEP_PERMISSION
            and user.has_perm(STEP_PERMISSION[kind])
            and kind != StepKind.MERGE
        ):
            if kind in actions.HANDLER_STEPS:
                # A department summoned by a whistle sees the case but does not handle it.
                handles = _handles(user, case) if handles is None else handles
                if not handles:
                    continue
            steps.append((kind, StepKind(kind).label))
    if case.status == Status.SUSPENDED and user.has_perm(STEP_PERMISSION[StepKind.RESUME]):
        steps.append((StepKind.RESUME, StepKind.RESUME.label))
    return steps


@login_required
def case_detail(request, pk: int):
    user = request.user
    case = actions.get_case(user, pk)
    units = []
    if user.has_perm("cases.dispatch_case"):
        from finegrid.cases import routing

        units = list(routing.units_for(case).order_by("kind", "name"))
    calls = [
        call
        for whistle in case.whistles.prefetch_related("calls__unit")
        for call in whistle.calls.all()
    ]
    my_units = set(Unit.objects.filter(members=user).values_list("pk", flat=True))
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "steps": queries.timeline(user, case),
            "photos": CasePhoto.objects.filter(case=case),
            "available": _available_steps(user, case),
            "units": units,
            "departments": [
                u for u in units if u.kind in (UnitKind.DEPARTMENT, UnitKind.STREET_OFFICE)
            ],
            "can_whistle": user.has_perm("cases.whistle_case") and case.is_open,
            "calls": calls,
            "my_units": my_units,
            "responses": Response.choices,
            "duplicates": queries.duplicates(user, case) if case.is_open else [],
            "can_rate": case.status == Status.CLOSED
            and not case.satisfaction
            and (
                case.reporter_id == user.pk
                or (case.household_id and case.household.members.filter(user=user).exists())
            ),
            "satisfactions": Satisfaction.choices,
            "show_reporter": reporter_visible(user, case),
            "illustrative": bool(case.duty_item_id and case.duty_item.illustrative),
        },
    )


@login_required
@require_POST
def case_step(request, pk: int):
    kind = request.POST.get("kind", "")
    unit = request.POST.get("unit") or None
    if unit is not None and not unit.isdecimal():
        raise InvalidInput("unit: choose a unit")
    actions.do_step(
        request.user,
        pk,
        kind,
        note=request.POST.get("note", ""),
        unit=int(unit) if unit else None,
        photos=request.FILES.getlist("photos"),
    )
    return redirect("case-detail", pk=pk)


@login_required
@require_POST
def case_rate(request, pk: int):
    actions.do_rate_case(
        request.user, pk, request.POST.get("satisfaction", ""), note=request.POST.get("note", "")
    )
    messages.success(request, _("感谢您的评价。"))
    return redirect("case-detail", pk=pk)


@login_required
@require_POST
def case_merge(request, pk: int):
    into = request.POST.get("into", "")
    case = actions.do_merge_case(request.user, pk, int(into) if into.isdecimal() else into)
    return redirect("case-detail", pk=case.duplicate_of_id or pk)


@login_required
@require_POST
def case_whistle(request, pk: int):
    units = [int(u) for u in request.POST.getlist("units") if u.isdecimal()]
    actions.do_whistle_case(request.user, pk, units, note=request.POST.get("note", ""))
    return redirect("case-detail", pk=pk)


@login_required
@require_POST
def whistle_report(request, pk: int, call: int):
    actions.do_report_whistle(request.user, call, request.POST.get("report", ""))
    return redirect("case-detail", pk=pk)


@login_required
@require_POST
def whistle_rate(request, pk: int, call: int):
    actions.do_rate_whistle(request.user, call, request.POST.get("rating", ""))
    return redirect("case-detail", pk=pk)


@login_required
def photo(request, pk: int):
    """A case's photo, for those who may see the case (out of scope: 404)."""
    found = CasePhoto.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    try:
        actions.get_case(request.user, found.case_id)
    except NotFound:
        raise Http404 from None
    return FileResponse(found.image.open("rb"), content_type=found.content_type)


# --- Intake ------------------------------------------------------------------------------


def resident_context(user) -> dict:
    """What a resident's own page shows about problems: their cases and their workers'
    work phones in full (a public contact of the post, shown to the residents of the grid)."""
    from finegrid.org.queries import serving

    household = Household.objects.filter(members__user=user).first()
    workers = list(serving(household)) if household else []
    return {
        "my_cases": queries.cases(user).order_by("-opened_at")[:20],
        "work_contacts": [
            (w.get_role_display(), w.name, protect.decrypt(w.phone_enc) if w.phone_enc else "")
            for w in workers
        ],
        "categories": Category.choices,
        "compound": household.dwelling.building.compound if household else None,
    }


def _pin_bounds(user) -> dict | None:
    """The resident's community (or its grids) as GeoJSON: where the map pin may go."""
    from shapely.geometry import mapping

    household = actions._own_household(user)
    if household is None:
        return None
    bounds = actions.resident_bounds(household.community)
    return mapping(bounds) if bounds is not None else None


@login_required
def raise_case(request):
    """Raise a problem: a resident for their household (up to 3 photos, a map pin), a
    worker for a household of their grid (from a route sheet), staff for a hotline call."""
    user = request.user
    if not user.has_perm("cases.add_case"):
        raise PermissionDenied
    resident = user.role == Role.RESIDENT
    context = {
        "categories": Category.choices,
        "urgencies": Urgency.choices,
        "resident": resident,
        "hotline": user.has_perm("cases.dispatch_case"),
        "household": request.GET.get("household", ""),
        "communities": [] if resident else territory.areas(user).filter(level="community"),
    }
    if request.method == "POST":
        post = request.POST
        try:
            lon, lat = _floats(request, "lon", "lat")
            household = post.get("household") or None
            channel = Channel.RESIDENT if resident else post.get("channel") or Channel.WORKER
            case = actions.do_open_case(
                user,
                category=post.get("category", ""),
                text=post.get("text", ""),
                channel=channel,
                household=int(household) if household and household.isdecimal() else household,
                community=post.get("community") or None if not household else None,
                urgency=post.get("urgency") or None,
                lon=lon,
                lat=lat,
                reporter_name=post.get("reporter_name", ""),
                reporter_phone=post.get("reporter_phone", ""),
                anonymous=bool(post.get("anonymous")),
                source=post.get("source", "")[:100],
                photos=request.FILES.getlist("photos"),
            )
        except (InvalidInput, NotFound) as error:
            context["problems"] = getattr(error, "problems", [str(error)])
            context["posted"] = post
        else:
            messages.success(request, _("已登记，编号 %(ref)s。") % {"ref": case.ref})
            return redirect("case-detail", pk=case.pk)
    if resident:
        context["pin_bounds"] = _pin_bounds(user)
    return render(request, "cases/raise.html", context)


@login_required
def hotline_import(request):
    """Bulk import of a 12345 hotline export: all rows or none, problems by row and column."""
    if not request.user.has_perm("cases.dispatch_case"):
        raise PermissionDenied
    context = {"columns": hotline.COLUMNS}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput("file: choose a hotline export (.xlsx or .csv)")
            rows = hotline.read(upload.name, upload.read())
            context["created"] = hotline.do_import_hotline(request.user, rows)
        except (InvalidInput, NotFound) as error:
            context["problems"] = getattr(error, "problems", [str(error)])
    return render(request, "cases/hotline.html", context)


# --- The compound group ----------------------------------------------------------------


@login_required
def stream(request, compound: int):
    user = request.user
    found = actions.get_stream_compound(user, compound)
    if request.method == "POST":
        actions.do_post_message(user, found, request.POST.get("text", ""))
        return redirect("case-stream", compound=found.pk)
    return render(
        request,
        "cases/stream.html",
        {
            "compound": found,
            "messages_": queries.stream(user, found)[:100],
            "categories": Category.choices,
            "can_make_case": user.has_perm("cases.dispatch_case"),
        },
    )


@login_required
@require_POST
def message_case(request, message: int):
    case = actions.do_case_from_message(
        request.user, message, category=request.POST.get("category", "")
    )
    return redirect("case-detail", pk=case.pk)


@login_required
def streams(request):
    compounds = actions.stream_compounds(request.user).order_by("path", "name")[:200]
    return render(request, "cases/streams.html", {"compounds": compounds})


# --- Units and duty lists ----------------------------------------------------------------


@login_required
def duty_lists(request):
    user = request.user
    if not user.has_perm("cases.view_dutyitem"):
        raise PermissionDenied
    items = queries.duty_items(user, current=not request.GET.get("history")).order_by(
        "list", "code", "-version"
    )
    units = queries.units(user)
    context = {
        "items": items,
        "units": units,
        "illustrative": items.filter(illustrative=True).exists()
        or units.filter(illustrative=True).exists(),
        "areas": territory.areas(user).filter(level__in=["district", "street"]).order_by("code"),
        "history": bool(request.GET.get("history")),
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput("file: choose a workbook (.xlsx)")
            unit_rows, item_rows = dutylists.read_workbook(upload.read())
            context["report"] = dutylists.do_import_duty_lists(
                user, request.POST.get("area", ""), unit_rows, item_rows
            )
        except (InvalidInput, NotFound) as error:
            context["problems"] = getattr(error, "problems", [str(error)])
    return render(request, "cases/lists.html", context)


@login_required
def duty_lists_template(request):
    return attachment(dutylists.template(), "清单模板.xlsx")


@login_required
def duty_lists_export(request, code: str):
    unit_rows, item_rows = dutylists.export_rows(request.user, code, history=True)
    illustrative = queries.duty_items(request.user).filter(illustrative=True).exists()
    return attachment(
        dutylists.workbook_bytes(unit_rows, item_rows, illustrative=illustrative),
        f"清单-{code}.xlsx",
    )


@login_required
def figures_export(request):
    """Figures per grid, per unit and of 吹哨报到 for the cases the list page's filters
    select (a period among them), as a workbook named after the period."""
    from finegrid.cases.report import figures_workbook

    if not request.user.has_perm("cases.view_case"):
        raise PermissionDenied
    period = "至".join(
        request.GET[name].strip() for name in ("since", "until") if request.GET.get(name)
    )
    name = f"事件统计-{period}.xlsx" if period else "事件统计.xlsx"
    return attachment(figures_workbook(request.user, _filtered_cases(request)), name)
