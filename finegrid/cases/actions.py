"""Every change to cases: intake, the lifecycle, routing, 吹哨报到, deadlines, the compound
stream, units and duty lists.

The lifecycle is a small table (``TRANSITIONS``): a step not in it for the case's status
is refused with InvalidInput naming the status, and nothing is written. Every step writes
a ``CaseStep`` (actor, time, note, evidence), an audit row, a message to the compound's
stream when the case belongs to a compound, and notifications to the group robots.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from finegrid import bulk, clock, identity
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.roles import UNIT_ROLES, Role
from finegrid.accounts.scope import access, require
from finegrid.cases import limits, notify, routing
from finegrid.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseStep,
    Category,
    Channel,
    Level,
    Robot,
    RobotKind,
    Satisfaction,
    Status,
    StepKind,
    StreamMessage,
    Unit,
    UnitKind,
    Urgency,
    Whistle,
    WhistleCall,
)
from finegrid.errors import InvalidInput, NotFound
from finegrid.people import protect
from finegrid.people import queries as people
from finegrid.people.models import Household
from finegrid.territory import queries as territory
from finegrid.territory.models import AreaLevel, Compound

S = Status
K = StepKind

# (status, step) → status after. Steps absent for a status are refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, K.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, K.REFUSE): S.REFUSED,
    (S.SUBMITTED, K.MERGE): S.CANCELLED,
    (S.ACCEPTED, K.DISPATCH): S.DISPATCHED,
    (S.DISPATCHED, K.START): S.IN_PROGRESS,
    (S.DISPATCHED, K.SEND_BACK): S.ACCEPTED,
    (S.DISPATCHED, K.REASSIGN): S.DISPATCHED,
    (S.DISPATCHED, K.HANDLE): S.HANDLED,
    (S.IN_PROGRESS, K.HANDLE): S.HANDLED,
    (S.IN_PROGRESS, K.SEND_BACK): S.ACCEPTED,
    (S.IN_PROGRESS, K.REASSIGN): S.DISPATCHED,
    (S.DISPATCHED, K.SUSPEND): S.SUSPENDED,
    (S.IN_PROGRESS, K.SUSPEND): S.SUSPENDED,
    (S.DISPATCHED, K.EXTEND): S.DISPATCHED,
    (S.IN_PROGRESS, K.EXTEND): S.IN_PROGRESS,
    # A handler asks for a suspension or an extension; staff who may dispatch grant it
    # (suspend, extend) or not.
    (S.DISPATCHED, K.REQUEST): S.DISPATCHED,
    (S.IN_PROGRESS, K.REQUEST): S.IN_PROGRESS,
    (S.HANDLED, K.VERIFY): S.VERIFIED,
    (S.HANDLED, K.FAIL): S.IN_PROGRESS,
    (S.VERIFIED, K.CLOSE): S.CLOSED,
    (S.CLOSED, K.RATE): S.CLOSED,
    (S.CLOSED, K.REOPEN): S.IN_PROGRESS,
}
for _status in (S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED):
    TRANSITIONS[(_status, K.CANCEL)] = S.CANCELLED
# Resuming returns to the status the case was suspended in.
RESUMABLE = (S.DISPATCHED, S.IN_PROGRESS)

# Which permission each step needs (beyond seeing the case).
STEP_PERMISSION = {
    K.ACCEPT: "cases.dispatch_case",
    K.REFUSE: "cases.dispatch_case",
    K.MERGE: "cases.dispatch_case",
    K.DISPATCH: "cases.dispatch_case",
    K.REASSIGN: "cases.dispatch_case",
    K.CANCEL: "cases.dispatch_case",
    K.SUSPEND: "cases.dispatch_case",
    K.RESUME: "cases.dispatch_case",
    K.EXTEND: "cases.dispatch_case",
    K.CLOSE: "cases.dispatch_case",
    K.START: "cases.handle_case",
    K.REQUEST: "cases.handle_case",
    K.SEND_BACK: "cases.handle_case",
    K.HANDLE: "cases.handle_case",
    K.VERIFY: "cases.verify_case",
    K.FAIL: "cases.verify_case",
    K.WHISTLE: "cases.whistle_case",
    K.NOTE: "cases.view_case",
}

# Steps only the responsible unit (or staff who dispatch) takes.
HANDLER_STEPS = frozenset({K.HANDLE, K.START, K.SEND_BACK, K.REQUEST})

# Steps whose note is required (a reason).
NEEDS_REASON = frozenset(
    {
        K.REFUSE,
        K.SEND_BACK,
        K.REASSIGN,
        K.FAIL,
        K.SUSPEND,
        K.EXTEND,
        K.CANCEL,
        K.REOPEN,
        K.REQUEST,
    }
)

ESCALATION = {
    "": Level.GRID,
    Level.GRID: Level.COMMUNITY,
    Level.COMMUNITY: Level.STREET,
    Level.STREET: Level.DISTRICT,
    Level.DISTRICT: Level.DISTRICT,
}

MAX_TEXT = 2000


# --- Reading the case a request names --------------------------------------------------


def get_case(actor, ref: Case | int | str, action: str = "view") -> Case:
    """The case ``ref`` (a case, its id or its ref) if the actor may ``action`` it."""
    if isinstance(ref, Case):
        lookup = {"pk": ref.pk}
    elif isinstance(ref, int) or (isinstance(ref, str) and ref.isdecimal()):
        lookup = {"pk": int(ref)}
    else:
        lookup = {"ref": ref}
    return access(actor, action, Case.objects.all(), f"no case {ref}", **lookup)


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


# --- Intake ------------------------------------------------------------------------------


class IntakeMemo:
    """What one intake request looks up once for many cases: the places it names (each
    still read through the actor's scope, once), the resident's own household and the
    route of each (place, category). A single intake uses a fresh one."""

    def __init__(self, batch: bool = False):
        self.batch = batch
        self.found: dict[tuple, object] = {}
        self.routes: dict[tuple, routing.Route] = {}
        self.books: dict[int, routing.RouteBook] = {}

    def get(self, kind: str, key, read):
        """``read()`` once per (kind, key); a NotFound is remembered too."""
        memo_key = (kind, getattr(key, "pk", key))
        if memo_key not in self.found:
            try:
                self.found[memo_key] = read()
            except NotFound as error:
                self.found[memo_key] = error
        value = self.found[memo_key]
        if isinstance(value, NotFound):
            raise NotFound(str(value))
        return value

    def route(self, case: Case) -> routing.Route:
        """A single intake asks the database as ``routing.route`` does; a batch reads one
        ``RouteBook`` per community and routes from it."""
        if not self.batch:
            return routing.route(case)
        key = (case.path, case.category, case.compound_id, case.community_id)
        if key not in self.routes:
            if case.community_id not in self.books:
                self.books[case.community_id] = routing.RouteBook(case.community)
            self.routes[key] = routing.route(case, self.books[case.community_id])
        return self.routes[key]


def _place(actor, household, compound, grid, community, memo: IntakeMemo | None = None) -> dict:
    """Where a case is. Every place the request names is looked up in the actor's scope
    (out of scope reads as missing), they must lie in one community, and the most precise
    one locates the case: a compound (its common areas) before a household's dwelling,
    then a grid, then a community. The household, when given, is who raised it."""
    memo = memo or IntakeMemo()
    found = {}
    if household is not None:
        found["household"] = memo.get(
            "household", household, lambda: _household_place(actor, household)
        )
    if compound is not None:
        found["compound"] = memo.get(
            "compound", compound, lambda: territory.get_compound(actor, compound)
        )
    if grid is not None:
        found["grid"] = memo.get("grid", grid, lambda: territory.get_grid(actor, grid))
    if community is not None:
        code = getattr(community, "code", community)
        found["community"] = memo.get(
            "community", code, lambda: territory.get_community(actor, code)
        )
    if not found:
        raise InvalidInput("place: give a household, compound, grid or community")
    communities = {(row if key == "community" else row.community).pk for key, row in found.items()}
    if len(communities) > 1:
        raise InvalidInput("place: the household, compound, grid and community given disagree")
    place = {"household": found.get("household")}
    if "household" in found:
        dwelling = found["household"].dwelling
        building = dwelling.building
        place.update(
            compound=building.compound,
            grid=dwelling.grid,
            community=found["household"].community,
            path=found["household"].path,
            address=f"{building.name}{dwelling.room}",
        )
    if "compound" in found:
        compound = found["compound"]
        place.update(
            compound=compound,
            grid=compound.grid,
            community=compound.community,
            path=compound.path,
            address=compound.name,
        )
    elif "grid" in found and "household" not in found:
        grid = found["grid"]
        place.update(grid=grid, community=grid.community, path=grid.path, address=grid.name)
    elif "community" in found and "household" not in found:
        area = found["community"]
        place.update(community=area, path=area.path, address=area.name)
    return place


def resident_bounds(community):
    """Where a resident may drop a pin: their community's boundary, else the union of its
    grids' (the NBS extract carries codes, not boundaries); None when neither is known."""
    from shapely.ops import unary_union

    from finegrid.territory.models import Grid

    shape = community.shape
    if shape is not None:
        return shape
    shapes = [
        g.shape
        for g in Grid.objects.filter(path__startswith=f"{community.path}/").exclude(geometry="")
    ]
    return unary_union(shapes) if shapes else None


def _pinned(place: dict, lon: float, lat: float) -> dict:
    """A resident's map pin instead of their dwelling: it must lie within their community
    (the boundary the server knows). The case stays their household's (its grid and
    scope, so their micro-grid worker has it and they follow it); the pin is its place."""
    from shapely.geometry import Point

    community = place["community"]
    bounds = resident_bounds(community)
    if bounds is None or not bounds.covers(Point(lon, lat)):
        raise InvalidInput(
            f"location: the pin ({lon:.5f}, {lat:.5f}) is outside {community.name}; "
            "mark a place in your community, or leave the pin out to use your home"
        )
    return {"address": f"地图标点（{lon:.5f}, {lat:.5f}）"}


def _household_place(actor, household) -> Household:
    """A household in the actor's scope, with its dwelling, building and community read
    in the same query (the place of a case needs them)."""
    found = people.get_household(actor, household)
    return Household.objects.select_related(
        "dwelling__building__compound", "dwelling__grid", "community"
    ).get(pk=found.pk)


def _own_household(actor) -> Household | None:
    return Household.objects.filter(members__user=actor).first()


def _check_text(category: str, text: str, channel: str, urgency: str | None) -> list[str]:
    problems = []
    if category not in Category.values:
        problems.append(f"category: {category!r} is not one of {', '.join(Category.values)}")
    if not (text or "").strip():
        problems.append("text: describe the problem")
    elif len(text) > MAX_TEXT:
        problems.append(f"text: at most {MAX_TEXT} characters")
    if channel not in Channel.values:
        problems.append(f"channel: {channel!r} is not one of {', '.join(Channel.values)}")
    if urgency is not None and urgency not in Urgency.values:
        problems.append(f"urgency: {urgency!r} is not one of {', '.join(Urgency.values)}")
    return problems


INTAKE_FIELDS = (
    "category",
    "text",
    "channel",
    "household",
    "compound",
    "grid",
    "reporter",
    "source",
    "community",
    "urgency",
    "lon",
    "lat",
    "address",
    "reporter_name",
    "reporter_phone",
    "anonymous",
)


def _new_case(
    actor,
    memo: IntakeMemo,
    *,
    category: str,
    text: str,
    channel: str,
    household=None,
    compound=None,
    grid=None,
    reporter=None,
    source: str = "",
    community=None,
    urgency: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
) -> Case:
    """A checked, located and routed case, not yet saved (raises InvalidInput with every
    problem of the input, or NotFound for a place out of the actor's scope)."""
    if actor.role == Role.RESIDENT:
        own = memo.get("own", actor.pk, lambda: _own_household(actor))
        if own is None:
            raise NotFound("you are not registered in a household")
        if household is not None and getattr(household, "pk", household) != own.pk:
            raise NotFound(f"no household {getattr(household, 'pk', household)}")
        household, compound, grid, community = own, None, None, None
        reporter = actor
    problems = _check_text(category, text, channel, urgency)
    if reporter_phone:
        try:
            reporter_phone = identity.validate_mobile(reporter_phone)
        except identity.IdentityError as error:
            problems.append(f"reporter_phone: {error.reason}")
    if (lon is None) != (lat is None) or (
        lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)
    ):
        problems.append("location: give both lon and lat, in degrees")
    if len(source) > 100:
        problems.append("source: at most 100 characters")
    if problems:
        raise InvalidInput(problems)
    place = _place(actor, household, compound, grid, community, memo)
    if actor.role == Role.RESIDENT and lon is not None:
        place.update(_pinned(place, lon, lat))
    if reporter is not None and not reporter_name:
        reporter_name = reporter.get_full_name() or reporter.username
    moment = clock.now()
    urgency = urgency or limits.default_urgency(category)
    case = Case(
        ref=new_ref(moment),
        category=category,
        urgency=urgency,
        text=text.strip(),
        channel=channel,
        source=source,
        lon=lon,
        lat=lat,
        reporter=reporter,
        reporter_name=reporter_name[:50],
        reporter_phone_enc=protect.encrypt(reporter_phone) if reporter_phone else "",
        reporter_phone_hash=protect.lookup_hash("phone", reporter_phone) if reporter_phone else "",
        reporter_phone_masked=identity.mask_phone(reporter_phone) if reporter_phone else "",
        anonymous=anonymous,
        opened_at=moment,
        due_at=limits.deadline(moment, urgency, "accept"),
        **place,
    )
    if address:
        case.address = address[:200]
    route = memo.route(case)
    case.duty_item, case.route_rule = route.item, route.rule
    return case


