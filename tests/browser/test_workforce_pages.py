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
