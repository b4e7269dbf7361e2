"""Every change to partners, committees, assemblies, ratings, services and accounts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max, Q

from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.queries import get_user
from finegrid.accounts.roles import Role
from finegrid.accounts.scope import access, by_key, covers, require, require_place
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.org import queries as org
from finegrid.partners import creditcode, queries, score
from finegrid.partners.models import (
    AssemblyDecision,
    AssemblyVote,
    Award,
    Choice,
    CommitteeMember,
    CommitteeRole,
    CommitteeTerm,
    DecisionStatus,
    DwellingArea,
    EntryKind,
    Ledger,
    LedgerEntry,
    LedgerStatus,
    Matter,
    Partner,
    PartnerAccount,
    PartnerKind,
    PartnerRecord,
    PartyRole,
    PartyRoleLevel,
    PeriodStatus,
    Rating,
    RatingPeriod,
    RecordKind,
    Service,
    ServiceItem,
    ServiceOffer,
    SurveyAnswer,
    TermMember,
    served_compounds,
)
from finegrid.people import queries as people
from finegrid.territory import queries as territory
from finegrid.territory.models import AreaLevel, Compound

# Partners whose service of a compound excludes another of the same kind at the same time.
ONE_AT_A_TIME = frozenset({PartnerKind.PROPERTY, PartnerKind.OWNERS_COMMITTEE})
PHONE = re.compile(r"^[0-9][0-9-]{6,19}$")


def _text(problems: list[str], name: str, value: str, most: int, required: bool = True) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > most:
        problems.append(f"{name}: must be {1 if required else 0} to {most} characters")
    return value


def _choice(value: str, choices, name: str) -> str:
    if value not in choices.values:
        raise InvalidInput(f"{name}: {value!r} is not one of {', '.join(choices.values)}")
    return value


def _compound(actor, ref, action: str = "view") -> Compound:
    """A compound the actor may reach; a partner user only their organization's."""
    compound = territory.get_compound(actor, ref, action)
    if (
        actor.role == Role.PARTNER
        and not served_compounds(actor).filter(compound_id=compound.pk).exists()
    ):
        raise NotFound(f"no compound with id {compound.pk}")
    return compound


def _span(start: dt.date, end: dt.date | None) -> list[str]:
    return ["end: is before start"] if end is not None and end < start else []


# --- Partners -----------------------------------------------------------------------------


@transaction.atomic
def do_create_partner(
    actor,
    *,
    kind: str,
    name: str,
    area: str,
    credit_code: str = "",
    party_org: int | None = None,
    contact_name: str = "",
    contact_post: str = "",
    phone: str = "",
    address: str = "",
) -> Partner:
    """Register a partner organization in an area (a community or street)."""
    require(actor, "partners.add_partner")
    place = territory.get_area(actor, area)
    require_place(actor, "add", Partner, place.path, f"no area {area}")
    _choice(kind, PartnerKind, "kind")
    problems: list[str] = []
    values = _partner_values(
        actor,
        problems,
        name=name,
        credit_code=credit_code,
        contact_name=contact_name,
        contact_post=contact_post,
        phone=phone,
        address=address,
    )
    if place.level not in (AreaLevel.STREET, AreaLevel.COMMUNITY):
        problems.append(
            f"area: a partner registers in a street or community, not a {place.get_level_display()}"
        )
    if party_org is not None:
        values["party_org"] = org.get_party_org(actor, party_org)
    if problems:
        raise InvalidInput(problems)
    _credit_code_free(values["credit_code"])
    partner = Partner.objects.create(kind=kind, area=place, path=place.path, **values)
    audit.record(actor, AuditAction.CREATE, partner)
    return partner


def _partner_values(actor, problems: list[str], **given) -> dict:
    values = {}
    if "name" in given:
        values["name"] = _text(problems, "name", given["name"], 100)
    if "credit_code" in given:
        code = (given["credit_code"] or "").strip()
        if code:
            try:
                code = creditcode.validate(code)
            except creditcode.CreditCodeError as error:
                problems.append(f"credit_code: {error.reason}")
        values["credit_code"] = code
    for field, most in (("contact_name", 50), ("contact_post", 50), ("address", 200)):
        if field in given:
            values[field] = _text(problems, field, given[field], most, required=False)
    if "phone" in given:
        phone = (given["phone"] or "").strip()
        if phone and not PHONE.match(phone):
            problems.append("phone: must be a telephone number (digits and hyphens)")
        values["phone"] = phone
    return values


