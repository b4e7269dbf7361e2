"""Nothing lost on a roster re-import: an empty optional cell keeps what is registered,
only the documented marker （清除） clears it."""

import datetime as dt
import io

import openpyxl
import pytest

from finegrid.accounts.models import AuditEntry
from finegrid.errors import InvalidInput
from finegrid.people import protect, roster
from finegrid.people.actions import do_import_roster, sensitive_flags_of
from finegrid.people.models import Person
from tests.conftest import COMMUNITY_A, system
from tests.registry_data import LI, ROSTER, ZHANG, rows

OPTIONAL = ("身份证号", "联系电话", "性别", "出生日期", "特殊标识", "标签")


def blanked(**marks) -> list:
    """The test roster with every optional cell empty, except ``marks`` by person name."""
    records = []
    for record in ROSTER:
        record = {k: v for k, v in record.items() if k not in OPTIONAL}
        records.append({**record, **marks.get(record["姓名"], {})})
    return rows(records)


def state(name: str) -> dict:
    person = Person.objects.get(name=name)
    return {
        "id_number": protect.decrypt(person.id_number_enc),
        "id_masked": person.id_number_masked,
        "phone": protect.decrypt(person.phone_enc),
        "phone_masked": person.phone_masked,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "birth_year": person.birth_year,
        "sensitive": sensitive_flags_of(person),
        "plain": person.plain_flags,
        "tags": person.tags,
    }


def test_empty_optional_cells_keep_what_is_registered(world):
    do_import_roster(system(), COMMUNITY_A, rows())
    names = [record["姓名"] for record in ROSTER]
    before = {name: state(name) for name in names}
    persons = Person.objects.count()
    audit_rows = AuditEntry.objects.count()
    report = do_import_roster(system(), COMMUNITY_A, blanked())
    assert report.persons == {"created": 0, "updated": 0, "unchanged": 4}
    assert {name: state(name) for name in names} == before
    assert Person.objects.count() == persons
    assert AuditEntry.objects.count() == audit_rows
    assert before["李梅"]["id_number"] == LI
    assert before["李梅"]["sensitive"] == ["disabled"]
    assert before["张建国"]["plain"] == ["退役军人", "党员"]


def test_the_clear_marker_clears_one_value_and_leaves_the_others(world):
    do_import_roster(system(), COMMUNITY_A, rows())
    before = state("李梅")
    report = do_import_roster(
        system(),
        COMMUNITY_A,
        blanked(
            李梅={"联系电话": "（清除）", "特殊标识": "(清除)"}, 张建国={"特殊标识": "（清除）"}
        ),
    )
    assert report.persons == {"created": 0, "updated": 2, "unchanged": 2}
    after = state("李梅")
    assert (after["phone"], after["phone_masked"], after["sensitive"]) == ("", "", [])
    assert {k: v for k, v in after.items() if k not in ("phone", "phone_masked", "sensitive")} == {
        k: v for k, v in before.items() if k not in ("phone", "phone_masked", "sensitive")
    }
    zhang = state("张建国")
    assert (zhang["plain"], zhang["id_number"], zhang["phone"]) == ([], ZHANG, "13800008000")
    entry = AuditEntry.objects.filter(object_type="people.person", action="update").latest("pk")
    assert "13900001234" not in str(entry.before) + str(entry.after)


def test_clearing_an_id_number_keeps_the_person_and_their_birth_date(world):
    do_import_roster(system(), COMMUNITY_A, rows())
    do_import_roster(system(), COMMUNITY_A, blanked(王秀英={"身份证号": "（清除）"}))
    wang = state("王秀英")
    assert (wang["id_number"], wang["id_masked"]) == ("", "")
    assert wang["birth_date"] == dt.date(1945, 1, 1)
    assert wang["sensitive"] == ["subsistence"]
    assert Person.objects.filter(name="王秀英").count() == 1


def test_the_template_documents_the_marker():
    workbook = openpyxl.load_workbook(io.BytesIO(roster.template_bytes()))
    assert workbook.sheetnames == ["花名册", "填写说明"]
    notes = " ".join(
        str(c) for row in workbook["填写说明"].iter_rows(values_only=True) for c in row
    )
    assert "留空表示保留已登记的值" in notes
    assert "（清除）" in notes


def test_a_new_person_still_needs_a_sex_and_sex_cannot_be_cleared(world):
    do_import_roster(system(), COMMUNITY_A, rows())
    newcomer = {**ROSTER[2], "姓名": "张小川", "性别": "", "出生日期": ""}
    cleared = {**ROSTER[2], "性别": "（清除）"}
    with pytest.raises(InvalidInput) as raised:
        do_import_roster(system(), COMMUNITY_A, rows([*ROSTER[:2], newcomer, cleared, ROSTER[3]]))
    assert raised.value.problems == [
        "第 5 行，性别：不能清除",
        "第 4 行，性别：未填写，且没有身份证号可供推算",
    ]
