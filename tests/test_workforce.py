"""Training, points and assessment of grid workers (finegrid.workforce)."""

from __future__ import annotations

import datetime as dt
import json
import types
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from finegrid.accounts.models import AuditEntry
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.org.actions import do_assign_worker
from finegrid.workforce import actions, queries, sources
from finegrid.workforce.models import Attendance, Certificate, PointEntry
from tests.conftest import COMMUNITY_A, COMMUNITY_B, system

STREET = COMMUNITY_A[:9]
TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


@pytest.fixture
def staff(world):
    """Workers of community A (two micro-grids and a general grid) and one of B, a street
    course with a quiz and a session."""
    users = world.users
    workers = types.SimpleNamespace(
        micro=do_assign_worker(
            system(),
            world.grids.micro,
            role="micro_worker",
            name="李微",
            user=users.micro_worker,
            start=dt.date(2026, 9, 1),
        ),
        micro2=do_assign_worker(
            system(),
            world.grids.micro2,
            role="micro_worker",
            name="王二",
            start=dt.date(2026, 10, 20),
        ),
        grid=do_assign_worker(
            system(),
            world.grids.general,
            role="grid_worker",
            name="刘专",
            user=users.grid_worker,
            start=dt.date(2026, 1, 5),
        ),
        other=do_assign_worker(
            system(),
            world.grids.other_street,
            role="grid_worker",
            name="外人",
            start=dt.date(2026, 1, 5),
        ),
    )
    course = actions.do_create_course(
        system(), STREET, title="微网格员岗前培训", kind="induction", hours="3", pass_mark=60
    )
    actions.do_set_quiz(
        system(),
        course,
        [
            {"text": "微网格多少户？", "choices": ["30–100", "300–500"], "answer": 0},
            {"text": "入户走访几小时完成？", "choices": ["3", "8"], "answer": 0},
        ],
    )
    session = actions.do_schedule_session(
        system(),
        course,
        starts_at=at(10, 9),
        ends_at=at(10, 12),
        place="东升街道党群服务中心",
        trainer="张老师",
        capacity=2,
    )
    return types.SimpleNamespace(workers=workers, course=course, session=session)


def test_a_street_course_is_seen_by_the_workers_under_it_and_not_elsewhere(world, staff):
    assert list(queries.courses(world.users.micro_worker)) == [staff.course]
    assert list(queries.sessions(world.users.community_staff)) == [staff.session]
    assert list(queries.courses(world.users.outsider)) == []
    with pytest.raises(NotFound, match=f"no course with id {staff.course.pk}"):
        queries.get_course(world.users.outsider, staff.course.pk)
    # Community staff may not schedule the street's course: they see it, they do not run it.
    with pytest.raises(PermissionDenied):
        actions.do_schedule_session(
            world.users.community_staff,
            staff.course,
            starts_at=at(11),
            ends_at=at(11, 12),
            place="x",
            trainer="y",
            capacity=5,
        )


def test_course_input_is_checked_field_by_field(world):
    with pytest.raises(InvalidInput) as error:
        actions.do_create_course(system(), COMMUNITY_A, title="", kind="lecture", hours="0")
    assert error.value.problems == [
        "title: must be 1 to 100 characters",
        "kind: 'lecture' is not one of induction, topical, refresher",
        "hours: must be between 0.5 and 200",
    ]


def test_qr_check_in_with_a_current_code_only(world, staff, settings):
    settings.FINEGRID_CHECK_IN_SECONDS = 60
    micro = world.users.micro_worker
    code, expires = actions.check_in_code(staff.session, at(10, 9))
    assert len(code) == 8
    assert expires == at(10, 9) + dt.timedelta(seconds=120)
    # The previous minute's code still works; one two minutes old does not.
    attendance = actions.do_check_in(
        micro, staff.session, code.lower(), now=at(10, 9) + dt.timedelta(seconds=70)
    )
    assert (attendance.enrolment.worker, attendance.method) == (staff.workers.micro, "qr")
    # Again: the same attendance, not a second one.
    again = actions.do_check_in(
        micro, staff.session, actions.check_in_code(staff.session, at(10, 10))[0], now=at(10, 10)
    )
    assert again == attendance
    grid = world.users.grid_worker
    with pytest.raises(InvalidInput, match="wrong or expired check-in code"):
        actions.do_check_in(grid, staff.session, code, now=at(10, 9) + dt.timedelta(seconds=130))
    late = actions.check_in_code(staff.session, at(10, 13))[0]
    with pytest.raises(InvalidInput, match="opens 30 minutes before the session, until it ends"):
        actions.do_check_in(grid, staff.session, late, now=at(10, 13))
    # Nobody outside the street reaches the session, with or without a code.
    with pytest.raises(NotFound):
        actions.do_check_in(world.users.outsider, staff.session, code, now=at(10, 9))


