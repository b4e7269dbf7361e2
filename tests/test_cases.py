"""Cases as users meet them: routing with its rule and 准入 refusal, duty lists in Excel,
hotline imports, photos without metadata, the compound group, 吹哨报到, scopes, the API,
pages, robots against a local receiver, working days and the command line."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from finegrid import clock
from finegrid.cases import dutylists, hotline, notify, queries
from finegrid.cases.actions import (
    do_add_robot,
    do_add_unit_member,
    do_case_from_message,
    do_open_case,
    do_post_message,
    do_rate_whistle,
    do_report_whistle,
    do_step,
    do_whistle_case,
)
from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import (
    Case,
    CasePhoto,
    DutyItem,
    Notification,
    StreamMessage,
    Unit,
)
from finegrid.errors import InvalidInput, NotFound
from finegrid.people.actions import do_link_account
from finegrid.territory.actions import do_create_compound, do_update_building
from tests.conftest import COMMUNITY_A, system

MONDAY = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))


@pytest.fixture
def lists(world):
    do_load_illustrative(system(), "510116001")
    return types_of_units()


def types_of_units():
    return {u.kind + ":" + u.name: u for u in Unit.objects.all()}


@pytest.fixture
def compound(world, registry, lists):
    """张建国's building belongs to compound 锦苑, served by an (illustrative) property unit."""
    found = do_create_compound(
        system(), ref="C01", community=COMMUNITY_A, name="锦苑", kind="estate"
    )
    do_update_building(system(), registry.zhang.dwelling.building, compound="C01")
    dutylists.do_import_duty_lists(
        system(),
        "510116001",
        [
            (
                2,
                {
                    "名称": "锦苑物业",
                    "类型": "物业服务企业",
                    "所属区划代码": COMMUNITY_A,
                    "服务小区编号": "C01",
                },
            )
        ],
        [],
    )
    return found


def unit(kind: str, contains: str = "") -> Unit:
    return Unit.objects.filter(kind=kind, name__contains=contains).first()


def open_for_zhang(registry, category="sanitation", actor=None, **extra):
    return do_open_case(
        actor or system(),
        category=category,
        text="问题",
        channel="worker",
        household=registry.zhang,
        **extra,
    )


# --- Routing -------------------------------------------------------------------------------


def test_routing_names_the_item_the_unit_and_the_rule(world, registry, compound):
    parking = open_for_zhang(registry, "parking")
    assert parking.duty_item.code == "D-001"
    assert parking.route_rule == (
        "职责任务清单（示例清单） D-001“小区内车辆乱停乱放劝导（示例）”：物业负责 → 锦苑物业"
    )
    staff = world.users.community_staff
    parking = do_step(staff, parking, "accept")
    parking = do_step(staff, parking, "dispatch")
    assert parking.unit.name == "锦苑物业"
    elevator = open_for_zhang(registry, "elevator")
    assert elevator.route_rule.endswith("区级部门负责 → 双流区市场监督管理局（示例）")
    assert elevator.urgency == "urgent"


def test_a_community_is_not_handed_what_its_list_does_not_give_it(world, registry, lists):
    staff = world.users.community_staff
    case = do_step(staff, open_for_zhang(registry, "noise"), "accept")
    community = unit("community", "五洞桥")
    with pytest.raises(InvalidInput) as refused:
        do_step(staff, case, "dispatch", unit=community)
    assert refused.value.problems == [
        "unit: 社区工作事项准入：五洞桥社区居委会（示例）的职责清单中没有“噪音扰民”类事项，不得派给社区"
    ]
    case = do_step(staff, case, "dispatch")
    assert case.unit.name == "双流区生态环境局（示例）"
    # Sent back with a reason, then reassigned to the street office by hand.
    do_add_unit_member(system(), case.unit, world.users.district_staff)
    case = do_step(world.users.district_staff, case, "send_back", note="不属于本部门")
    assert (case.status, case.unit) == ("accepted", None)
    office = unit("street_office", "城市管理")
    case = do_step(staff, case, "dispatch", unit=office)
    assert case.route_rule == f"人工派遣：{office.name}"


