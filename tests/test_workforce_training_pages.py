"""Running training on pages: staff create and edit courses, upload materials, schedule
sessions and write quizzes without the admin or the API; the coverage report lists the
workers without induction training in time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from finegrid.accounts.models import AuditEntry
from finegrid.org.actions import do_assign_worker
from finegrid.workforce import actions
from finegrid.workforce.models import Course, CourseMaterial, QuizQuestion, TrainingSession
from tests.conftest import COMMUNITY_A, system

STREET = COMMUNITY_A[:9]


@pytest.fixture
def course(world):
    return actions.do_create_course(
        system(), STREET, title="微网格员岗前培训", kind="induction", hours="3"
    )


def _error(page: str, field: str) -> str:
    """The message shown next to ``field``, or "" when there is none."""
    found = re.search(rf'data-testid="error-{field}">([^<]*)<', page)
    return found.group(1) if found else ""


def _statuses(client, paths: list[str]) -> list[int]:
    return [client.get(path).status_code for path in paths]


def test_staff_create_and_edit_a_course_on_pages(world, login):
    staff = login(world.users.street_staff)
    index = staff.get("/workforce/").content.decode()
    assert 'href="/workforce/courses/new/" data-testid="new-course">新建课程</a>' in index
    form = staff.get("/workforce/courses/new/").content.decode()
    assert "csrfmiddlewaretoken" in form
    assert f'name="area" list="scope-areas" required value="{STREET}000"' in form
    assert f'<option value="{COMMUNITY_A}">五洞桥社区居委会</option>' in form
    wrong = {"area": STREET, "title": " ", "kind": "lecture", "hours": "0", "pass_mark": "101"}
    answer = staff.post("/workforce/courses/new/", wrong)
    page = answer.content.decode()
    assert answer.status_code == 200
    assert [_error(page, f) for f in ("title", "kind", "hours", "pass_mark")] == [
        "请填写名称，最多 100 个字",
        "请选择岗前培训、专题培训或轮训",
        "学时须在 0.5 至 200 之间",
        "及格分须为 0 至 100 的整数",
    ]
    assert 'name="hours" type="number" step="0.5" min="0.5" max="200" required value="0"' in page
    english = staff.post("/workforce/courses/new/", wrong, HTTP_ACCEPT_LANGUAGE="en")
    page = english.content.decode()
    assert [_error(page, f) for f in ("title", "kind", "hours", "pass_mark")] == [
        "Give a title of at most 100 characters",
        "Choose induction, topical or refresher training",
        "Hours must be between 0.5 and 200",
        "The pass mark must be a whole number from 0 to 100",
    ]
    assert Course.objects.count() == 0
    done = staff.post(
        "/workforce/courses/new/",
        {
            "area": COMMUNITY_A,
            "title": "入户走访专题",
            "kind": "topical",
            "hours": "2.5",
            "pass_mark": "60",
            "description": "走访要点",
        },
        follow=True,
    )
    course = Course.objects.get()
    assert done.redirect_chain[-1][0] == f"/workforce/courses/{course.pk}/"
    page = done.content.decode()
    assert "已创建课程：入户走访专题" in page
    assert "入户走访专题 <small>专题培训 · 2.5 学时 · 五洞桥社区居委会</small>" in page
    assert (course.area.code, course.path, course.pass_mark) == (COMMUNITY_A, course.area.path, 60)
    assert f'<a href="/workforce/courses/{course.pk}/">入户走访专题</a>' in (
        staff.get("/workforce/").content.decode()
    )
    # Editing keeps the area; the change is audited with what it was before.
    edit = staff.get(f"/workforce/courses/{course.pk}/edit/").content.decode()
    assert 'name="title" required maxlength="100" value="入户走访专题"' in edit
    assert '<option value="topical" selected>专题培训</option>' in edit
    changed = staff.post(
        f"/workforce/courses/{course.pk}/edit/",
        {"title": "入户走访轮训", "kind": "refresher", "hours": "3", "pass_mark": "70"},
        follow=True,
    )
    assert "已保存课程：入户走访轮训" in changed.content.decode()
    course.refresh_from_db()
    assert (course.title, course.kind, course.hours, course.pass_mark) == (
        "入户走访轮训",
        "refresher",
        3,
        70,
    )
    assert course.area.code == COMMUNITY_A
    update = AuditEntry.objects.filter(object_type="workforce.course", action="update").get()
    assert (update.before["title"], update.after["title"]) == ("入户走访专题", "入户走访轮训")


def test_who_may_make_and_change_courses(world, course, login):
    edit = f"/workforce/courses/{course.pk}/edit/"
    worker = login(world.users.micro_worker)
    # A worker reads the street's course but may not make or change one.
    assert worker.get(f"/workforce/courses/{course.pk}/").status_code == 200
    assert (
        'data-testid="course-actions"'
        not in worker.get(f"/workforce/courses/{course.pk}/").content.decode()
    )
    assert 'data-testid="new-course"' not in worker.get("/workforce/").content.decode()
    assert _statuses(worker, ["/workforce/courses/new/", edit]) == [403, 403]
    assert worker.post(edit, {"title": "改"}).status_code == 403
    # Community staff see the street's course from below: theirs to read, not to change;
    # nor may they make one for the street above them.
    community = login(world.users.community_staff)
    assert community.get(edit).status_code == 403
    posted = {"area": STREET, "title": "社区课", "kind": "topical", "hours": "1", "pass_mark": "80"}
    assert community.post("/workforce/courses/new/", posted).status_code == 404
    # Staff of another district find nothing.
    outsider = login(world.users.outsider)
    assert _statuses(outsider, [f"/workforce/courses/{course.pk}/", edit]) == [404, 404]
    assert outsider.post(edit, {"title": "改"}).status_code == 404
    assert Course.objects.count() == 1
    course.refresh_from_db()
    assert course.title == "微网格员岗前培训"
    # The forms carry the CSRF token; a post without it is refused.
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(world.users.street_staff)
    assert guarded.post("/workforce/courses/new/", posted).status_code == 403


def test_materials_are_uploaded_on_pages(world, course, login, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    new = f"/workforce/courses/{course.pk}/materials/new/"
    staff = login(world.users.street_staff)
    page = staff.get(f"/workforce/courses/{course.pk}/").content.decode()
    assert f'<a href="{new}">上传资料</a>' in page
    assert 'enctype="multipart/form-data"' in staff.get(new).content.decode()
    empty = staff.post(new, {"title": "手册", "file": SimpleUploadedFile("a.pdf", b"")})
    assert _error(empty.content.decode(), "file") == "请选择一个不为空的文件"
    missing = staff.post(new, {"title": "手册"})
    assert _error(missing.content.decode(), "file") == "请选择一个不为空的文件"
    # The size limit is the action's, the one the API applies.
    monkeypatch.setattr(actions, "MATERIAL_MAX_BYTES", 2**20)
    large = SimpleUploadedFile("big.pdf", b"x" * (2**20 + 1))
    page = staff.post(new, {"title": "手册", "file": large}).content.decode()
    assert _error(page, "file") == "文件不能超过 1 MB"
    assert 'name="title" maxlength="100" value="手册"' in page  # kept for the retry
    english = staff.post(new, {"title": "手册"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _error(english, "file") == "Choose a file that is not empty"
    assert CourseMaterial.objects.count() == 0
    done = staff.post(
        new, {"title": "", "file": SimpleUploadedFile("工作手册.pdf", b"%PDF-1.4 hb")}, follow=True
    )
    material = CourseMaterial.objects.get()
    assert done.redirect_chain[-1][0] == f"/workforce/courses/{course.pk}/"
    page = done.content.decode()
    assert "已上传资料：工作手册.pdf" in page
    assert f'<a href="/workforce/materials/{material.pk}/">工作手册.pdf</a>' in page
    reader = login(world.users.micro_worker)
    got = reader.get(f"/workforce/materials/{material.pk}/")
    assert b"".join(got.streaming_content) == b"%PDF-1.4 hb"
    upload = {"title": "x", "file": SimpleUploadedFile("x.pdf", b"x")}
    assert reader.get(new).status_code == 403
    assert reader.post(new, upload).status_code == 403
    assert login(world.users.outsider).post(new, upload).status_code == 404
    assert CourseMaterial.objects.count() == 1


def test_sessions_are_scheduled_on_pages(world, course, login):
    staff = login(world.users.community_staff)
    own = actions.do_create_course(
        system(), COMMUNITY_A, title="社区轮训", kind="refresher", hours="2"
    )
    new = f"/workforce/courses/{own.pk}/sessions/new/"
    assert (
        f'<a href="{new}">新建场次</a>'
        in staff.get(f"/workforce/courses/{own.pk}/").content.decode()
    )
    wrong = {
        "starts_at": "2026-12-03T11:00",
        "ends_at": "2026-12-03T09:00",
        "place": "",
        "trainer": "张老师",
        "capacity": "三十",
    }
    page = staff.post(new, wrong).content.decode()
    assert [_error(page, f) for f in ("ends_at", "place", "trainer", "capacity")] == [
        "结束时间须晚于开始时间",
        "请填写地点，最多 100 个字",
        "",
        "名额须为 1 至 10000 的整数",
    ]
    assert 'name="capacity" type="number" min="1" max="10000" required value="三十"' in page
    unread = staff.post(new, {**wrong, "starts_at": "明天", "ends_at": ""}).content.decode()
    assert [_error(unread, "starts_at"), _error(unread, "ends_at")] == [
        "请填写开始时间",
        "请填写结束时间",
    ]
    # A year no database can hold once moved to UTC was a 500 (seen against a live server).
    ancient = {**wrong, "starts_at": "0001-01-01T00:00", "ends_at": "0001-01-01T02:00"}
    assert _error(staff.post(new, ancient).content.decode(), "starts_at") == (
        "开始时间须在1900年至2999年之间"
    )
    english = staff.post(new, wrong, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _error(english, "ends_at") == "The end must be after the start"
    assert TrainingSession.objects.count() == 0
    done = staff.post(
        new,
        {**wrong, "ends_at": "2026-12-03T12:30", "place": "党群服务中心", "capacity": "30"},
        follow=True,
    )
    session = TrainingSession.objects.get()
    assert done.redirect_chain[-1][0] == f"/workforce/courses/{own.pk}/"
    page = done.content.decode()
    assert "已安排场次：2026-12-03 11:00" in page
    assert "2026-12-03 11:00–12:30 党群服务中心 · 张老师 · 0/30" in page
    assert session.starts_at == dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC)  # 11:00 Beijing
    # Community staff may not schedule the street's course; workers none; outsiders 404.
    street = f"/workforce/courses/{course.pk}/sessions/new/"
    assert staff.get(street).status_code == 403
    worker = login(world.users.micro_worker)
    assert worker.get(new).status_code == 403
    assert login(world.users.outsider).post(new, {**wrong, "capacity": "30"}).status_code == 404
    assert TrainingSession.objects.count() == 1


def test_the_quiz_is_written_on_pages(world, course, login):
    edit = f"/workforce/courses/{course.pk}/quiz/edit/"
    staff = login(world.users.street_staff)
    assert (
        f'<a href="{edit}">编写测验</a>'
        in staff.get(f"/workforce/courses/{course.pk}/").content.decode()
    )
    form = staff.get(edit).content.decode()
    assert form.count("<legend>") == 3  # three empty questions to fill in
    assert 'name="pass_mark" type="number" min="0" max="100" required value="80"' in form
    wrong = {
        "pass_mark": "120",
        "text_1": "微网格一般多少户？",
        "choices_1": "10–30\n30–100\n300–500",
        "answer_1": "2",
        "text_2": "",
        "choices_2": "",
        "answer_2": "",
        "text_3": "发现问题先做什么？",
        "choices_3": "上报\n",
        "answer_3": "4",
    }
    page = staff.post(edit, wrong).content.decode()
    assert _error(page, "pass_mark") == "及格分须为 0 至 100 的整数"
    # The problems of the second question sent are shown at the third slot, where it is.
    assert [_error(page, f"{name}_3") for name in ("text", "choices", "answer")] == [
        "",
        "每行一个选项，共 2 至 6 个",
        "正确选项须是上面选项的序号",
    ]
    assert _error(page, "choices_1") == ""
    english = staff.post(edit, wrong, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _error(english, "answer_3") == "The right choice must be the number of a choice above"
    assert QuizQuestion.objects.count() == 0
    done = staff.post(
        edit,
        {**wrong, "pass_mark": "60", "choices_3": "上报\n自行处理", "answer_3": "1"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == f"/workforce/courses/{course.pk}/"
    page = done.content.decode()
    assert "已保存测验：2 题" in page
    assert "2 题 · 60 分及格" in page
    assert "<li>30–100 ✓ <small>正确选项</small></li>" in page
    course.refresh_from_db()
    assert course.pass_mark == 60
    assert [(q.number, q.text, q.choices, q.answer) for q in course.questions.all()] == [
        (1, "微网格一般多少户？", ["10–30", "30–100", "300–500"], 1),
        (2, "发现问题先做什么？", ["上报", "自行处理"], 0),
    ]
    again = staff.get(edit).content.decode()
    assert 'name="text_2" maxlength="300" value="发现问题先做什么？"' in again
    assert 'name="answer_1" type="number" min="1" max="6" value="2"' in again
    assert again.count("<legend>") == 5
    quiz = AuditEntry.objects.filter(object_type="workforce.course", reason="quiz").get()
    assert (quiz.before["pass_mark"], quiz.after["pass_mark"]) == (80, 60)
    # A worker takes the quiz (without the answers shown) but may not write it.
    do_assign_worker(
        system(),
        world.grids.micro,
        role="micro_worker",
        name="李微",
        user=world.users.micro_worker,
        start=dt.date(2026, 1, 1),
    )
    worker = login(world.users.micro_worker)
    page = worker.get(f"/workforce/courses/{course.pk}/").content.decode()
    assert 'data-testid="quiz"' in page
    assert "正确选项" not in page
    assert worker.get(edit).status_code == 403
    assert worker.post(edit, wrong).status_code == 403
    assert login(world.users.outsider).get(edit).status_code == 404


def test_the_coverage_report_lists_workers_without_induction_in_time(world, course, login):
    do_assign_worker(
        system(),
        world.grids.micro,
        role="micro_worker",
        name="李微",
        user=world.users.micro_worker,
        start=dt.date(2026, 1, 1),
    )
    do_assign_worker(
        system(),
        world.grids.micro2,
        role="micro_worker",
        name="新来的",
        start=dt.date.today(),
    )
    staff = login(world.users.community_staff)
    page = staff.get(f"/coverage/{COMMUNITY_A}/").content.decode()
    assert "上岗 30 天内未参加岗前培训" in page
    listed = re.search(r'data-testid="without-induction">(.*?)</ul>', page).group(1)
    assert "李微" in listed
    assert "新来的" not in listed  # still within the 30 days
    # The same list as the workforce app's own coverage page computes.
    own = staff.get(f"/workforce/coverage/{COMMUNITY_A}/").content.decode()
    assert re.search(r'data-testid="without-induction">(.*?)</ul>', own).group(1) == listed
    english = staff.get(f"/coverage/{COMMUNITY_A}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No induction within 30 days of taking the post" in english
