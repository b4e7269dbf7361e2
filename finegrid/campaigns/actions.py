"""Every change to campaigns: launch, a visit at a door, reassignment, escalation, close."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from finegrid import bulk, clock
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction, User
from finegrid.accounts.roles import Role
from finegrid.accounts.scope import access, path_q, require, require_place
from finegrid.campaigns import hooks, queries
from finegrid.campaigns.models import (
    FINAL,
    Alert,
    AlertKind,
    AnswerType,
    Assignment,
    Campaign,
    Notice,
    Outcome,
    Section,
    Visit,
)
from finegrid.errors import Conflict, FinegridError, InvalidInput, NotFound
from finegrid.org import queries as org
from finegrid.org.models import Worker, WorkerRole
from finegrid.people import protect
from finegrid.people.models import Household, Person, SensitiveFlag
from finegrid.territory import queries as territory
from finegrid.territory.models import Grid, GridKind, Route

DEFAULT_HOURS = 3
# No visit this long after the start raises an alert.
SILENCE = dt.timedelta(minutes=30)
# Who visits the households of each kind of grid.
VISITOR = {
    GridKind.MICRO: WorkerRole.MICRO_WORKER,
    GridKind.DEDICATED: WorkerRole.DEDICATED_WORKER,
    GridKind.GENERAL: WorkerRole.GRID_WORKER,
}
# Sealed flags that put a household first (with the plain 独居老人).
VULNERABLE = frozenset({SensitiveFlag.DISABLED, SensitiveFlag.SERIOUS_ILLNESS})


# --- Launch ------------------------------------------------------------------------------


def checked_checklist(checklist) -> list[dict]:
    """The checklist's questions, normalized, or InvalidInput naming each problem."""
    if checklist is None:
        return []
    if not isinstance(checklist, list):
        raise InvalidInput("checklist: must be a list of questions")
    problems, questions, keys = [], [], set()
    for number, item in enumerate(checklist, start=1):
        where = f"checklist[{number}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object with question and type")
            continue
        question = str(item.get("question", "")).strip()
        kind = item.get("type", "")
        key = str(item.get("key") or f"q{number}").strip()
        choices = item.get("choices") or []
        if not question or len(question) > 200:
            problems.append(f"{where}.question: must be 1 to 200 characters")
        if kind not in AnswerType.values:
            problems.append(f"{where}.type: {kind!r} is not one of {', '.join(AnswerType.values)}")
        if key in keys:
            problems.append(f"{where}.key: {key!r} is used twice")
        keys.add(key)
        if kind == AnswerType.CHOICE:
            if not isinstance(choices, list) or len(choices) < 2:
                problems.append(f"{where}.choices: a choice question needs at least two choices")
                choices = []
            choices = [str(c).strip() for c in choices]
        else:
            choices = []
        questions.append({"key": key, "question": question, "type": kind, "choices": choices})
    if problems:
        raise InvalidInput(problems)
    return questions


def _stops(grid_ids) -> list[tuple]:
    """The division's route stops of these grids, one row per floor a stop covers:
    (grid, building ref, entrance number, floor, the stop's number); a floor on two
    stops keeps the first."""
    rows: dict[tuple, int] = {}
    for route in Route.objects.filter(grid_id__in=grid_ids).only("grid_id", "stops"):
        for number, stop in enumerate(route.stops):
            low, high = stop["floors"]
            for floor in range(low, high + 1):
                rows.setdefault((route.grid_id, stop["building"], stop["entrance"], floor), number)
    return [(*key, number) for key, number in rows.items()]


def _vulnerable(path: str) -> list[int]:
    """Households with a person living alone in old age, disabled or seriously ill. The
    sealed flags are opened here only, to set "visit first"; nobody is shown why. Only
    persons with a plain flag or a sealed one are read: most have neither."""
    found = set()
    rows = (
        Person.objects.filter(path_q((path,)))
        .filter(Q(elderly_alone=True) | ~Q(sensitive_enc=""))
        .values_list("household_id", "elderly_alone", "sensitive_enc")
    )
    for household_id, alone, sealed in rows.iterator(chunk_size=5000):
        if household_id in found:
            continue
        if alone or (sealed and VULNERABLE & set(json.loads(protect.decrypt(sealed) or "[]"))):
            found.add(household_id)
    return sorted(found)