def test_a_unit_of_another_street_cannot_be_named(world, registry, lists):
    from finegrid.cases.actions import do_create_unit

    elsewhere = do_create_unit(system(), name="锦江区城管局", kind="department", area="510104")
    staff = world.users.community_staff
    case = do_step(staff, open_for_zhang(registry), "accept")
    with pytest.raises(NotFound, match=f"no unit {elsewhere.pk}"):
        do_step(staff, case, "dispatch", unit=elsewhere)


# --- Duty lists ------------------------------------------------------------------------------


def _workbook(unit_rows, item_rows) -> bytes:
    return dutylists.workbook_bytes(unit_rows, item_rows)


def test_an_import_with_problems_writes_nothing_and_names_row_and_column(world, lists):
    before = DutyItem.objects.count()
    content = _workbook(
        [["某局", "部委", "510116", "", "", ""]],
        [
            ["职责任务清单", "X-1", "好事项", "环境卫生", "社区", "", "", "5", "", "有效", "", ""],
            [
                "职责任务清单",
                "X-2",
                "坏事项",
                "天气",
                "省里",
                "无此单位",
                "",
                "99",
                "",
                "作废",
                "",
                "",
            ],
        ],
    )
    units, items = dutylists.read_workbook(content)
    with pytest.raises(InvalidInput) as refused:
        dutylists.do_import_duty_lists(system(), "510116001", units, items)
    assert refused.value.problems == [
        "责任单位 row 2, column 类型: '部委' is not one of 区级部门、街道科室、社区、网格、物业服务企业",
        "清单事项 row 3, column 事件类别: '天气' is not one of 车辆乱停、电梯故障、环境卫生、水电气、"
        "噪音扰民、公共设施、安全隐患、邻里纠纷、物业服务、绿化管护、困难帮扶、其他",
        "清单事项 row 3, column 责任层级: '省里' is not one of 网格、社区、街道、区级部门、物业",
        "清单事项 row 3, column 状态: '作废' is not 有效 or 取消",
        "清单事项 row 3, column 办理时限（工作日）: a whole number of days, 1 to 90",
        "清单事项 row 3, column 牵头单位: no unit 无此单位",
    ]
    assert DutyItem.objects.count() == before


def test_items_move_and_retire_in_versions_and_export_round_trips(world, registry, lists):
    units, items = dutylists.export_rows(system(), "510116001")
    moved = [row[:] for row in items]
    sanitation = next(r for r in moved if r[1] == "D-002")
    sanitation[4], sanitation[5] = "街道", "东升街道城市管理办公室（示例）"
    sanitation[11] = "上收至街道"
    dispute = next(r for r in moved if r[1] == "D-004")
    dispute[9], dispute[10] = "取消", "清理社区工作事项，不再由社区承担"
    content = _workbook(units, moved)
    report = dutylists.do_import_duty_lists(
        system(), "510116001", *dutylists.read_workbook(content)
    )
    assert (report.items_changed, report.items_retired, report.items_unchanged) == (1, 1, 11)
    versions = DutyItem.objects.filter(code="D-002").order_by("version")
    assert [(v.version, v.level, v.valid_to is None) for v in versions] == [
        (1, "community", False),
        (2, "street", True),
    ]
    retired = DutyItem.objects.get(code="D-004", valid_to__isnull=True)
    assert (retired.version, retired.active, retired.retired_reason) == (
        2,
        False,
        "清理社区工作事项，不再由社区承担",
    )
    # The same file again changes nothing; a dispute is no longer the community's.
    again = dutylists.do_import_duty_lists(system(), "510116001", *dutylists.read_workbook(content))
    assert (again.items_changed, again.items_retired, again.items_unchanged) == (0, 0, 13)
    case = do_step(world.users.community_staff, open_for_zhang(registry, "dispute"), "accept")
    with pytest.raises(InvalidInput, match="社区工作事项准入"):
        do_step(world.users.community_staff, case, "dispatch", unit=unit("community", "五洞桥"))