def new_ref(moment: dt.datetime) -> str:
    """A case's reference: its local date and 10 random hex digits (6 digits collided
    within a few thousand cases of one day)."""
    return f"{timezone_date(moment)}-{uuid.uuid4().hex[:10].upper()}"


STEP_COLUMNS = (
    "case_id",
    "kind",
    "from_status",
    "to_status",
    "actor_id",
    "actor_label",
    "unit_id",
    "at",
    "note",
    "evidence",
    "on_time",
    "path",
)


class _Labels(dict):
    """Category labels in the active language, looked up once each."""

    def __missing__(self, key):
        label = self[key] = str(Category(key).label)
        return label


def _opened_text(case: Case, labels=None) -> str:
    category = (labels or _Labels())[case.category]
    return f"新事件 {case.ref}【{category}】{case.address}：{case.text[:80]}"


@transaction.atomic
def do_open_case(actor, *, photos=(), **fields) -> Case:
    """Register a problem (信息采集). A resident raises it for their own household; workers
    and staff for any place in their scope. The suggested route (duty item, unit and the
    rule that chose them) is stored at once; acceptance and dispatch are separate steps.
    Fields: see ``INTAKE_FIELDS`` (category, text and channel are required)."""
    require(actor, "cases.add_case")
    case = _new_case(actor, IntakeMemo(), **fields)
    case.save()
    audit.record(actor, AuditAction.CREATE, case)
    step = _step(actor, case, K.OPEN, "", S.SUBMITTED, note=case.text[:200])
    if photos:
        from finegrid.cases import photos as photo_store

        photo_store.attach(case, step, photos)
    _announce(case, _opened_text(case))
    return case


