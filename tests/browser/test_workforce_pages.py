"""The QR check-in in a browser: the trainer's screen on a desktop, the worker's phone."""

import datetime as dt

import pytest
from django.utils import timezone

from finegrid.org.actions import do_assign_worker
from finegrid.workforce import actions
from tests.conftest import COMMUNITY_A, system

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_checks_in_from_a_phone_with_the_code_on_the_screen(world, page, phone, log_in):
    do_assign_worker(
        system(),
        world.grids.micro,
        role="micro_worker",
        name="李微",
        user=world.users.micro_worker,
        start=dt.date(2026, 1, 1),
    )
    course = actions.do_create_course(
        system(), COMMUNITY_A, title="入户走访专题", kind="topical", hours="2"
    )
    now = timezone.now()
    session = actions.do_schedule_session(
        system(),
        course,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2),
        place="社区活动室",
        trainer="张老师",
        capacity=20,
    )
    log_in(page, "community_staff")
    page.goto(f"/workforce/sessions/{session.pk}/screen/")
    assert page.locator("[data-testid=screen] svg").count() == 1
    code = page.locator("[data-testid=code]").inner_text()
    log_in(phone, "micro_worker")
    phone.goto(f"/workforce/checkin/{session.pk}/?code={code}")
    phone.click("[data-testid=check-in]")
    phone.wait_for_url("**/workforce/me/")
    assert "签到成功：入户走访专题" in phone.content()
    assert phone.locator("[data-testid=hours]").inner_text() == "已完成 2.0 学时"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # The screen counts the check-in when it next refreshes.
    page.reload()
    assert "已签到 1 / 报名 1" in page.content()


def test_staff_run_a_course_from_a_phone(world, phone, log_in, screenshot):
    """Community staff make a course, schedule a session and write its quiz on a phone;
    no form, nor a field's message, makes the page wider than the screen."""
    log_in(phone, "community_staff")
    phone.goto("/workforce/")
    phone.click("[data-testid=new-course]")
    phone.fill("input[name=title]", "入户走访专题")
    phone.select_option("select[name=kind]", "topical")
    phone.fill("input[name=hours]", "0")
    phone.click("[data-testid=course-form] button[type=submit]")
    assert phone.locator("[data-testid=error-hours]").inner_text() == "学时须在 0.5 至 200 之间"
    screenshot(phone, "workforce-course-form-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("input[name=hours]", "2")
    phone.click("[data-testid=course-form] button[type=submit]")
    phone.wait_for_url("**/workforce/courses/*/")
    assert "已创建课程：入户走访专题" in phone.content()
    phone.click("text=新建场次")
    phone.fill("input[name=starts_at]", "2026-12-03T09:00")
    phone.fill("input[name=ends_at]", "2026-12-03T11:00")
    phone.fill("input[name=place]", "社区活动室")
    phone.fill("input[name=trainer]", "张老师")
    phone.fill("input[name=capacity]", "20")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("[data-testid=session-form] button[type=submit]")
    phone.wait_for_url("**/workforce/courses/*/")
    assert "2026-12-03 09:00–11:00 社区活动室 · 张老师 · 0/20" in phone.content()
    phone.click("text=编写测验")
    phone.fill("input[name=text_1]", "微网格一般多少户？")
    phone.fill("textarea[name=choices_1]", "10–30\n30–100")
    phone.fill("input[name=answer_1]", "3")
    phone.click("[data-testid=quiz-form] button[type=submit]")
    error = phone.locator("[data-testid=error-answer_1]").inner_text()
    assert error == "正确选项须是上面选项的序号"
    screenshot(phone, "workforce-quiz-form-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("input[name=answer_1]", "2")
    phone.click("[data-testid=quiz-form] button[type=submit]")
    phone.wait_for_url("**/workforce/courses/*/")
    assert "已保存测验：1 题" in phone.content()
    phone.click("text=上传资料")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