def test_the_lists_page_says_the_set_is_illustrative(world, lists, login):
    page = login(world.users.street_staff).get("/cases/lists/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "不是任何地方政府正式发布的清单" in text
    assert text.count("示例") > 13
    template = login(world.users.street_staff).get("/cases/lists/template.xlsx")
    _, items = dutylists.read_workbook(template.content)
    assert items[0][1]["编号"] == "D-001"


# --- Hotline ---------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(hotline.COLUMNS)] + [",".join(r) for r in rows]
    return "\n".join(lines).encode()


def test_a_hotline_export_is_imported_whole_or_not_at_all(world, lists):
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
    bad = ["H2", "昨天", "王", "123", "天气", "", "510104017001", "", ""]
    rows = hotline.read("h.csv", _csv([good, bad]))
    with pytest.raises(InvalidInput) as refused:
        hotline.do_import_hotline(world.users.community_staff, rows)
    assert refused.value.problems == [
        "row 3, column 事件类别: '天气' is not a category",
        "row 3, column 诉求内容: required",
        "row 3, column 社区代码: no community 510104017001",
        "row 3, column 联系电话: " + refused.value.problems[3].split(": ", 1)[1],
        "row 3, column 来电时间: not a date and time (2026-12-01 09:30)",
    ]
    assert not Case.objects.exists()
    assert (
        hotline.do_import_hotline(world.users.community_staff, hotline.read("h.csv", _csv([good])))
        == 1
    )
    case = Case.objects.get()
    assert (case.channel, case.source, case.reporter_phone_masked) == (
        "hotline",
        "12345:H1",
        "138****8000",
    )
    assert case.opened_at == timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))
    assert "13800008000" not in json.dumps(list(Case.objects.values()), default=str)
    with pytest.raises(InvalidInput, match="H1 is already imported"):
        hotline.do_import_hotline(world.users.community_staff, hotline.read("h.csv", _csv([good])))


# --- Photos ----------------------------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 34.0, 12.0), 3: "E", 4: (103.0, 55.0, 1.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photos_lose_their_location_and_bad_files_are_refused(
    world, registry, lists, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    raw = _jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif()
    case = open_for_zhang(registry, photos=[SimpleUploadedFile("p.jpg", raw)])
    stored = CasePhoto.objects.get(case=case)
    with stored.image.open("rb") as handle:
        kept = Image.open(io.BytesIO(handle.read()))
        assert (kept.format, kept.size, dict(kept.getexif())) == ("JPEG", (40, 30), {})
    with pytest.raises(InvalidInput, match=r"photos\[1\]: not a JPEG, PNG or WebP image"):
        open_for_zhang(registry, photos=[SimpleUploadedFile("p.jpg", b"GIF89a not really")])
    with pytest.raises(InvalidInput, match="photos: at most 3"):
        open_for_zhang(registry, photos=[SimpleUploadedFile("p.jpg", raw)] * 4)


# --- The compound group --------------------------------------------------------------------


def test_a_message_becomes_a_case_and_its_steps_post_back(world, registry, compound):
    resident = world.users.resident
    do_link_account(system(), registry.zhang.head, resident)
    message = do_post_message(resident, compound, "电梯又坏了，困了人！")
    case = do_case_from_message(world.users.community_staff, message, category="elevator")
    assert (case.channel, case.reporter, case.household, case.compound) == (
        "stream",
        resident,
        registry.zhang,
        compound,
    )
    do_step(world.users.community_staff, case, "accept")
    texts = list(StreamMessage.objects.filter(compound=compound).values_list("text", flat=True))
    assert texts[0] == "电梯又坏了，困了人！"
    assert texts[1].startswith(f"新事件 {case.ref}【电梯故障】")
    assert texts[2] == f"事件 {case.ref}：立案（已立案）"
    # A household's hardship is not told to the whole group.
    help_case = open_for_zhang(registry, "help")
    assert not StreamMessage.objects.filter(case=help_case).exists()
    with pytest.raises(InvalidInput, match=f"already case {case.ref}"):
        do_case_from_message(world.users.community_staff, message, category="elevator")
    # Someone outside the compound's community cannot post to its group.
    with pytest.raises(NotFound):
        do_post_message(world.users.outsider, compound, "你好")


# --- 吹哨报到 ----------------------------------------------------------------------------------


