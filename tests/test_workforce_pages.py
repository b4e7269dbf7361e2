"""The workforce pages: the trainer's QR screen and the phone check-in, the worker's own
page, certificates, results and their export, the cockpit panel."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from finegrid.org.actions import do_assign_worker
from finegrid.workforce import actions
from finegrid.workforce.models import AssessmentResult, Certificate
from tests.conftest import COMMUNITY_A, system

STREET = COMMUNITY_A[:9]


@pytest.fixture
def training(world):
    worker = do_assign_worker(
        system(),
        world.grids.micro,
        role="micro_worker",
        name="李微",
        user=world.users.micro_worker,
        start=dt.date(2026, 1, 1),
    )
    course = actions.do_create_course(
        system(), STREET, title="微网格员岗前培训", kind="induction", hours="3"
    )
    now = timezone.now()
    session = actions.do_schedule_session(
        system(),
        course,
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=2),
        place="党群服务中心",
        trainer="张老师",
        capacity=30,
    )
    return worker, course, session


@pytest.fixture
def attended(world, training):
    """李微 attended the street's induction, which the street's scheme prices at 2 points
    an hour; the month's points not computed yet."""
    worker, _, session = training
    month = timezone.localdate(session.starts_at).replace(day=1)
    scheme = actions.do_create_scheme(
        system(),
        STREET,
        effective_from=month,
        rules=[{"source": "training_hours", "points": "2", "component": "worker"}],
        note="街道试行",
    )
    actions.do_record_attendance(system(), session, worker)
    return worker, month, scheme


@pytest.fixture
def earned(attended):
    """李微 attended the street's induction: 6 points under the street's scheme."""
    actions.do_compute_points(system(), STREET, attended[1])
    return attended