def test_capacity_enrolment_and_manual_attendance(world, staff):
    actions.do_enrol(system(), staff.session, staff.workers.micro)
    with pytest.raises(Conflict, match="already enrolled"):
        actions.do_enrol(system(), staff.session, staff.workers.micro)
    actions.do_record_attendance(world.users.community_staff, staff.session, staff.workers.micro2)
    with pytest.raises(Conflict, match="all 2 places are taken"):
        actions.do_enrol(system(), staff.session, staff.workers.grid)
    # Staff of another community reach neither the session nor the worker.
    with pytest.raises(NotFound):
        actions.do_enrol(world.users.outsider, staff.session, staff.workers.micro)
    # A worker enrols only themselves.
    with pytest.raises(NotFound, match=f"no worker with id {staff.workers.micro2.pk}"):
        actions.do_submit_quiz(world.users.micro_worker, staff.course, staff.workers.micro2, [0, 0])


def test_certificate_after_attendance_and_a_passed_quiz(world, staff):
    micro = world.users.micro_worker
    failed = actions.do_submit_quiz(micro, staff.course, staff.workers.micro, [1, 1])
    assert (failed.score, failed.passed) == (0, False)
    passed = actions.do_submit_quiz(micro, staff.course, staff.workers.micro, [0, 1])
    assert (passed.score, passed.passed) == (50, False)
    passed = actions.do_submit_quiz(micro, staff.course, staff.workers.micro, [0, 0])
    assert (passed.score, passed.passed) == (100, True)
    assert not Certificate.objects.exists()
    actions.do_record_attendance(system(), staff.session, staff.workers.micro)
    certificate = Certificate.objects.get()
    assert certificate.number == f"PX{staff.course.pk:05d}-{staff.workers.micro.pk:07d}"
    record = queries.training_record(micro, staff.workers.micro).as_dict()
    assert record["attended_hours"] == "3.0"
    assert record["certificates"] == [
        {"id": certificate.pk, "number": certificate.number, "course": "微网格员岗前培训"}
    ]
    assert [q["score"] for q in record["quizzes"]] == [100, 50, 0]


def test_coverage_lists_workers_without_induction_in_time(world, staff):
    actions.do_record_attendance(system(), staff.session, staff.workers.micro)
    report = queries.training_coverage(
        world.users.community_staff,
        world.grids.general.community,
        on=dt.date(2026, 11, 30),
        days=30,
    )
    assert (report.workers, report.trained, report.hours) == (3, 1, Decimal("3.0"))
    assert report.by_kind == {"induction": 1}
    # 李微 took post on 1 September and attended on 10 November: late. 王二 (20 October)
    # has had more than 30 days, 刘专 (January) too; nobody is in time.
    assert sorted(w.name for w in report.without_induction) == ["刘专", "李微", "王二"]
    report = queries.training_coverage(
        world.users.community_staff,
        world.grids.general.community,
        on=dt.date(2026, 11, 15),
        days=100,
    )
    assert sorted(w.name for w in report.without_induction) == ["刘专"]