MAX_BATCH = 500


@transaction.atomic
def do_open_cases(actor, items: list[dict]) -> list[Case]:
    """Register many problems in one go (the hotline's exports, a phone that was
    offline): each item is checked, located in the actor's scope and routed exactly as
    ``do_open_case`` does it, and then all are written, or none. Every problem of every
    item is reported (``items[3].category: …``); a place out of scope is a NotFound
    naming the item, like a single intake's. Returns the cases in the items' order."""
    require(actor, "cases.add_case")
    if not items:
        raise InvalidInput("items: give at least one case")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"items: at most {MAX_BATCH} cases in one request")
    memo, problems, cases = IntakeMemo(batch=True), [], []
    for number, item in enumerate(items):
        unknown = set(item) - set(INTAKE_FIELDS)
        if unknown:
            problems.append(f"items[{number}]: unknown fields {', '.join(sorted(unknown))}")
            continue
        try:
            cases.append(_new_case(actor, memo, **item))
        except InvalidInput as error:
            problems.extend(f"items[{number}].{problem}" for problem in error.problems)
        except NotFound as error:
            raise NotFound(f"items[{number}]: {error}") from None
    if problems:
        raise InvalidInput(problems)
    refs = {case.ref for case in cases}
    while len(refs) < len(cases):  # ten random hex digits: practically never
        for case in cases:
            case.ref = new_ref(case.opened_at)
        refs = {case.ref for case in cases}
    # Straight inserts (finegrid.bulk): Django's bulk_create compiles each row field by
    # field, which cost more than everything else of a batch.
    columns = [f.attname for f in Case._meta.concrete_fields]
    rows = []
    for case, pk in zip(cases, bulk.reserve_ids(Case, len(cases)), strict=True):
        case.pk = pk
        rows.append({name: getattr(case, name) for name in columns})
    bulk.insert(Case, columns, ([row[name] for name in columns] for row in rows))
    labels_of = _Labels()
    labels = [f"{case.ref} {labels_of[case.category]}" for case in cases]
    audit.record_created_rows(actor, Case, rows, labels, reason="")
    label, moment = _label(actor), clock.now()
    bulk.insert(
        CaseStep,
        STEP_COLUMNS,
        (
            (
                case.pk,
                K.OPEN.value,
                "",
                S.SUBMITTED.value,
                actor.pk,
                label,
                None,
                moment,
                case.text[:200],
                [],
                None,
                case.path,
            )
            for case in cases
        ),
    )
    _announce_many([(case, _opened_text(case, labels_of)) for case in cases])
    return cases