def test_the_worker_checks_in_by_scanning_the_trainers_screen(world, training, login):
    worker, _, session = training
    screen = login(world.users.street_staff).get(f"/workforce/sessions/{session.pk}/screen/")
    page = screen.content.decode()
    assert screen.status_code == 200
    assert "<svg" in page
    link = re.search(r'data-testid="code">(\w{8})<', page).group(1)
    # A worker cannot show the screen (and so cannot read the code off it).
    phone = login(world.users.micro_worker)
    assert phone.get(f"/workforce/sessions/{session.pk}/screen/").status_code == 403
    scanned = phone.get(f"/workforce/checkin/{session.pk}/?code={link}")
    assert f'value="{link}"' in scanned.content.decode()
    wrong = phone.post(f"/workforce/checkin/{session.pk}/", {"code": "00000000"}, follow=True)
    assert "wrong or expired check-in code" in wrong.content.decode()
    done = phone.post(f"/workforce/checkin/{session.pk}/", {"code": link}, follow=True)
    assert done.redirect_chain[-1][0] == "/workforce/me/"
    page = done.content.decode()
    assert "签到成功：微网格员岗前培训" in page
    assert "已完成 3.0 学时" in page
    # A course without a quiz certifies on attendance; its PDF is the worker's to read.
    certificate = Certificate.objects.get(worker=worker)
    assert f"证书 {certificate.number}" in page
    pdf = phone.get(f"/workforce/certificates/{certificate.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    outsider = login(world.users.outsider)
    assert outsider.get(f"/workforce/certificates/{certificate.pk}.pdf").status_code == 404
    assert outsider.get(f"/workforce/checkin/{session.pk}/?code={link}").status_code == 404


def test_materials_are_served_to_readers_of_the_course_only(
    world, training, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _, course, _ = training
    material = actions.do_add_material(
        system(), course, title="工作手册", file=SimpleUploadedFile("handbook.pdf", b"%PDF-1.4 hb")
    )
    answer = login(world.users.micro_worker).get(f"/workforce/materials/{material.pk}/")
    assert b"".join(answer.streaming_content) == b"%PDF-1.4 hb"
    assert (
        login(world.users.outsider).get(f"/workforce/materials/{material.pk}/").status_code == 404
    )


def test_results_page_export_appeal_and_cockpit(world, earned, login):
    worker, month, _ = earned
    period = actions.do_compute_assessment(system(), STREET, month)
    actions.do_publish_assessment(system(), period)
    staff = login(world.users.street_staff)
    page = staff.get(f"/workforce/assessments/{period.pk}/").content.decode()
    assert "第001-01微网格" in page
    assert "李微" in page
    book = openpyxl.load_workbook(
        io.BytesIO(staff.get(f"/workforce/assessments/{period.pk}.xlsx").content)
    )
    assert book.sheetnames == ["网格", "网格员"]
    rows = list(book["网格员"].iter_rows(min_row=3, values_only=True))
    assert rows == [(1, 1, f"{COMMUNITY_A}-001-01", "李微", 6.0, 0.0, 0.0, 6.0, 0.0, 6.0, None)]
    # The worker appeals from their phone; staff see it open on the cockpit and decide.
    result = AssessmentResult.objects.get(worker=worker)
    phone = login(world.users.micro_worker)
    me = phone.post(
        f"/workforce/results/{result.pk}/appeal/", {"reason": "漏记一次培训"}, follow=True
    )
    assert "申诉已提交" in me.content.decode()
    staff = login(world.users.street_staff)
    panel = staff.get(f"/workforce/cockpit/{STREET}/").content.decode()
    assert re.search(r'data-testid="open-appeals">1<', panel)
    assert "第001-01微网格" in panel
    staff.post(
        f"/workforce/appeals/{result.appeals.get().pk}/decide/",
        {"status": "upheld", "decision": "属实", "corrected_total": "14"},
    )
    book = openpyxl.load_workbook(
        io.BytesIO(staff.get(f"/workforce/assessments/{period.pk}.xlsx").content)
    )
    assert next(book["网格员"].iter_rows(min_row=3, values_only=True))[-1] == 14.0
    assert (
        login(world.users.outsider).get(f"/workforce/assessments/{period.pk}/").status_code == 404
    )
    assert login(world.users.micro_worker).get(f"/workforce/cockpit/{STREET}/").status_code == 404
    # Community staff read the street's assessment, as far as their community goes.
    community = login(world.users.community_staff)
    assert "李微" in community.get(f"/workforce/assessments/{period.pk}/").content.decode()
    panel = community.get(f"/workforce/cockpit/{COMMUNITY_A}/").content.decode()
    assert f"/workforce/assessments/{period.pk}/" in panel


def test_the_demo_has_a_month_of_training_points_and_a_published_assessment(
    settings, tmp_path, login, db
):
    from finegrid.accounts.models import User
    from finegrid.cli import main
    from finegrid.workforce.models import AssessmentPeriod, PointEntry

    settings.DEMO_MODE, settings.VAR_DIR = True, tmp_path
    assert (
        main(["demo", "--area", "510131002219", "--seed", "2", "--no-serve", "--workers", "1"]) == 0
    )
    period = AssessmentPeriod.objects.get()
    assert period.status == "published"
    assert period.month == (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(
        day=1
    )
    assert PointEntry.objects.filter(month=period.month).exists()
    assert period.results.filter(kind="grid").count() > 0
    assert period.results.filter(appeals__status="open").count() == 2
    phone = login(User.objects.get(username="microworker"))
    page = phone.get("/workforce/me/").content.decode()
    assert "已完成 3.0 学时" in page
    assert "证书 PX" in page
    assert "培训学时" in page
    assert f"{period.month:%Y-%m}</strong> 总分" in page
    cockpit = login(User.objects.get(username="street")).get("/workforce/cockpit/510131002/")
    assert 'data-testid="open-appeals">2<' in cockpit.content.decode()


def _audited(object_type: str) -> list:
    from finegrid.accounts.models import AuditEntry

    return list(
        AuditEntry.objects.filter(object_type=object_type)
        .order_by("pk")
        .values_list("actor_label", "after")
    )


def test_staff_redeem_points_and_correct_entries_on_pages(world, earned, login):
    from finegrid.workforce.models import PointEntry, Redemption

    worker, month, _ = earned
    staff = login(world.users.street_staff)
    table = staff.get(f"/workforce/points/?area={STREET}&month={month:%Y-%m}").content.decode()
    assert re.search(
        rf'/workforce/workers/{worker.pk}/points/">李微</a></td><td>第001-01微网格 '
        rf"<small>{COMMUNITY_A}-001-01</small></td><td>6.00</td><td>6.00</td><td>0.00</td>"
        r"<td>6.00</td>",
        table,
    )
    page = staff.get(f"/workforce/workers/{worker.pk}/points/").content.decode()
    assert "累计积分 6.00 · 可用余额 6.00" in page
    english = staff.get(f"/workforce/workers/{worker.pk}/points/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Points earned 6.00 · Balance 6.00" in english.content.decode()
    assert "培训学时" in page
    assert "workforce.attendance #" in page
    done = staff.post(
        f"/workforce/workers/{worker.pk}/redeem/", {"item": "优秀微网格员表彰", "points": "4"}
    )
    assert done.status_code == 302
    page = staff.get(f"/workforce/workers/{worker.pk}/points/").content.decode()
    assert "已兑换 4.00 积分：优秀微网格员表彰" in page
    assert "累计积分 6.00 · 可用余额 2.00" in page
    too_much = staff.post(
        f"/workforce/workers/{worker.pk}/redeem/", {"item": "生活用品", "points": "5"}, follow=True
    )
    assert "worker 李微: balance is 2.00, not enough for 5.00" in too_much.content.decode()
    assert Redemption.objects.count() == 1
    assert [label for label, _ in _audited("workforce.redemption")] == ["street_staff"]
    # A correction is a new entry naming the one it corrects, with its reason.
    entry = PointEntry.objects.get(worker=worker)
    missing_reason = staff.post(
        f"/workforce/entries/{entry.pk}/adjust/", {"points": "1.5", "note": " "}, follow=True
    )
    assert "note: say why the points are corrected" in missing_reason.content.decode()
    fixed = staff.post(
        f"/workforce/entries/{entry.pk}/adjust/", {"points": "1.5", "note": "补记签到"}, follow=True
    )
    page = fixed.content.decode()
    assert f"已更正条目 {entry.pk}" in page
    adjustment = PointEntry.objects.get(corrects=entry)
    assert (adjustment.kind, adjustment.points, adjustment.note) == ("adjustment", 1.5, "补记签到")
    assert f"人工调整 <small>→ {entry.pk}</small>" in page
    assert "累计积分 7.50 · 可用余额 3.50" in page
    assert len(_audited("workforce.pointentry")) == 1
    # Out of scope answers like missing, and writes nothing; a worker may not redeem.
    outsider = login(world.users.outsider)
    assert outsider.get(f"/workforce/workers/{worker.pk}/points/").status_code == 404
    assert (
        outsider.post(
            f"/workforce/workers/{worker.pk}/redeem/", {"item": "x", "points": "1"}
        ).status_code
        == 404
    )
    assert (
        outsider.post(
            f"/workforce/entries/{entry.pk}/adjust/", {"points": "1", "note": "x"}
        ).status_code
        == 404
    )
    assert "李微" not in outsider.get("/workforce/points/").content.decode()
    phone = login(world.users.micro_worker)
    assert phone.get(f"/workforce/workers/{worker.pk}/points/").status_code == 404
    assert (
        phone.post(
            f"/workforce/workers/{worker.pk}/redeem/", {"item": "x", "points": "1"}
        ).status_code
        == 403
    )
    assert Redemption.objects.count() == 1
    assert PointEntry.objects.count() == 2
    # Once the month's assessment is published, its points are closed.
    period = actions.do_compute_assessment(system(), STREET, month)
    actions.do_publish_assessment(system(), period)
    staff = login(world.users.street_staff)
    closed = staff.post(
        f"/workforce/entries/{entry.pk}/adjust/", {"points": "1", "note": "再补"}, follow=True
    )
    assert "the assessment is published; its month is closed" in closed.content.decode()
    assert PointEntry.objects.count() == 2


def test_scheme_versions_are_read_and_made_on_pages(world, earned, login):
    from finegrid.workforce.models import Scheme

    _, month, first = earned
    staff = login(world.users.street_staff)
    page = staff.get("/workforce/schemes/").content.decode()
    assert f"v1 <small>生效月份 {month:%Y-%m}" in page
    assert "培训学时 <small>training_hours</small></td><td>2.00</td><td>个人表现</td>" in page
    form = staff.get(f"/workforce/schemes/new/?from={first.pk}").content.decode()
    assert f'name="area" value="{first.area.code}"' in form
    assert 'name="points_training_hours" type="number" step="0.01" value="2.00"' in form
    assert 'name="note" maxlength="200" value="街道试行"' in form
    posted = {
        "area": STREET,
        "effective_from": f"{month:%Y-%m}",
        "note": "增加入户走访",
        "grid_weight": "50",
        "duty_weight": "30",
        "worker_weight": "25",
        "bonus_cap": "10",
        "grid_target": "100",
        "duty_target": "60",
        "worker_target": "20",
        "points_training_hours": "3",
        "component_training_hours": "worker",
        "points_induction_passed": "",
    }
    wrong = staff.post("/workforce/schemes/new/", posted, follow=True).content.decode()
    assert "grid_weight: grid, duty and worker weights must add up to 100" in wrong
    assert 'name="note" maxlength="200" value="增加入户走访"' in wrong  # kept for a retry
    assert Scheme.objects.count() == 1
    staff = login(world.users.street_staff)
    done = staff.post("/workforce/schemes/new/", {**posted, "worker_weight": "20"}, follow=True)
    assert done.redirect_chain[-1][0] == "/workforce/schemes/"
    second = Scheme.objects.get(version=2)
    assert [(r.source, r.points, r.component) for r in second.rules.all()] == [
        ("training_hours", 3, "worker")
    ]
    assert second.note == "增加入户走访"
    page = done.content.decode()
    assert page.index("v2 <small>") < page.index("v1 <small>")
    english = staff.get("/workforce/schemes/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New version based on this one" in english
    assert "Training hours <small>training_hours</small></td><td>3.00</td>" in english
    assert [label for label, _ in _audited("workforce.scheme")] == ["system:tests", "street_staff"]
    # The first version is unchanged; the ledger follows the new one when recomputed.
    first.refresh_from_db()
    assert first.rules.get().points == 2
    # Community staff cannot make a scheme for the street above them; workers not at all.
    community = login(world.users.community_staff)
    assert community.post("/workforce/schemes/new/", posted).status_code == 404
    assert login(world.users.micro_worker).get("/workforce/schemes/new/").status_code == 403
    assert Scheme.objects.count() == 2


def test_staff_compute_and_publish_a_month_on_pages(world, attended, login):
    from finegrid.workforce.models import AssessmentPeriod, PointEntry

    _, month, _ = attended
    staff = login(world.users.street_staff)
    assert 'data-testid="compute"' in staff.get("/workforce/").content.decode()
    bad = staff.post("/workforce/compute/", {"area": STREET, "month": "11/2026"}, follow=True)
    assert "month: &#x27;11/2026&#x27; is not a month like 2026-11" in bad.content.decode()
    done = staff.post(
        "/workforce/compute/",
        {"area": STREET, "month": f"{month:%Y-%m}", "assess": "1"},
        follow=True,
    )
    period = AssessmentPeriod.objects.get()
    assert done.redirect_chain[-1][0] == f"/workforce/assessments/{period.pk}/"
    page = done.content.decode()
    assert f"东升街道 {month:%Y-%m}：新增积分条目 1 条" in page
    assert 'data-testid="publish"' in page
    assert PointEntry.objects.get().points == 6
    # Community staff read the street's period but may not publish it; outsiders see nothing.
    community = login(world.users.community_staff)
    page = community.get(f"/workforce/assessments/{period.pk}/").content.decode()
    assert "李微" in page
    assert 'data-testid="publish"' not in page
    assert community.post(f"/workforce/assessments/{period.pk}/publish/").status_code == 403
    outsider = login(world.users.outsider)
    assert outsider.post(f"/workforce/assessments/{period.pk}/publish/").status_code == 404
    assert (
        outsider.post(
            "/workforce/compute/", {"area": STREET, "month": f"{month:%Y-%m}"}
        ).status_code
        == 404
    )
    period.refresh_from_db()
    assert period.status == "draft"
    staff = login(world.users.street_staff)
    published = staff.post(f"/workforce/assessments/{period.pk}/publish/", follow=True)
    page = published.content.decode()
    assert f"已发布：东升街道 {month:%Y-%m}" in page
    assert 'data-testid="publish"' not in page
    again = staff.post(
        "/workforce/compute/", {"area": STREET, "month": f"{month:%Y-%m}"}, follow=True
    )
    assert "the assessment is published; its month is closed" in again.content.decode()
    assert PointEntry.objects.count() == 1