def test_materials_are_uploaded_and_audited(world, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    material = actions.do_add_material(
        system(), staff.course, title="工作手册", file=SimpleUploadedFile("手册.pdf", b"%PDF-1.4 x")
    )
    assert material.file.read() == b"%PDF-1.4 x"
    assert AuditEntry.objects.filter(object_type="workforce.coursematerial").count() == 1
    with pytest.raises(InvalidInput, match="file: is empty"):
        actions.do_add_material(
            system(), staff.course, title="空", file=SimpleUploadedFile("a.pdf", b"")
        )


# --- Points -------------------------------------------------------------------------------

NOVEMBER = dt.date(2026, 11, 1)
RULES = [
    {"source": "training_hours", "points": "2", "component": "worker"},
    {"source": "induction_passed", "points": "5", "component": "bonus"},
]


def _scheme(**overrides):
    values = {"effective_from": dt.date(2026, 1, 1), "rules": RULES} | overrides
    return actions.do_create_scheme(system(), STREET, **values)


def test_schemes_are_versioned_and_checked(world):
    first = _scheme()
    second = _scheme(rules=[{"source": "training_hours", "points": "3", "component": "worker"}])
    assert (first.version, second.version) == (1, 2)
    assert [(r.source, r.points) for r in first.rules.all()] == [
        ("training_hours", Decimal("2.00")),
        ("induction_passed", Decimal("5.00")),
    ]
    with pytest.raises(InvalidInput) as error:
        _scheme(
            grid_weight=60,
            rules=[
                {"source": "visits", "points": "1", "component": "grid"},
                {"source": "training_hours", "points": "x", "component": "extra"},
            ],
        )
    assert error.value.problems == [
        "grid_weight: grid, duty and worker weights must add up to 100",
        "rule 1: source 'visits' is not one of " + ", ".join(sources.available()),
        "rule 2: points: 'x' is not a number",
        "rule 2: component must be one of grid, duty, worker, bonus",
    ]


def test_the_ledger_names_its_records_and_recomputing_appends_nothing(world, staff):
    _scheme()
    attendance = actions.do_record_attendance(system(), staff.session, staff.workers.micro)
    run = actions.do_compute_points(system(), STREET, NOVEMBER)
    entries = list(PointEntry.objects.order_by("source"))
    assert run.appended == 1
    assert [
        (e.worker, e.source, e.record_type, e.record_id, e.points, e.kind) for e in entries
    ] == [
        (
            staff.workers.micro,
            "training_hours",
            "workforce.attendance",
            str(attendance.pk),
            Decimal("6.00"),
            "earned",
        )
    ]
    assert actions.do_compute_points(system(), STREET, NOVEMBER).appended == 0
    # The rules change: the next computation appends the difference, never edits.
    _scheme(rules=[{"source": "training_hours", "points": "3", "component": "worker"}])
    run = actions.do_compute_points(system(), STREET, NOVEMBER)
    correction = PointEntry.objects.get(run=run)
    assert (correction.kind, correction.points) == ("correction", Decimal("3.00"))
    assert PointEntry.objects.get(pk=entries[0].pk).points == Decimal("6.00")
    # A manual correction is a new entry naming the one it corrects; recomputing keeps it.
    adjustment = actions.do_adjust_points(world.users.community_staff, entries[0], "-1", "迟到")
    assert (adjustment.corrects, adjustment.record_id) == (entries[0], str(attendance.pk))
    assert actions.do_compute_points(system(), STREET, NOVEMBER).appended == 0
    assert queries.points_of(world.users.micro_worker, staff.workers.micro)["balance"] == Decimal(
        "8.00"
    )
    with pytest.raises(PermissionDenied):
        actions.do_adjust_points(world.users.micro_worker, entries[0], "5", "自己加分")
    with pytest.raises(NotFound):
        actions.do_compute_points(world.users.outsider, STREET, NOVEMBER)


def test_points_are_whole_cents_rounded_half_away_from_zero(world, staff):
    """The database prices 1.5 hours at 0.33 as 0.50 and at −0.33 as −0.50, as Decimal's
    ROUND_HALF_UP would, never as a float's 0.49."""
    topical = actions.do_create_course(
        system(), COMMUNITY_A, title="垃圾分类专题", kind="topical", hours="1.5"
    )
    session = actions.do_schedule_session(
        system(),
        topical,
        starts_at=at(20),
        ends_at=at(20, 11),
        place="社区",
        trainer="王",
        capacity=9,
    )
    actions.do_record_attendance(system(), session, staff.workers.micro)
    for points in ("0.33", "-0.33"):
        _scheme(rules=[{"source": "training_hours", "points": points, "component": "worker"}])
        actions.do_compute_points(system(), STREET, NOVEMBER)
    _scheme(rules=[])
    actions.do_compute_points(system(), STREET, NOVEMBER)
    assert list(PointEntry.objects.order_by("pk").values_list("kind", "quantity", "points")) == [
        ("earned", Decimal("1.50"), Decimal("0.50")),
        ("correction", Decimal("1.50"), Decimal("-1.00")),
        ("reversal", Decimal("0.00"), Decimal("0.50")),
    ]


def test_redemptions_never_exceed_the_balance(world, staff):
    _scheme()
    actions.do_record_attendance(system(), staff.session, staff.workers.micro)
    actions.do_compute_points(system(), STREET, NOVEMBER)
    actions.do_redeem(world.users.community_staff, staff.workers.micro, "4", "优秀网格员证书")
    with pytest.raises(Conflict, match=r"balance is 2\.00, not enough for 3"):
        actions.do_redeem(world.users.community_staff, staff.workers.micro, "3", "保温杯")
    with pytest.raises(NotFound):
        actions.do_redeem(world.users.outsider, staff.workers.micro, "1", "保温杯")


class _Rollback(Exception):
    pass


def test_recomputing_a_month_from_the_records_gives_the_same_ledger(world, staff):
    """Whatever happens in between — attendances, new rule versions, recomputations, manual
    corrections — the month's ledger (less manual corrections) nets, record by record, to
    what the records earn under the rules in force; recomputing appends nothing, and no
    entry once written ever changes."""
    from django.db import transaction
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    from finegrid.workforce.compute import ledger_net

    topical = actions.do_create_course(
        system(), COMMUNITY_A, title="垃圾分类专题", kind="topical", hours="1.5"
    )
    sessions = [
        staff.session,
        actions.do_schedule_session(
            system(),
            topical,
            starts_at=at(20),
            ends_at=at(20, 11),
            place="社区",
            trainer="王",
            capacity=9,
        ),
        actions.do_schedule_session(
            system(),
            topical,
            starts_at=at(15, 9, 10),
            ends_at=at(15, 11, 10),
            place="社区",
            trainer="王",
            capacity=9,
        ),
    ]
    workers = [staff.workers.micro, staff.workers.micro2, staff.workers.grid]
    operations = st.lists(
        st.one_of(
            st.tuples(st.just("attend"), st.integers(0, 2), st.integers(0, 2)),
            st.tuples(st.just("rules"), st.sampled_from(["0", "1", "2.5", "-1"]), st.booleans()),
            st.tuples(st.just("compute"), st.just(0), st.just(0)),
            st.tuples(st.just("adjust"), st.integers(0, 20), st.just(0)),
        ),
        max_size=12,
    )

    @hypothesis_settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(operations)
    def run(steps):
        try:
            with transaction.atomic():
                rate = None
                written = {}
                for step in steps:
                    if step[0] == "attend":
                        session = sessions[step[2]]
                        if (
                            session.enrolments.count() < session.capacity
                            or session.enrolments.filter(worker=workers[step[1]]).exists()
                        ):
                            actions.do_record_attendance(system(), session, workers[step[1]])
                    elif step[0] == "rules":
                        rules = [
                            {"source": "training_hours", "points": step[1], "component": "worker"}
                        ]
                        _scheme(rules=rules if step[2] else [])
                        rate = Decimal(step[1]) if step[2] else None
                    elif step[0] == "compute":
                        actions.do_compute_points(system(), STREET, NOVEMBER)
                    else:
                        entries = list(PointEntry.objects.order_by("pk"))
                        if entries:
                            entry = entries[step[1] % len(entries)]
                            actions.do_adjust_points(system(), entry, "1", "人工更正")
                    for entry in PointEntry.objects.all():
                        frozen = (entry.points, entry.kind, entry.record_id, entry.worker_id)
                        assert written.setdefault(entry.pk, frozen) == frozen
                actions.do_compute_points(system(), STREET, NOVEMBER)
                assert actions.do_compute_points(system(), STREET, NOVEMBER).appended == 0
                should = {}
                if rate:
                    for a in Attendance.objects.select_related("enrolment__session__course"):
                        if a.checked_in_at.astimezone(TZ).month == 11:
                            key = (
                                a.enrolment.worker_id,
                                "training_hours",
                                "workforce.attendance",
                                str(a.pk),
                            )
                            should[key] = (a.enrolment.session.course.hours * rate).quantize(
                                Decimal("0.01")
                            )
                net = {k: v for k, v in ledger_net(STREET_PATH, NOVEMBER).items() if v}
                assert net == should
                raise _Rollback
        except _Rollback:
            pass

    STREET_PATH = world.grids.general.community.parent.path
    run()


# --- Assessment ---------------------------------------------------------------------------


def test_monthly_assessment_ranks_publishes_and_freezes(world, staff):
    from finegrid.workforce.models import AssessmentResult

    _scheme(worker_target=10)
    topical = actions.do_create_course(
        system(), COMMUNITY_A, title="垃圾分类专题", kind="topical", hours="1.5"
    )
    second = actions.do_schedule_session(
        system(),
        topical,
        starts_at=at(20),
        ends_at=at(20, 11),
        place="社区",
        trainer="王",
        capacity=9,
    )
    # Passed first, certified on attending (10 November): +5 bonus.
    actions.do_submit_quiz(system(), staff.course, staff.workers.micro, [0, 0])
    actions.do_record_attendance(system(), staff.session, staff.workers.micro)  # 3 h = 6
    actions.do_record_attendance(system(), second, staff.workers.micro)  # 1.5 h = 3
    actions.do_record_attendance(system(), second, staff.workers.grid)  # 3
    actions.do_compute_points(system(), STREET, NOVEMBER)
    period = actions.do_compute_assessment(world.users.street_staff, STREET, NOVEMBER)
    rows = {
        (r.kind, r.worker.name if r.worker else r.grid.code): (
            r.points,
            r.worker_score,
            r.bonus,
            r.total,
            r.rank_community,
            r.rank_street,
        )
        for r in AssessmentResult.objects.filter(period=period)
    }
    assert rows == {
        ("worker", "李微"): (
            Decimal("14.00"),
            Decimal("18.00"),
            Decimal("5.00"),
            Decimal("23.00"),
            1,
            1,
        ),
        ("worker", "刘专"): (
            Decimal("3.00"),
            Decimal("6.00"),
            Decimal("0.00"),
            Decimal("6.00"),
            2,
            2,
        ),
        ("worker", "王二"): (
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            3,
            3,
        ),
        ("worker", "外人"): (
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            1,
            3,
        ),
        ("grid", f"{COMMUNITY_A}-001-01"): (
            Decimal("14.00"),
            Decimal("18.00"),
            Decimal("5.00"),
            Decimal("23.00"),
            1,
            1,
        ),
        ("grid", f"{COMMUNITY_A}-001"): (
            Decimal("3.00"),
            Decimal("6.00"),
            Decimal("0.00"),
            Decimal("6.00"),
            2,
            2,
        ),
        ("grid", f"{COMMUNITY_A}-001-02"): (
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            3,
            3,
        ),
        ("grid", f"{COMMUNITY_B}-001"): (
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            1,
            3,
        ),
    }
    mine = AssessmentResult.objects.get(period=period, worker=staff.workers.micro)
    with pytest.raises(InvalidInput, match="is not published yet"):
        actions.do_file_appeal(world.users.micro_worker, mine, "培训签到漏记一次")
    actions.do_publish_assessment(world.users.street_staff, period)
    with pytest.raises(Conflict, match="published and cannot change"):
        actions.do_compute_assessment(system(), COMMUNITY_A, NOVEMBER)
    with pytest.raises(Conflict, match="its month is closed"):
        actions.do_compute_points(system(), COMMUNITY_A, NOVEMBER)
    # Appeals: only one's own result, one open at a time; staff decide.
    theirs = AssessmentResult.objects.get(period=period, worker=staff.workers.grid)
    with pytest.raises(NotFound):
        actions.do_file_appeal(world.users.micro_worker, theirs, "不是我的")
    appeal = actions.do_file_appeal(world.users.micro_worker, mine, "培训签到漏记一次")
    with pytest.raises(Conflict, match="already open"):
        actions.do_file_appeal(world.users.micro_worker, mine, "再次申诉一次")
    with pytest.raises(PermissionDenied):
        actions.do_decide_appeal(
            world.users.micro_worker, appeal, status="upheld", decision="自批", corrected_total=99
        )
    with pytest.raises(InvalidInput, match="an upheld appeal gives the corrected total"):
        actions.do_decide_appeal(
            world.users.community_staff, appeal, status="upheld", decision="属实"
        )
    decided = actions.do_decide_appeal(
        world.users.community_staff,
        appeal,
        status="upheld",
        decision="属实，补记",
        corrected_total="26",
    )
    assert (decided.status, decided.corrected_total) == ("upheld", Decimal("26"))
    assert AssessmentResult.objects.get(pk=mine.pk).total == Decimal("23.00")


# --- Command line and admin ---------------------------------------------------------------


def test_the_command_line_runs_a_month(world, staff, capsys, tmp_path):
    import openpyxl

    from finegrid.cli import main

    assert (
        main(
            [
                "workforce",
                "scheme",
                "--area",
                STREET,
                "--from",
                "2026-01",
                "--rule",
                "training_hours:2:worker",
            ]
        )
        == 0
    )
    actions.do_record_attendance(system(), staff.session, staff.workers.micro)
    assert main(["workforce", "points", "--area", STREET, "--month", "2026-11"]) == 0
    assert main(["workforce", "points", "--area", STREET, "--month", "2026-11"]) == 0
    out = tmp_path / "a.xlsx"
    assert (
        main(
            [
                "workforce",
                "assess",
                "--area",
                STREET,
                "--month",
                "2026-11",
                "--publish",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out.splitlines()
    assert printed[1:] == [
        "东升街道 2026-11: 1 entries appended",
        "东升街道 2026-11: 0 entries appended",
        "东升街道 2026-11: 4 workers, 4 grids, 已发布",
        f"wrote {out}",
    ]
    assert openpyxl.load_workbook(out).sheetnames == ["网格", "网格员"]
    assert main(["workforce", "assess", "--area", STREET, "--month", "2026-11"]) == 1
    assert "published and cannot change" in capsys.readouterr().err
    assert main(["workforce", "coverage", "--area", COMMUNITY_A, "--days", "30", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["trained"] == 1


def test_admin_creates_courses_through_the_action_and_lists_only_its_scope(world, staff, login):
    client = login(world.users.community_staff)
    answer = client.post(
        "/admin/workforce/course/add/",
        {
            "area_code": COMMUNITY_A,
            "title": "消防专题",
            "kind": "topical",
            "hours": "2",
            "pass_mark": "80",
        },
    )
    assert answer.status_code == 302
    entry = AuditEntry.objects.filter(object_type="workforce.course").latest("pk")
    assert (entry.actor_label, entry.after["title"]) == ("community_staff", "消防专题")
    listed = client.get("/admin/workforce/course/").content.decode()
    # The street's course is open to the community (listed) but not the community's to run.
    assert "消防专题" in listed
    assert "微网格员岗前培训" in listed
    assert (
        "消防专题"
        not in login(world.users.outsider).get("/admin/workforce/course/").content.decode()
    )


# --- API ----------------------------------------------------------------------------------


def test_the_api_from_course_to_published_results(world, staff, login):
    client = login(world.users.community_staff)
    created = client.post(
        "/api/workforce/courses",
        {"area": COMMUNITY_A, "title": "消防专题", "kind": "topical", "hours": "1.5"},
        content_type="application/json",
    )
    assert created.status_code == 201
    course = created.json()
    assert (course["area"], course["hours"], course["questions"]) == (COMMUNITY_A, "1.5", 0)
    session = client.post(
        f"/api/workforce/courses/{course['id']}/sessions",
        {
            "starts_at": "2026-11-12T09:00:00+08:00",
            "ends_at": "2026-11-12T10:30:00+08:00",
            "place": "社区活动室",
            "trainer": "消防站",
            "capacity": 1,
        },
        content_type="application/json",
    ).json()
    enrol = f"/api/workforce/sessions/{session['id']}/enrolments"
    body = {"worker": staff.workers.micro.pk}
    assert client.post(enrol, body, content_type="application/json").status_code == 201
    again = client.post(enrol, body, content_type="application/json")
    assert (again.status_code, again.json()["detail"]) == (
        409,
        f"worker 李微 is already enrolled in session {session['id']}",
    )
    full = client.post(enrol, {"worker": staff.workers.micro2.pk}, content_type="application/json")
    assert full.json() == {"detail": f"session {session['id']}: all 1 places are taken"}
    attended = client.post(
        f"/api/workforce/sessions/{session['id']}/attendance", body, content_type="application/json"
    ).json()
    assert (attended["worker"], attended["method"]) == (staff.workers.micro.pk, "manual")
    scheme = client.post(
        "/api/workforce/schemes",
        {
            "area": COMMUNITY_A,
            "effective_from": "2026-11-01",
            "rules": [{"source": "training_hours", "points": 4, "component": "worker"}],
        },
        content_type="application/json",
    ).json()
    assert (scheme["version"], scheme["rules"][0]["points"]) == (1, "4.00")
    run = client.post(
        "/api/workforce/points/compute",
        {"area": COMMUNITY_A, "month": "2026-11-20"},
        content_type="application/json",
    ).json()
    assert (run["month"], run["appended"]) == ("2026-11-01", 1)
    points = client.get(f"/api/workforce/workers/{staff.workers.micro.pk}/points").json()
    assert (points["balance"], points["entries"][0]["record_type"]) == (
        "6.00",
        "workforce.attendance",
    )
    period = client.post(
        "/api/workforce/assessments",
        {"area": COMMUNITY_A, "month": "2026-11-01"},
        content_type="application/json",
    ).json()
    published = client.post(f"/api/workforce/assessments/{period['id']}/publish")
    assert published.json()["status"] == "published"
    results = client.get(f"/api/workforce/assessments/{period['id']}/results?kind=worker").json()
    assert [(r["name"], r["total"], r["rank_community"]) for r in results["items"]] == [
        ("李微", "6.00", 1),
        ("刘专", "0.00", 2),
        ("王二", "0.00", 2),
    ]
    record = client.get(f"/api/workforce/workers/{staff.workers.micro.pk}/training").json()
    assert record["attended_hours"] == "1.5"
    coverage = client.get("/api/workforce/coverage", {"area": COMMUNITY_A, "days": 400}).json()
    assert (coverage["workers"], coverage["trained"], coverage["without_induction"]) == (3, 1, [])
    # Another community's staff see none of it, and each object answers as missing.
    outsider = login(world.users.outsider)
    assert outsider.get("/api/workforce/courses").json()["count"] == 0
    assert outsider.get(f"/api/workforce/assessments/{period['id']}/results").status_code == 404
    assert outsider.get(f"/api/workforce/workers/{staff.workers.micro.pk}/points").json() == {
        "detail": f"no worker with id {staff.workers.micro.pk}"
    }


# --- Points from the other apps' records --------------------------------------------------


def test_visits_and_cases_earn_their_workers_points(world, registry):
    import uuid

    from finegrid import clock
    from finegrid.campaigns.actions import do_launch_campaign, do_record_visit
    from finegrid.cases.actions import do_open_case, do_step
    from finegrid.cases.illustrative import do_load_illustrative

    do_load_illustrative(system(), STREET)
    micro, staff = world.users.micro_worker, world.users.community_staff
    worker = do_assign_worker(
        system(),
        world.grids.micro,
        role="micro_worker",
        name="李微",
        user=micro,
        start=dt.date(2026, 1, 1),
    )
    _scheme(
        rules=[
            {"source": "visit_on_time", "points": "1", "component": "grid"},
            {"source": "case_raised", "points": "2", "component": "duty"},
            {"source": "case_closed", "points": "3", "component": "duty"},
            {"source": "verification_on_time", "points": "1", "component": "duty"},
        ]
    )
    campaign = do_launch_campaign(
        system(),
        scope=world.grids.micro.code,
        title="防汛入户",
        start=at(5, 9),
        deadline=at(5, 12),
        now=at(5, 9),
    )
    visit, _ = do_record_visit(
        micro,
        campaign,
        client_id=uuid.UUID(int=1),
        household=registry.zhang.pk,
        outcome="reached",
        at=at(5, 10),
        now=at(5, 10),
    )
    # Reached after the deadline: no point.
    late = do_launch_campaign(
        system(),
        scope=world.grids.micro.code,
        title="普查",
        start=at(6, 9),
        deadline=at(6, 10),
        now=at(6, 9),
    )
    do_record_visit(
        micro,
        late,
        client_id=uuid.UUID(int=2),
        household=registry.zhang.pk,
        outcome="reached",
        at=at(6, 11),
        now=at(6, 11),
    )
    with clock.frozen(at(12, 10)):
        case = do_open_case(
            micro,
            category="sanitation",
            text="楼道堆放杂物",
            channel="worker",
            household=registry.zhang,
        )
        for kind in ("accept", "dispatch", "handle"):
            case = do_step(staff, case, kind, note="处理")
        case = do_step(micro, case, "verify", note="已清理")
        case = do_step(staff, case, "close", note="结案")
    actions.do_compute_points(system(), STREET, NOVEMBER)
    earned = sorted(
        (e.source, e.record_type, e.points) for e in PointEntry.objects.filter(worker=worker)
    )
    assert earned == [
        ("case_closed", "cases.casestep", Decimal("3.00")),
        ("case_raised", "cases.casestep", Decimal("2.00")),
        ("verification_on_time", "cases.casestep", Decimal("1.00")),
        ("visit_on_time", "campaigns.visit", Decimal("1.00")),
    ]
    assert PointEntry.objects.get(source="visit_on_time").record_id == str(visit.pk)
    period = actions.do_compute_assessment(system(), STREET, NOVEMBER)
    mine = period.results.get(worker=worker)
    # Duty: 6 of a 60-point target × 30; grid results: 1 of 100 × 50.
    assert (mine.duty_score, mine.grid_score) == (Decimal("3.00"), Decimal("0.50"))


# --- The quiz's pass mark and the course's edit over the API ------------------------------


def _json(client, method, path, body=None):
    answer = getattr(client, method)(path, body, content_type="application/json")
    return answer.status_code, answer.json()


def test_the_api_sets_the_quiz_with_its_pass_mark(world, staff, login):
    course = staff.course
    quiz = f"/api/workforce/courses/{course.pk}/quiz"
    questions = [{"text": "网格员多久走访一次？", "choices": ["每月", "每年"], "answer": 0}]
    street = login(world.users.street_staff)
    assert _json(street, "put", quiz, {"questions": questions, "pass_mark": 70}) == (
        200,
        {
            "pass_mark": 70,
            "questions": [
                {"number": 1, "text": "网格员多久走访一次？", "choices": ["每月", "每年"]}
            ],
        },
    )
    entry = AuditEntry.objects.filter(object_type="workforce.course", reason="quiz").latest("pk")
    assert (entry.before["pass_mark"], entry.after["pass_mark"]) == (60, 70)
    # The same check and words as the page's action; nothing is replaced.
    assert _json(street, "put", quiz, {"questions": [], "pass_mark": 101}) == (
        400,
        {"detail": "invalid input", "problems": ["pass_mark: must be between 0 and 100"]},
    )
    # Left out, the pass mark stays.
    assert _json(street, "put", quiz, {"questions": questions})[1]["pass_mark"] == 70
    assert street.get(quiz).json()["pass_mark"] == 70
    assert street.get(f"/api/workforce/courses/{course.pk}").json()["questions"] == 1
    # A role that may not change the course is refused; another district finds nothing.
    audited = AuditEntry.objects.count()
    refused = {"detail": "your role may not do this (workforce.change_course)"}
    for user in (world.users.community_staff, world.users.micro_worker):
        body = {"questions": [], "pass_mark": 10}
        assert _json(login(user), "put", quiz, body) == (403, refused)
    assert _json(login(world.users.outsider), "put", quiz, {"questions": [], "pass_mark": 10}) == (
        404,
        {"detail": f"no course with id {course.pk}"},
    )
    course.refresh_from_db()
    assert (course.pass_mark, course.questions.count(), AuditEntry.objects.count()) == (
        70,
        1,
        audited,
    )


def test_the_api_edits_a_course_field_by_field(world, staff, login):
    course = staff.course
    path = f"/api/workforce/courses/{course.pk}"
    street = login(world.users.street_staff)
    status, changed = _json(street, "patch", path, {"title": "岗前培训（修订）", "pass_mark": 70})
    assert status == 200
    assert {k: changed[k] for k in ("title", "kind", "hours", "pass_mark", "area")} == {
        "title": "岗前培训（修订）",
        "kind": "induction",
        "hours": "3.0",
        "pass_mark": 70,
        "area": course.area.code,
    }
    entry = AuditEntry.objects.filter(object_type="workforce.course", action="update").latest("pk")
    assert (entry.actor_label, entry.before["title"], entry.after["title"]) == (
        "street_staff",
        "微网格员岗前培训",
        "岗前培训（修订）",
    )
    assert (entry.before["pass_mark"], entry.after["pass_mark"]) == (60, 70)
    # Every wrong field is named, as the page's form names them; nothing changes.
    assert _json(street, "patch", path, {"kind": "lecture", "hours": 0, "pass_mark": 101}) == (
        400,
        {
            "detail": "invalid input",
            "problems": [
                "kind: 'lecture' is not one of induction, topical, refresher",
                "hours: must be between 0.5 and 200",
                "pass_mark: must be between 0 and 100",
            ],
        },
    )
    assert _json(street, "patch", path, {"title": " "})[1]["problems"] == [
        "title: must be 1 to 100 characters"
    ]
    audited = AuditEntry.objects.count()
    refused = {"detail": "your role may not do this (workforce.change_course)"}
    for user in (world.users.community_staff, world.users.micro_worker):
        assert _json(login(user), "patch", path, {"title": "改"}) == (403, refused)
    assert _json(login(world.users.outsider), "patch", path, {"title": "改"}) == (
        404,
        {"detail": f"no course with id {course.pk}"},
    )
    course.refresh_from_db()
    assert (course.title, course.kind, course.pass_mark, AuditEntry.objects.count()) == (
        "岗前培训（修订）",
        "induction",
        70,
        audited,
    )


def test_replacing_a_quiz_keeps_what_earlier_attempts_answered(world, staff, login):
    """An attempt keeps its questions' and chosen choices' texts, its score and its pass:
    the replaced quiz numbers its questions and choices anew."""
    course, micro = staff.course, staff.workers.micro
    worker = login(world.users.micro_worker)
    attempts = f"/api/workforce/courses/{course.pk}/attempts"
    failed = _json(worker, "post", attempts, {"worker": micro.pk, "answers": [0, 1]})[1]
    passed = _json(worker, "post", attempts, {"worker": micro.pk, "answers": [0, 0]})[1]
    assert [(a["score"], a["passed"]) for a in (failed, passed)] == [(50, False), (100, True)]
    street = login(world.users.street_staff)
    replaced = {
        "questions": [
            {"text": "入户走访几小时完成？", "choices": ["8", "3"], "answer": 1},
            {"text": "发现隐患先做什么？", "choices": ["上报", "不管"], "answer": 0},
        ],
        "pass_mark": 100,
    }
    assert _json(street, "put", f"/api/workforce/courses/{course.pk}/quiz", replaced)[0] == 200
    record = street.get(f"/api/workforce/workers/{micro.pk}/training").json()
    assert sorted(
        [(q["score"], q["passed"], q["answers"]) for q in record["quizzes"]],
        key=lambda q: q[0],
    ) == [
        (
            50,
            False,
            [
                {"number": 1, "question": "微网格多少户？", "choice": "30–100", "right": True},
                {"number": 2, "question": "入户走访几小时完成？", "choice": "8", "right": False},
            ],
        ),
        (
            100,
            True,
            [
                {"number": 1, "question": "微网格多少户？", "choice": "30–100", "right": True},
                {"number": 2, "question": "入户走访几小时完成？", "choice": "3", "right": True},
            ],
        ),
    ]
    # The pass of the earlier quiz still counts: attending now brings the certificate.
    actions.do_record_attendance(system(), staff.session, micro)
    assert Certificate.objects.get(worker=micro, course=course).number == (
        f"PX{course.pk:05d}-{micro.pk:07d}"
    )