def timezone_date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y%m%d")


# --- Steps -------------------------------------------------------------------------------


def _label(actor) -> str:
    return audit.actor_label(actor)


def _step(
    actor,
    case: Case,
    kind,
    from_status,
    to_status,
    *,
    note="",
    evidence=None,
    unit=None,
    on_time=None,
):
    return case.steps.create(
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_label=_label(actor),
        unit=unit,
        at=clock.now(),
        note=note,
        evidence=evidence or [],
        on_time=on_time,
        path=case.path,
    )


# Cases about a person's own hardship or a dispute between neighbours are not told to the
# whole compound group unless they came from it; the staff robots still hear of them.
PRIVATE_CATEGORIES = frozenset({Category.HELP, Category.DISPUTE})


def _announce(case: Case, text: str) -> None:
    """Tell the case's compound group (not for private or anonymous cases that did not
    come from the group) and the robots of its place."""
    if case.compound_id is not None and _public(case):
        StreamMessage.objects.create(
            compound_id=case.compound_id,
            author=None,
            author_label="事件助手",
            text=text,
            at=clock.now(),
            case=case,
            path=case.compound.path,
        )
    notify.notify(case.path, text)


def _announce_many(announcements: list[tuple[Case, str]]) -> None:
    """``_announce`` for many cases: the stream messages and the robots' outbox rows in
    bulk, the robots read once."""
    moment = clock.now()
    StreamMessage.objects.bulk_create(
        StreamMessage(
            compound_id=case.compound_id,
            author=None,
            author_label="事件助手",
            text=text,
            at=moment,
            case=case,
            path=case.compound.path,
        )
        for case, text in announcements
        if case.compound_id is not None and _public(case)
    )
    notify.notify_many([(case.path, text) for case, text in announcements])


def _public(case: Case) -> bool:
    return case.channel == Channel.STREAM or (
        case.category not in PRIVATE_CATEGORIES and not case.anonymous
    )


def _within(deadline: dt.datetime | None, moment: dt.datetime) -> bool | None:
    return None if deadline is None else moment <= deadline