def _credit_code_free(code: str, partner: Partner | None = None) -> None:
    if (
        code
        and Partner.objects.filter(credit_code=code)
        .exclude(pk=getattr(partner, "pk", None))
        .exists()
    ):
        raise Conflict(f"credit_code: {code} is already registered")


@transaction.atomic
def do_update_partner(actor, partner: Partner | int, **changes) -> Partner:
    """Correct a partner's name, code, contacts or party organization (``party_org``
    None unlinks it)."""
    partner = queries.get_partner(actor, partner, "change")
    problems: list[str] = []
    party_org = changes.pop("party_org", ...)
    values = _partner_values(actor, problems, **changes)
    if problems:
        raise InvalidInput(problems)
    if party_org is not ...:
        values["party_org"] = None if party_org is None else org.get_party_org(actor, party_org)
    if "credit_code" in values:
        _credit_code_free(values["credit_code"], partner)
    before = audit.snapshot(partner)
    for field, value in values.items():
        setattr(partner, field, value)
    if audit.snapshot(partner) != before:
        partner.save()
        audit.record(actor, AuditAction.UPDATE, partner, before=before)
    return partner


@transaction.atomic
def do_start_service(
    actor,
    partner: Partner | int,
    *,
    compound: int | None = None,
    grid: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Service:
    """A partner starts serving a compound or a grid. A compound has one property company
    and one owners' committee at a time: end the old one first."""
    partner = queries.get_partner(actor, partner, "change")
    if (compound is None) == (grid is None):
        raise InvalidInput("compound: give a compound or a grid, not both or neither")
    place = (
        territory.get_compound(actor, compound)
        if compound is not None
        else territory.get_grid(actor, grid)
    )
    require_place(
        actor,
        "add",
        Service,
        place.path,
        f"no compound with id {compound}" if compound else f"no grid {grid}",
    )
    start = start or dt.date.today()
    problems = _span(start, end)
    if not covers((partner.path,), place.path) and not covers((place.path,), partner.path):
        # A community's partner serves that community; a street's, the street's places.
        problems.append(f"partner: {partner.name} is registered in {partner.area.name}, not there")
    if problems:
        raise InvalidInput(problems)
    if compound is not None and partner.kind in ONE_AT_A_TIME:
        overlapping = Service.objects.filter(compound=place, partner__kind=partner.kind).filter(
            Q(end__isnull=True) | Q(end__gte=start)
        )
        if end is not None:
            overlapping = overlapping.filter(start__lte=end)
        clash = overlapping.select_related("partner").first()
        if clash is not None:
            raise Conflict(
                f"compound: {place.name} is served by {clash.partner.name} from {clash.start}; "
                "end that service first"
            )
    service = Service.objects.create(
        partner=partner,
        compound=place if compound is not None else None,
        grid=place if grid is not None else None,
        start=start,
        end=end,
        path=place.path,
    )
    audit.record(actor, AuditAction.CREATE, service)
    return service


@transaction.atomic
def do_end_service(actor, service: Service | int, end: dt.date | None = None) -> Service:
    """End a service (the history stays)."""
    service = queries.get_service(actor, service, "change")
    end = end or dt.date.today()
    if end < service.start:
        raise InvalidInput("end: is before the service's start")
    before = audit.snapshot(service)
    service.end = end
    service.save(update_fields=["end"])
    audit.record(actor, AuditAction.UPDATE, service, before=before)
    return service


@transaction.atomic
def do_add_partner_account(actor, partner: Partner | int, username: str) -> PartnerAccount:
    """Let a user of role ``partner`` act for an organization (for its compounds only)."""
    partner = queries.get_partner(actor, partner, "change")
    require_place(actor, "add", PartnerAccount, partner.path, f"no partner with id {partner.pk}")
    user = get_user(actor, username)
    if user.role != Role.PARTNER:
        raise InvalidInput(f"user: {user.username} does not have the partner role")
    if PartnerAccount.objects.filter(partner=partner, user=user).exists():
        raise Conflict(f"user: {user.username} already acts for {partner.name}")
    account = PartnerAccount.objects.create(partner=partner, user=user, path=partner.path)
    for unit in partner.units.all():
        unit.members.add(user)
    audit.record(actor, AuditAction.CREATE, account)
    return account


@transaction.atomic
def do_link_unit(actor, partner: Partner | int, unit: int) -> Partner:
    """Make a property company the responsible unit (责任单位, finegrid.cases) of a
    compound it serves: the company's accounts become the unit's members, so the cases
    routed to the unit show up for them and they work them."""
    from finegrid.cases.models import Unit, UnitKind

    partner = queries.get_partner(actor, partner, "change")
    found = access(actor, "change", Unit, f"no unit with id {unit}", **by_key(unit))
    problems = []
    if found.kind != UnitKind.PROPERTY or partner.kind != PartnerKind.PROPERTY:
        problems.append("unit: only a property company links to a property unit")
    elif found.compound_id and not partner.services.filter(compound=found.compound_id).exists():
        problems.append(f"unit: {partner.name} does not serve {found.compound.name}")
    if problems:
        raise InvalidInput(problems)
    if partner.units.filter(pk=found.pk).exists():
        raise Conflict(f"unit: {found.name} is already linked to {partner.name}")
    before = {"units": sorted(partner.units.values_list("pk", flat=True))}
    partner.units.add(found)
    found.members.add(*[a.user for a in partner.accounts.select_related("user")])
    after = {"units": sorted(partner.units.values_list("pk", flat=True))}
    audit.record(actor, AuditAction.UPDATE, partner, before=before, after=after)
    return partner


@transaction.atomic
def do_add_committee_member(
    actor,
    *,
    person: int,
    partner: int,
    post: str,
    committee: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> CommitteeMember:
    """A partner's head joins a street or community committee as a part-time member."""
    area = territory.get_area(actor, committee)
    require_place(actor, "add", CommitteeMember, area.path, f"no area {committee}")
    person = people.get_person(actor, person)
    partner = queries.get_partner(actor, partner)
    problems: list[str] = []
    post = _text(problems, "post", post, 50)
    if area.level not in (AreaLevel.STREET, AreaLevel.COMMUNITY):
        problems.append(
            f"committee: sits in a street or community, not a {area.get_level_display()}"
        )
    start = start or dt.date.today()
    problems += _span(start, end)
    if problems:
        raise InvalidInput(problems)
    member = CommitteeMember.objects.create(
        person=person,
        partner=partner,
        post=post,
        committee=area,
        start=start,
        end=end,
        path=area.path,
    )
    audit.record(actor, AuditAction.CREATE, member)
    return member


# --- Owners' committees and assemblies ---------------------------------------------------


@transaction.atomic
def do_start_term(
    actor, committee: Partner | int, *, start: dt.date, end: dt.date
) -> CommitteeTerm:
    """A new term of an owners' committee for the compound it serves."""
    committee = queries.get_partner(actor, committee, "change")
    if committee.kind != PartnerKind.OWNERS_COMMITTEE:
        raise InvalidInput(f"committee: {committee.name} is not an owners' committee")
    service = (
        Service.objects.filter(partner=committee, compound__isnull=False).order_by("-start").first()
    )
    if service is None:
        raise InvalidInput(f"committee: {committee.name} serves no compound yet")
    compound = service.compound
    require_place(actor, "add", CommitteeTerm, compound.path, f"no partner with id {committee.pk}")
    if end <= start:
        raise InvalidInput("end: is not after start")
    last = CommitteeTerm.objects.filter(compound=compound).aggregate(n=Max("number"))["n"] or 0
    term = CommitteeTerm.objects.create(
        committee=committee,
        compound=compound,
        number=last + 1,
        start=start,
        end=end,
        path=compound.path,
    )
    audit.record(actor, AuditAction.CREATE, term)
    return term


@transaction.atomic
def do_add_term_member(actor, term: CommitteeTerm | int, person: int, role: str) -> TermMember:
    """An owner of the compound joins a term of its committee."""
    term = queries.get_term(actor, term, "change")
    require_place(actor, "add", TermMember, term.path, f"no term with id {term.pk}")
    person = people.get_person(actor, person)
    _choice(role, CommitteeRole, "role")
    if person.household.dwelling.building.compound_id != term.compound_id:
        raise InvalidInput(f"person: {person.name} does not live in {term.compound.name}")
    if TermMember.objects.filter(term=term, person=person).exists():
        raise Conflict(f"person: {person.name} is already on this term")
    member = TermMember.objects.create(term=term, person=person, role=role, path=term.path)
    audit.record(actor, AuditAction.CREATE, member)
    return member


def _decimal(name: str, value, lowest: str, highest: str, unit: str = "") -> Decimal:
    """``value`` to the cent, within [lowest, highest], or InvalidInput naming ``name``."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{name}: {value!r} is not a number") from None
    if not number.is_finite() or not Decimal(lowest) <= number <= Decimal(highest):
        raise InvalidInput(f"{name}: must be between {lowest} and {highest}{unit}")
    return number.quantize(Decimal("0.01"))


def _area(value) -> Decimal:
    return _decimal("area", value, "1", "100000", " m²")


@transaction.atomic
def do_set_dwelling_area(actor, dwelling: int, area) -> DwellingArea:
    """Record or correct the floor area of a dwelling's exclusive part."""
    dwelling = territory.get_dwelling(actor, dwelling)
    require_place(
        actor, "change", DwellingArea, dwelling.path, f"no dwelling with id {dwelling.pk}"
    )
    area = _area(area)
    row = DwellingArea.objects.filter(dwelling=dwelling).first()
    if row is None:
        row = DwellingArea.objects.create(dwelling=dwelling, area=area, path=dwelling.path)
        audit.record(actor, AuditAction.CREATE, row)
    elif row.area != area:
        before = audit.snapshot(row)
        row.area = area
        row.save(update_fields=["area"])
        audit.record(actor, AuditAction.UPDATE, row, before=before)
    return row


@transaction.atomic
def do_open_decision(
    actor, compound: int, *, title: str, matter: str, held_on: dt.date
) -> AssemblyDecision:
    """Put a matter to the owners' assembly of a compound."""
    compound = _compound(actor, compound)
    require_place(
        actor, "add", AssemblyDecision, compound.path, f"no compound with id {compound.pk}"
    )
    _choice(matter, Matter, "matter")
    problems: list[str] = []
    title = _text(problems, "title", title, 200)
    if problems:
        raise InvalidInput(problems)
    decision = AssemblyDecision.objects.create(
        compound=compound, title=title, matter=matter, held_on=held_on, path=compound.path
    )
    audit.record(actor, AuditAction.CREATE, decision)
    return decision


@transaction.atomic
def do_record_vote(
    actor, decision: AssemblyDecision | int, dwelling: int, choice: str
) -> AssemblyVote:
    """Record the vote cast for one dwelling of the compound (once)."""
    decision = queries.get_decision(actor, decision, "change")
    require_place(actor, "add", AssemblyVote, decision.path, f"no decision with id {decision.pk}")
    dwelling = territory.get_dwelling(actor, dwelling)
    _choice(choice, Choice, "choice")
    if decision.status != DecisionStatus.OPEN:
        raise Conflict(f"decision {decision.pk}: votes are counted, the vote is closed")
    if dwelling.building.compound_id != decision.compound_id:
        raise InvalidInput(f"dwelling: {dwelling} is not in {decision.compound.name}")
    if AssemblyVote.objects.filter(decision=decision, dwelling=dwelling).exists():
        raise Conflict(f"dwelling: {dwelling} has already voted")
    vote = AssemblyVote.objects.create(
        decision=decision, dwelling=dwelling, choice=choice, path=dwelling.path
    )
    audit.record(actor, AuditAction.CREATE, vote)
    return vote


@transaction.atomic
def do_close_decision(actor, decision: AssemblyDecision | int) -> AssemblyDecision:
    """Count the votes: the outcome (passed or not, and each condition) is stored and the
    vote closes. Every dwelling of the compound needs its area first."""
    decision = queries.get_decision(actor, decision, "change")
    if decision.status != DecisionStatus.OPEN:
        raise Conflict(f"decision {decision.pk}: already counted")
    result = queries.outcome(decision)
    if result["missing_area"]:
        shown = ", ".join(result["missing_area"][:5])
        raise InvalidInput(
            f"compound: {len(result['missing_area'])} dwellings have no recorded area ({shown}…)"
        )
    before = audit.snapshot(decision)
    decision.outcome = result
    decision.status = DecisionStatus.CLOSED
    decision.save(update_fields=["outcome", "status"])
    audit.record(actor, AuditAction.UPDATE, decision, before=before)
    return decision


# --- Ratings -------------------------------------------------------------------------------


@transaction.atomic
def do_open_period(actor, *, area: str, name: str, start: dt.date, end: dt.date) -> RatingPeriod:
    """Open a rating period for the property companies under an area, with the current
    score settings."""
    place = territory.get_area(actor, area)
    require_place(actor, "add", RatingPeriod, place.path, f"no area {area}")
    problems: list[str] = []
    name = _text(problems, "name", name, 100)
    if end < start:
        problems.append("end: is before start")
    if problems:
        raise InvalidInput(problems)
    period = RatingPeriod.objects.create(
        area=place, name=name, start=start, end=end, config=score.config(), path=place.path
    )
    audit.record(actor, AuditAction.CREATE, period)
    return period


def _open(period: RatingPeriod) -> None:
    if period.status != PeriodStatus.OPEN:
        raise Conflict(
            f"rating period {period.name}: is {period.get_status_display()}, no longer open"
        )


@transaction.atomic
def do_answer_survey(
    actor, period: RatingPeriod | int, household: int, score_: int, comment: str = ""
) -> SurveyAnswer:
    """Record a household's answer to the satisfaction survey, once per period."""
    period = queries.get_period(actor, period)
    household = people.get_household(actor, household)
    require_place(
        actor, "add", SurveyAnswer, household.path, f"no household with id {household.pk}"
    )
    _open(period)
    compound = household.dwelling.building.compound
    problems: list[str] = []
    if compound is None or not covers((period.path,), compound.path):
        problems.append(f"household: {household.dwelling} is in no compound rated in {period.name}")
    if not 1 <= score_ <= 5:
        problems.append("score: must be 1 (very dissatisfied) to 5 (very satisfied)")
    comment = _text(problems, "comment", comment, 500, required=False)
    if problems:
        raise InvalidInput(problems)
    if SurveyAnswer.objects.filter(period=period, household=household).exists():
        raise Conflict(f"household: {household.dwelling} has already answered in {period.name}")
    answer = SurveyAnswer.objects.create(
        period=period,
        compound=compound,
        household=household,
        score=score_,
        comment=comment,
        path=household.path,
    )
    audit.record(actor, AuditAction.CREATE, answer)
    return answer


@transaction.atomic
def do_set_party_role(
    actor, period: RatingPeriod | int, partner: int, level: str, reason: str
) -> PartyRole:
    """The community's judgement of a partner's party organization, with its reason."""
    period = queries.get_period(actor, period)
    partner = queries.get_partner(actor, partner)
    require_place(actor, "add", PartyRole, partner.path, f"no partner with id {partner.pk}")
    _open(period)
    _choice(level, PartyRoleLevel, "level")
    problems: list[str] = []
    reason = _text(problems, "reason", reason, 500)
    if problems:
        raise InvalidInput(problems)
    role = PartyRole.objects.filter(period=period, partner=partner).first()
    if role is None:
        role = PartyRole.objects.create(
            period=period, partner=partner, level=level, reason=reason, path=partner.path
        )
        audit.record(actor, AuditAction.CREATE, role, reason=reason)
    else:
        before = audit.snapshot(role)
        role.level, role.reason = level, reason
        role.save(update_fields=["level", "reason"])
        audit.record(actor, AuditAction.UPDATE, role, before=before, reason=reason)
    return role


@transaction.atomic
def do_add_record(
    actor,
    partner: int,
    *,
    compound: int,
    kind: str,
    points: int,
    occurred_on: dt.date,
    description: str,
) -> PartnerRecord:
    """A good or bad record of a partner in a compound it serves."""
    partner = queries.get_partner(actor, partner)
    compound = _compound(actor, compound)
    require_place(actor, "add", PartnerRecord, compound.path, f"no compound with id {compound.pk}")
    _choice(kind, RecordKind, "kind")
    problems: list[str] = []
    description = _text(problems, "description", description, 500)
    if not 1 <= points <= 100:
        problems.append("points: must be 1 to 100")
    if not Service.objects.filter(partner=partner, compound=compound).exists():
        problems.append(f"partner: {partner.name} has never served {compound.name}")
    if problems:
        raise InvalidInput(problems)
    record = PartnerRecord.objects.create(
        partner=partner,
        compound=compound,
        kind=kind,
        points=points,
        occurred_on=occurred_on,
        description=description,
        path=compound.path,
    )
    audit.record(actor, AuditAction.CREATE, record)
    return record


def _rate(
    period: RatingPeriod, compound: Compound, partner, version: int, reason: str = ""
) -> Rating:
    inputs = queries.rating_inputs(period, compound, partner)
    value, grade, parts = score.compute(inputs, period.config)
    inputs["components"] = parts
    return Rating(
        period=period,
        partner=partner,
        compound=compound,
        version=version,
        score=value,
        grade=grade,
        inputs=inputs,
        reason=reason,
        path=compound.path,
    )


@transaction.atomic
def do_close_period(actor, period: RatingPeriod | int) -> list[Rating]:
    """Close a period: rate every compound's property company from the period's inputs.
    From now on a rating changes only by a correction (a new version)."""
    period = queries.get_period(actor, period, "change")
    require(actor, "partners.add_rating")
    _open(period)
    rows = [
        _rate(period, compound, partner, 1) for compound, partner in queries.rated_compounds(period)
    ]
    before = audit.snapshot(period)
    period.status = PeriodStatus.CLOSED
    period.save(update_fields=["status"])
    audit.record(actor, AuditAction.UPDATE, period, before=before)
    for rating in rows:
        rating.save()
    audit.record_created(actor, rows, reason=f"rating period {period.name} closed")
    return rows


@transaction.atomic
def do_publish_period(actor, period: RatingPeriod | int) -> RatingPeriod:
    period = queries.get_period(actor, period, "change")
    if period.status != PeriodStatus.CLOSED:
        raise Conflict(f"rating period {period.name}: only a closed period is published")
    before = audit.snapshot(period)
    period.status = PeriodStatus.PUBLISHED
    period.save(update_fields=["status"])
    audit.record(actor, AuditAction.UPDATE, period, before=before)
    return period


@transaction.atomic
def do_correct_rating(actor, rating: Rating | int, reason: str) -> Rating:
    """Rate a compound again from its inputs as they are now (a late record, a survey
    answer entered wrongly…): a new version, audited with its reason; the old stays."""
    rating = queries.get_rating(actor, rating, "change")
    require_place(actor, "add", Rating, rating.path, f"no rating with id {rating.pk}")
    problems: list[str] = []
    reason = _text(problems, "reason", reason, 500)
    if problems:
        raise InvalidInput(problems)
    if not rating.current:
        raise Conflict(f"rating {rating.pk}: a later version exists; correct that one")
    Rating.objects.filter(pk=rating.pk).update(current=False)
    fresh = _rate(rating.period, rating.compound, rating.partner, rating.version + 1, reason)
    fresh.save()
    audit.record(actor, AuditAction.CREATE, fresh, reason=reason)
    return fresh


# --- Purchased services ------------------------------------------------------------------


@transaction.atomic
def do_create_offer(actor, *, item: str, area: str, year: int, budget) -> ServiceOffer:
    """An area offers a catalogue item for a year with a budget."""
    place = territory.get_area(actor, area)
    require_place(actor, "add", ServiceOffer, place.path, f"no area {area}")
    found = ServiceItem.objects.filter(code=item).first()
    if found is None:
        raise InvalidInput(f"item: no catalogue item {item}")
    budget = _decimal("budget", budget, "0.01", "9999999999.99")
    problems = []
    if not 2000 <= year <= 2100:
        problems.append("year: must be 2000 to 2100")
    if problems:
        raise InvalidInput(problems)
    offer = ServiceOffer.objects.create(
        item=found, area=place, year=year, budget=budget, path=place.path
    )
    audit.record(actor, AuditAction.CREATE, offer)
    return offer


@transaction.atomic
def do_award(
    actor,
    offer: ServiceOffer | int,
    partner: int,
    *,
    amount,
    reason: str = "",
    awarded_on: dt.date | None = None,
) -> Award:
    """Award an offer to an eligible partner. Departing from the ranking (anyone but the
    first) needs a reason, recorded with the ranking as it stood."""
    offer = queries.get_offer(actor, offer, "change")
    require_place(actor, "add", Award, offer.path, f"no offer with id {offer.pk}")
    partner = queries.get_partner(actor, partner)
    if Award.objects.filter(offer=offer).exists():
        raise Conflict(f"offer {offer.pk}: already awarded")
    ranking = queries.ranking(actor, offer)
    ranks = {row["partner"]: row["rank"] for row in ranking}
    problems: list[str] = []
    amount = _decimal("amount", amount, "0.01", "9999999999.99")
    if amount > offer.budget:
        problems.append(f"amount: must be at most the budget {offer.budget}")
    reason = _text(problems, "reason", reason, 500, required=False)
    if partner.pk not in ranks:
        problems.append(
            f"partner: {partner.name} is not eligible (no published rating under {offer.area.name})"
        )
    elif ranks[partner.pk] != 1 and not reason:
        problems.append(
            f"reason: {partner.name} ranks {ranks[partner.pk]}; say why the first is passed over"
        )
    if problems:
        raise InvalidInput(problems)
    award = Award.objects.create(
        offer=offer,
        partner=partner,
        amount=amount,
        rank=ranks[partner.pk],
        ranking=ranking,
        reason=reason,
        awarded_on=awarded_on or dt.date.today(),
        path=offer.path,
    )
    audit.record(actor, AuditAction.CREATE, award, reason=reason)
    return award


# --- Public accounts -----------------------------------------------------------------------


def _acting_for(actor, compound: Compound) -> Partner | None:
    """The organization a partner user acts for in a compound (None for staff)."""
    if actor.role != Role.PARTNER:
        return None
    for partner in queries.own_partners(actor):
        if Service.objects.active().filter(partner=partner, compound=compound).exists():
            return partner
    raise NotFound(f"no compound with id {compound.pk}")


@transaction.atomic
def do_open_ledger(actor, compound: int, *, year: int, quarter: int) -> Ledger:
    """Start a quarter's ledger of a compound (by its property company, its owners'
    committee, or the community on their behalf)."""
    compound = _compound(actor, compound)
    require_place(actor, "add", Ledger, compound.path, f"no compound with id {compound.pk}")
    problems = [] if 1 <= quarter <= 4 else ["quarter: must be 1 to 4"]
    if not 2000 <= year <= 2100:
        problems.append("year: must be 2000 to 2100")
    if problems:
        raise InvalidInput(problems)
    entered_by = _acting_for(actor, compound)
    if entered_by is None:
        entered_by = queries.serving(compound, PartnerKind.PROPERTY) or queries.serving(
            compound, PartnerKind.OWNERS_COMMITTEE
        )
    if Ledger.objects.filter(compound=compound, year=year, quarter=quarter).exists():
        raise Conflict(f"compound: {compound.name} already has a ledger for {year} Q{quarter}")
    ledger = Ledger.objects.create(
        compound=compound, year=year, quarter=quarter, entered_by=entered_by, path=compound.path
    )
    audit.record(actor, AuditAction.CREATE, ledger)
    return ledger


def _draft(ledger: Ledger) -> None:
    if ledger.status != LedgerStatus.DRAFT:
        raise Conflict(
            f"ledger {ledger}: is {ledger.get_status_display()}; "
            "a published one is corrected by a new version"
        )


@transaction.atomic
def do_add_entry(
    actor, ledger: Ledger | int, *, kind: str, amount, description: str
) -> LedgerEntry:
    """Add a line of income or spending to a draft ledger."""
    ledger = queries.get_ledger(actor, ledger, "change")
    require_place(actor, "add", LedgerEntry, ledger.path, f"no ledger with id {ledger.pk}")
    _choice(kind, EntryKind, "kind")
    _draft(ledger)
    problems: list[str] = []
    description = _text(problems, "description", description, 200)
    amount = _decimal("amount", amount, "0.01", "9999999999.99")
    if problems:
        raise InvalidInput(problems)
    entry = LedgerEntry.objects.create(
        ledger=ledger, kind=kind, amount=amount, description=description, path=ledger.path
    )
    audit.record(actor, AuditAction.CREATE, entry)
    return entry


@transaction.atomic
def do_confirm_ledger(actor, ledger: Ledger | int, on_behalf_of: int | None = None) -> Ledger:
    """The other side confirms a draft: the owners' committee what the property company
    entered and vice versa; the community where the compound has no committee. Staff may
    record a side's confirmation given on paper (``on_behalf_of``, that side's id)."""
    ledger = queries.get_ledger(actor, ledger, "change")
    _draft(ledger)
    side = _acting_for(actor, ledger.compound)
    if on_behalf_of is not None and side is None:
        side = queries.get_partner(actor, on_behalf_of)
        serving = Service.objects.active().filter(partner=side, compound=ledger.compound)
        if not serving.exists():
            raise InvalidInput(f"on_behalf_of: {side.name} does not serve {ledger.compound.name}")
    if not ledger.entries.exists():
        raise InvalidInput("entries: a ledger without lines has nothing to confirm")
    before = audit.snapshot(ledger)
    if side is not None:
        if ledger.entered_by_id == side.pk:
            raise InvalidInput(
                f"confirmed_by: {side.name} entered this ledger; the other side confirms it"
            )
        ledger.confirmed_by = side
    else:
        committee = queries.serving(ledger.compound, PartnerKind.OWNERS_COMMITTEE)
        if committee is not None and ledger.entered_by_id != committee.pk:
            raise InvalidInput(f"confirmed_by: {committee.name} confirms this compound's accounts")
        ledger.confirmed_by_community = True
    ledger.status = LedgerStatus.CONFIRMED
    ledger.confirmed_on = dt.date.today()
    ledger.save()
    audit.record(actor, AuditAction.UPDATE, ledger, before=before)
    return ledger


@transaction.atomic
def do_publish_ledger(actor, ledger: Ledger | int) -> Ledger:
    """Publish a confirmed ledger on the public notice; from now on it never changes."""
    ledger = queries.get_ledger(actor, ledger, "change")
    if ledger.status != LedgerStatus.CONFIRMED:
        raise Conflict(f"ledger {ledger}: only a confirmed ledger is published")
    before = audit.snapshot(ledger)
    ledger.status = LedgerStatus.PUBLISHED
    ledger.published_on = dt.date.today()
    ledger.save(update_fields=["status", "published_on"])
    audit.record(actor, AuditAction.UPDATE, ledger, before=before)
    return ledger


@transaction.atomic
def do_correct_ledger(actor, ledger: Ledger | int, reason: str) -> Ledger:
    """A new draft version of a published ledger, with its lines copied and the reason
    shown on the notice once published; the published version stays as it was."""
    ledger = queries.get_ledger(actor, ledger, "change")
    require_place(actor, "add", Ledger, ledger.path, f"no ledger with id {ledger.pk}")
    problems: list[str] = []
    reason = _text(problems, "reason", reason, 500)
    if problems:
        raise InvalidInput(problems)
    if ledger.status != LedgerStatus.PUBLISHED:
        raise Conflict(f"ledger {ledger}: is not published; change the draft itself")
    latest = Ledger.objects.filter(
        compound=ledger.compound, year=ledger.year, quarter=ledger.quarter
    )
    if latest.filter(version__gt=ledger.version).exists():
        raise Conflict(f"ledger {ledger}: a later version exists; correct that one")
    fresh = Ledger.objects.create(
        compound=ledger.compound,
        year=ledger.year,
        quarter=ledger.quarter,
        version=ledger.version + 1,
        entered_by=_acting_for(actor, ledger.compound) or ledger.entered_by,
        correction=reason,
        path=ledger.path,
    )
    audit.record(actor, AuditAction.CREATE, fresh, reason=reason)
    for entry in ledger.entries.all():
        copy = LedgerEntry.objects.create(
            ledger=fresh,
            kind=entry.kind,
            amount=entry.amount,
            description=entry.description,
            path=fresh.path,
        )
        audit.record(actor, AuditAction.CREATE, copy, reason=reason)
    return fresh


@transaction.atomic
def do_set_dwelling_areas(actor, areas: dict[int, object], reason: str) -> int:
    """Record the areas of many dwellings that have none yet (a survey's table), all or
    nothing, with one audit row each."""
    require(actor, "partners.add_dwellingarea")
    dwellings = territory.dwellings(actor).filter(pk__in=list(areas))
    found = {d.pk: d for d in dwellings}
    problems = [f"dwelling {pk}: no dwelling with id {pk}" for pk in areas if pk not in found]
    taken = set(
        DwellingArea.objects.filter(dwelling__in=list(found)).values_list("dwelling_id", flat=True)
    )
    problems += [f"dwelling {pk}: already has an area" for pk in sorted(taken)]
    rows = []
    for pk, value in areas.items():
        if pk in found and pk not in taken:
            try:
                rows.append(
                    DwellingArea(dwelling=found[pk], area=_area(value), path=found[pk].path)
                )
            except InvalidInput as error:
                problems.append(f"dwelling {pk}: {error}")
    if problems:
        raise InvalidInput(problems)
    DwellingArea.objects.bulk_create(rows, batch_size=2000)
    audit.record_created(actor, rows, reason)
    return len(rows)


@transaction.atomic
def do_question_entry(actor, entry: LedgerEntry | int, text: str):
    """A question on a line of a published notice becomes a case of the compound: raised by
    a resident of that compound for their household, or by staff for the compound."""
    from finegrid.cases.actions import do_open_case
    from finegrid.cases.models import Category, Channel

    pk = getattr(entry, "pk", entry)
    entry = (
        LedgerEntry.objects.select_related("ledger__compound")
        .filter(pk=pk, ledger__status=LedgerStatus.PUBLISHED)
        .first()
    )
    missing = f"no published ledger line with id {pk}"
    if entry is None:
        raise NotFound(missing)
    ledger, compound = entry.ledger, entry.ledger.compound
    problems: list[str] = []
    text = _text(problems, "text", text, 300)
    if problems:
        raise InvalidInput(problems)
    notice = (
        f"{compound.name} {ledger.year}年第{ledger.quarter}季度公区收益公示 第{ledger.version}版"
    )
    about = f"【{notice}】{entry.get_kind_display()}“{entry.description}” {entry.amount} 元：{text}"
    if actor.role == Role.RESIDENT:
        own = people.households(actor).select_related("dwelling__building").first()
        if own is None or own.dwelling.building.compound_id != compound.pk:
            raise NotFound(missing)
        return do_open_case(actor, category=Category.PROPERTY, text=about, channel=Channel.RESIDENT)
    try:
        compound = _compound(actor, compound.pk)
    except NotFound:
        raise NotFound(missing) from None
    return do_open_case(
        actor, category=Category.PROPERTY, text=about, channel=Channel.STAFF, compound=compound.pk
    )