def test_a_street_whistles_departments_report_and_are_rated(world, registry, lists):
    with clock.frozen(MONDAY):
        staff = world.users.community_staff
        case = do_step(staff, open_for_zhang(registry, "noise"), "accept")
        department = unit("department", "生态环境局")
        police = unit("department", "交通警察")
        with pytest.raises(PermissionDenied):
            do_whistle_case(staff, case, [department.pk])
        whistle = do_whistle_case(
            world.users.street_staff, case, [department, police], note="噪音反复"
        )
        calls = {c.unit_id: c for c in whistle.calls.all()}
        assert calls[department.pk].due_at == MONDAY + dt.timedelta(hours=24)
        officer = world.users.outsider
        with pytest.raises(NotFound):
            do_report_whistle(officer, calls[department.pk], "到场")
        do_add_unit_member(system(), department, officer)
        # A department's member sees the case whistled to their unit, out of their scope.
        assert Case.objects.restrict(officer).filter(pk=case.pk).exists()
        clock.advance(dt.timedelta(hours=3))
        with pytest.raises(PermissionDenied):
            do_report_whistle(officer, calls[police.pk], "到场")
        call = do_report_whistle(officer, calls[department.pk], "已到场测量噪声并责令整改")
        assert call.reported_at == MONDAY + dt.timedelta(hours=3)
        call = do_rate_whistle(world.users.street_staff, call, "good")
        assert call.rating == "good"
        from finegrid.cases.report import department_responses

        street = world.users.street_staff
        responses = {r["unit"]: r for r in department_responses(street, queries.cases(street))}
        assert responses[department.name] == {
            "unit": department.name,
            "calls": 1,
            "reported": 1,
            "in_time": 1,
            "mean_hours": 3.0,
        }
        assert responses[police.name]["reported"] == 0


# --- Scopes ----------------------------------------------------------------------------------


def test_residents_see_their_own_cases_and_anonymous_reporters_stay_hidden(
    world, registry, compound, login
):
    resident = world.users.resident
    do_link_account(system(), registry.zhang.head, resident)
    mine = do_open_case(
        resident, category="noise", text="楼上噪音", channel="resident", anonymous=True
    )
    other = do_open_case(
        world.users.grid_worker,
        category="parking",
        text="乱停",
        channel="worker",
        household=registry.wang,
    )
    assert list(Case.objects.restrict(resident)) == [mine]
    with pytest.raises(NotFound):
        do_step(resident, other, "note", note="看看")
    # A note adds to the timeline of one's own case without changing its status.
    mine = do_step(resident, mine, "note", note="晚上十点以后更严重")
    assert (mine.status, mine.steps.last().note) == ("submitted", "晚上十点以后更严重")
    # The partner sees the compound's case, but not who asked to stay anonymous.
    page = login(world.users.partner).get(f"/api/cases/{mine.pk}")
    assert page.json()["reporter"] == "匿名"
    staff = login(world.users.community_staff).get(f"/api/cases/{mine.pk}")
    assert staff.json()["reporter"] == "resident"


def test_workers_phones_are_shown_in_full_to_residents_of_their_grid(world, registry, login):
    from finegrid.org.actions import do_assign_worker

    do_assign_worker(
        system(), world.grids.micro, role="micro_worker", name="刘微", phone="13900001111"
    )
    do_link_account(system(), registry.zhang.head, world.users.resident)
    page = login(world.users.resident).get("/")
    text = page.content.decode()
    assert 'href="tel:13900001111"' in text
    assert "我反映的问题" in text


# --- API and pages ---------------------------------------------------------------------------


def test_the_api_opens_steps_and_counts_cases(world, registry, lists, login):
    client = login(world.users.community_staff)
    answer = client.post(
        "/api/cases",
        {"category": "sanitation", "text": "垃圾满溢", "household": registry.zhang.pk},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["status"], body["channel"], body["steps"][0]["kind"]) == (
        "submitted",
        "staff",
        "open",
    )
    again = client.post(
        "/api/cases",
        {"category": "sanitation", "text": "垃圾又满了", "household": registry.zhang.pk},
        content_type="application/json",
    )
    assert again.json()["duplicates"] == [body["ref"]]
    step = client.post(
        f"/api/cases/{body['id']}/steps", {"kind": "close"}, content_type="application/json"
    )
    assert step.status_code == 400
    assert step.json()["problems"] == [
        f"status: case {body['ref']} is 待受理 (submitted); 结案 (close) is not possible now"
    ]
    for kind in ("accept", "dispatch"):
        step = client.post(
            f"/api/cases/{body['id']}/steps", {"kind": kind}, content_type="application/json"
        )
        assert step.status_code == 200, step.content
    assert step.json()["unit"] == "五洞桥社区居委会（示例）"
    listed = client.get("/api/cases?status=dispatched").json()
    assert [c["ref"] for c in listed["items"]] == [body["ref"]]
    figures = client.get("/api/cases/figures").json()
    assert (figures["total"], figures["responded"]) == (2, 1.0)
    assert client.get(f"/api/cases/{body['id']}").json()["route_rule"].startswith("职责任务清单")
    outsider = login(world.users.outsider).get(f"/api/cases/{body['id']}")
    assert outsider.status_code == 404