@transaction.atomic
def do_step(
    actor,
    case,
    kind: str,
    *,
    note: str = "",
    unit=None,
    evidence=None,
    satisfaction: str = "",
    photos=(),
    into: Case | None = None,
) -> Case:
    """Take one step of a case's lifecycle (see TRANSITIONS)."""
    if kind not in StepKind.values:
        raise InvalidInput(f"step: {kind!r} is not one of {', '.join(StepKind.values)}")
    if kind == K.RATE:
        return do_rate_case(actor, case, satisfaction, note=note)
    if kind == K.WHISTLE:
        raise InvalidInput("step: blow the whistle with do_whistle_case")
    if kind == K.MERGE and into is None:
        raise InvalidInput("into: a merge names the case it merges into")
    permission = STEP_PERMISSION.get(kind)
    if permission is None:
        raise InvalidInput(f"step: {kind} is taken by the system, not by hand")
    case = get_case(actor, case)
    require(actor, permission)
    case = _locked(case)
    note = (note or "").strip()
    if kind in NEEDS_REASON and not note:
        raise InvalidInput(f"note: {StepKind(kind).label} needs a reason")
    if len(note) > MAX_TEXT:
        raise InvalidInput(f"note: at most {MAX_TEXT} characters")
    before_status = case.status
    if kind == K.RESUME:
        if case.status != S.SUSPENDED:
            raise _illegal(case, kind)
        after_status = case.resume_status or S.IN_PROGRESS
    elif kind == K.NOTE:
        if not note:
            raise InvalidInput("note: write the note")
        after_status = case.status
    else:
        after_status = TRANSITIONS.get((case.status, kind))
        if after_status is None:
            raise _illegal(case, kind)
    if kind in HANDLER_STEPS:
        _require_handler(actor, case)
    before = audit.snapshot(case)
    moment = clock.now()
    on_time = None
    step_unit = case.unit
    due_before = case.due_at
    if kind == K.ACCEPT:
        on_time = _within(case.due_at, moment)
        case.accepted_at, case.accepted_on_time = moment, on_time
        case.due_at = limits.deadline(moment, case.urgency, "dispatch")
    elif kind in (K.DISPATCH, K.REASSIGN):
        target = _dispatch_target(actor, case, unit)
        on_time = _within(case.due_at, moment) if kind == K.DISPATCH else None
        case.unit, step_unit = target, target
        case.dispatched_at = moment
        handle_days = case.duty_item.handle_days if case.duty_item_id else None
        case.handle_due_at = limits.deadline(moment, case.urgency, "handle", handle_days)
        case.due_at = case.handle_due_at
    elif kind == K.SEND_BACK:
        case.unit = None
        case.due_at = limits.deadline(moment, case.urgency, "dispatch")
    elif kind == K.HANDLE:
        on_time = _within(case.due_at, moment)
        case.handled_at = moment
        case.due_at = limits.deadline(moment, case.urgency, "verify")
    elif kind == K.FAIL:
        case.due_at = case.handle_due_at
    elif kind == K.VERIFY:
        on_time = _within(case.due_at, moment)
        case.due_at = None
    elif kind == K.CLOSE:
        case.closed_at = moment
        case.closed_on_time = _within(case.handle_due_at, case.handled_at or moment)
        case.due_at = None
    elif kind == K.SUSPEND:
        case.resume_status = case.status
        case.due_at = None
    elif kind == K.RESUME:
        case.resume_status = ""
        case.due_at = case.handle_due_at
    elif kind == K.EXTEND:
        days = _extension_days(note)
        base = case.handle_due_at or moment
        case.handle_due_at = clock.add_working_days(max(base, moment), days)
        case.due_at = case.handle_due_at
    elif kind in (K.REFUSE, K.CANCEL, K.MERGE):
        case.due_at = None
        case.closed_at = moment
        if kind == K.MERGE:
            case.duplicate_of = into
    if case.due_at is None or case.due_at != due_before:
        # Overdue belongs to the deadline running now: a new stage's deadline starts on
        # time, and if it passes too the sweep escalates the case one level further.
        case.overdue = False
    case.status = after_status
    case.save()
    audit.record(actor, AuditAction.UPDATE, case, before=before, reason=f"case step {kind}")
    step = _step(
        actor,
        case,
        kind,
        before_status,
        after_status,
        note=note,
        evidence=evidence,
        unit=step_unit,
        on_time=on_time,
    )
    if photos:
        from finegrid.cases import photos as photo_store

        photo_store.attach(case, step, photos)
    text = f"事件 {case.ref}：{StepKind(kind).label}（{case.get_status_display()}）"
    if kind in (K.DISPATCH, K.REASSIGN):
        text += f"，责任单位：{case.unit.name}"
    if note:
        text += f"。{note[:80]}"
    _announce(case, text)
    return case


def _illegal(case: Case, kind: str) -> InvalidInput:
    return InvalidInput(
        f"status: case {case.ref} is {case.get_status_display()} ({case.status}); "
        f"{StepKind(kind).label} ({kind}) is not possible now"
    )


def _extension_days(note: str) -> int:
    """Extensions are granted in working days, written at the start of the reason
    ("5 需要采购配件"); without a number, 5 days."""
    head = note.split(maxsplit=1)[0] if note else ""
    if head.isdecimal() and 1 <= int(head) <= 30:
        return int(head)
    return 5


def _require_handler(actor, case: Case) -> None:
    """Handling is done by the responsible unit's members, or by staff who may dispatch
    (they act for a unit that works on paper)."""
    if actor.has_perm("cases.dispatch_case"):
        return
    if case.unit_id is not None and case.unit.members.filter(pk=actor.pk).exists():
        return
    if (
        actor.role in (Role.GRID_WORKER, Role.MICRO_WORKER)
        and case.unit_id
        and (case.unit.kind in (UnitKind.GRID, UnitKind.COMMUNITY))
    ):
        return
    raise PermissionDenied(f"case {case.ref} is not dispatched to a unit you work for")


def _dispatch_target(actor, case: Case, unit) -> Unit:
    """The unit a case goes to: the one named (looked up in scope, or a unit the case's
    place is responsible to), else the route's. A community is handed only what its duty
    list gives it (社区工作事项准入)."""
    if unit is None:
        route = routing.route(case)
        if route.unit is None:
            raise InvalidInput(f"unit: {route.rule}; name the unit to dispatch to")
        case.duty_item, case.route_rule = route.item, route.rule
        return route.unit
    found = routing.units_for(case).filter(pk=getattr(unit, "pk", unit)).first()
    if found is None:
        raise NotFound(f"no unit {getattr(unit, 'pk', unit)}")
    refusal = routing.admission_refusal(case, found)
    if refusal:
        raise InvalidInput(f"unit: {refusal}")
    case.route_rule = f"人工派遣：{found.name}"
    return found