def _temporary(cursor, name: str, columns: str, rows: list[tuple]) -> None:
    """A temporary table for this transaction, filled with ``rows``."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    drop = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns}){drop}")
    if rows:
        marks = ", ".join(["%s"] * len(rows[0]))
        for batch in bulk.chunked(rows, bulk.BATCH):
            cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", batch)


def _assign(campaign: Campaign, households, grid_ids, first: list[int]) -> int:
    """Write every household's assignment in one INSERT … SELECT: its grid's section and
    worker, its place in the visiting order (the division's route stops — building,
    entrance, floors — then floor and room; households off the route last in their
    grid) and "visit first". No household row passes through Python."""
    source = households.values(
        hid=F("pk"),
        gid=F("dwelling__grid_id"),
        hpath=F("path"),
        bref=F("dwelling__building__ref"),
        enum=F("dwelling__entrance__number"),
        dfloor=F("dwelling__floor"),
        droom=F("dwelling__room"),
    ).order_by()
    inner, params = source.query.sql_with_params()
    binary = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        _temporary(
            cursor,
            "campaign_stops",
            "grid_id bigint, building varchar(40), entrance integer, floor integer, number integer,"
            " PRIMARY KEY (grid_id, building, entrance, floor)",
            _stops(grid_ids),
        )
        _temporary(
            cursor, "campaign_first", "household_id bigint PRIMARY KEY", [(pk,) for pk in first]
        )
        cursor.execute(
            f"""
            INSERT INTO {quote(Assignment._meta.db_table)}
                (campaign_id, section_id, household_id, worker_id, {quote("order")},
                 priority, outcome, path)
            SELECT %s, s.id, h.hid, s.worker_id,
                   ROW_NUMBER() OVER (ORDER BY h.gid, COALESCE(st.number, 1000000),
                       h.bref{binary}, h.enum, h.dfloor, h.droom{binary}, h.hid) - 1,
                   EXISTS (SELECT 1 FROM campaign_first f WHERE f.household_id = h.hid),
                   '', h.hpath
            FROM ({inner}) h
            JOIN {quote(Section._meta.db_table)} s ON s.campaign_id = %s AND s.grid_id = h.gid
            LEFT JOIN campaign_stops st ON st.grid_id = h.gid AND st.building = h.bref
                AND st.entrance = h.enum AND st.floor = h.dfloor
            """,
            [campaign.pk, *params, campaign.pk],
        )
        written = cursor.rowcount
        if connection.vendor != "postgresql":
            cursor.execute("DROP TABLE campaign_stops")
            cursor.execute("DROP TABLE campaign_first")
    return written


def _active_workers(grid_ids, on: dt.date) -> dict[int, Worker]:
    """The worker of each grid who visits its households: the active one of the role the
    grid's kind calls for, with a login first, then the longest serving."""
    chosen: dict[int, Worker] = {}
    workers = (
        Worker.objects.active(on)
        .filter(grid_id__in=grid_ids, role__in=list(VISITOR.values()))
        .select_related("grid")
        .order_by("grid_id", F("user_id").asc(nulls_last=True), "start", "pk")
    )
    for worker in workers:
        if worker.grid_id not in chosen and VISITOR.get(worker.grid.kind) == worker.role:
            chosen[worker.grid_id] = worker
    return chosen