def test_pages_take_a_case_from_intake_to_a_rated_close(world, registry, lists, client):
    resident = world.users.resident
    do_link_account(system(), registry.zhang.head, resident)
    client.force_login(resident)
    page = client.post("/cases/new/", {"category": "sanitation", "text": "楼道堆放杂物"})
    assert page.status_code == 302
    case = Case.objects.get()
    staff = world.users.community_staff
    client.force_login(staff)
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "派遣依据" in detail
    assert "示例清单" in detail
    for kind in ("accept", "dispatch", "handle"):
        assert client.post(f"/cases/{case.pk}/step/", {"kind": kind}).status_code == 302
    client.force_login(world.users.grid_worker)
    client.post(f"/cases/{case.pk}/step/", {"kind": "verify"})
    client.force_login(staff)
    client.post(f"/cases/{case.pk}/step/", {"kind": "close"})
    client.force_login(resident)
    assert 'data-testid="rate"' in client.get(f"/cases/{case.pk}/").content.decode()
    client.post(f"/cases/{case.pk}/rate/", {"satisfaction": "satisfied"})
    case.refresh_from_db()
    assert (case.status, case.satisfaction) == ("closed", "satisfied")
    client.force_login(staff)
    listing = client.get("/cases/").content.decode()
    assert case.ref in listing
    export = client.get("/cases/figures.xlsx")
    assert export.status_code == 200


def test_the_figures_export_counts_the_period_the_list_is_filtered_to(
    world, registry, lists, client
):
    import openpyxl

    with clock.frozen(MONDAY - dt.timedelta(days=40)):
        open_for_zhang(registry, category="parking")
    with clock.frozen(MONDAY):
        open_for_zhang(registry)
        open_for_zhang(registry)
    client.force_login(world.users.community_staff)
    listing = client.get("/cases/", {"since": "2026-11-01", "until": "2026-11-30"})
    assert listing.content.decode().count("/cases/figures.xlsx?since=2026-11-01") == 1

    def received(query) -> tuple[str, int]:
        answer = client.get("/cases/figures.xlsx", query)
        book = openpyxl.load_workbook(io.BytesIO(answer.content))
        rows = list(book["按网格"].iter_rows(min_row=2, values_only=True))
        return answer["Content-Disposition"], sum(row[2] for row in rows)

    disposition, total = received({"since": "2026-11-01", "until": "2026-11-30"})
    assert total == 2
    assert "2026-11-01%E8%87%B32026-11-30.xlsx" in disposition
    assert received({"until": "2026-10-31"})[1] == 1
    assert received({})[1] == 3
    wrong = client.get("/cases/figures.xlsx", {"since": "11/01/2026"})
    assert wrong.status_code == 400
    assert "since：日期格式应为 YYYY-MM-DD" in wrong.content.decode()
    far = client.get("/cases/figures.xlsx", {"until": "0001-01-01"})
    assert far.status_code == 400
    assert "until：日期须在1900年至2999年之间" in far.content.decode()