@transaction.atomic
def do_rate_case(actor, case, satisfaction: str, *, note: str = "") -> Case:
    """The reporter rates a closed case (or staff record the rating given on the follow-up
    call, 回访); 不满意 within 7 days reopens it."""
    case = _locked(get_case(actor, case))
    household_member = (
        case.household_id is not None and case.household.members.filter(user=actor).exists()
    )
    if case.reporter_id != actor.pk and not household_member:
        # Staff record a rating the reporter gave on the follow-up call (回访).
        if not actor.has_perm("cases.dispatch_case"):
            raise PermissionDenied("only the reporter rates a case")
        note = f"回访：{note}".rstrip("：")
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(
            f"satisfaction: {satisfaction!r} is not one of {', '.join(Satisfaction.values)}"
        )
    if case.status != S.CLOSED:
        raise _illegal(case, K.RATE)
    if case.satisfaction:
        raise InvalidInput(f"satisfaction: case {case.ref} is already rated")
    before = audit.snapshot(case)
    moment = clock.now()
    case.satisfaction, case.rated_at = satisfaction, moment
    reopen = satisfaction == Satisfaction.UNSATISFIED and moment <= case.closed_at + dt.timedelta(
        days=limits.REOPEN_DAYS
    )
    case.save()
    _step(
        actor,
        case,
        K.RATE,
        S.CLOSED,
        S.CLOSED,
        note=f"{Satisfaction(satisfaction).label} {note}".strip(),
    )
    if reopen:
        case.status = S.IN_PROGRESS
        case.reopened += 1
        case.closed_at = None
        case.closed_on_time = None
        case.satisfaction = ""
        case.rated_at = None
        case.handle_due_at = limits.deadline(moment, case.urgency, "handle")
        case.due_at = case.handle_due_at
        case.save()
        _step(
            actor, case, K.REOPEN, S.CLOSED, S.IN_PROGRESS, note="不满意，重新办理", unit=case.unit
        )
    audit.record(actor, AuditAction.UPDATE, case, before=before, reason="case rated")
    _announce(
        case,
        f"事件 {case.ref}：评价 {Satisfaction(satisfaction).label}"
        + ("，重新办理" if reopen else ""),
    )
    return case


@transaction.atomic
def do_merge_case(actor, case, into, *, note: str = "") -> Case:
    """Merge a new case into an open duplicate (same category, near): it is cancelled and
    points at the case that goes on."""
    case = get_case(actor, case)
    target = get_case(actor, into)
    if target.pk == case.pk:
        raise InvalidInput("into: a case cannot be merged into itself")
    if target.status not in OPEN_STATUSES:
        raise InvalidInput(f"into: case {target.ref} is {target.get_status_display()}")
    return do_step(actor, case, K.MERGE, note=note or f"与 {target.ref} 重复，合并", into=target)


# --- 吹哨报到 -------------------------------------------------------------------------------


@transaction.atomic
def do_whistle_case(actor, case, units, *, note: str = "", hours: int | None = None) -> Whistle:
    """A street summons departments to an open case; each must report within ``hours``.
    Street staff and above may whistle (the role), on the cases in their scope (a street
    cadre assigned to some of the street's communities whistles for those)."""
    require(actor, "cases.whistle_case")
    case = _locked(get_case(actor, case))
    if case.status not in OPEN_STATUSES:
        raise InvalidInput(f"status: case {case.ref} is {case.get_status_display()}")
    street = case.community.parent
    if street is None or street.level != AreaLevel.STREET:
        raise InvalidInput(f"case {case.ref}: its community is not under a street")
    if not units:
        raise InvalidInput("units: summon at least one department")
    found = []
    for ref in units:
        unit = routing.units_for(case).filter(pk=getattr(ref, "pk", ref)).first()
        if unit is None or unit.kind not in (UnitKind.DEPARTMENT, UnitKind.STREET_OFFICE):
            raise NotFound(f"no department {getattr(ref, 'pk', ref)}")
        found.append(unit)
    moment = clock.now()
    whistle = Whistle.objects.create(
        case=case, street=street, by=actor, at=moment, note=note.strip(), path=case.path
    )
    due = moment + dt.timedelta(hours=hours or limits.WHISTLE_REPORT_HOURS)
    for unit in dict.fromkeys(found):
        WhistleCall.objects.create(whistle=whistle, unit=unit, due_at=due, path=case.path)
    audit.record(actor, AuditAction.CREATE, whistle)
    names = "、".join(u.name for u in dict.fromkeys(found))
    _step(
        actor, case, K.WHISTLE, case.status, case.status, note=f"吹哨：{names}。{note}".strip("。")
    )
    _announce(case, f"事件 {case.ref}：街道吹哨，请 {names} 报到")
    return whistle


def _get_call(actor, call) -> WhistleCall:
    found = (
        WhistleCall.objects.select_related("whistle__case", "unit")
        .filter(pk=getattr(call, "pk", call))
        .first()
    )
    if found is None:
        raise NotFound(f"no whistle call {getattr(call, 'pk', call)}")
    try:
        get_case(actor, found.whistle.case)
    except NotFound:
        raise NotFound(f"no whistle call {getattr(call, 'pk', call)}") from None
    return found


