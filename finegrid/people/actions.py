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
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from finegrid import bulk, identity
from finegrid.accounts import audit
from finegrid.accounts.actions import follow_home
from finegrid.accounts.models import AuditAction
from finegrid.accounts.roles import Role
from finegrid.accounts.scope import in_scope
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.people import protect, roster
from finegrid.people.checks import check_identity
from finegrid.people.models import (
    PLAIN_FLAGS,
    Household,
    HouseholdMove,
    Person,
    Relation,
    ResidenceType,
    SensitiveFlag,
)
from finegrid.territory.actions import require, require_scope
from finegrid.territory.models import (
    AdminArea,
    AreaLevel,
    Building,
    Dwelling,
    DwellingUse,
    Entrance,
)

UNMASK_PERMISSION = "people.unmask_person"
# A person's plain stored fields, and the sealed ones that stand for the protected values.
PERSON_FIELDS = ("name", "sex", "birth_date", "relation", "residence_type", "tags", *PLAIN_FLAGS)
SEALED_FIELDS = (
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "phone_enc",
    "phone_hash",
    "phone_masked",
    "sensitive_enc",
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
    id_number: str, phone: str, sensitive_flags: list[str], id_hash: str | None = None
) -> dict:
    """The stored form of a person's protected fields (the keys of SEALED_FIELDS);
    ``id_hash`` spares recomputing a lookup hash the caller already has."""
    return {
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


def _unchanged_secrets(person: Person, id_number: str, phone: str, flags: list[str]) -> bool:
    return (
        person.id_number_hash == protect.lookup_hash("id", id_number)
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
        "birth_date": checked["birth_date"],
        "relation": relation,
        "residence_type": residence,
        "tags": tags,
        **{flag: bool(values.get(flag, False)) for flag in PLAIN_FLAGS},
    }
    secrets = (checked["id_number"], checked["phone"], sorted(set(flags)))
    return {"fields": fields, "secrets": secrets}, problems


def _id_taken(id_hash: str, except_pk: int | None = None) -> bool:
    if not id_hash:
        return False
    return Person.objects.filter(id_number_hash=id_hash).exclude(pk=except_pk).exists()


def _require_secret_rights(actor, values: dict) -> None:
    """Writing an ID number, phone or sensitive flag blind is fine, but it needs the
    right to see it (a grid worker registers names; staff add the rest)."""
    given = {name for name in ("id_number", "phone", "sensitive_flags") if values.get(name)}
    if given and actor is not None and not actor.has_perm(UNMASK_PERMISSION):
        raise PermissionDenied("your role may not change ID numbers, phones or sensitive flags")


@transaction.atomic
def do_add_person(actor, household: Household, **values) -> Person:
    require(actor, "people.add_person")
    require_scope(actor, household, f"household {household.pk}")
    _require_secret_rights(actor, values)
    checked, problems = check_person(values)
    if problems:
        raise InvalidInput(problems)
    id_number, phone, flags = checked["secrets"]
    if _id_taken(protect.lookup_hash("id", id_number)):
        raise Conflict("id_number: this ID number is already registered")
    person = Person(
        household=household,
        path=household.path,
        **checked["fields"],
        **sealed(id_number, phone, flags),
    )
    person.save()
    if person.relation == Relation.HEAD and household.head_id is None:
        household.head = person
        household.save(update_fields=["head"])
    audit.record(actor, AuditAction.CREATE, person)
    return person


@transaction.atomic
def do_update_person(actor, person: Person, **changes) -> Person:
    require(actor, "people.change_person")
    require_scope(actor, person, f"person {person.pk}")
    unknown = sorted(set(changes) - set(PERSON_EDITABLE))
    if unknown:
        raise InvalidInput([f"{name}: cannot be changed here" for name in unknown])
    secret_changes = {"id_number", "phone", "sensitive_flags"} & set(changes)
    _require_secret_rights(actor, dict.fromkeys(secret_changes, True))
    current = {
        **{name: getattr(person, name) for name in PERSON_FIELDS},
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
    id_number, phone, flags = checked["secrets"]
    if _id_taken(protect.lookup_hash("id", id_number), except_pk=person.pk):
        raise Conflict("id_number: this ID number is already registered")
    before = audit.snapshot(person)
    for name, value in checked["fields"].items():
        setattr(person, name, value)
    if not _unchanged_secrets(person, id_number, phone, flags):
        for name, value in sealed(id_number, phone, flags).items():
            setattr(person, name, value)
    after = audit.snapshot(person)
    if after != before or secret_changes:
        person.save()
        audit.record(actor, AuditAction.UPDATE, person, before=before, after=after)
    return person


@transaction.atomic
def do_unmask_person(actor, person: Person, reason: str) -> dict:
    """A person's ID number, phone and sensitive flags in clear, for one stated reason.
    Every call is written to the audit log (who, whom, why), never the values."""
    if actor is not None and not actor.has_perm(UNMASK_PERMISSION):
        raise PermissionDenied("your role may not see personal data unmasked")
    require_scope(actor, person, f"person {person.pk}")
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


def follow_dwellings(community: AdminArea) -> None:
    """Give the households and persons of a community their dwelling's path again, after
    dwellings moved between grids (two set-based updates, however many moved)."""
    Household.objects.filter(community=community).exclude(path=F("dwelling__path")).update(
        path=Subquery(Dwelling.objects.filter(pk=OuterRef("dwelling_id")).values("path")[:1])
    )
    Person.objects.filter(household__community=community).exclude(path=F("household__path")).update(
        path=Subquery(Household.objects.filter(pk=OuterRef("household_id")).values("path")[:1])
    )


@transaction.atomic
def do_move_household(actor, household: Household, to_dwelling: Dwelling) -> Household:
    """Move a household (with its members) to another dwelling, keeping the history."""
    require(actor, "people.change_household")
    require_scope(actor, household, f"household {household.pk}")
    require_scope(actor, to_dwelling, f"dwelling {to_dwelling.pk}")
    if Household.objects.filter(dwelling=to_dwelling).exists():
        raise Conflict(f"dwelling: {to_dwelling} already has a household")
    before = audit.snapshot(household)
    HouseholdMove.objects.create(
        household=household,
        from_dwelling=household.dwelling,
        to_dwelling=to_dwelling,
        path=to_dwelling.path,
    )
    household.dwelling = to_dwelling
    household.community = to_dwelling.building.community
    household.path = to_dwelling.path
    household.save()
    household.members.update(path=to_dwelling.path)
    audit.record(actor, AuditAction.UPDATE, household, before=before, reason="moved")
    home = to_dwelling.grid or household.community
    for member in household.members.filter(user__role=Role.RESIDENT).select_related("user"):
        follow_home(actor, member.user, home)
    return household


@transaction.atomic
def do_set_head(actor, household: Household, person: Person) -> Household:
    """Make one of a household's members its head (户主); the old head becomes 其他 until
    their relation is corrected, the new one 户主."""
    require(actor, "people.change_household")
    require_scope(actor, household, f"household {household.pk}")
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


def _community_for(actor, code: str) -> AdminArea:
    community = AdminArea.objects.filter(
        code=code.ljust(12, "0"), level=AreaLevel.COMMUNITY
    ).first()
    if community is None or (actor is not None and not in_scope(actor, community.path)):
        raise NotFound(f"no community {code}")
    return community


def _match(members: list[Person], row: roster.RosterRow) -> Person | None:
    """The registered member a roster row speaks of: same ID number, or else a member of
    the same name registered without one (the row then adds the ID number)."""
    if row.id_number:
        wanted = protect.lookup_hash("id", row.id_number)
        same_id = next((p for p in members if p.id_number_hash == wanted), None)
        if same_id is not None:
            return same_id
    return next((p for p in members if not p.id_number_hash and p.name == row.name), None)


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
    community = _community_for(actor, community_code)
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
            building.place(community, None)
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
                    "grid_id": building.grid_id,
                    "path": building.path,
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
            plain = {
                "name": row.name,
                "sex": row.sex,
                "birth_date": row.birth_date,
                "relation": row.relation,
                "residence_type": row.residence_type,
                "tags": row.tags,
                **{flag: flag in row.plain_flags for flag in PLAIN_FLAGS},
            }
            if person is None:
                values = {
                    "id": next(person_ids),
                    "household_id": household_id,
                    "path": paths[dwelling_id],
                    "ref": None,
                    "user_id": None,
                    **plain,
                    **sealed(
                        row.id_number, row.phone, row.sensitive_flags, hashes.get(row.row, "")
                    ),
                }
                new_people.append(values)
                if row.relation == Relation.HEAD and household is None:
                    head_id = values["id"]
                continue
            before = audit.snapshot(person)
            for name, value in plain.items():
                setattr(person, name, value)
            same = _unchanged_secrets(person, row.id_number, row.phone, row.sensitive_flags)
            if not same:
                for name, value in sealed(row.id_number, row.phone, row.sensitive_flags).items():
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


def _birth_date_text(birth_date: dt.date | None, clear: dict | None) -> str:
    if birth_date is None:
        return ""
    return birth_date.isoformat() if clear else identity.mask_birth_date(birth_date)


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
        _birth_date_text(person.birth_date, clear),
        "、".join(flags),
        "、".join(person.tags),
    ]


@transaction.atomic
def do_export_roster(actor, persons, *, unmasked: bool = False, reason: str = "") -> list[list]:
    """Roster rows (roster.COLUMNS) of the given persons, masked. Unmasked rows need the
    unmask permission and a reason, and every person exported in clear gets an audit row."""
    require(actor, "people.view_person")
    persons = persons.select_related(
        "household__head", "household__dwelling__entrance", "household__dwelling__building"
    ).order_by("path", "household__dwelling__building__name", "household__dwelling__room", "pk")
    if not unmasked:
        return [_roster_row(person, None) for person in persons]
    if actor is not None and not actor.has_perm(UNMASK_PERMISSION):
        raise PermissionDenied("your role may not export personal data unmasked")
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
        fresh = sealed(id_number, phone, sensitive_flags_of(person))
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
def do_create_household(actor, dwelling: Dwelling, head: dict) -> Household:
    """Register a household on an empty dwelling with its head (户主)."""
    require(actor, "people.add_household")
    require_scope(actor, dwelling, f"dwelling {dwelling.pk}")
    if Household.objects.filter(dwelling=dwelling).exists():
        raise Conflict(f"dwelling: {dwelling} already has a household")
    household = Household.objects.create(
        dwelling=dwelling, community=dwelling.building.community, path=dwelling.path
    )
    audit.record(actor, AuditAction.CREATE, household)
    do_add_person(actor, household, **{**head, "relation": Relation.HEAD})
    household.refresh_from_db()
    return household


@transaction.atomic
def do_link_account(actor, person: Person, user) -> Person:
    """Tie a resident's login to their registry entry (what a resident account sees)."""
    require(actor, "people.change_person")
    require_scope(actor, person, f"person {person.pk}")
    if Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise Conflict(f"user: {user.username} is already tied to another person")
    before = audit.snapshot(person)
    person.user = user
    person.save(update_fields=["user"])
    audit.record(actor, AuditAction.UPDATE, person, before=before)
    return person
