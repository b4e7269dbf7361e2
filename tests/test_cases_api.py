"""The API of what the pages and the command line did first: 吹哨 (summon departments),
报到, the street's rating of a department's response, the reporter's satisfaction rating,
duty-list and 12345 hotline imports (all or nothing, problems by row and column)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from finegrid import clock
from finegrid.cases import dutylists
from finegrid.cases.actions import do_create_department_user, do_open_case, do_step
from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import Case, DutyItem, Unit, WhistleCall
from finegrid.people.actions import do_link_account
from tests.conftest import COMMUNITY_A, system
from tests.test_cases import _csv

MONDAY = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))


@pytest.fixture
def units(world):
    do_load_illustrative(system(), "510116001")
    return {u.name.removesuffix("（示例）"): u for u in Unit.objects.all()}


def accepted(registry, category: str) -> Case:
    case = do_open_case(
        system(), category=category, text="问题", channel="worker", household=registry.zhang
    )
    return do_step(system(), case, "accept")


def test_a_street_whistles_departments_report_and_are_rated_through_the_api(
    world, registry, units, login
):
    env = units["双流区生态环境局"]
    police = units["双流区公安分局交通警察大队"]
    officer, _ = do_create_department_user(system(), env, username="env")
    with clock.frozen(MONDAY):
        case = accepted(registry, "noise")
        url = f"/api/cases/{case.pk}/whistle"
        body = {"units": [env.pk, police.pk], "note": "噪音反复", "hours": 4}
        refused = login(world.users.community_staff).post(
            url, body, content_type="application/json"
        )
        assert refused.status_code == 403
        assert refused.json() == {"detail": "your role may not do this (cases.whistle_case)"}
        street = login(world.users.street_staff)
        missing = street.post(
            url, {"units": [world.grids.micro.pk + 10_000]}, content_type="application/json"
        )
        assert (missing.status_code, missing.json()["detail"]) == (
            404,
            f"no department {world.grids.micro.pk + 10_000}",
        )
        blown = street.post(url, body, content_type="application/json")
    assert blown.status_code == 201
    whistle = blown.json()
    assert (whistle["case"], whistle["street"], whistle["note"]) == (
        case.ref,
        "510116001000",
        "噪音反复",
    )
    calls = {c["unit_name"]: c for c in whistle["calls"]}
    assert dt.datetime.fromisoformat(calls[env.name]["due_at"]) == MONDAY + dt.timedelta(hours=4)
    assert (calls[env.name]["reported_at"], calls[env.name]["rating"]) == (None, "")
    # The department reports for itself, not for another department.
    department = login(officer)
    other = department.post(
        f"/api/whistle-calls/{calls[police.name]['id']}/report",
        {"report": "到场"},
        content_type="application/json",
    )
    assert other.status_code == 403
    report_url = f"/api/whistle-calls/{calls[env.name]['id']}/report"
    empty = department.post(report_url, {"report": " "}, content_type="application/json")
    assert empty.json()["problems"] == ["report: say what the department does"]
    done = department.post(report_url, {"report": "已到场测噪"}, content_type="application/json")
    assert (done.status_code, done.json()["report"]) == (200, "已到场测噪")
    again = department.post(report_url, {"report": "再报"}, content_type="application/json")
    assert again.json()["problems"] == [f"call: {env.name} has already reported"]
    # The street rates the response; the department may not rate itself.
    rating_url = f"/api/whistle-calls/{calls[env.name]['id']}/rating"
    assert (
        department.post(rating_url, {"rating": "good"}, content_type="application/json").status_code
        == 403
    )
    street = login(world.users.street_staff)
    bad = street.post(rating_url, {"rating": "perfect"}, content_type="application/json")
    assert bad.json()["problems"] == ["rating: 'perfect' is not one of good, fair, poor"]
    early = street.post(
        f"/api/whistle-calls/{calls[police.name]['id']}/rating",
        {"rating": "poor"},
        content_type="application/json",
    )
    assert early.json()["problems"] == [f"call: {police.name} has not reported yet"]
    rated = street.post(rating_url, {"rating": "good"}, content_type="application/json")
    assert (rated.status_code, rated.json()["rating"]) == (200, "good")
    listed = street.get(f"/api/cases/{case.pk}/whistles").json()
    assert [(c["unit_name"], c["report"], c["rating"]) for c in listed[0]["calls"]] == [
        (env.name, "已到场测噪", "good"),
        (police.name, "", ""),
    ]
    # Steps of the timeline: the whistle and the report.
    steps = [s["kind"] for s in street.get(f"/api/cases/{case.pk}").json()["steps"]]
    assert steps[-2:] == ["whistle", "report"]
    # Someone outside the street finds neither the case nor its calls.
    outsider = login(world.users.outsider)
    # (Their role may not whistle at all: 403 whatever the case, so it tells nothing.)
    assert outsider.post(url, body, content_type="application/json").status_code == 403
    assert (
        outsider.post(report_url, {"report": "x"}, content_type="application/json").status_code
        == 404
    )
    assert outsider.get(f"/api/cases/{case.pk}/whistles").status_code == 404
    assert WhistleCall.objects.filter(rating="good").count() == 1


def test_the_reporter_rates_a_closed_case_through_the_api(world, registry, units, login):
    resident = world.users.resident
    do_link_account(system(), registry.zhang.head, resident)
    case = do_open_case(resident, category="sanitation", text="楼道堆物", channel="resident")
    url = f"/api/cases/{case.pk}/rating"
    client = login(resident)
    early = client.post(url, {"satisfaction": "satisfied"}, content_type="application/json")
    assert early.json()["problems"] == [
        f"status: case {case.ref} is 待受理 (submitted); 评价 (rate) is not possible now"
    ]
    for kind in ("accept", "dispatch", "handle", "verify", "close"):
        case = do_step(system(), case, kind)
    worker = login(world.users.grid_worker).post(
        url, {"satisfaction": "satisfied"}, content_type="application/json"
    )
    assert (worker.status_code, worker.json()) == (
        403,
        {"detail": "only the reporter rates a case"},
    )
    client = login(resident)
    bad = client.post(url, {"satisfaction": "ok"}, content_type="application/json")
    assert bad.json()["problems"] == [
        "satisfaction: 'ok' is not one of satisfied, basically, unsatisfied"
    ]
    answer = client.post(
        url, {"satisfaction": "unsatisfied", "note": "还有杂物"}, content_type="application/json"
    )
    assert answer.status_code == 200
    body = answer.json()
    # 不满意 within 7 days reopens the case.
    assert (body["status"], body["reopened"], body["satisfaction"]) == ("in_progress", 1, "")
    assert [s["kind"] for s in body["steps"]][-2:] == ["rate", "reopen"]
    assert body["steps"][-2]["note"] == "不满意 还有杂物"
    assert (
        login(world.users.outsider)
        .post(url, {"satisfaction": "satisfied"}, content_type="application/json")
        .status_code
        == 404
    )


def test_duty_lists_are_imported_through_the_api_whole_or_not_at_all(world, units, login):
    client = login(world.users.street_staff)
    before = DutyItem.objects.count()
    units_rows = [["东升街道新设科室", "街道科室", "510116001", "", "", ""]]
    item = [
        "职责任务清单",
        "D-100",
        "新事项",
        "环境卫生",
        "街道",
        "东升街道新设科室",
        "",
        "5",
        "",
        "有效",
        "",
        "",
    ]
    wrong = [*item[:1], "D-101", "", "天气", *item[4:7], "一百", *item[8:]]
    content = dutylists.workbook_bytes(units_rows, [item, wrong])
    refused = client.post(
        "/api/duty-lists/import", {"area": "510116001", "file": _upload("l.xlsx", content)}
    )
    assert refused.status_code == 400
    assert refused.json()["problems"] == [
        "清单事项 row 3, column 事件类别: '天气' is not one of 车辆乱停、电梯故障、环境卫生、"
        "水电气、噪音扰民、公共设施、安全隐患、邻里纠纷、物业服务、绿化管护、困难帮扶、其他",
        "清单事项 row 3, column 事项: 1 to 200 characters",
        "清单事项 row 3, column 办理时限（工作日）: a whole number of days, 1 to 90",
    ]
    assert DutyItem.objects.count() == before
    assert not Unit.objects.filter(name="东升街道新设科室").exists()
    content = dutylists.workbook_bytes(units_rows, [item])
    done = client.post(
        "/api/duty-lists/import", {"area": "510116001", "file": _upload("l.xlsx", content)}
    )
    assert done.status_code == 200
    assert done.json() == {
        "units_created": 1,
        "units_updated": 0,
        "items_created": 1,
        "items_changed": 0,
        "items_retired": 0,
        "items_unchanged": 0,
    }
    assert DutyItem.objects.get(code="D-100").lead_unit.name == "东升街道新设科室"
    garbage = client.post(
        "/api/duty-lists/import", {"area": "510116001", "file": _upload("l.xlsx", b"not xlsx")}
    )
    assert garbage.json()["problems"] == ["file: not an .xlsx workbook (BadZipFile)"]
    outside = login(world.users.outsider).post(
        "/api/duty-lists/import", {"area": "510116001", "file": _upload("l.xlsx", content)}
    )
    assert (outside.status_code, outside.json()) == (
        404,
        {"detail": "no administrative area with code 510116001"},
    )


def test_a_hotline_export_is_imported_through_the_api_whole_or_not_at_all(world, units, login):
    good = [
        "H1",
        "2026-11-30 09:00",
        "李女士",
        "13800008000",
        "噪音扰民",
        "夜间施工",
        COMMUNITY_A,
        "3栋",
        "",
    ]
    bad = ["H2", "2026-11-30 10:00", "王", "", "天气", "吵", "510104017001", "", ""]
    client = login(world.users.community_staff)
    refused = client.post("/api/hotline/import", {"file": _upload("h.csv", _csv([good, bad]))})
    assert refused.status_code == 400
    assert refused.json()["problems"] == [
        "row 3, column 事件类别: '天气' is not a category",
        "row 3, column 社区代码: no community 510104017001",
    ]
    assert not Case.objects.exists()
    done = client.post("/api/hotline/import", {"file": _upload("h.csv", _csv([good]))})
    assert (done.status_code, done.json()) == (200, {"created": 1})
    case = Case.objects.get()
    assert (case.channel, case.source, case.text) == ("hotline", "12345:H1", "夜间施工")
    twice = client.post("/api/hotline/import", {"file": _upload("h.csv", _csv([good]))})
    assert twice.json()["problems"] == ["row 2, column 工单编号: H1 is already imported"]
    wrong_kind = client.post("/api/hotline/import", {"file": _upload("h.txt", b"x")})
    assert wrong_kind.json()["problems"] == ["file: a hotline export is an .xlsx or .csv file"]
    # A hotline export is the staff's: a worker who may not dispatch is refused.
    worker = login(world.users.grid_worker).post(
        "/api/hotline/import", {"file": _upload("h.csv", _csv([good]))}
    )
    assert (worker.status_code, worker.json()) == (
        403,
        {"detail": "your role may not do this (cases.dispatch_case)"},
    )


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_a_residents_map_pin_must_lie_in_their_community(world, registry, units, login):
    resident = world.users.resident
    do_link_account(system(), registry.zhang.head, resident)
    # In the neighbouring micro-grid: the pin is the place; the case stays the household's
    # (its grid and scope: the resident follows it, their micro-grid worker has it).
    pinned = do_open_case(
        resident,
        category="facility",
        text="路灯不亮",
        channel="resident",
        lon=103.933,
        lat=30.571,
    )
    assert (pinned.household, pinned.grid, pinned.path) == (
        registry.zhang,
        world.grids.micro,
        registry.zhang.path,
    )
    assert (pinned.lon, pinned.lat, pinned.address) == (
        103.933,
        30.571,
        "地图标点（103.93300, 30.57100）",
    )
    # Without a pin the place is the dwelling.
    home = do_open_case(resident, category="facility", text="门禁坏了", channel="resident")
    assert (home.grid, home.address) == (world.grids.micro, "3栋502")
    # A pin in another community (another street's grid) is refused, nothing is written.
    answer = login(resident).post(
        "/api/cases",
        {
            "category": "facility",
            "text": "路灯",
            "channel": "resident",
            "lon": 103.951,
            "lat": 30.581,
        },
        content_type="application/json",
    )
    assert (answer.status_code, answer.json()["problems"]) == (
        400,
        [
            "location: the pin (103.95100, 30.58100) is outside 五洞桥社区居委会; mark a place in "
            "your community, or leave the pin out to use your home"
        ],
    )
    assert Case.objects.count() == 2
    # Staff place cases anywhere in their scope; the pin check is the resident's.
    staff = do_open_case(
        world.users.community_staff,
        category="facility",
        text="井盖",
        channel="staff",
        community=COMMUNITY_A,
        lon=103.951,
        lat=30.581,
    )
    assert staff.lon == 103.951
