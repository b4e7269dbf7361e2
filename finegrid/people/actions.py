"""Every change to households and persons, and every read of personal data in clear.

Personal data passes through here only: values are sealed (encrypted, hashed for exact
search, masked for display) before they are stored, and unsealed only by
``do_unmask_person`` and unmasked exports, which write an audit row per person read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from finegrid import bulk, identity, killpoint
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction, AuditEntry
from finegrid.accounts.queries import get_user
from finegrid.accounts.scope import path_q, require, require_place
from finegrid.errors import Conflict, InvalidInput
from finegrid.people import protect, queries, roster
from finegrid.people.checks import check_identity
from finegrid.people.models import (
    PLAIN_FLAGS,
    Household,
    Person,
    Relation,
    ResidenceType,
    SensitiveFlag,
    seal_birth_date,
)
from finegrid.territory import placement
from finegrid.territory import queries as territory
from finegrid.territory.models import AdminArea, Building, Dwelling, DwellingUse, Entrance

UNMASK_PERMISSION = "people.unmask_person"
# A person's plain stored fields, and the sealed ones that stand for the protected values.
PERSON_FIELDS = ("name", "sex", "birth_year", "relation", "residence_type", "tags", *PLAIN_FLAGS)
SEALED_FIELDS = (
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "phone_enc",
    "phone_hash",
    "phone_masked",
    "sensitive_enc",
    "birth_date_enc",
)
PERSON_EDITABLE = (
    "name",
    "sex",
    "birth_date",
    "relation",
    "residence_type",
    "id_number",
    "phone",
    "sensitive_flags",
    "tags",
    *PLAIN_FLAGS,
)


# --- Sealing personal data ---------------------------------------------------------------------


def sealed(
    id_number: str,
    phone: str,
    sensitive_flags: list[str],
    birth_date: dt.date | None,
    id_hash: str | None = None,
) -> dict:
    """The stored form of a person's protected fields (the keys of SEALED_FIELDS);
    ``id_hash`` spares recomputing a lookup hash the caller already has. The birth
    year, kept in clear, is among the plain fields."""
    return {
        "birth_date_enc": seal_birth_date(birth_date)["birth_date_enc"],
        "id_number_enc": protect.encrypt(id_number),
        "id_number_hash": protect.lookup_hash("id", id_number) if id_hash is None else id_hash,
        "id_number_masked": identity.mask_id_number(id_number) if id_number else "",
        "phone_enc": protect.encrypt(phone),
        "phone_hash": protect.lookup_hash("phone", phone),
        "phone_masked": identity.mask_phone(phone) if phone else "",
        "sensitive_enc": protect.encrypt(json.dumps(sorted(sensitive_flags))),
    }


def sensitive_flags_of(person: Person) -> list[str]:
    return json.loads(protect.decrypt(person.sensitive_enc) or "[]")


def _unchanged_secrets(
    person: Person, id_number: str, phone: str, flags: list[str], birth_date: dt.date | None
) -> bool:
    return (
        person.birth_date == birth_date
        and person.id_number_hash == protect.lookup_hash("id", id_number)
        and person.phone_hash == protect.lookup_hash("phone", phone)
        and sensitive_flags_of(person) == sorted(flags)
    )


# --- Persons -----------------------------------------------------------------------------------


def check_person(values: dict, today: dt.date | None = None) -> tuple[dict, list[str]]:
    """Normalized model values of a person and every problem as 'field: reason', in
    English as every problem the API reports is."""
    problems: list[str] = []
    with translation.override("en"):
        checked, found = check_identity(
            id_number=values.get("id_number") or "",
            sex=values.get("sex") or "",
            birth_date=values.get("birth_date"),
            phone=values.get("phone") or "",
            today=today,
        )
    problems += [f"{name}: {reason}" for name, reason in found.items()]
    name = (values.get("name") or "").strip()
    if not name or len(name) > 50:
        problems.append("name: must be 1 to 50 characters")
    relation = values.get("relation") or Relation.OTHER
    if relation not in Relation.values:
        problems.append(f"relation: {relation!r} is not one of {', '.join(Relation.values)}")
    residence = values.get("residence_type") or ResidenceType.PERMANENT
    if residence not in ResidenceType.values:
        problems.append(
            f"residence_type: {residence!r} is not one of {', '.join(ResidenceType.values)}"
        )
    flags = list(values.get("sensitive_flags") or [])
    unknown = sorted(set(flags) - set(SensitiveFlag.values))
    if unknown:
        problems.append(
            f"sensitive_flags: {', '.join(unknown)} not among {', '.join(SensitiveFlag.values)}"
        )
    tags = values.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append("tags: must be a list of text")
    fields = {
        "name": name,
        "sex": checked["sex"],
        "birth_year": checked["birth_date"].year if checked["birth_date"] else None,
        "relation": relation,
        "residence_type": residence,
        "tags": tags,
        **{flag: bool(values.get(flag, False)) for flag in PLAIN_FLAGS},
    }
    secrets = (checked["id_number"], checked["phone"], sorted(set(flags)), checked["birth_date"])
    return {"fields": fields, "secrets": secrets}, problems


def _id_taken(id_hash: str, except_pk: int | None = None) -> bool:
    if not id_hash:
        return False
    return Person.objects.filter(id_number_hash=id_hash).exclude(pk=except_pk).exists()


def _require_secret_rights(actor, values: dict) -> None:
    """Writing an ID number, phone or sensitive flag blind is fine, but it needs the
    right to see it (a grid worker registers names; staff add the rest)."""
    given = {name for name in ("id_number", "phone", "sensitive_flags") if values.get(name)}
    if given and not actor.has_perm(UNMASK_PERMISSION):
        raise PermissionDenied("your role may not change ID numbers, phones or sensitive flags")


@transaction.atomic
def do_add_person(actor, household: Household | int, **values) -> Person:
    household = queries.get_household(actor, household)
    require_place(actor, "add", Person, household.path, f"no household with id {household.pk}")
    _require_secret_rights(actor, values)
    checked, problems = check_person(values)
    if problems:
        raise InvalidInput(problems)
    id_number, phone, flags, birth_date = checked["secrets"]
    if _id_taken(protect.lookup_hash("id", id_number)):
        raise Conflict("id_number: this ID number is already registered")
    person = Person(
        household=household,
        **placement.in_household(household),
        **checked["fields"],
        **sealed(id_number, phone, flags, birth_date),
    )
    person.save()
    if person.relation == Relation.HEAD and household.head_id is None:
        household.head = person
        household.save(update_fields=["head"])
    audit.record(actor, AuditAction.CREATE, person)
    return person


@transaction.atomic
def do_update_person(actor, person: Person | int, **changes) -> Person:
    person = queries.get_person(actor, person, "change")
    unknown = sorted(set(changes) - set(PERSON_EDITABLE))
    if unknown:
        raise InvalidInput([f"{name}: cannot be changed here" for name in unknown])
    secret_changes = {"id_number", "phone", "sensitive_flags"} & set(changes)
    _require_secret_rights(actor, dict.fromkeys(secret_changes, True))
    current = {
        **{name: getattr(person, name) for name in PERSON_FIELDS if name != "birth_year"},
        "birth_date": person.birth_date,
        "id_number": protect.decrypt(person.id_number_enc),
        "phone": protect.decrypt(person.phone_enc),
        "sensitive_flags": sensitive_flags_of(person),
    }
    if "id_number" in changes and "sex" not in changes and "birth_date" not in changes:
        current.pop("sex")
        current.pop("birth_date")
    checked, problems = check_person({**current, **changes})
    if problems:
        raise InvalidInput(problems)
    id_number, phone, flags, birth_date = checked["secrets"]
    if _id_taken(protect.lookup_hash("id", id_number), except_pk=person.pk):
        raise Conflict("id_number: this ID number is already registered")
    before = audit.snapshot(person)
    for name, value in checked["fields"].items():
        setattr(person, name, value)
    resealed = not _unchanged_secrets(person, id_number, phone, flags, birth_date)
    if resealed:
        for name, value in sealed(id_number, phone, flags, birth_date).items():
            setattr(person, name, value)
    after = audit.snapshot(person)
    if after != before or secret_changes or resealed:
        person.save()
        audit.record(actor, AuditAction.UPDATE, person, before=before, after=after)
    return person


@transaction.atomic
def do_unmask_person(actor, person: Person | int, reason: str) -> dict:
    """A person's ID number, phone and sensitive flags in clear, for one stated reason.
    Every call is written to the audit log (who, whom, why), never the values."""
    person = queries.get_person(actor, person, "unmask")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("reason: say why you need to see this person's data")
    values = {
        "id_number": protect.decrypt(person.id_number_enc),
        "phone": protect.decrypt(person.phone_enc),
        "birth_date": person.birth_date,
        "sensitive_flags": sensitive_flags_of(person),
    }
    audit.record(
        actor, AuditAction.UNMASK, person, after={"fields": sorted(values)}, reason=reason[:500]
    )
    return values


# --- Households ----------------------------------------------------------------------------------


@transaction.atomic
def do_move_household(actor, household: Household | int, to_dwelling: Dwelling | int) -> Household:
    """Move a household (with its members) to another dwelling, keeping the history."""
    household = queries.get_household(actor, household, "change")
    to_dwelling = territory.get_dwelling(actor, to_dwelling)
    require_place(
        actor, "change", Household, to_dwelling.path, f"no dwelling with id {to_dwelling.pk}"
    )
    if Household.objects.filter(dwelling=to_dwelling).exists():
        raise Conflict(f"dwelling: {to_dwelling} already has a household")
    placement.move_household(actor, household, to_dwelling)
    return household


@transaction.atomic
def do_set_head(actor, household: Household | int, person: Person | int) -> Household:
    """Make one of a household's members its head (户主); the old head becomes 其他 until
    their relation is corrected, the new one 户主."""
    household = queries.get_household(actor, household, "change")
    person = queries.get_person(actor, person)
    if person.household_id != household.pk:
        raise InvalidInput(f"head: {person.name} is not a member of this household")
    if household.head_id == person.pk:
        return household
    before = audit.snapshot(household)
    old = household.head
    if old is not None and old.relation == Relation.HEAD:
        do_update_person(actor, old, relation=Relation.OTHER)
    if person.relation != Relation.HEAD:
        do_update_person(actor, person, relation=Relation.HEAD)
    household.head = person
    household.save(update_fields=["head"])
    audit.record(actor, AuditAction.UPDATE, household, before=before)
    return household


# --- Roster import -------------------------------------------------------------------------------


@dataclass
class RosterReport:
    rows: int = 0
    buildings_created: int = 0
    dwellings_created: int = 0
    households: dict[str, int] = field(default_factory=lambda: {"created": 0, "existing": 0})
    persons: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )


def _match(members: list[Person], row: roster.RosterRow) -> Person | None:
    """The registered member a roster row speaks of: same ID number, or else a member of
    the same name registered without one (the row then adds the ID number), or, when the
    row gives no ID number, the member of that name."""
    if row.id_number:
        wanted = protect.lookup_hash("id", row.id_number)
        same_id = next((p for p in members if p.id_number_hash == wanted), None)
        if same_id is not None:
            return same_id
    return next(
        (p for p in members if p.name == row.name and not (p.id_number_hash and row.id_number)),
        None,
    )


def _roster_values(row: roster.RosterRow, person: Person | None) -> tuple[dict, tuple]:
    """The plain fields and the secrets (ID number, phone, sensitive flags, birth date) a
    row stores for a person: an empty optional cell keeps what ``person`` has on file."""
    plain = {
        "name": row.name,
        "sex": row.sex,
        "relation": row.relation,
        "residence_type": row.residence_type,
        "tags": row.tags,
        **{flag: flag in row.plain_flags for flag in PLAIN_FLAGS},
    }
    id_number, phone, flags, birth = (
        row.id_number,
        row.phone,
        row.sensitive_flags,
        row.birth_date,
    )
    if person is not None:
        kept = row.kept
        if "sex" in kept:
            plain["sex"] = person.sex
        if "tags" in kept:
            plain["tags"] = person.tags
        if "flags" in kept:
            plain.update({flag: getattr(person, flag) for flag in PLAIN_FLAGS})
            flags = sensitive_flags_of(person)
        if "id_number" in kept:
            id_number = protect.decrypt(person.id_number_enc)
        if "phone" in kept:
            phone = protect.decrypt(person.phone_enc)
        if "birth_date" in kept:
            birth = person.birth_date
    plain["birth_year"] = birth.year if birth else None
    return plain, (id_number, phone, flags, birth)


def _building_ref(community: AdminArea, name: str) -> str:
    ref = f"{community.code}-{name}"
    if len(ref) > 40:
        ref = f"{community.code}-{hashlib.sha1(name.encode()).hexdigest()[:16]}"
    return ref


@transaction.atomic
def do_import_roster(actor, community_code: str, cells: list[tuple[int, dict]]) -> RosterReport:
    """Import a household roster into one community, all or nothing.

    Every row is checked before anything is written; the error lists every problem as
    'row N, column X: reason'. Buildings, entrances and dwellings named in the roster are
    created when missing. Importing the same roster again changes nothing.
    """
    for permission in ("people.add_household", "people.add_person", "people.change_person"):
        require(actor, permission)
    community = territory.get_community(actor, community_code)
    today = dt.date.today()
    rows, problems = [], []
    for number, row_cells in cells:
        row, found = roster.check(number, row_cells, today)
        problems += found
        if row:
            rows.append(row)
    problems += roster.check_households(rows)
    if not cells:
        problems.append(gettext("花名册没有数据行"))
    buildings = {b.name: b for b in Building.objects.filter(community=community)}
    # One pass over the community's dwellings serves the checks and the writing.
    registered = list(
        Dwelling.objects.filter(building__community=community).values_list(
            "pk",
            "entrance_id",
            "path",
            "building__name",
            "entrance__number",
            "room",
            "floor",
            named=True,
        )
    )
    problems += _place_problems(rows, buildings, registered)
    problems += _unknown_sex_problems(community, rows)
    id_hashes = {protect.lookup_hash("id", r.id_number): r for r in rows if r.id_number}
    existing_people = {
        p.id_number_hash: p
        for chunk in bulk.chunked(list(id_hashes))
        for p in Person.objects.filter(id_number_hash__in=chunk).select_related(
            "household__dwelling__entrance__building"
        )
    }
    for id_hash, person in existing_people.items():
        row = id_hashes[id_hash]
        dwelling = person.household.dwelling
        if (
            dwelling.building.community_id,
            dwelling.building.name,
            dwelling.entrance.number,
            dwelling.room,
        ) != (community.pk, *row.dwelling_key):
            reason = gettext("此人已登记在另一户")
            problems.append(roster.at_cell(row.row, "身份证号", reason))
    if problems:
        raise InvalidInput(problems)
    hashes = {row.row: id_hash for id_hash, row in id_hashes.items()}
    return _write_roster(actor, community, rows, buildings, registered, hashes)


def _unknown_sex_problems(community: AdminArea, rows: list[roster.RosterRow]) -> list[str]:
    """Rows that leave sex and ID number empty must speak of a person on file (who keeps
    theirs); a new person needs one or the other."""
    sexless = [row for row in rows if not row.sex]
    if not sexless:
        return []
    on_file = set(
        Person.objects.filter(household__community=community).values_list(
            "household__dwelling__building__name",
            "household__dwelling__entrance__number",
            "household__dwelling__room",
            "name",
        )
    )
    reason = gettext("未填写，且没有身份证号可供推算")
    return [
        roster.at_cell(row.row, "性别", reason)
        for row in sexless
        if (*row.dwelling_key, row.name) not in on_file
    ]


def _place_problems(rows: list[roster.RosterRow], buildings: dict, registered: list) -> list[str]:
    """Rows that contradict the places already registered: a floor above the building's
    top, or a dwelling given on another floor than it is registered on."""
    problems = []
    floor_of = {(d.building__name, d.entrance__number, d.room): d.floor for d in registered}
    for row in rows:
        where = f"{row.building}{row.entrance}单元{row.room}"
        building = buildings.get(row.building)
        floor = floor_of.get(row.dwelling_key)
        if building is not None and row.floor > building.floors:
            reason = gettext("%(building)s 只有 %(floors)s 层") % {
                "building": row.building,
                "floors": building.floors,
            }
            problems.append(roster.at_cell(row.row, "楼层", reason))
        elif floor is not None and floor != row.floor:
            reason = gettext("%(where)s 已登记在 %(floor)s 层") % {"where": where, "floor": floor}
            problems.append(roster.at_cell(row.row, "楼层", reason))
    return problems


def _write_roster(
    actor, community, rows, buildings, registered: list, hashes: dict[int, str]
) -> RosterReport:
    """Write checked rows. Places are few and go through the ORM; dwellings, households
    and persons can number in the hundreds of thousands and go in through finegrid.bulk,
    each with its 'create' audit row."""
    report = RosterReport(rows=len(rows))
    reason = f"roster import into {community.code}"

    new_buildings: dict[str, Building] = {}
    for row in rows:
        if row.building not in buildings:
            building = Building(ref=_building_ref(community, row.building), name=row.building)
            placement.place_new(building, community, None)
            buildings[row.building] = new_buildings[row.building] = building
        if row.building in new_buildings:
            building = new_buildings[row.building]
            building.floors = max(building.floors, row.floor)
            building.entrances = max(building.entrances, row.entrance)
    Building.objects.bulk_create(new_buildings.values(), batch_size=1000)
    report.buildings_created = len(new_buildings)

    entrances = {
        (e.building_id, e.number): e for e in Entrance.objects.filter(building__community=community)
    }
    new_entrances = {}
    for row in rows:
        key = (buildings[row.building].pk, row.entrance)
        if key not in entrances:
            entrances[key] = new_entrances[key] = Entrance(
                building=buildings[row.building], number=row.entrance
            )
    Entrance.objects.bulk_create(new_entrances.values(), batch_size=2000)
    audit.record_created(actor, [*new_buildings.values(), *new_entrances.values()], reason)

    dwelling_ids = {(d.entrance_id, d.room): (d.pk, d.path) for d in registered}
    new_dwellings: list[dict] = []
    addresses: dict[tuple, str] = {}
    for row in rows:
        building = buildings[row.building]
        key = (entrances[(building.pk, row.entrance)].pk, row.room)
        if key not in dwelling_ids:
            new_dwellings.append(
                {
                    "building_id": building.pk,
                    "entrance_id": key[0],
                    "floor": row.floor,
                    "room": row.room,
                    "use": DwellingUse.RESIDENTIAL,
                    **placement.on_building(building),
                }
            )
            dwelling_ids[key] = (None, building.path)
            addresses[key] = f"{row.building}{row.entrance}单元{row.room}"
    for pk, values in zip(
        bulk.reserve_ids(Dwelling, len(new_dwellings)), new_dwellings, strict=True
    ):
        values["id"] = pk
        dwelling_ids[(values["entrance_id"], values["room"])] = (pk, values["path"])
    _insert_audited(actor, Dwelling, new_dwellings, [f"{v['room']}" for v in new_dwellings], reason)
    report.dwellings_created = len(new_dwellings)

    by_dwelling: dict[int, list[roster.RosterRow]] = defaultdict(list)
    for row in rows:
        entrance = entrances[(buildings[row.building].pk, row.entrance)]
        by_dwelling[dwelling_ids[(entrance.pk, row.room)][0]].append(row)
    households = {
        h.dwelling_id: h
        for h in Household.objects.filter(community=community)
        if h.dwelling_id in by_dwelling
    }
    members = defaultdict(list)
    for person in Person.objects.filter(household__community=community):
        members[person.household_id].append(person)

    paths = dict(dwelling_ids.values())
    new_households: list[dict] = []
    new_people: list[dict] = []
    changed_people: list[tuple[dict, Person]] = []
    heads: list[Household] = []
    household_ids = iter(bulk.reserve_ids(Household, len(set(by_dwelling) - set(households))))
    person_ids = iter(bulk.reserve_ids(Person, _new_person_count(by_dwelling, households, members)))
    for dwelling_id, dwelling_rows in by_dwelling.items():
        household = households.get(dwelling_id)
        household_id = household.pk if household else next(household_ids)
        head_id = household.head_id if household else None
        for row in dwelling_rows:
            person = _match(members[household_id], row) if household else None
            plain, secrets = _roster_values(row, person)
            if person is None:
                values = {
                    "id": next(person_ids),
                    "household_id": household_id,
                    "path": paths[dwelling_id],
                    "ref": None,
                    "user_id": None,
                    **plain,
                    **sealed(*secrets, id_hash=hashes.get(row.row, "")),
                }
                new_people.append(values)
                if row.relation == Relation.HEAD and household is None:
                    head_id = values["id"]
                continue
            before = audit.snapshot(person)
            for name, value in plain.items():
                setattr(person, name, value)
            same = _unchanged_secrets(person, *secrets)
            if not same:
                for name, value in sealed(*secrets).items():
                    setattr(person, name, value)
            if audit.snapshot(person) != before or not same:
                changed_people.append((before, person))
        if household is None:
            new_households.append(
                {
                    "id": household_id,
                    "dwelling_id": dwelling_id,
                    "community_id": community.pk,
                    "head_id": head_id,
                    "ref": None,
                    "path": paths[dwelling_id],
                    "created_at": timezone.now(),
                }
            )
        else:
            head = next((p for p in members[household.pk] if p.relation == Relation.HEAD), None)
            if head is not None and household.head_id != head.pk:
                household.head = head
                heads.append(household)

    _insert_audited(
        actor, Household, new_households, [str(h["dwelling_id"]) for h in new_households], reason
    )
    _insert_audited(actor, Person, new_people, [p["name"] for p in new_people], reason)
    Person.objects.bulk_update(
        [p for _, p in changed_people], [*PERSON_FIELDS, *SEALED_FIELDS], batch_size=2000
    )
    Household.objects.bulk_update(heads, ["head"], batch_size=2000)
    audit.record_updated(actor, changed_people, reason=reason)
    killpoint.pause("registry-import", Person, AuditEntry)
    report.households = {"created": len(new_households), "existing": len(households)}
    report.persons = {
        "created": len(new_people),
        "updated": len(changed_people),
        "unchanged": len(rows) - len(new_people) - len(changed_people),
    }
    return report


def _new_person_count(by_dwelling, households, members) -> int:
    return sum(
        1
        for dwelling_id, dwelling_rows in by_dwelling.items()
        for row in dwelling_rows
        if dwelling_id not in households or _match(members[households[dwelling_id].pk], row) is None
    )


def _insert_audited(actor, model, rows: list[dict], labels: list[str], reason: str) -> None:
    if not rows:
        return
    fields = list(rows[0])
    bulk.insert(model, fields, ([row[name] for name in fields] for row in rows))
    audit.record_created_rows(actor, model, rows, labels, reason)


# --- Exports and key rotation --------------------------------------------------------------


def _birth_date_text(person: Person, clear: dict | None) -> str:
    if person.birth_year is None:
        return ""
    return person.birth_date.isoformat() if clear else identity.mask_birth_date(person.birth_year)


def _roster_row(person: Person, clear: dict | None) -> list:
    dwelling = person.household.dwelling
    head = person.household.head
    flags = person.plain_flags
    if clear:
        flags += [str(SensitiveFlag(f).label) for f in clear["sensitive_flags"]]
    return [
        dwelling.building.name,
        dwelling.entrance.number,
        dwelling.floor,
        dwelling.room,
        head.name if head else "",
        person.name,
        person.get_relation_display(),
        person.get_residence_type_display(),
        clear["id_number"] if clear else person.id_number_masked,
        clear["phone"] if clear else person.phone_masked,
        person.get_sex_display(),
        _birth_date_text(person, clear),
        "、".join(flags),
        "、".join(person.tags),
    ]


@transaction.atomic
def do_export_roster(actor, area: str, *, unmasked: bool = False, reason: str = "") -> list[list]:
    """Roster rows (roster.COLUMNS) of everyone at or below an area or grid (by code),
    masked. Unmasked rows need the unmask permission and a reason, and every person
    exported in clear gets an audit row."""
    node = territory.get_node(actor, area)
    action = "unmask" if unmasked else "view"
    require(actor, f"people.{action}_person")
    persons = (
        queries.persons(actor, action)
        .filter(path_q((node.path,)))
        .select_related(
            "household__head", "household__dwelling__entrance", "household__dwelling__building"
        )
        .order_by("path", "household__dwelling__building__name", "household__dwelling__room", "pk")
    )
    if not unmasked:
        return [_roster_row(person, None) for person in persons]
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("reason: say why the export must show personal data unmasked")
    rows, read = [], []
    for person in persons:
        clear = {
            "id_number": protect.decrypt(person.id_number_enc),
            "phone": protect.decrypt(person.phone_enc),
            "sensitive_flags": sensitive_flags_of(person),
        }
        rows.append(_roster_row(person, clear))
        read.append(person)
    audit.record_read(actor, read, reason=f"unmasked export: {reason}"[:500])
    return rows


def do_rotate_keys() -> int:
    """Re-seal every person's protected fields with the primary key and the current lookup
    key (command line only). Returns how many rows were rewritten."""
    primary = protect.primary_key_id()
    rewritten = 0
    queryset = Person.objects.only("pk", *SEALED_FIELDS).order_by("pk")
    batch: list[Person] = []
    for person in queryset.iterator(chunk_size=2000):
        id_number = protect.decrypt(person.id_number_enc)
        phone = protect.decrypt(person.phone_enc)
        fresh = sealed(id_number, phone, sensitive_flags_of(person), person.birth_date)
        if protect.key_id_of(person.sensitive_enc) == primary and all(
            getattr(person, name) == fresh[name] for name in ("id_number_hash", "phone_hash")
        ):
            continue
        for name, value in fresh.items():
            setattr(person, name, value)
        batch.append(person)
        if len(batch) >= 2000:
            rewritten += _flush(batch)
    return rewritten + _flush(batch)


def _flush(batch: list[Person]) -> int:
    with transaction.atomic():
        Person.objects.bulk_update(batch, list(SEALED_FIELDS))
    count = len(batch)
    batch.clear()
    return count


@transaction.atomic
def do_create_household(actor, dwelling: Dwelling | int, head: dict) -> Household:
    """Register a household on an empty dwelling with its head (户主)."""
    dwelling = territory.get_dwelling(actor, dwelling)
    require_place(actor, "add", Household, dwelling.path, f"no dwelling with id {dwelling.pk}")
    if Household.objects.filter(dwelling=dwelling).exists():
        raise Conflict(f"dwelling: {dwelling} already has a household")
    household = Household.objects.create(dwelling=dwelling, **placement.on_dwelling(dwelling))
    audit.record(actor, AuditAction.CREATE, household)
    do_add_person(actor, household, **{**head, "relation": Relation.HEAD})
    household.refresh_from_db()
    return household


@transaction.atomic
def do_link_account(actor, person: Person | int, user) -> Person:
    """Tie a resident's login to their registry entry (what a resident account sees)."""
    person = queries.get_person(actor, person, "change")
    user = get_user(actor, getattr(user, "username", user))
    if Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise Conflict(f"user: {user.username} is already tied to another person")
    before = audit.snapshot(person)
    person.user = user
    person.save(update_fields=["user"])
    audit.record(actor, AuditAction.UPDATE, person, before=before)
    return person