@transaction.atomic
def do_launch_campaign(
    actor,
    *,
    scope: str,
    title: str,
    purpose: str = "",
    script: str = "",
    checklist: list | None = None,
    start: dt.datetime | None = None,
    hours: float | None = None,
    deadline: dt.datetime | None = None,
    vulnerable_first: bool = True,
    now: dt.datetime | None = None,
) -> Campaign:
    """Launch a campaign over an area or grid: every household in it is assigned to the
    worker of its micro-grid (dedicated grid, or general grid not yet divided), in the
    division's visiting order, vulnerable households first when ``vulnerable_first``.
    Grids without an active worker get a section without one: they show at once."""
    now = now or clock.now()
    node = territory.get_node(actor, scope)
    require_place(actor, "add", Campaign, node.path, f"no area or grid {scope}")
    problems = []
    title = (title or "").strip()
    if not title or len(title) > 100:
        problems.append("title: must be 1 to 100 characters")
    try:
        questions = checked_checklist(checklist)
    except InvalidInput as error:
        problems.extend(error.problems)
        questions = []
    start = start or now
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    if deadline is None:
        if hours is not None and not 0 < hours <= 72:
            problems.append("hours: must be more than 0 and at most 72")
        deadline = start + dt.timedelta(hours=hours or DEFAULT_HOURS)
    elif timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline <= start:
        problems.append("deadline: must be after start")
    if problems:
        raise InvalidInput(problems)

    households = Household.objects.restrict(actor, "view").filter(
        path_q((node.path,)), dwelling__grid__isnull=False
    )
    counts = dict(households.values_list("dwelling__grid_id").annotate(n=Count("pk")).order_by())
    if not counts:
        raise InvalidInput(f"scope: no household lives in a grid of {node.name}")
    grid_ids = sorted(counts)
    grids = {
        g.pk: g
        for g in Grid.objects.restrict(actor, "view")
        .filter(pk__in=grid_ids)
        .only("pk", "path", "kind", "code", "name", "parent_id")
    }
    workers = _active_workers(grid_ids, timezone.localdate(start))
    estimates = dict(Route.objects.filter(grid_id__in=grid_ids).values_list("grid_id", "minutes"))

    campaign = Campaign.objects.create(
        title=title,
        purpose=(purpose or "").strip(),
        script=(script or "").strip(),
        checklist=questions,
        node_code=getattr(node, "code", scope),
        node_name=node.name,
        path=node.path,
        start=start,
        deadline=deadline,
        vulnerable_first=vulnerable_first,
        households=sum(counts.values()),
        created_by=actor,
    )
    sections = Section.objects.bulk_create(
        [
            Section(
                campaign=campaign,
                grid_id=grid_id,
                worker=workers.get(grid_id),
                path=grids[grid_id].path,
                households=counts[grid_id],
                estimate_minutes=estimates.get(grid_id),
            )
            for grid_id in grid_ids
        ],
        batch_size=2000,
    )
    if not sections[0].pk:  # backends that do not return ids from bulk inserts
        sections = list(Section.objects.filter(campaign=campaign))
    for section in sections:
        section.grid = grids[section.grid_id]  # named in the audit rows without a query
    first = _vulnerable(node.path) if vulnerable_first else []
    _assign(campaign, households, grid_ids, first)
    audit.record(actor, AuditAction.CREATE, campaign)
    audit.record_created(actor, sections, reason=f"campaign {campaign.pk} launched")
    text = f"{campaign.title}：{timezone.localtime(deadline):%m-%d %H:%M} 前完成入户走访"
    notices = [
        Notice(
            recipient_id=worker.user_id,
            campaign=campaign,
            text=text,
            created_at=now,
            path=worker.path,
        )
        for worker in {w.pk: w for w in workers.values()}.values()
        if worker.user_id
    ]
    Notice.objects.bulk_create(notices, batch_size=2000)
    # One message to the node's groups (and those above it that hear everything below);
    # the workers each have their notice in the app.
    transaction.on_commit(lambda: hooks.announce(campaign.path, text))
    return campaign


# --- Visits --------------------------------------------------------------------------------


