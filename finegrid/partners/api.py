"""REST API for partners, committees, assemblies, ratings, services and public accounts."""

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from finegrid.apicommon import QUERY_ERRORS, READ_ERRORS, WRITE_ERRORS, Pages, PathId, actor
from finegrid.partners import actions, queries
from finegrid.partners.schemas import (
    AnswerIn,
    AnswerOut,
    AssemblyDecisionIn,
    AwardIn,
    AwardOut,
    CommitteeMemberIn,
    CommitteeMemberOut,
    ConfirmIn,
    DecisionOut,
    DwellingAreaIn,
    DwellingAreaOut,
    EndIn,
    EntryIn,
    GridServiceIn,
    LedgerEntryOut,
    LedgerIn,
    LedgerOut,
    LedgerQuestionIn,
    OfferIn,
    OfferOut,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    PartyRoleIn,
    PartyRoleOut,
    PeriodIn,
    QuestionOut,
    RankOut,
    RatingOut,
    RatingPeriodOut,
    ReasonIn,
    RecordIn,
    RecordOut,
    ServiceIn,
    ServiceOut,
    TermIn,
    TermMemberIn,
    TermMemberOut,
    TermOut,
    UnitLinkIn,
    VoteIn,
    VoteOut,
)

router = Router(tags=["partners"])


# --- Partners ------------------------------------------------------------------------------


class PartnerFilters(Schema):
    kind: str | None = None


@router.get("/partners", response={200: list[PartnerOut], **QUERY_ERRORS})
@paginate(Pages)
def list_partners(request, filters: Query[PartnerFilters]):
    partners = queries.partners(actor(request))
    return partners.filter(kind=filters.kind) if filters.kind else partners


@router.get("/partners/{partner_id}", response={200: PartnerOut, **READ_ERRORS})
def get_partner(request, partner_id: PathId):
    return queries.get_partner(actor(request), partner_id)


@router.post("/partners", response={201: PartnerOut, **WRITE_ERRORS})
def create_partner(request, payload: PartnerIn):
    """Register a partner organization; its credit code is checked (GB 32100-2015)."""
    return Status(201, actions.do_create_partner(actor(request), **payload.dict()))


@router.patch("/partners/{partner_id}", response={200: PartnerOut, **WRITE_ERRORS})
def update_partner(request, partner_id: PathId, payload: PartnerPatch):
    return actions.do_update_partner(actor(request), partner_id, **payload.dict(exclude_unset=True))


@router.post("/partners/{partner_id}/units", response={200: PartnerOut, **WRITE_ERRORS})
def link_unit(request, partner_id: PathId, payload: UnitLinkIn):
    """The property company becomes the responsible unit of a compound it serves: its
    accounts work the cases routed to that unit."""
    return actions.do_link_unit(actor(request), partner_id, payload.unit)


@router.get("/partner-services", response={200: list[ServiceOut], **QUERY_ERRORS})
@paginate(Pages)
def list_services(request):
    """Which partner serves which compound or grid, from when to when (history kept)."""
    return queries.services(actor(request))


@router.post("/partners/{partner_id}/services", response={201: ServiceOut, **WRITE_ERRORS})
def start_service(request, partner_id: PathId, payload: ServiceIn):
    """A partner starts serving a compound (one property company and one owners'
    committee at a time)."""
    service = actions.do_start_service(actor(request), partner_id, **payload.dict())
    return Status(201, service)


@router.post("/partners/{partner_id}/grid-services", response={201: ServiceOut, **WRITE_ERRORS})
def start_grid_service(request, partner_id: PathId, payload: GridServiceIn):
    """A partner starts serving a grid (a resident unit of a dedicated grid, say)."""
    service = actions.do_start_service(actor(request), partner_id, **payload.dict())
    return Status(201, service)


@router.post("/partner-services/{service_id}/end", response={200: ServiceOut, **WRITE_ERRORS})
def end_service(request, service_id: PathId, payload: EndIn):
    return actions.do_end_service(actor(request), service_id, payload.end)


@router.get("/committee-members", response={200: list[CommitteeMemberOut], **QUERY_ERRORS})
@paginate(Pages)
def list_committee_members(request):
    """Part-time committee members (兼职委员)."""
    return queries.committee_members(actor(request))


@router.post("/committee-members", response={201: CommitteeMemberOut, **WRITE_ERRORS})
def add_committee_member(request, payload: CommitteeMemberIn):
    return Status(201, actions.do_add_committee_member(actor(request), **payload.dict()))


