"""Pages of campaigns: the list, launching, the worker's doors (offline-capable), live
progress with its map, and the closing report. Views read through queries and change
through actions."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finegrid.campaigns import actions, queries, report
from finegrid.campaigns.models import FINAL, AnswerType, Outcome
from finegrid.errors import InvalidInput
from finegrid.org.models import Worker

ALERTS_SHOWN = 50


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


@login_required
def campaign_list(request):
    user = request.user
    _require(user, "campaigns.view_campaign")
    found = queries.campaigns(user).order_by("-start")[:50]
    mine = set(
        queries.assignments(user)
        .filter(worker__user=user, campaign__in=[c.pk for c in found])
        .values_list("campaign_id", flat=True)
    )
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": [(c, c.pk in mine) for c in found],
            "notices": queries.notices(user),
            "may_launch": user.has_perm("campaigns.add_campaign"),
        },
    )


# Checklist lines of the launch form: "问题" is a yes/no question; "数字:问题", "文字:问题"
# and "单选:问题=甲/乙/丙" the other types.
PREFIXES = {"数字": AnswerType.NUMBER, "文字": AnswerType.TEXT, "单选": AnswerType.CHOICE}


def parse_checklist(text: str) -> list[dict]:
    questions = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        kind = AnswerType.YES_NO
        head, colon, rest = line.replace("：", ":").partition(":")
        if colon and head.strip() in PREFIXES:
            kind, line = PREFIXES[head.strip()], rest.strip()
        choices = []
        if kind == AnswerType.CHOICE:
            line, _, options = line.partition("=")
            choices = [o.strip() for o in options.split("/") if o.strip()]
        questions.append({"question": line.strip(), "type": kind, "choices": choices})
    return questions


@login_required
def launch(request):
    user = request.user
    _require(user, "campaigns.add_campaign")
    values = request.POST if request.method == "POST" else {}
    problems = []
    if request.method == "POST":
        try:
            start = values.get("start") or None
            campaign = actions.do_launch_campaign(
                user,
                scope=values.get("scope", "").strip(),
                title=values.get("title", ""),
                purpose=values.get("purpose", ""),
                script=values.get("script", ""),
                checklist=parse_checklist(values.get("checklist", "")),
                start=dt.datetime.fromisoformat(start) if start else None,
                hours=float(values.get("hours") or 3),
                vulnerable_first=bool(values.get("vulnerable_first")),
            )
        except InvalidInput as error:
            problems = error.problems
        except ValueError:
            problems = [_("开始时间或时长格式不正确")]
        else:
            flagged = actions.flagged_grids(campaign)
            if flagged:
                messages.warning(
                    request,
                    _("以下网格没有在岗网格员，请尽快安排：%(codes)s")
                    % {"codes": "、".join(s.grid.code for s in flagged)},
                )
            return redirect("campaign-detail", pk=campaign.pk)
    scopes = list(user.assignments.select_related("area", "grid"))
    return render(
        request,
        "campaigns/launch.html",
        {
            "values": values,
            "problems": problems,
            "default_scope": (scopes[0].area or scopes[0].grid).code if scopes else "",
        },
    )


@login_required
def detail(request, pk: int):
    """Live progress: figures by level, the map, alerts with reassignment."""
    user = request.user
    campaign = queries.get_campaign(user, pk)
    node = request.GET.get("grid") or None
    open_alerts = queries.alerts(user, campaign).filter(resolved_at__isnull=True)
    # The latest first, a page of them: a street's campaign can raise a thousand.
    alerts = list(open_alerts.order_by("-raised_at", "section__path")[:ALERTS_SHOWN])
    neighbours = {}
    if user.has_perm("campaigns.change_assignment"):
        for alert in alerts:
            grid = alert.section.grid
            neighbours[alert.pk] = list(
                Worker.objects.restrict(user)
                .active()
                .filter(grid__community_id=grid.community_id)
                .filter(grid__parent_id=grid.parent_id)
                .exclude(grid_id=grid.pk)
                .select_related("grid")
                .order_by("grid__code")[:20]
            ) + list(Worker.objects.restrict(user).active().filter(grid_id=grid.parent_id))
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "node": node,
            "progress": queries.progress(user, campaign, node),
            "alerts": [(a, neighbours.get(a.pk, [])) for a in alerts],
            "alerts_total": open_alerts.count(),
            "may_close": campaign.is_open and user.has_perm("campaigns.change_campaign"),
            "has_doors": queries.assignments(user)
            .filter(campaign=campaign, worker__user=user)
            .exists(),
            "map_settings": {"grids": reverse("api:section_states", args=[campaign.pk])},
        },
    )


@login_required
def live(request, pk: int):
    """The figures table alone, for htmx to swap in every few seconds."""
    campaign = queries.get_campaign(request.user, pk)
    node = request.GET.get("grid") or None
    return render(
        request,
        "campaigns/_progress.html",
        {
            "campaign": campaign,
            "node": node,
            "progress": queries.progress(request.user, campaign, node),
        },
    )


@login_required
def grids_geojson(request, pk: int):
    """The boundaries of the campaign's micro-grids in the reader's scope, drawn once; the
    map then polls their states."""
    campaign = queries.get_campaign(request.user, pk)
    rows = (
        queries.sections(request.user, campaign)
        .exclude(grid__geometry="")
        .values_list("grid__code", "grid__geometry")
    )
    features = ",".join(
        f'{{"type":"Feature","properties":{{"code":{json.dumps(code)}}},"geometry":{geometry}}}'
        for code, geometry in rows
    )
    return HttpResponse(
        f'{{"type":"FeatureCollection","features":[{features}]}}',
        content_type="application/geo+json",
    )


@login_required
def doors(request, pk: int):
    """The worker's page at the doors: households in visiting order, one tap an outcome."""
    user = request.user
    campaign = queries.get_campaign(user, pk)
    _require(user, "campaigns.add_visit")
    mine = list(queries.my_doors(user, campaign))
    past = queries.history(campaign, [a.pk for a in mine])
    done = sum(a.outcome in FINAL for a in mine)
    return render(
        request,
        "campaigns/doors.html",
        {
            "campaign": campaign,
            "doors": [(a, past.get(a.pk, [])) for a in mine],
            "done": done,
            "outcomes": Outcome.choices,
            "final_json": json.dumps(sorted(FINAL)),
        },
    )