def _checked_answers(campaign: Campaign, answers) -> dict:
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise InvalidInput("answers: must be an object of question key → answer")
    questions = {q["key"]: q for q in campaign.checklist}
    problems, clean = [], {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            problems.append(f"answers.{key}: no such question in this campaign")
            continue
        kind = question["type"]
        if value is None or value == "":
            continue
        if kind == AnswerType.YES_NO and not isinstance(value, bool):
            problems.append(f"answers.{key}: must be true or false")
        elif kind == AnswerType.NUMBER and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            problems.append(f"answers.{key}: must be a number")
        elif kind == AnswerType.CHOICE and value not in question["choices"]:
            problems.append(
                f"answers.{key}: {value!r} is not one of {', '.join(question['choices'])}"
            )
        elif kind == AnswerType.TEXT and (not isinstance(value, str) or len(value) > 500):
            problems.append(f"answers.{key}: must be text of at most 500 characters")
        else:
            clean[key] = value
    if problems:
        raise InvalidInput(problems)
    return clean


def _parse_client_id(client_id) -> uuid.UUID:
    try:
        return client_id if isinstance(client_id, uuid.UUID) else uuid.UUID(str(client_id))
    except ValueError:
        raise InvalidInput("client_id: must be a UUID made by the client") from None


class VisitItem(NamedTuple):
    """One outcome as a phone sends it (the fields of ``POST …/visits``)."""

    client_id: object
    household: int
    outcome: str
    answers: dict | None = None
    note: str = ""
    at: dt.datetime | None = None


class VisitResult(NamedTuple):
    """What became of one item: stored now (``created``), stored before (the first
    record, not ``created``), or refused (``error``, nothing written for it)."""

    visit: Visit | None
    created: bool
    error: FinegridError | None = None


def do_record_visit(
    actor,
    campaign: Campaign | int,
    *,
    client_id,
    household: int,
    outcome: str,
    answers: dict | None = None,
    note: str = "",
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[Visit, bool]:
    """Record one outcome at one door. A ``client_id`` seen before answers with the first
    record and changes nothing (``created`` is False), so a phone may retry freely.
    ``at`` is when the phone recorded it (a queued outcome arrives later): kept when it
    lies between the campaign's start and now, else the time of arrival counts."""
    require(actor, "campaigns.add_visit")
    client_id = _parse_client_id(client_id)
    item = VisitItem(client_id, household, outcome, answers, note, at)
    (result,) = do_record_visits(actor, campaign, [item], now=now, labelled=False)
    return result.visit, result.created


def do_record_visits(
    actor,
    campaign: Campaign | int,
    items: list[VisitItem],
    *,
    now: dt.datetime | None = None,
    labelled: bool = True,
) -> list[VisitResult]:
    """Record a phone's queue of outcomes in one transaction, each item as
    ``do_record_visit`` would in turn (a household visited twice in the queue ends with
    the later outcome; a ``client_id`` stored before answers with its first record). All
    or nothing: the first item refused (a household not assigned to the actor, a bad
    answer, a closed campaign) raises its error, named ``visits[N]`` when ``labelled``,
    and nothing is stored. Set-based: a few statements for the whole queue."""
    require(actor, "campaigns.add_visit")
    campaign = queries.get_campaign(actor, campaign)
    now = now or clock.now()
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _record_all(actor, campaign, items, now, labelled)
        except IntegrityError:
            # An item sent at the same time by another request was stored first: the
            # next attempt finds it and answers with it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _record_all(actor, campaign: Campaign, items, now, labelled) -> list[VisitResult]:
    results: list[VisitResult | None] = [None] * len(items)
    client_ids: list[uuid.UUID | None] = []
    for number, item in enumerate(items):
        try:
            client_ids.append(_parse_client_id(item.client_id))
        except InvalidInput as error:
            client_ids.append(None)
            results[number] = VisitResult(None, False, error)
    # Outcomes stored before: the first record answers, if it is the actor's to see.
    wanted = {c for c in client_ids if c is not None}
    before, visible = {}, set()
    if wanted:
        found = Visit.objects.filter(client_id__in=wanted).select_related("assignment")
        before = {v.client_id: v for v in found}
    if before:
        visible = set(
            queries.assignments(actor)
            .filter(pk__in={v.assignment_id for v in before.values()})
            .values_list("pk", flat=True)
        )
    households = set()
    for number, client_id in enumerate(client_ids):
        if client_id is None:
            continue
        first = before.get(client_id)
        if first is not None:
            if first.assignment_id in visible:
                results[number] = VisitResult(first, False)
            else:
                results[number] = VisitResult(
                    None, False, Conflict("client_id: already used for another visit")
                )
        elif isinstance(items[number].household, int):
            households.add(items[number].household)
    # The actor's assignments of those households, locked: two outcomes for one door are
    # counted in turn.
    assignments = (
        {
            a.household_id: a
            for a in queries.assignments(actor)
            .filter(campaign=campaign, household_id__in=households)
            .select_for_update(of=("self",))
            .order_by("pk")
            .only("pk", "section_id", "household_id", "outcome", "visited_at", "path")
        }
        if households
        else {}
    )
    sections = (
        {
            s.pk: s
            for s in Section.objects.select_for_update()
            .filter(pk__in={a.section_id for a in assignments.values()})
            .order_by("pk")
        }
        if assignments
        else {}
    )
    stored: dict[uuid.UUID, Visit] = {}
    touched_assignments: dict[int, Assignment] = {}
    touched_sections: dict[int, Section] = {}
    visits: list[Visit] = []
    for number, item in enumerate(items):
        client_id = client_ids[number]
        if results[number] is not None:
            continue
        if client_id in stored:  # the same outcome twice in one queue
            results[number] = VisitResult(stored[client_id], False)
            continue
        assignment = assignments.get(item.household)
        if assignment is None:
            error = NotFound(f"no household {item.household} in campaign {campaign.pk}")
            results[number] = VisitResult(None, False, error)
            continue
        if not campaign.is_open:
            error = Conflict(f"campaign {campaign.pk} is closed")
            results[number] = VisitResult(None, False, error)
            continue
        try:
            outcome, answers, note = _checked_item(campaign, item)
        except InvalidInput as error:
            results[number] = VisitResult(None, False, error)
            continue
        at = now
        if item.at is not None and timezone.is_aware(item.at) and campaign.start <= item.at <= now:
            at = item.at
        visit = Visit(
            client_id=client_id,
            campaign=campaign,
            assignment=assignment,
            outcome=outcome,
            answers=answers,
            note=note,
            recorded_by=actor,
            recorded_at=at,
            path=assignment.path,
        )
        _count(sections[assignment.section_id], assignment.outcome, outcome, at)
        assignment.outcome, assignment.visited_at = outcome, at
        touched_assignments[assignment.pk] = assignment
        touched_sections[assignment.section_id] = sections[assignment.section_id]
        stored[client_id] = visit
        visits.append(visit)
        results[number] = VisitResult(visit, True)
    for number, result in enumerate(results):
        if result.error is not None:
            raise _labelled(result.error, f"visits[{number}]") if labelled else result.error
    if not visits:
        return results
    # Straight statements whatever the queue's length (finegrid.bulk): one insert of the
    # visits, one executemany for the assignments and one for the sections, one insert of
    # the audit rows. Django's bulk_create and bulk_update compile each row field by
    # field (bulk_update builds a CASE per column), which cost more than the rest.
    for visit, pk in zip(visits, bulk.reserve_ids(Visit, len(visits)), strict=True):
        visit.pk = pk
    uuid_field = Visit._meta.get_field("client_id")
    bulk.insert(
        Visit,
        VISIT_COLUMNS,
        (
            (
                v.pk,
                uuid_field.get_db_prep_value(v.client_id, connection),
                campaign.pk,
                v.assignment_id,
                v.outcome,
                v.answers,
                v.note,
                actor.pk,
                v.recorded_at,
                v.path,
            )
            for v in visits
        ),
    )
    _update_rows(Assignment, ("outcome", "visited_at"), touched_assignments.values())
    _update_rows(Section, COUNTED, touched_sections.values())
    helped = []
    for visit in visits:
        if visit.outcome == Outcome.NEEDS_HELP:
            household = Household.objects.get(pk=visit.assignment.household_id)
            text = f"{campaign.title}：入户走访发现需帮扶。{visit.note}".strip()
            visit.case_id = hooks.open_case(actor, household, text, f"visit:{visit.client_id}")
            if visit.case_id is not None:
                helped.append(visit)
    if helped:
        Visit.objects.bulk_update(helped, ["case_id"])
    shown = {value: str(label) for value, label in Outcome.choices}
    audit.record_created_rows(
        actor,
        Visit,
        [_audited(visit) for visit in visits],
        # Each visit's label as Visit.__str__ gives it, the outcome's name translated once.
        [f"{visit.assignment_id}: {shown[visit.outcome]}" for visit in visits],
        reason="",
    )
    return results


# The visit's columns written at the door; case_id is set after, for needs-help only.
VISIT_COLUMNS = (
    "id",
    "client_id",
    "campaign_id",
    "assignment_id",
    "outcome",
    "answers",
    "note",
    "recorded_by_id",
    "recorded_at",
    "path",
)


def _audited(visit: Visit) -> dict:
    """The visit's stored values as its audit row keeps them (as ``audit.snapshot``)."""
    return {
        "id": visit.pk,
        "client_id": str(visit.client_id),
        "campaign_id": visit.campaign_id,
        "assignment_id": visit.assignment_id,
        "outcome": visit.outcome,
        "answers": visit.answers,
        "note": visit.note,
        "recorded_by_id": visit.recorded_by_id,
        "recorded_at": visit.recorded_at,
        "case_id": visit.case_id,
        "path": visit.path,
    }


def _update_rows(model, fields, objects) -> None:
    """``UPDATE … SET fields WHERE id`` for each object, in one executemany."""
    objects = list(objects)
    if not objects:
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _labelled(error: FinegridError, label: str) -> FinegridError:
    """The same error naming the item of the queue it is about."""
    if isinstance(error, InvalidInput):
        return InvalidInput([f"{label}.{problem}" for problem in error.problems])
    return type(error)(f"{label}: {error}")


# The section's columns a visit changes.
COUNTED = ("done", *Outcome.values, "visits", "first_visit_at", "last_visit_at", "finished_at")


def _count(section: Section, previous: str, outcome: str, at: dt.datetime) -> None:
    """Move the section's counters by one visit: the household's latest outcome changes
    from ``previous`` (blank: never visited) to ``outcome``."""
    section.visits += 1
    section.last_visit_at = at
    if section.first_visit_at is None:
        section.first_visit_at = at
    if previous != outcome:
        setattr(section, outcome, getattr(section, outcome) + 1)
        if previous:
            setattr(section, previous, getattr(section, previous) - 1)
    section.done += (outcome in FINAL) - (previous in FINAL if previous else 0)
    if section.finished_at is None and section.households <= section.done:
        section.finished_at = at


def _checked_item(campaign: Campaign, item) -> tuple[str, dict, str]:
    problems = []
    if item.outcome not in Outcome.values:
        problems.append(f"outcome: {item.outcome!r} is not one of {', '.join(Outcome.values)}")
    note = (item.note or "").strip()
    if len(note) > 500:
        problems.append("note: at most 500 characters")
    answers = {}
    try:
        answers = _checked_answers(campaign, item.answers)
    except InvalidInput as error:
        problems.extend(error.problems)
    if problems:
        raise InvalidInput(problems)
    return item.outcome, answers, note


# --- Reassignment ---------------------------------------------------------------------------


def _neighbour(section: Section, worker: Worker) -> bool:
    """A worker of the same general grid (a sibling micro-grid's, or the general grid's
    own), or of a grid whose boundary touches the section's."""
    grid, theirs = section.grid, worker.grid
    if theirs.pk == grid.pk or theirs.community_id != grid.community_id:
        return False
    if theirs.parent_id is not None and theirs.parent_id == grid.parent_id:
        return True
    if theirs.pk == grid.parent_id:
        return True
    shape, other = grid.shape, theirs.shape
    return bool(shape is not None and other is not None and shape.buffer(1e-6).intersects(other))


@transaction.atomic
def do_reassign(
    actor,
    campaign: Campaign | int,
    *,
    grid: str,
    worker: Worker | int,
    households: list[int] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Hand the households of a section not yet reached (all, or those listed) to a
    neighbouring worker. Returns how many changed hands."""
    now = now or clock.now()
    campaign = queries.get_campaign(actor, campaign)
    section = access(
        actor,
        "change",
        Section.objects.filter(campaign=campaign).select_related("grid"),
        f"no grid {grid} in campaign {campaign.pk}",
        grid__code=grid,
    )
    require(actor, "campaigns.change_assignment")
    worker = org.get_worker(actor, worker)
    if not campaign.is_open:
        raise Conflict(f"campaign {campaign.pk} is closed")
    if worker.end is not None and worker.end < timezone.localdate(now):
        raise InvalidInput(f"worker: {worker.name}'s assignment has ended")
    if not _neighbour(section, worker):
        raise InvalidInput(f"worker: {worker.name} does not serve a grid next to {grid}")
    open_ = Assignment.objects.filter(section=section).exclude(outcome__in=list(FINAL))
    if households is not None:
        wanted = set(households)
        found = set(open_.filter(household_id__in=wanted).values_list("household_id", flat=True))
        missing = sorted(wanted - found)
        if missing:
            raise InvalidInput(
                [f"households: {pk} is not a household of {grid} still to visit" for pk in missing]
            )
        open_ = open_.filter(household_id__in=wanted)
    moved = list(open_.exclude(worker=worker))
    changes = []
    for assignment in moved:
        before = audit.snapshot(assignment)
        assignment.worker = worker
        changes.append((before, assignment))
    Assignment.objects.bulk_update(moved, ["worker"], batch_size=2000)
    audit.record_updated(actor, changes, reason=f"reassigned to {worker.name}")
    Alert.objects.filter(section=section, resolved_at__isnull=True).update(resolved_at=now)
    if worker.user_id and moved:
        Notice.objects.create(
            recipient_id=worker.user_id,
            campaign=campaign,
            text=f"{campaign.title}：{section.grid.name} 的 {len(moved)} 户转由您走访",
            created_at=now,
            path=worker.path,
        )
    return len(moved)


# --- Escalation and closing -------------------------------------------------------------------


def do_escalate(actor, *, now: dt.datetime | None = None) -> list[Alert]:
    """Raise the alerts due now on every open campaign the actor may see: a section with
    no visit 30 minutes after the start, or whose projected finish passes the deadline.
    Each alert goes to the section's grid worker and its community, once."""
    now = now or clock.now()
    raised = []
    for campaign in queries.campaigns(actor).filter(closed_at__isnull=True, start__lte=now):
        with transaction.atomic():
            raised.extend(_escalate(actor, campaign, now))
    return raised


def _escalate(actor, campaign: Campaign, now: dt.datetime) -> list[Alert]:
    late = queries.late_sections(Section.objects.filter(campaign=campaign), campaign, now)
    already = set(Alert.objects.filter(campaign=campaign).values_list("section_id", "kind"))
    alerts = []
    for section in late.select_related("grid__parent", "grid__community"):
        kind = AlertKind.NOT_STARTED if section.visits == 0 else AlertKind.LATE
        if (section.pk, kind) in already:
            continue
        alerts.append(
            Alert(campaign=campaign, section=section, kind=kind, raised_at=now, path=section.path)
        )
    Alert.objects.bulk_create(alerts)
    for alert in alerts:
        audit.record(actor, AuditAction.CREATE, alert)
        _tell_overseers(campaign, alert, now)
    return alerts


def _tell_overseers(campaign: Campaign, alert: Alert, now: dt.datetime) -> None:
    grid = alert.section.grid
    text = f"{campaign.title}：{grid.name}（{grid.code}）{alert.get_kind_display()}"
    overseers = set(
        Worker.objects.active(timezone.localdate(now))
        .filter(grid_id=grid.parent_id, role__in=[WorkerRole.GRID_WORKER, WorkerRole.GRID_LEADER])
        .exclude(user=None)
        .values_list("user_id", flat=True)
    )
    community = grid.community.path
    overseers |= set(
        User.objects.filter(
            is_active=True, role=Role.COMMUNITY_STAFF, assignments__area__path=community
        ).values_list("pk", flat=True)
    )
    Notice.objects.bulk_create(
        Notice(recipient_id=pk, campaign=campaign, text=text, created_at=now, path=grid.path)
        for pk in sorted(overseers)
    )
    # The general grid's group (a dedicated grid's: the community's); a community group
    # set to hear everything below hears it too, once.
    parent_path = grid.parent.path if grid.parent_id else community
    transaction.on_commit(lambda: hooks.announce(parent_path, text))


@transaction.atomic
def do_close_campaign(actor, campaign: Campaign | int, *, now: dt.datetime | None = None):
    """Close a campaign: no more visits; its report is final."""
    campaign = queries.get_campaign(actor, campaign, "change")
    if not campaign.is_open:
        raise Conflict(f"campaign {campaign.pk} is already closed")
    before = audit.snapshot(campaign)
    campaign.closed_at = now or clock.now()
    campaign.save(update_fields=["closed_at"])
    audit.record(actor, AuditAction.UPDATE, campaign, before=before)
    return campaign


def flagged_grids(campaign: Campaign) -> list[Section]:
    """The sections launched without an active worker."""
    return list(campaign.sections.filter(worker__isnull=True).select_related("grid"))
