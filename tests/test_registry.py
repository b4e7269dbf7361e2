import datetime as dt

import pytest
from django.utils import translation

from finegrid.accounts.models import AuditEntry
from finegrid.errors import InvalidInput
from finegrid.people import protect
from finegrid.people.actions import do_import_roster, do_unmask_person, sensitive_flags_of
from finegrid.people.models import Household, Person
from finegrid.territory.models import Building, Dwelling
from tests.conftest import COMMUNITY_A, system
from tests.registry_data import LI, ROSTER, ZHANG, rows


def test_roster_import_creates_places_households_and_sealed_people(world):
    report = do_import_roster(system(), COMMUNITY_A, rows())
    assert report.rows == 4
    assert report.buildings_created == 1
    assert report.dwellings_created == 2
    assert report.households == {"created": 2, "existing": 0}
    assert report.persons == {"created": 4, "updated": 0, "unchanged": 0}
    building = Building.objects.get(community__code=COMMUNITY_A, name="3栋")
    assert (building.floors, building.entrances) == (5, 2)
    zhang = Person.objects.get(name="张建国")
    assert zhang.household.head == zhang
    assert zhang.id_number_masked == ZHANG[:6] + "********" + ZHANG[-4:]
    assert zhang.phone_masked == "138****8000"
    assert zhang.sex == "M"
    assert str(zhang.birth_date) == "1980-02-15"
    assert zhang.veteran
    assert zhang.party_member
    assert ZHANG not in zhang.id_number_enc
    assert protect.decrypt(zhang.id_number_enc) == ZHANG
    li = Person.objects.get(name="李梅")
    assert protect.decrypt(li.phone_enc) == "13900001234"
    assert sensitive_flags_of(li) == ["disabled"]
    child = Person.objects.get(name="张小雨")
    assert (child.id_number_masked, child.sex, child.relation) == ("", "F", "child")
    assert (
        Household.objects.get(head__name="王秀英").path
        == building.path
        == f"51/5101/510116/510116001/{COMMUNITY_A}"
    )


def test_reimporting_the_same_roster_changes_nothing(world):
    do_import_roster(system(), COMMUNITY_A, rows())
    audit_rows = AuditEntry.objects.count()
    stored = list(Person.objects.values_list("id_number_enc", "sensitive_enc").order_by("pk"))
    report = do_import_roster(system(), COMMUNITY_A, rows())
    assert report.persons == {"created": 0, "updated": 0, "unchanged": 4}
    assert report.households == {"created": 0, "existing": 2}
    assert (report.buildings_created, report.dwellings_created) == (0, 0)
    assert AuditEntry.objects.count() == audit_rows
    assert (
        list(Person.objects.values_list("id_number_enc", "sensitive_enc").order_by("pk")) == stored
    )


def test_a_changed_row_updates_only_that_person(world):
    do_import_roster(system(), COMMUNITY_A, rows())
    changed = [dict(r) for r in ROSTER]
    changed[1]["联系电话"] = "13700007777"
    changed[3]["特殊标识"] = "独居老人"
    report = do_import_roster(system(), COMMUNITY_A, rows(changed))
    assert report.persons == {"created": 0, "updated": 2, "unchanged": 2}
    li = Person.objects.get(name="李梅")
    assert li.phone_masked == "137****7777"
    entry = AuditEntry.objects.filter(object_id=str(li.pk), action="update").get()
    assert entry.before["phone_masked"] == "139****1234"
    assert entry.after["phone_masked"] == "137****7777"
    assert "13700007777" not in str(entry.after)
    assert sensitive_flags_of(Person.objects.get(name="王秀英")) == []


BROKEN_ROSTER_REPORT = {
    "zh-hans": [
        "第 2 行，身份证号：校验位为 {found}，应为 {expected}",
        "第 3 行，联系电话：应为 13–19 开头的 11 位手机号（可带 +86）",
        "第 4 行，与户主关系：“表亲”不在可选值中（户主、配偶、子女、父母、孙子女、兄弟姐妹、其他、本人）",
        "第 5 行，楼层：“五”不是整数",
        "第 6 行，姓名：3栋1单元502 的户主在“户主姓名”列中是 张建国",
    ],
    "en": [
        "row 2, column 身份证号: check digit is {found}, expected {expected}",
        "row 3, column 联系电话: must be 11 digits starting with 13–19 (optionally +86)",
        "row 4, column 与户主关系: '表亲' is not one of 户主、配偶、子女、父母、孙子女、兄弟姐妹、其他、本人",
        "row 5, column 楼层: '五' is not a whole number",
        "row 6, column 姓名: the 户主 of 3栋1单元502 is 张建国 in column 户主姓名",
    ],
}