# --- Robots ----------------------------------------------------------------------------------


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []
    paths: list = []
    status = 200

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        type(self).received.append(json.loads(self.rfile.read(length)))
        type(self).paths.append(self.path)
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received, _Receiver.paths = [], []
    _Receiver.status = 200
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_robots_get_the_news_at_most_20_a_minute_and_retry(world, registry, lists, receiver):
    port = receiver.server_address[1]
    do_add_robot(
        system(),
        node=COMMUNITY_A,
        name="五洞桥社区群",
        kind="other",
        url=f"json://127.0.0.1:{port}/hook",
        below=True,
    )
    with clock.frozen(MONDAY):
        for _ in range(25):
            open_for_zhang(registry)
        assert Notification.objects.count() == 25
        assert notify.deliver() == {"sent": 20, "retried": 0, "failed": 0}
        assert len(_Receiver.received) == 20
        assert _Receiver.received[0]["message"].startswith("新事件 ")
        assert notify.deliver() == {"sent": 0, "retried": 0, "failed": 0}
        clock.advance(dt.timedelta(minutes=1, seconds=1))
        _Receiver.status = 500
        assert notify.deliver() == {"sent": 0, "retried": 5, "failed": 0}
        _Receiver.status = 200
        clock.advance(dt.timedelta(minutes=1, seconds=1))
        assert notify.deliver() == {"sent": 5, "retried": 0, "failed": 0}
    assert Case.objects.count() == 25


def test_wecom_dingtalk_and_feishu_robots_get_their_own_message_shape(
    world, registry, lists, receiver, monkeypatch
):
    """Each platform's robot as apprise sends it, its web hook pointed at a local receiver:
    the message body each platform documents, and a platform that fails is retried."""
    from apprise.plugins.dingtalk import NotifyDingTalk
    from apprise.plugins.feishu import NotifyFeishu
    from apprise.plugins.wecombot import NotifyWeComBot

    local = f"http://127.0.0.1:{receiver.server_address[1]}"
    monkeypatch.setattr(NotifyWeComBot, "notify_url", local + "/wecom?key={key}")
    monkeypatch.setattr(NotifyDingTalk, "notify_url", local + "/dingtalk?access_token={token}")
    monkeypatch.setattr(NotifyFeishu, "notify_url", local + "/feishu/{token}/")
    for kind, url in (
        ("wecom", "wecombot://wecomKEY1"),
        ("dingtalk", "dingtalk://dingTOKEN2"),
        ("feishu", "feishu://feishu-TOKEN3"),
    ):
        do_add_robot(system(), node=COMMUNITY_A, name=kind, kind=kind, url=url, below=True)
    with clock.frozen(MONDAY):
        case = open_for_zhang(registry)
        text = f"新事件 {case.ref}【环境卫生】{case.address}：问题"
        assert notify.deliver() == {"sent": 3, "retried": 0, "failed": 0}
        sent = dict(zip(_Receiver.paths, _Receiver.received, strict=True))
        assert sent == {
            "/wecom?key=wecomKEY1": {"msgtype": "text", "text": {"content": text}},
            "/dingtalk?access_token=dingTOKEN2": {
                "msgtype": "text",
                "at": {"atMobiles": [], "isAtAll": False},
                "text": {"content": text},
            },
            "/feishu/feishu-TOKEN3/": {"msg_type": "text", "content": {"text": text}},
        }
        _Receiver.status = 503
        open_for_zhang(registry)
        assert notify.deliver() == {"sent": 0, "retried": 3, "failed": 0}
        _Receiver.status = 200
        clock.advance(dt.timedelta(minutes=1, seconds=1))
        assert notify.deliver() == {"sent": 3, "retried": 0, "failed": 0}


# --- Time limits -----------------------------------------------------------------------------


def test_limits_count_working_days_on_the_official_calendar():
    # 2026-09-30 (Wednesday) + 1 working day: the National Day holiday runs to 10-07 and
    # Saturday 10-10 is a make-up working day, Sunday 10-11 is not.
    start = timezone.make_aware(dt.datetime(2026, 9, 30, 10, 0))
    assert clock.add_working_days(start, 1).date() == dt.date(2026, 10, 8)
    assert clock.add_working_days(start, 3).date() == dt.date(2026, 10, 10)
    assert clock.add_working_days(start, 4).date() == dt.date(2026, 10, 12)
    # A year the calendar does not know yet: Monday to Friday.
    friday = timezone.make_aware(dt.datetime(2027, 3, 5, 10, 0))
    assert clock.add_working_days(friday, 1).date() == dt.date(2027, 3, 8)


# --- Command line --------------------------------------------------------------------------


