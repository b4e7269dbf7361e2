"""Reads of partners and everything they do, always through ``restrict(user, action)``;
the ``get_*`` functions are also how actions look up the objects a request names."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext

from finegrid.accounts.scope import EVERYWHERE, access, by_key, path_q, scope_paths
from finegrid.partners import assembly, score
from finegrid.partners.models import (
    QUALIFIED_MATTERS,
    AssemblyDecision,
    AssemblyVote,
    Award,
    Choice,
    CommitteeMember,
    CommitteeTerm,
    DwellingArea,
    Ledger,
    LedgerStatus,
    Partner,
    PartnerKind,
    PartnerRecord,
    PartyRole,
    PeriodStatus,
    Rating,
    RatingPeriod,
    Service,
    ServiceOffer,
    SurveyAnswer,
)
from finegrid.territory.models import AdminArea, Compound, Dwelling, Grid, GridKind


def _get(user, queryset, ref, action: str, what: str):
    key = by_key(ref)
    return access(user, action, queryset, f"no {what} with id {key['pk']}", **key)


def partners(user, action: str = "view") -> QuerySet[Partner]:
    return Partner.objects.select_related("area", "party_org").restrict(user, action)


def get_partner(user, ref, action: str = "view") -> Partner:
    return _get(user, Partner.objects.select_related("area", "party_org"), ref, action, "partner")


def services(user, action: str = "view") -> QuerySet[Service]:
    return Service.objects.select_related("partner", "compound", "grid").restrict(user, action)


def get_service(user, ref, action: str = "view") -> Service:
    return _get(user, Service.objects.select_related("partner"), ref, action, "service")


def committee_members(user, action: str = "view") -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.select_related("person", "partner", "committee").restrict(
        user, action
    )


def get_term(user, ref, action: str = "view") -> CommitteeTerm:
    return _get(user, CommitteeTerm.objects.select_related("compound"), ref, action, "term")


def decisions(user, action: str = "view") -> QuerySet[AssemblyDecision]:
    return AssemblyDecision.objects.select_related("compound").restrict(user, action)


def get_decision(user, ref, action: str = "view") -> AssemblyDecision:
    return _get(user, AssemblyDecision.objects.select_related("compound"), ref, action, "decision")


def periods(user, action: str = "view") -> QuerySet[RatingPeriod]:
    return RatingPeriod.objects.select_related("area").restrict(user, action)


def get_period(user, ref, action: str = "view") -> RatingPeriod:
    return _get(user, RatingPeriod.objects.select_related("area"), ref, action, "rating period")


def ratings(user, action: str = "view") -> QuerySet[Rating]:
    return Rating.objects.select_related("partner", "compound", "period").restrict(user, action)


def get_rating(user, ref, action: str = "view") -> Rating:
    return _get(
        user, Rating.objects.select_related("partner", "compound", "period"), ref, action, "rating"
    )


def offers(user, action: str = "view") -> QuerySet[ServiceOffer]:
    return ServiceOffer.objects.select_related("item", "area").restrict(user, action)


def get_offer(user, ref, action: str = "view") -> ServiceOffer:
    return _get(user, ServiceOffer.objects.select_related("item", "area"), ref, action, "offer")


def ledgers(user, action: str = "view") -> QuerySet[Ledger]:
    return Ledger.objects.select_related("compound", "entered_by", "confirmed_by").restrict(
        user, action
    )


def get_ledger(user, ref, action: str = "view") -> Ledger:
    queryset = Ledger.objects.select_related("compound__community", "entered_by", "confirmed_by")
    return _get(user, queryset, ref, action, "ledger")


# --- Who serves a compound -------------------------------------------------------------------


def serving(compound: Compound, kind: str, on: dt.date | None = None) -> Partner | None:
    """The partner of ``kind`` serving a compound on a date (today by default)."""
    service = (
        Service.objects.active(on)
        .filter(compound=compound, partner__kind=kind)
        .select_related("partner")
        .first()
    )
    return service.partner if service else None


def own_partners(user) -> list[Partner]:
    """The organizations a partner user acts for."""
    return list(Partner.objects.filter(accounts__user=user))


# --- Owners' assemblies --------------------------------------------------------------------


def compound_dwellings(compound: Compound) -> QuerySet[Dwelling]:
    return Dwelling.objects.filter(building__compound=compound)


def tally(decision: AssemblyDecision) -> tuple[assembly.Tally, list[str]]:
    """The decision's base and votes, and the dwellings whose area is missing (a base with
    missing areas cannot be counted)."""
    dwellings = compound_dwellings(decision.compound)
    areas = dict(
        DwellingArea.objects.filter(dwelling__in=dwellings).values_list("dwelling_id", "area")
    )
    missing = [
        str(d) for d in dwellings.select_related("building", "entrance") if d.pk not in areas
    ]
    voted_area = yes_area = Decimal(0)
    voted = yes = 0
    for dwelling_id, choice in AssemblyVote.objects.filter(decision=decision).values_list(
        "dwelling_id", "choice"
    ):
        area = areas.get(dwelling_id, Decimal(0))
        voted += 1
        voted_area += area
        if choice == Choice.YES:
            yes += 1
            yes_area += area
    base = assembly.Tally(
        total_area=sum(areas.values(), Decimal(0)),
        total_owners=len(areas) + len(missing),
        voted_area=voted_area,
        voted_owners=voted,
        yes_area=yes_area,
        yes_owners=yes,
    )
    return base, missing


def outcome(decision: AssemblyDecision) -> dict:
    """The stored outcome of a counted decision, or the running count of an open one."""
    if decision.outcome is not None:
        return decision.outcome
    base, missing = tally(decision)
    result = assembly.decide(base, decision.matter in QUALIFIED_MATTERS).as_dict()
    result["qualified"] = decision.matter in QUALIFIED_MATTERS
    result["missing_area"] = missing
    result["tally"] = {
        "total_area": str(base.total_area),
        "total_owners": base.total_owners,
        "voted_area": str(base.voted_area),
        "voted_owners": base.voted_owners,
        "yes_area": str(base.yes_area),
        "yes_owners": base.yes_owners,
    }
    return result


# --- Ratings --------------------------------------------------------------------------------


def case_rates(compound: Compound, start: dt.date, end: dt.date) -> dict | None:
    """The cases opened in the compound during a period, as finegrid.cases reports them:
    total, closed, on_time (share of closed cases closed in time), rated and satisfied
    (share of rated cases satisfied); None while the cases app is not installed."""
    try:
        from finegrid.cases import figures
        from finegrid.cases.models import Case
    except ImportError:
        return None
    cases = Case.objects.filter(compound=compound, opened_at__date__range=(start, end))
    rates = figures.rates(cases)
    return {key: rates.get(key) for key in ("total", "closed", "on_time", "rated", "satisfied")}


def rated_compounds(period: RatingPeriod) -> list[tuple[Compound, Partner]]:
    """(compound, property company) for every compound under the period's area served by
    a property company on the period's last day."""
    found = (
        Service.objects.active(period.end)
        .filter(path_q((period.path,)), partner__kind=PartnerKind.PROPERTY, compound__isnull=False)
        .select_related("compound", "partner")
        .order_by("compound__ref", "pk")
    )
    return [(service.compound, service.partner) for service in found]