@pytest.mark.parametrize("language", BROKEN_ROSTER_REPORT)
def test_a_broken_roster_reports_every_problem_and_writes_nothing(world, language):
    broken = [dict(r) for r in ROSTER]
    broken[0]["身份证号"] = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    broken[1]["联系电话"] = "12345"
    broken[2]["与户主关系"] = "表亲"
    broken[3]["楼层"] = "五"
    broken.append({**ROSTER[1], "姓名": "李梅二", "与户主关系": "户主", "身份证号": LI})
    with translation.override(language), pytest.raises(InvalidInput) as error:
        do_import_roster(system(), COMMUNITY_A, rows(broken))
    found, expected = broken[0]["身份证号"][-1], ZHANG[-1]
    assert error.value.problems == [
        line.format(found=found, expected=expected) for line in BROKEN_ROSTER_REPORT[language]
    ]
    assert not Person.objects.exists()
    assert not Dwelling.objects.exists()
    assert ZHANG not in str(error.value)


def test_unmasking_needs_the_permission_a_reason_and_is_audited(world, registry):
    """A grid worker who sees the person (masked) may not unmask; staff may, with a reason."""
    zhang = Person.objects.get(name="张建国")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_unmask_person(world.users.grid_worker, zhang, "走访核实")
    with pytest.raises(InvalidInput, match="reason: say why"):
        do_unmask_person(world.users.community_staff, zhang, " ")
    clear = do_unmask_person(world.users.community_staff, zhang, "办理高龄补贴核实身份")
    assert clear == {
        "id_number": ZHANG,
        "phone": "13800008000",
        "birth_date": dt.date(1980, 2, 15),
        "sensitive_flags": [],
    }
    entry = AuditEntry.objects.get(action="unmask", object_id=str(zhang.pk))
    assert entry.actor_label == "community_staff"
    assert entry.reason == "办理高龄补贴核实身份"
    assert ZHANG not in str(entry.after)


def test_a_reimport_that_adds_an_id_number_updates_the_person(world):
    """A person first registered without an ID number is the same person when a later
    roster gives theirs: updated, not registered twice."""
    without = [dict(r) for r in ROSTER]
    without[1]["身份证号"] = ""
    without[1]["性别"] = "女"
    do_import_roster(system(), COMMUNITY_A, rows(without))
    report = do_import_roster(system(), COMMUNITY_A, rows())
    assert report.persons == {"created": 0, "updated": 1, "unchanged": 3}
    li = Person.objects.get(name="李梅")
    assert protect.decrypt(li.id_number_enc) == LI


def test_health_flags_are_sealed_like_the_other_sensitive_ones(world):
    """重病患者 and 严重精神障碍患者 are health data: kept encrypted, never in plain columns."""
    sick = [dict(r) for r in ROSTER]
    sick[3]["特殊标识"] = "重病患者、严重精神障碍患者"
    do_import_roster(system(), COMMUNITY_A, rows(sick))
    person = Person.objects.get(name=sick[3]["姓名"])
    assert sensitive_flags_of(person) == ["serious_illness", "severe_mental_disorder"]
    assert person.plain_flags == []
    assert "重病" not in person.sensitive_enc


def test_a_roster_must_agree_with_the_places_already_registered(world):
    """A dwelling given on another floor than it is registered on, or a floor above its
    building's top, is reported by row and column, and nothing is written."""
    do_import_roster(system(), COMMUNITY_A, rows())
    Building.objects.filter(name="3栋").update(floors=6)
    moved = [dict(r) for r in ROSTER]
    for row in moved[:3]:
        row["楼层"] = "4"
    moved[3]["楼层"] = "9"
    persons = Person.objects.count()
    with pytest.raises(InvalidInput) as error:
        do_import_roster(system(), COMMUNITY_A, rows(moved))
    assert error.value.problems == [
        "第 2 行，楼层：3栋1单元502 已登记在 5 层",
        "第 3 行，楼层：3栋1单元502 已登记在 5 层",
        "第 4 行，楼层：3栋1单元502 已登记在 5 层",
        "第 5 行，楼层：3栋 只有 6 层",
    ]
    assert Person.objects.count() == persons