# --- Owners' committees and assemblies -----------------------------------------------------


@router.post("/partners/{committee_id}/terms", response={201: TermOut, **WRITE_ERRORS})
def start_term(request, committee_id: PathId, payload: TermIn):
    """A new term of an owners' committee, for the compound it serves."""
    return Status(201, actions.do_start_term(actor(request), committee_id, **payload.dict()))


@router.post("/committee-terms/{term_id}/members", response={201: TermMemberOut, **WRITE_ERRORS})
def add_term_member(request, term_id: PathId, payload: TermMemberIn):
    member = actions.do_add_term_member(actor(request), term_id, payload.person, payload.role)
    return Status(201, member)


@router.put("/dwellings/{dwelling_id}/area", response={200: DwellingAreaOut, **WRITE_ERRORS})
def set_dwelling_area(request, dwelling_id: PathId, payload: DwellingAreaIn):
    """The floor area of a dwelling's exclusive part, which assembly votes weigh."""
    return actions.do_set_dwelling_area(actor(request), dwelling_id, payload.floor_area)


@router.get("/decisions", response={200: list[DecisionOut], **QUERY_ERRORS})
@paginate(Pages)
def list_decisions(request):
    return queries.decisions(actor(request))


@router.get("/decisions/{decision_id}", response={200: DecisionOut, **READ_ERRORS})
def get_decision(request, decision_id: PathId):
    """A decision with its count: whether it passed, and each condition of Art. 278."""
    return queries.get_decision(actor(request), decision_id)


@router.post("/decisions", response={201: DecisionOut, **WRITE_ERRORS})
def open_decision(request, payload: AssemblyDecisionIn):
    values = payload.dict()
    compound = values.pop("compound")
    return Status(201, actions.do_open_decision(actor(request), compound, **values))


@router.post("/decisions/{decision_id}/votes", response={201: VoteOut, **WRITE_ERRORS})
def record_vote(request, decision_id: PathId, payload: VoteIn):
    vote = actions.do_record_vote(actor(request), decision_id, payload.dwelling, payload.choice)
    return Status(201, vote)


@router.post("/decisions/{decision_id}/close", response={200: DecisionOut, **WRITE_ERRORS})
def close_decision(request, decision_id: PathId):
    return actions.do_close_decision(actor(request), decision_id)


# --- Ratings -------------------------------------------------------------------------------


@router.get("/rating-periods", response={200: list[RatingPeriodOut], **QUERY_ERRORS})
@paginate(Pages)
def list_periods(request):
    return queries.periods(actor(request))


@router.post("/rating-periods", response={201: RatingPeriodOut, **WRITE_ERRORS})
def open_period(request, payload: PeriodIn):
    return Status(201, actions.do_open_period(actor(request), **payload.dict()))


@router.post("/rating-periods/{period_id}/answers", response={201: AnswerOut, **WRITE_ERRORS})
def answer_survey(request, period_id: PathId, payload: AnswerIn):
    """A household's answer to the satisfaction phone survey (once per period)."""
    answer = actions.do_answer_survey(
        actor(request), period_id, payload.household, payload.score, payload.comment
    )
    return Status(201, answer)


@router.post(
    "/rating-periods/{period_id}/party-roles", response={201: PartyRoleOut, **WRITE_ERRORS}
)
def set_party_role(request, period_id: PathId, payload: PartyRoleIn):
    role = actions.do_set_party_role(
        actor(request), period_id, payload.partner, payload.level, payload.reason
    )
    return Status(201, role)


@router.post("/rating-periods/{period_id}/close", response={200: list[RatingOut], **WRITE_ERRORS})
def close_period(request, period_id: PathId):
    """Close a period: every compound's property company is rated from the inputs."""
    return actions.do_close_period(actor(request), period_id)


@router.post("/rating-periods/{period_id}/publish", response={200: RatingPeriodOut, **WRITE_ERRORS})
def publish_period(request, period_id: PathId):
    return actions.do_publish_period(actor(request), period_id)


@router.get("/rating-periods/{period_id}/ratings", response={200: list[RatingOut], **READ_ERRORS})
def list_ratings(request, period_id: PathId):
    period = queries.get_period(actor(request), period_id)
    return list(queries.current_ratings(actor(request), period))


