"""A copy of the database reveals no person: every table's raw rows, read with SQL (not the
ORM) after a roster import, the demo on a village, edits, an unmask and exports, hold no
full ID number, no full mobile number, no full birth date of a person with an ID number
and no sensitive flag in clear, and no row's clear columns add up to an ID number."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict

import pytest
from django.db import connection

from finegrid import identity
from finegrid.cli import main
from finegrid.people import actions as people
from finegrid.people import protect
from finegrid.people.models import Person, SensitiveFlag
from tests.conftest import system
from tests.registry_data import LI, rows
from tests.test_demo import VILLAGE

# An 18-character ID number standing alone in a run of digits, and a mobile number.
ID_RUN = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE_RUN = re.compile(r"(?<![\d.])1[3-9]\d{9}(?!\d)")
HEX_DIGEST = re.compile(r"[0-9a-f]{32,}")  # request ids: 32 hex digits
DIGIT_RUN = re.compile(r"\d{11,}")
ID_MASK = re.compile(r"\d{6}\*{8}\d{3}[\dX]")
PHONE_MASK = re.compile(r"1\d{2}\*{4}\d{4}")
# Sensitive flags by their stored names and their Chinese labels.
FLAG_WORDS = [*SensitiveFlag.values, *(str(label) for label in SensitiveFlag.labels)]


def raw_tables() -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table's column names and rows, straight from the database driver."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            tables[table] = (columns, cursor.fetchall())
    return tables


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def valid_id(text: str) -> bool:
    try:
        identity.validate_id_number(text)
    except identity.IdentityError:
        return False
    return True


def id_candidates(masked: str, year: int) -> int:
    """How many ID numbers agree with a 6+4 mask and a birth year (check digit included)."""
    day, count = dt.date(year, 1, 1), 0
    while day.year == year:
        body = masked[:6] + day.strftime("%Y%m%d") + masked[14:17]
        count += identity.id_check_digit(body) == masked[17]
        day += dt.timedelta(days=1)
    return count


@pytest.fixture
def populated(db, settings, tmp_path, capsys):
    """The demo on a village (its roster imported, divided, staffed), the test roster
    imported on top, an edit, an unmask, masked and unmasked exports."""
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    assert main(["demo", "--area", VILLAGE, "--seed", "3", "--no-serve", "--workers", "1"]) == 0
    actor = system()
    people.do_import_roster(actor, VILLAGE, rows())
    li = Person.objects.get(id_number_hash=protect.lookup_hash("id", LI))
    people.do_update_person(actor, li, phone="13712345678", sensitive_flags=["subsistence"])
    people.do_update_person(actor, li, birth_date=dt.date(1982, 7, 4))
    people.do_unmask_person(actor, li, "入户核实")
    for unmasked in (False, True):
        assert (
            main(
                [
                    "registry",
                    "export",
                    "--area",
                    VILLAGE,
                    "-o",
                    str(tmp_path / f"roster-{unmasked}.xlsx"),
                    *(["--unmasked", "--reason", "核对"] if unmasked else []),
                ]
            )
            == 0
        )
    people.do_export_roster(actor, VILLAGE, unmasked=True, reason="核对")
    capsys.readouterr()
    return tmp_path


# The catalogue of purchasable services names the groups they serve (残疾人康复服务): a
# service's name, and the audit rows of catalogue changes, say nothing about a person.
SERVICE_CATALOGUE = "partners_serviceitem"


def about_services(table: str, columns: list[str], row) -> bool:
    if table == SERVICE_CATALOGUE:
        return True
    if table == "accounts_auditentry":
        return dict(zip(columns, row, strict=True))["object_type"] == "partners.serviceitem"
    return False


def test_no_raw_row_reveals_a_person(populated, capsys):
    # The truth, opened with the keys: what must appear nowhere.
    truth_ids, truth_phones, births = set(), set(), {}
    for person in Person.objects.all():
        number = protect.decrypt(person.id_number_enc)
        phone = protect.decrypt(person.phone_enc)
        truth_phones.add(phone) if phone else None
        if number:
            truth_ids.add(number[:17])
            births[str(person.pk)] = person.birth_date
    assert len(truth_ids) > 100
    assert len(truth_phones) > 50

    tables = raw_tables()
    rows_scanned = cells_scanned = 0
    found: dict[str, list] = defaultdict(list)
    windows: set[str] = set()
    for table, (columns, records) in tables.items():
        for row in records:
            rows_scanned += 1
            for column, value in zip(columns, row, strict=True):
                text = as_text(value)
                if not text:
                    continue
                cells_scanned += 1
                for match in ID_RUN.findall(text):
                    if valid_id(match):
                        found["valid ID number"].append((table, column, match))
                # Random hex (keyed hashes, token digests, request ids) is no number.
                for match in MOBILE_RUN.findall(HEX_DIGEST.sub("-", text)):
                    found["mobile number"].append((table, column, match))
                for run in DIGIT_RUN.findall(text):
                    for size in (11, 17):
                        windows.update(run[i : i + size] for i in range(len(run) - size + 1))
                if (
                    not column.endswith(("_enc", "_hash"))
                    and table != "django_session"
                    and not about_services(table, columns, row)
                ):
                    for word in FLAG_WORDS:
                        if word in text:
                            found["sensitive flag"].append((table, column, word))
    # Whatever the boundaries, no person's real numbers appear as digits anywhere.
    found["a person's ID number"] = sorted(truth_ids & windows)
    found["a person's phone"] = sorted(truth_phones & windows)

    # The persons table: the clear columns of one row never settle the ID number.
    columns, rows = tables["people_person"]
    person = [dict(zip(columns, row, strict=True)) for row in rows]
    assert "birth_date" not in columns
    candidates = [
        id_candidates(p["id_number_masked"], p["birth_year"])
        for p in person
        if p["id_number_masked"] and p["birth_year"]
    ]
    assert len(candidates) == len(truth_ids)
    if min(candidates) < 2:
        found["ID number settled by mask + birth year"].append(min(candidates))

    # Every stored mask has one shape, so two masks of one number (a person's and their
    # worker post's) never show more digits together than one does.
    for table, column, shape in (
        ("people_person", "id_number_masked", ID_MASK),
        ("people_person", "phone_masked", PHONE_MASK),
        ("org_worker", "phone_masked", PHONE_MASK),
    ):
        columns, records = tables[table]
        masks = [row[columns.index(column)] for row in records]
        found[f"{table}.{column} not masked as {shape.pattern}"] = [
            m for m in masks if m and not shape.fullmatch(m)
        ]
        assert any(masks)

    # No full birth date of a person with an ID number, in their row or any row naming them.
    forms = lambda day: (day.isoformat(), day.strftime("%Y%m%d"), day.strftime("%Y/%m/%d"))  # noqa: E731
    for p in person:
        if str(p["id"]) in births:
            text = " ".join(as_text(v) for k, v in p.items())
            found["birth date in person row"] += [
                f for f in forms(births[str(p["id"])]) if f in text
            ]
    columns, rows = tables["accounts_auditentry"]
    for entry in (dict(zip(columns, row, strict=True)) for row in rows):
        if entry["object_type"] == "people.person" and entry["object_id"] in births:
            text = " ".join(as_text(v) for v in entry.values())
            found["birth date in audit row"] += [
                f for f in forms(births[entry["object_id"]]) if f in text
            ]
    columns, rows = tables["org_worker"]
    for worker in (dict(zip(columns, row, strict=True)) for row in rows):
        if str(worker["person_id"]) in births:
            text = " ".join(as_text(v) for v in worker.values())
            found["birth date in worker row"] += [
                f for f in forms(births[str(worker["person_id"])]) if f in text
            ]

    # The masked export file, as it leaves the building, reveals nothing either.
    exported = (populated / "roster-False.xlsx").read_bytes()
    from finegrid.people import roster

    cells = [v for _, row in roster.read("x.xlsx", exported) for v in row.values()]
    assert any("********" in c for c in cells)
    found["export ID"] = [c for c in cells if ID_RUN.fullmatch(c) and valid_id(c)]
    found["export phone"] = [c for c in cells if MOBILE_RUN.fullmatch(c)]

    audit_rows = len(tables["accounts_auditentry"][1])
    with capsys.disabled():
        print(
            f"\n{connection.vendor}: {len(tables)} tables, {rows_scanned} rows, "
            f"{cells_scanned} non-empty cells scanned ({len(person)} persons, "
            f"{audit_rows} audit rows); ID numbers agreeing with one person's mask + "
            f"birth year: min {min(candidates)}, median {sorted(candidates)[len(candidates) // 2]}"
        )
    assert {kind: hits[:5] for kind, hits in found.items() if hits} == {}
