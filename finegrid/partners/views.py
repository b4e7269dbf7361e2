"""Pages of co-governance, and the public pages of published accounts (no login)."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from finegrid.partners import actions, queries
from finegrid.partners.models import (
    QUALIFIED_MATTERS,
    AssemblyVote,
    Award,
    CommitteeTerm,
    EntryKind,
    Ledger,
    PartnerKind,
    PartnerRecord,
    Service,
)
from finegrid.territory import queries as territory

CHECK_LABELS = {
    "participating_area": _("参与表决的专有部分面积"),
    "participating_owners": _("参与表决的业主人数"),
    "consenting_area": _("同意的专有部分面积（占参与表决）"),
    "consenting_owners": _("同意的业主人数（占参与表决）"),
}


@login_required
def index(request):
    """Partners in scope, by kind, with the co-governance figures."""
    kind = request.GET.get("kind", "")
    partners = queries.partners(request.user).order_by("kind", "name")
    if kind in PartnerKind.values:
        partners = partners.filter(kind=kind)
    return render(
        request,
        "partners/index.html",
        {
            "partners": partners[:500],
            "kinds": PartnerKind.choices,
            "kind": kind,
            "figures": queries.cockpit(request.user),
            "periods": queries.periods(request.user)[:20],
            "offers": queries.offers(request.user).select_related("award__partner")[:50],
        },
    )


@login_required
def cockpit_card(request):
    """The co-governance card of the cockpit (loaded into it by htmx)."""
    return render(request, "partners/_cockpit.html", {"figures": queries.cockpit(request.user)})


@login_required
def partner_detail(request, pk: int):
    partner = queries.get_partner(request.user, pk)
    return render(
        request,
        "partners/partner.html",
        {
            "partner": partner,
            "services": queries.services(request.user).filter(partner=partner).order_by("-start"),
            "members": queries.committee_members(request.user).filter(partner=partner),
            "records": PartnerRecord.objects.restrict(request.user).filter(partner=partner),
            "ratings": queries.ratings(request.user).filter(partner=partner, current=True),
            "awards": Award.objects.restrict(request.user).filter(partner=partner),
        },
    )


@login_required
def compound_detail(request, pk: int):
    """A compound's co-governance: who serves it (history), its owners' committee, its
    assembly decisions, ratings and accounts."""
    compound = territory.get_compound(request.user, pk)
    user = request.user
    terms = (
        CommitteeTerm.objects.restrict(user)
        .filter(compound=compound)
        .prefetch_related("members__person")
    )
    return render(
        request,
        "partners/compound.html",
        {
            "compound": compound,
            "services": Service.objects.restrict(user)
            .filter(compound=compound)
            .select_related("partner")
            .order_by("partner__kind", "-start"),
            "terms": terms,
            "decisions": queries.decisions(user).filter(compound=compound),
            "ratings": queries.ratings(user).filter(compound=compound, current=True),
            "ledgers": queries.ledgers(user).filter(compound=compound),
        },
    )


@login_required
def decision_detail(request, pk: int):
    """Whether the assembly passed a decision, and why (Civil Code Art. 278)."""
    decision = queries.get_decision(request.user, pk)
    outcome = queries.outcome(decision)
    checks = [{**check, "label": CHECK_LABELS[check["name"]]} for check in outcome["checks"]]
    votes = AssemblyVote.objects.restrict(request.user).filter(decision=decision)
    return render(
        request,
        "partners/decision.html",
        {
            "decision": decision,
            "outcome": outcome,
            "checks": checks,
            "qualified": decision.matter in QUALIFIED_MATTERS,
            "votes": votes.select_related("dwelling__building", "dwelling__entrance"),
        },
    )


@login_required
def period_detail(request, pk: int):
    period = queries.get_period(request.user, pk)
    ratings = queries.current_ratings(request.user, period)
    return render(
        request,
        "partners/period.html",
        {"period": period, "ratings": ratings, "config": period.config},
    )


@login_required
def rating_detail(request, pk: int):
    """A rating with every figure it was computed from, and its earlier versions."""
    rating = queries.get_rating(request.user, pk)
    versions = queries.ratings(request.user).filter(
        period=rating.period, partner=rating.partner, compound=rating.compound
    )
    return render(
        request,
        "partners/rating.html",
        {
            "rating": rating,
            "versions": versions.order_by("-version"),
            "config": rating.period.config,
            "records": PartnerRecord.objects.filter(pk__in=rating.inputs["records"]["ids"]),
        },
    )


@login_required
def offer_detail(request, pk: int):
    offer = queries.get_offer(request.user, pk)
    return render(
        request,
        "partners/offer.html",
        {
            "offer": offer,
            "ranking": queries.ranking(request.user, offer),
            "award": Award.objects.restrict(request.user)
            .filter(offer=offer)
            .select_related("partner")
            .first(),
        },
    )


@login_required
def ledger_detail(request, pk: int):
    ledger = queries.get_ledger(request.user, pk)
    return render(
        request,
        "partners/ledger.html",
        {
            "ledger": ledger,
            "totals": _totals(ledger),
            "income": [e for e in ledger.entries.all() if e.is_income],
            "spending": [e for e in ledger.entries.all() if not e.is_income],
        },
    )


def _totals(ledger: Ledger) -> dict:
    totals = queries.ledger_totals(ledger)
    labels = dict(EntryKind.choices)
    totals["rows"] = [(labels[kind], amount) for kind, amount in totals["by_kind"].items()]
    return totals


# --- Public pages (no login) --------------------------------------------------------------


def public_index(request):
    """Every published notice, by street and community: the current version of each."""
    groups: dict[tuple[str, str], list[Ledger]] = {}
    seen = set()
    for ledger in queries.published_notices():
        key = (ledger.compound_id, ledger.year, ledger.quarter)
        if key in seen:
            continue
        seen.add(key)
        community = ledger.compound.community
        groups.setdefault((community.parent.name, community.name), []).append(ledger)
    return render(
        request,
        "partners/public_index.html",
        {"groups": [(street, community, rows) for (street, community), rows in groups.items()]},
    )


def _notice(compound: int, slug: str, version: str | None) -> tuple[Ledger, list[Ledger]]:
    try:
        year, quarter = (int(part) for part in slug.split("q"))
    except ValueError:
        raise Http404 from None
    published = queries.published_notices().filter(compound_id=compound, year=year, quarter=quarter)
    versions = list(published.order_by("-version"))
    if not versions:
        raise Http404
    if version is None:
        return versions[0], versions
    chosen = next((v for v in versions if str(v.version) == version), None)
    if chosen is None:
        raise Http404
    return chosen, versions


def notice_url(request, ledger: Ledger) -> str:
    return request.build_absolute_uri(
        reverse("public-notice", args=[ledger.compound_id, ledger.slug])
    )


def _notice_context(request, ledger: Ledger, versions: list[Ledger]) -> dict:
    url = notice_url(request, ledger)
    return {
        "ledger": ledger,
        "versions": versions,
        "latest": versions[0],
        "totals": _totals(ledger),
        "spending": [e for e in ledger.entries.all() if not e.is_income],
        "income": [e for e in ledger.entries.all() if e.is_income],
        "url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=3),
    }


def public_notice(request, compound: int, slug: str):
    """A compound's published accounts of a quarter (公区收益公示): a stable address,
    the latest version by default, earlier ones shown as corrected."""
    ledger, versions = _notice(compound, slug, request.GET.get("version"))
    return render(
        request, "partners/public_notice.html", _notice_context(request, ledger, versions)
    )


def public_notice_pdf(request, compound: int, slug: str):
    """The notice as an A4 PDF to pin on the board, with a QR code leading to the page."""
    import weasyprint

    ledger, versions = _notice(compound, slug, request.GET.get("version"))
    html = render_to_string(
        "partners/notice_pdf.html", _notice_context(request, ledger, versions), request
    )
    buffer = io.BytesIO()
    weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    name = f"notice-{ledger.compound_id}-{ledger.slug}-v{ledger.version}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def public_awards(request):
    """Purchased services awarded, per partner and year."""
    rows: dict[tuple[int, str], list[Award]] = {}
    for award in queries.public_awards().order_by("-offer__year", "partner__name"):
        rows.setdefault((award.offer.year, award.partner.name), []).append(award)
    return render(
        request,
        "partners/public_awards.html",
        {
            "rows": [
                (year, name, awards, sum(a.amount for a in awards))
                for (year, name), awards in rows.items()
            ]
        },
    )


@login_required
@require_POST
def question_entry(request):
    """A resident's question on a line of a published notice: it becomes a case."""
    entry = request.POST.get("entry", "")
    if not entry.isdecimal():
        raise Http404
    case = actions.do_question_entry(request.user, int(entry), request.POST.get("text", ""))
    messages.success(request, _("问题已提交，事件编号 %(ref)s") % {"ref": case.ref})
    return redirect("case-detail", case.pk)