@transaction.atomic
def do_report_whistle(actor, call, report: str) -> WhistleCall:
    """A summoned department reports (报到): a member of its unit says what it does."""
    call = _get_call(actor, call)
    if not call.unit.members.filter(pk=actor.pk).exists() and not actor.has_perm(
        "cases.whistle_case"
    ):
        raise PermissionDenied(f"only {call.unit.name} reports for itself")
    if call.reported_at is not None:
        raise InvalidInput(f"call: {call.unit.name} has already reported")
    if not (report or "").strip():
        raise InvalidInput("report: say what the department does")
    before = audit.snapshot(call)
    call.reported_at, call.report = clock.now(), report.strip()[:MAX_TEXT]
    call.save()
    audit.record(actor, AuditAction.UPDATE, call, before=before)
    case = call.whistle.case
    _step(
        actor,
        case,
        K.REPORT,
        case.status,
        case.status,
        note=f"{call.unit.name}报到：{call.report[:200]}",
        unit=call.unit,
        on_time=call.reported_at <= call.due_at,
    )
    _announce(case, f"事件 {case.ref}：{call.unit.name} 已报到")
    return call


@transaction.atomic
def do_rate_whistle(actor, call, rating: str) -> WhistleCall:
    """The street rates a department's response to its whistle."""
    from finegrid.cases.models import Response

    require(actor, "cases.whistle_case")
    call = _get_call(actor, call)
    if rating not in Response.values:
        raise InvalidInput(f"rating: {rating!r} is not one of {', '.join(Response.values)}")
    if call.reported_at is None:
        raise InvalidInput(f"call: {call.unit.name} has not reported yet")
    before = audit.snapshot(call)
    call.rating = rating
    call.save()
    audit.record(actor, AuditAction.UPDATE, call, before=before)
    return call


# --- Deadlines -----------------------------------------------------------------------------


def _escalation_path(case: Case, level: str) -> str:
    """The path of the node an escalation at ``level`` goes to."""
    if level == Level.GRID and case.grid_id is not None:
        grid = case.grid
        while grid.parent_id is not None and grid.kind == "micro":
            grid = grid.parent
        return grid.path
    community = case.community
    if level in (Level.GRID, Level.COMMUNITY):
        return community.path
    street = community.parent
    if level == Level.STREET or street.parent is None:
        return street.path
    return street.parent.path


def do_sweep_deadlines(actor, batch: int = 2000) -> int:
    """Mark open cases past their stage's limit as overdue and escalate each one level
    (micro-grid → grid → community → street → district); returns how many were marked.
    Run by the background worker every minute; idempotent."""
    moment = clock.now()
    marked = 0
    categories = _Labels()
    levels = {value: str(Level(value).label) for value in Level.values}
    while True:
        with transaction.atomic():
            due = list(
                Case.objects.select_for_update(of=("self",))
                .filter(status__in=OPEN_STATUSES, overdue=False, due_at__lt=moment)
                .exclude(status=S.SUSPENDED)
                .select_related("grid__parent", "community__parent__parent")
                .order_by("due_at")[:batch]
            )
            if not due:
                return marked
            by_level: dict[str, list[int]] = {}
            steps, messages = [], []
            label = _label(actor)
            for case in due:
                level = ESCALATION[case.escalation]
                by_level.setdefault(level, []).append(case.pk)
                steps.append(
                    (
                        case.pk,
                        K.OVERDUE.value,
                        case.status,
                        case.status,
                        actor.pk,
                        label,
                        None,
                        moment,
                        f"超过时限（{timezone.localtime(case.due_at):%Y-%m-%d %H:%M}），"
                        f"督办至{levels[level]}",
                        [],
                        None,
                        case.path,
                    )
                )
                messages.append(
                    (
                        _escalation_path(case, level),
                        f"督办：事件 {case.ref}【{categories[case.category]}】已超时，"
                        f"请{levels[level]}跟进",
                    )
                )
            for level, ids in by_level.items():
                Case.objects.filter(pk__in=ids).update(overdue=True, escalation=level)
            # Straight inserts and labels looked up once: per case, Django's bulk_create
            # and get_FOO_display() cost more than the sweep's queries.
            bulk.insert(CaseStep, STEP_COLUMNS, steps)
            notify.notify_many(messages)
            marked += len(due)


# --- The compound stream --------------------------------------------------------------------


def stream_compounds(actor):
    """The compounds whose group the actor belongs to: residents their own compound's,
    everyone else the compounds in their scope."""
    if actor.role == Role.RESIDENT:
        own = _own_household(actor)
        if own is None:
            return Compound.objects.none()
        return Compound.objects.filter(pk=own.dwelling.building.compound_id)
    return Compound.objects.restrict(actor, "view")


def get_stream_compound(actor, compound) -> Compound:
    require(actor, "cases.view_streammessage")
    found = stream_compounds(actor).filter(pk=getattr(compound, "pk", compound)).first()
    if found is None:
        raise NotFound(f"no compound {getattr(compound, 'pk', compound)}")
    return found


@transaction.atomic
def do_post_message(actor, compound, text: str) -> StreamMessage:
    """Post to a compound's group."""
    require(actor, "cases.add_streammessage")
    compound = get_stream_compound(actor, compound)
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(f"text: 1 to {MAX_TEXT} characters")
    message = StreamMessage.objects.create(
        compound=compound,
        author=actor,
        author_label=actor.get_full_name() or actor.username,
        text=text,
        at=clock.now(),
        path=compound.path,
    )
    audit.record(actor, AuditAction.CREATE, message)
    return message