def rating_inputs(period: RatingPeriod, compound: Compound, partner: Partner) -> dict:
    """Every figure a rating is computed from, with where it came from."""
    answers = SurveyAnswer.objects.filter(period=period, compound=compound)
    survey = answers.aggregate(total=Sum("score"))
    party = PartyRole.objects.filter(period=period, partner=partner).first()
    records = PartnerRecord.objects.filter(
        partner=partner, compound=compound, occurred_on__range=(period.start, period.end)
    )
    points = Counter()
    for kind, value in records.values_list("kind", "points"):
        points[kind] += value
    return {
        "survey": {
            "answers": answers.count(),
            "sum": survey["total"] or 0,
            "distribution": {
                str(k): v
                for k, v in sorted(Counter(answers.values_list("score", flat=True)).items())
            },
        },
        "cases": case_rates(compound, period.start, period.end),
        "party": party.level if party else None,
        "party_reason": party.reason if party else "",
        "records": {
            "good": points["good"],
            "bad": points["bad"],
            "ids": list(records.values_list("pk", flat=True)),
        },
    }


def current_ratings(user, period: RatingPeriod) -> QuerySet[Rating]:
    return ratings(user).filter(period=period, current=True).order_by("compound__ref")


def ranking(user, offer: ServiceOffer) -> list[dict]:
    """Eligible partners for an offer, best first: property companies and social
    organizations serving under the offer's area whose latest published period gave them
    a rating, ranked by their best grade, then their mean score, then name.

    Only the ratings ``user`` may see count: a community's staff looking at a street's
    offer see the ranking of their own compounds, never grades from elsewhere (an award
    needs the offer's whole area in scope, so its ranking is the whole one)."""
    published = (
        Rating.objects.restrict(user, "view")
        .filter(path_q((offer.path,)), current=True, period__status=PeriodStatus.PUBLISHED)
        .select_related("partner", "period")
        .order_by("-period__end", "pk")
    )
    latest: dict[int, int] = {}
    scores: dict[int, list[Rating]] = defaultdict(list)
    for rating in published:
        period_id = latest.setdefault(rating.partner_id, rating.period_id)
        if rating.period_id == period_id:
            scores[rating.partner_id].append(rating)
    rows = []
    for partner_id, rated in scores.items():
        conf = rated[0].period.config
        best = min(rated, key=lambda r: score.grade_order(r.grade, conf))
        mean = sum((r.score for r in rated), Decimal(0)) / len(rated)
        rows.append(
            {
                "partner": partner_id,
                "name": rated[0].partner.name,
                "grade": best.grade,
                "order": score.grade_order(best.grade, conf),
                "score": str(mean.quantize(Decimal("0.01"))),
                "period": rated[0].period.name,
            }
        )
    rows.sort(key=lambda row: (row["order"], -Decimal(row["score"]), row["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        del row["order"]
    return rows


# --- Public accounts ----------------------------------------------------------------------


def ledger_totals(ledger: Ledger) -> dict:
    """Totals by kind, income, spending and the balance of a ledger."""
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    income = expense = Decimal(0)
    for entry in ledger.entries.all():
        by_kind[entry.kind] += entry.amount
        if entry.is_income:
            income += entry.amount
        else:
            expense += entry.amount
    return {
        "by_kind": dict(by_kind),
        "income": income,
        "expense": expense,
        "balance": income - expense,
    }


def published_notices() -> QuerySet[Ledger]:
    """The current published version of every compound's quarters, for the public pages
    (no login, no scope: only what is published, and no personal data on it)."""
    return (
        Ledger.objects.filter(status=LedgerStatus.PUBLISHED)
        .select_related("compound__community__parent", "entered_by", "confirmed_by")
        .order_by(
            "compound__community__parent__code",
            "compound__community__code",
            "compound__ref",
            "-year",
            "-quarter",
            "-version",
        )
    )


def public_awards(year: int | None = None) -> QuerySet[Award]:
    awards = Award.objects.select_related("offer__item", "offer__area", "partner")
    return awards.filter(offer__year=year) if year else awards


# --- Cockpit -------------------------------------------------------------------------------


def last_quarter(on: dt.date | None = None) -> tuple[int, int]:
    """The last quarter that has ended by ``on``: its accounts are due for publication."""
    on = on or dt.date.today()
    quarter = (on.month - 1) // 3
    return (on.year, quarter) if quarter else (on.year - 1, 4)


def _places_below(user) -> list[tuple[str, str]]:
    """(path, name) of the places one level below the user's scope, down to the general
    and dedicated grids of a community (a grid worker: their own grids), by path."""
    paths = scope_paths(user)
    areas = list(AdminArea.objects.restrict(user).values_list("path", "name"))
    grids = Grid.objects.restrict(user)
    top = grids.filter(kind__in=(GridKind.GENERAL, GridKind.DEDICATED))
    if paths is EVERYWHERE:
        depth = min((p.count("/") for p, _ in areas), default=0)
    else:
        depth = min((p.count("/") for p in paths), default=0) + 1
    places = [*areas, *top.values_list("path", "name")]
    places = [(p, n) for p, n in places if p.count("/") == depth]
    if not places and paths:
        places = list(grids.filter(path__in=paths).values_list("path", "name"))
    return sorted(places)


def _count_kinds(partners) -> list[tuple[str, int]]:
    """Distinct partners per kind, in the kinds' order, kinds without any left out."""
    counts = Counter(kind for _, kind in partners)
    return [(str(label), counts[kind]) for kind, label in PartnerKind.choices if counts[kind]]


def cockpit(user, on: dt.date | None = None) -> dict:
    """Co-governance figures of the user's scope."""
    from finegrid.territory import queries as territory

    on = on or dt.date.today()
    kinds = Counter(partners(user).values_list("kind", flat=True))
    active = services(user).active(on)
    places = _places_below(user)
    per_place: dict[str, set] = defaultdict(set)
    for path, partner, kind in active.values_list("path", "partner_id", "partner__kind"):
        place = next((p for p, _ in places if path == p or path.startswith(f"{p}/")), "")
        per_place[place].add((partner, kind))
    active = active.filter(compound__isnull=False)
    compounds = territory.compounds(user)
    served = {
        kind: set(active.filter(partner__kind=kind).values_list("compound_id", flat=True))
        for kind in (PartnerKind.PROPERTY, PartnerKind.OWNERS_COMMITTEE)
    }
    latest = periods(user).exclude(status=PeriodStatus.OPEN).first()
    grades = Counter()
    if latest is not None:
        grades = Counter(current_ratings(user, latest).values_list("grade", flat=True))
    year, quarter = last_quarter(on)
    published = set(
        ledgers(user)
        .filter(year=year, quarter=quarter, status=LedgerStatus.PUBLISHED)
        .values_list("compound_id", flat=True)
    )
    members = Counter(
        committee_members(user)
        .filter(start__lte=on)
        .exclude(end__lt=on)
        .values_list("committee__name", flat=True)
    )
    return {
        "kinds": [(str(label), kinds.get(kind, 0)) for kind, label in PartnerKind.choices],
        "per_place": [
            (name, _count_kinds(per_place.get(path, ())))
            for path, name in [*places, ("", gettext("未划入网格"))]
            if path or per_place.get("")
        ],
        "without_property": list(compounds.exclude(pk__in=served[PartnerKind.PROPERTY])),
        "without_committee": list(compounds.exclude(pk__in=served[PartnerKind.OWNERS_COMMITTEE])),
        "period": latest,
        "grades": dict(grades),
        "accounts_due": (year, quarter),
        "accounts_missing": [
            c
            for c in compounds.filter(pk__in=served[PartnerKind.PROPERTY])
            if c.pk not in published
        ],
        "committee_members": dict(sorted(members.items())),
    }