@router.get("/ratings/{rating_id}", response={200: RatingOut, **READ_ERRORS})
def get_rating(request, rating_id: PathId):
    """A rating with every figure it was computed from."""
    return queries.get_rating(actor(request), rating_id)


@router.post("/ratings/{rating_id}/correct", response={201: RatingOut, **WRITE_ERRORS})
def correct_rating(request, rating_id: PathId, payload: ReasonIn):
    """Rate again from the inputs as they are now: a new version with its reason."""
    return Status(201, actions.do_correct_rating(actor(request), rating_id, payload.reason))


@router.post("/partner-records", response={201: RecordOut, **WRITE_ERRORS})
def add_record(request, payload: RecordIn):
    values = payload.dict()
    partner = values.pop("partner")
    return Status(201, actions.do_add_record(actor(request), partner, **values))


# --- Purchased services ------------------------------------------------------------------


@router.get("/service-offers", response={200: list[OfferOut], **QUERY_ERRORS})
@paginate(Pages)
def list_offers(request):
    return queries.offers(actor(request)).select_related("award")


@router.post("/service-offers", response={201: OfferOut, **WRITE_ERRORS})
def create_offer(request, payload: OfferIn):
    return Status(201, actions.do_create_offer(actor(request), **payload.dict()))


@router.get("/service-offers/{offer_id}/ranking", response={200: list[RankOut], **READ_ERRORS})
def offer_ranking(request, offer_id: PathId):
    """Eligible partners, best grade and score first."""
    return queries.ranking(actor(request), queries.get_offer(actor(request), offer_id))


@router.post("/service-offers/{offer_id}/award", response={201: AwardOut, **WRITE_ERRORS})
def award_offer(request, offer_id: PathId, payload: AwardIn):
    award = actions.do_award(
        actor(request), offer_id, payload.partner, amount=payload.amount, reason=payload.reason
    )
    return Status(201, award)


# --- Public accounts -----------------------------------------------------------------------


@router.get("/ledgers", response={200: list[LedgerOut], **QUERY_ERRORS})
@paginate(Pages)
def list_ledgers(request):
    return queries.ledgers(actor(request)).prefetch_related("entries")


@router.get("/ledgers/{ledger_id}", response={200: LedgerOut, **READ_ERRORS})
def get_ledger(request, ledger_id: PathId):
    return queries.get_ledger(actor(request), ledger_id)


@router.post("/ledgers", response={201: LedgerOut, **WRITE_ERRORS})
def open_ledger(request, payload: LedgerIn):
    ledger = actions.do_open_ledger(
        actor(request), payload.compound, year=payload.year, quarter=payload.quarter
    )
    return Status(201, ledger)


@router.post("/ledgers/{ledger_id}/entries", response={201: LedgerEntryOut, **WRITE_ERRORS})
def add_entry(request, ledger_id: PathId, payload: EntryIn):
    return Status(201, actions.do_add_entry(actor(request), ledger_id, **payload.dict()))


@router.post("/ledgers/{ledger_id}/confirm", response={200: LedgerOut, **WRITE_ERRORS})
def confirm_ledger(request, ledger_id: PathId, payload: ConfirmIn | None = None):
    """The other side confirms: the owners' committee, the property company, or the
    community where the compound has no committee. Staff record a side's confirmation
    given on paper with ``on_behalf_of``."""
    on_behalf_of = payload.on_behalf_of if payload else None
    return actions.do_confirm_ledger(actor(request), ledger_id, on_behalf_of=on_behalf_of)


@router.post("/ledgers/{ledger_id}/publish", response={200: LedgerOut, **WRITE_ERRORS})
def publish_ledger(request, ledger_id: PathId):
    return actions.do_publish_ledger(actor(request), ledger_id)


@router.post("/ledgers/{ledger_id}/correct", response={201: LedgerOut, **WRITE_ERRORS})
def correct_ledger(request, ledger_id: PathId, payload: ReasonIn):
    """A new draft version of a published ledger; the published one stays as it was."""
    return Status(201, actions.do_correct_ledger(actor(request), ledger_id, payload.reason))


@router.post("/ledger-entries/{entry_id}/question", response={201: QuestionOut, **WRITE_ERRORS})
def question_entry(request, entry_id: PathId, payload: LedgerQuestionIn):
    """A question on a line of a published notice: it becomes a case of the compound."""
    case = actions.do_question_entry(actor(request), entry_id, payload.text)
    return Status(201, {"case": case.pk, "ref": case.ref})