def test_the_command_line_issues_open311_keys_and_prints_figures(world, lists, capsys):
    from finegrid.cases.models import Open311Key
    from finegrid.cases.open311 import digest
    from finegrid.cli import main

    assert main(["open311", "key", "城市App", "--scope", "510116001"]) == 0
    out = capsys.readouterr().out
    key = out.strip().splitlines()[-1]
    assert Open311Key.objects.get(name="城市App").digest == digest(key)
    assert key not in json.dumps(list(Open311Key.objects.values()), default=str)
    assert (
        main(
            ["cases", "open", "--category", "parking", "--text", "乱停", "--community", COMMUNITY_A]
        )
        == 0
    )
    assert main(["cases", "figures"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["total"] == 1
    case = Case.objects.get()
    assert main(["cases", "step", case.ref, "accept"]) == 0
    assert main(["cases", "show", case.ref]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[-2].split()[2] == "open"
    assert shown[-2].split()[3].startswith("system:cli:")
    assert shown[-1].split()[2] == "accept"
    local = timezone.localtime(case.steps.last().at)
    assert shown[-1].split()[:2] == [f"{local:%Y-%m-%d}", f"{local:%H:%M}"]


def test_a_worker_raises_a_case_from_the_route_sheet(world, registry, lists, login):
    from finegrid.territory.models import Route

    # The route the division engine would store: one stop, 张建国's entrance.
    dwelling = registry.zhang.dwelling
    Route.objects.create(
        grid=world.grids.micro,
        households=1,
        minutes=10,
        stops=[
            {
                "building": dwelling.building.ref,
                "entrance": dwelling.entrance.number,
                "floors": [dwelling.floor, dwelling.floor],
                "households": 1,
            }
        ],
        path=world.grids.micro.path,
    )
    client = login(world.users.micro_worker)
    sheet = client.get(f"/grids/{world.grids.micro.code}/route/").content.decode()
    assert f'href="/cases/new/?household={registry.zhang.pk}"' in sheet
    form = client.get(f"/cases/new/?household={registry.zhang.pk}").content.decode()
    assert f'name="household" value="{registry.zhang.pk}"' in form
    answer = client.post(
        "/cases/new/",
        {"category": "help", "text": "独居老人需要帮扶", "household": str(registry.zhang.pk)},
    )
    case = Case.objects.get()
    assert answer.url == f"/cases/{case.pk}/"
    assert (case.channel, case.household, case.route_rule[:8]) == (
        "worker",
        registry.zhang,
        "公共服务事项清单",
    )


def test_handlers_ask_for_an_extension_and_staff_grant_it(world, registry, lists):
    with clock.frozen(MONDAY):
        staff = world.users.community_staff
        case = do_step(staff, open_for_zhang(registry, "noise"), "accept")
        case = do_step(staff, case, "dispatch")
        # A member of the department's unit who may handle but not dispatch.
        handler = world.users.partner
        do_add_unit_member(system(), case.unit, handler)
        with pytest.raises(InvalidInput, match="needs a reason"):
            do_step(handler, case, "request")
        case = do_step(handler, case, "request", note="需协调施工单位，申请延期5个工作日")
        with pytest.raises(PermissionDenied):
            do_step(handler, case, "extend", note="5 自行延期")
        due = case.handle_due_at
        case = do_step(staff, case, "extend", note="5 同意延期")
        assert case.handle_due_at == clock.add_working_days(due, 5)
        kinds = list(case.steps.values_list("kind", flat=True))
        assert kinds[-2:] == ["request", "extend"]


def test_pages_refuse_numbers_int_cannot_read(world, registry, lists, client):
    # "²" is a digit to str.isdigit() but not to int(): it once got past the check and
    # answered 500; the page now refuses it like any other bad unit.
    case = do_open_case(
        system(), category="sanitation", text="垃圾", channel="staff", household=registry.zhang
    )
    client.force_login(world.users.community_staff)
    client.post(f"/cases/{case.pk}/step/", {"kind": "accept"})
    page = client.post(f"/cases/{case.pk}/step/", {"kind": "dispatch", "unit": "²"})
    assert page.status_code == 400
    assert "unit: choose a unit" in page.content.decode()
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    case.refresh_from_db()
    assert case.status == "accepted"