@transaction.atomic
def do_case_from_message(actor, message, *, category: str, urgency: str | None = None) -> Case:
    """Turn a stream message into a case in one action; its steps post back to the stream."""
    require(actor, "cases.dispatch_case")
    missing = f"no message {getattr(message, 'pk', message)}"
    found = StreamMessage.objects.filter(pk=getattr(message, "pk", message)).first()
    if found is None:
        raise NotFound(missing)
    try:
        compound = get_stream_compound(actor, found.compound_id)
    except NotFound:
        raise NotFound(missing) from None
    if found.case_id is not None:
        raise InvalidInput(f"message: already case {found.case.ref}")
    author = found.author
    household = Household.objects.filter(members__user=author).first() if author else None
    if household is not None and household.dwelling.building.compound_id != compound.pk:
        household = None
    case = do_open_case(
        actor,
        category=category,
        text=found.text,
        channel=Channel.STREAM,
        compound=None if household else compound,
        household=household,
        reporter=author,
        urgency=urgency,
        source=f"message:{found.pk}",
    )
    StreamMessage.objects.filter(pk=found.pk).update(case=case)
    return case


# --- Units ------------------------------------------------------------------------------------


@transaction.atomic
def do_create_unit(
    actor,
    *,
    name: str,
    kind: str,
    area: str,
    compound=None,
    contact_name: str = "",
    contact_phone: str = "",
    illustrative: bool = False,
) -> Unit:
    area_row = territory.get_area(actor, area)
    require(actor, "cases.add_unit")
    problems = []
    if kind not in UnitKind.values:
        problems.append(f"kind: {kind!r} is not one of {', '.join(UnitKind.values)}")
    if not name.strip() or len(name) > 100:
        problems.append("name: 1 to 100 characters")
    if problems:
        raise InvalidInput(problems)
    if compound is not None:
        compound = territory.get_compound(actor, compound)
    if Unit.objects.filter(area=area_row, name=name.strip()).exists():
        from finegrid.errors import Conflict

        raise Conflict(f"name: {area_row.name} already has a unit {name.strip()}")
    unit = Unit.objects.create(
        name=name.strip(),
        kind=kind,
        area=area_row,
        compound=compound,
        contact_name=contact_name,
        contact_phone=contact_phone,
        illustrative=illustrative,
        path=area_row.path,
    )
    audit.record(actor, AuditAction.CREATE, unit)
    return unit


def _unit_to_change(actor, unit) -> Unit:
    """A unit the actor may change (out of scope reads as missing)."""
    pk = getattr(unit, "pk", unit)
    return access(actor, "change", Unit.objects.all(), f"no unit {pk}", pk=pk)


@transaction.atomic
def do_add_unit_member(actor, unit, user) -> Unit:
    from finegrid.accounts.queries import get_user

    found = _unit_to_change(actor, unit)
    member = get_user(actor, getattr(user, "username", user))
    if member.role in UNIT_ROLES:
        _check_department_binding(found, member)
    found.members.add(member)
    audit.record(actor, AuditAction.UPDATE, found, reason=f"member added: {member.username}")
    return found


DEPARTMENT_UNIT_KINDS = (UnitKind.DEPARTMENT, UnitKind.STREET_OFFICE)


def _check_department_unit(unit: Unit) -> None:
    """A department user is bound to a district department or a street office."""
    if unit.kind not in DEPARTMENT_UNIT_KINDS:
        raise InvalidInput(
            f"unit: {unit.name} is a {unit.get_kind_display()}; a department user is bound "
            "to a district department or a street office"
        )


def _check_department_binding(unit: Unit, member) -> None:
    """A department user is bound to one unit, a district department or a street office:
    the cases routed or whistled to it are all they see."""
    _check_department_unit(unit)
    bound = Unit.objects.filter(members=member).exclude(pk=unit.pk).first()
    if bound is not None:
        from finegrid.errors import Conflict

        raise Conflict(f"user: {member.username} is already bound to {bound.name}")


@transaction.atomic
def do_create_department_user(
    actor,
    unit,
    *,
    username: str,
    password: str | None = None,
    first_name: str = "",
    email: str = "",
):
    """Create a department user (role ``department``) bound to a unit: they see and act on
    the cases dispatched or whistled to that unit and nothing else. Their account is filed
    under the unit's area, so the staff of that area manage it."""
    from finegrid.accounts.actions import do_create_user

    found = _unit_to_change(actor, unit)
    _check_department_unit(found)
    user = do_create_user(
        actor,
        username=username,
        role=Role.DEPARTMENT,
        scopes=[found.area.code],
        password=password,
        first_name=first_name,
        email=email,
    )
    return user, do_add_unit_member(actor, found, user)


@transaction.atomic
def do_add_robot(actor, *, node: str, name: str, kind: str, url: str, below: bool = False) -> Robot:
    """Add a group robot that hears about the cases of a node (an area or grid code)."""
    require(actor, "cases.add_robot")
    place = territory.get_node(actor, node)
    problems = []
    if kind not in RobotKind.values:
        problems.append(f"kind: {kind!r} is not one of {', '.join(RobotKind.values)}")
    if not name.strip() or len(name) > 100:
        problems.append("name: 1 to 100 characters")
    if "://" not in url or len(url) > 500:
        problems.append("url: an apprise URL such as wecombot://KEY or dingtalk://TOKEN")
    if problems:
        raise InvalidInput(problems)
    robot = Robot.objects.create(
        name=name.strip(), kind=kind, url=url, below=below, path=place.path
    )
    audit.record(actor, AuditAction.CREATE, robot)
    return robot