def service_worker(request):
    """The service worker that keeps the doors page and its assets for offline use; served
    from /campaigns/ so that it may control the pages below it."""
    body = render_to_string("campaigns/sw.js", {"version": _asset_version()})
    response = HttpResponse(body, content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def _asset_version() -> str:
    from finegrid import __version__

    return __version__


@login_required
def report_page(request, pk: int):
    campaign = queries.get_campaign(request.user, pk)
    return render(request, "campaigns/report.html", report.build(request.user, campaign))


@login_required
def report_xlsx(request, pk: int):
    campaign = queries.get_campaign(request.user, pk)
    response = HttpResponse(
        report.workbook(request.user, campaign),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.xlsx"'
    return response


@login_required
@require_POST
def close(request, pk: int):
    actions.do_close_campaign(request.user, pk)
    messages.success(request, _("动员任务已结束"))
    return redirect("campaign-report", pk=pk)


@login_required
@require_POST
def reassign(request, pk: int):
    worker = request.POST.get("worker", "")
    grid = request.POST.get("grid", "")
    if not worker.isdecimal():
        messages.error(request, _("请选择接手的网格员"))
    else:
        try:
            moved = actions.do_reassign(request.user, pk, grid=grid, worker=int(worker))
        except InvalidInput as error:
            messages.error(request, "；".join(error.problems))
        else:
            messages.success(request, _("已转派 %(count)d 户") % {"count": moved})
    return redirect("campaign-detail", pk=pk)
