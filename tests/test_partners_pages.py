"""The co-governance pages, and the public pages of published accounts (no login, no
personal data)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from finegrid.partners import actions, queries
from tests import partners_data
from tests.conftest import COMMUNITY_A as COMMUNITY
from tests.conftest import system
from tests.partners_data import START


@pytest.fixture
def coop(world, registry):
    return partners_data.build(world, registry)


@pytest.fixture
def notice(coop):
    """锦苑's 2026 Q1 accounts as 锦华物业 entered them."""
    ledger = actions.do_open_ledger(system(), coop.compound.pk, year=2026, quarter=1)
    actions.do_add_entry(system(), ledger, kind="parking", amount="12000", description="临时停车费")
    actions.do_add_entry(
        system(), ledger, kind="elevator_ads", amount="3000", description="电梯广告"
    )
    actions.do_add_entry(system(), ledger, kind="repair", amount="4500", description="更换路灯")
    return ledger


def _publish(ledger, coop):
    """The committee's confirmation, given on paper, recorded by the community."""
    actions.do_confirm_ledger(system(), ledger, on_behalf_of=coop.committee.pk)
    return actions.do_publish_ledger(system(), ledger)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_public_notice_needs_no_login_and_shows_no_personal_data(
    client, coop, notice, world, registry
):
    ledger = _publish(notice, coop)
    index = client.get("/public/")
    assert index.status_code == 200
    assert "锦苑 2026年第1季度" in text(index)
    page = client.get(f"/public/notices/{coop.compound.pk}/2026q1/")
    assert page.status_code == 200
    body = text(page)
    for shown in (
        "收入合计（元） 15000.00",
        "支出合计（元） 4500.00",
        "结余（元） 10500.00",
        "确认单位 锦苑业主委员会",
        "更换路灯 4500.00",
        "停车收益 12000.00",
    ):
        assert shown in body
    assert "<svg" in page.content.decode()  # the QR code leading back here
    for person in registry.zhang.members.all():
        assert person.name not in body
    assert not re.search(r"1[3-9]\d[\d*]{8}", body)  # no mobile number, masked or not
    assert "刘经理" not in body  # not even the company's contact person
    assert ledger.status == "published"


def test_unpublished_accounts_are_not_public(client, coop, notice):
    assert client.get(f"/public/notices/{coop.compound.pk}/2026q1/").status_code == 404
    assert "锦苑" not in text(client.get("/public/"))


def test_a_correction_is_a_new_version_and_the_old_stays_readable(client, coop, notice, world):
    _publish(notice, coop)
    fresh = actions.do_correct_ledger(system(), notice, "漏记场地租赁收入")
    actions.do_add_entry(system(), fresh, kind="venue_rent", amount="500", description="场地租赁")
    actions.do_confirm_ledger(system(), fresh, on_behalf_of=coop.committee.pk)
    actions.do_publish_ledger(system(), fresh)
    latest = text(client.get(f"/public/notices/{coop.compound.pk}/2026q1/"))
    assert "第 2 版（更正）：漏记场地租赁收入" in latest
    assert "收入合计（元） 15500.00" in latest
    old = client.get(f"/public/notices/{coop.compound.pk}/2026q1/?version=1")
    assert "此为旧版本，已被第 2 版更正。" in text(old)
    assert "收入合计（元） 15000.00" in text(old)


def test_the_printable_notice_is_a_pdf(client, coop, notice, world):
    _publish(notice, coop)
    pdf = client.get(f"/public/notices/{coop.compound.pk}/2026q1/notice.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_decision_page_says_whether_it_passed_and_why(login, coop, world):
    decision = partners_data.failed_decision(coop)
    page = text(login(world.users.community_staff).get(f"/partners/decisions/{decision.pk}/"))
    assert "未通过" in page
    assert "参与表决的专有部分面积 264.00 / 600.00 44% ≥ 2/3 不满足" in page
    assert "参与表决的业主人数 3 / 6 50% ≥ 2/3 不满足" in page
    assert "同意的业主人数（占参与表决） 3 / 3 100% ≥ 3/4 满足" in page


def test_pages_of_a_partner_user_and_of_an_outsider(login, coop, world):
    partner = login(world.users.partner)
    assert partner.get(f"/partners/{coop.company.pk}/").status_code == 200
    assert partner.get(f"/partners/{coop.rival.pk}/").status_code == 404
    index = text(partner.get("/partners/"))
    assert "锦华物业" in index
    assert "桂城物业" not in index
    outsider = login(world.users.outsider)
    assert outsider.get(f"/partners/{coop.company.pk}/").status_code == 404
    assert outsider.get(f"/partners/compounds/{coop.compound.pk}/").status_code == 404


def test_the_rating_page_traces_every_figure(login, coop, world, registry):
    period = actions.do_open_period(
        system(),
        area=partners_data.COMMUNITY_A,
        name="2026上半年",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 30),
    )
    actions.do_set_party_role(system(), period, coop.company.pk, "fair", "支部活动正常")
    ratings = actions.do_close_period(system(), period)
    mine = next(r for r in ratings if r.compound == coop.compound)
    page = text(login(world.users.community_staff).get(f"/partners/ratings/{mine.pk}/"))
    assert "A 75.00" in page
    assert "党组织作用 15 70 fair 支部活动正常" in page
    assert "良好/不良记录 15 80 基准 80，良好 +0，不良 −0" in page
    cockpit = text(login(world.users.community_staff).get("/partners/cockpit/"))
    assert "无业主委员会的小区 1" in cockpit


def test_the_admin_registers_partners_through_the_action(login, world):
    from finegrid.accounts.models import AuditEntry
    from finegrid.partners.models import Partner

    client = login(world.users.community_staff)
    form = {
        "kind": "social_org",
        "area_code": partners_data.COMMUNITY_A,
        "name": "益邻社工",
        "credit_code": "91350100M000100Y44",
        "contact_name": "",
        "contact_post": "",
        "phone": "",
        "address": "",
    }
    refused = client.post("/admin/partners/partner/add/", form)
    assert "credit_code: check character is 4, should be 3" in refused.content.decode()
    created = client.post("/admin/partners/partner/add/", {**form, "credit_code": ""})
    assert created.status_code == 302
    partner = Partner.objects.get(name="益邻社工")
    entry = AuditEntry.objects.get(object_type="partners.partner", object_id=str(partner.pk))
    assert entry.actor_label == "community_staff"
    assert (
        login(world.users.outsider).get(f"/admin/partners/partner/{partner.pk}/change/").url
        == "/admin/"
    )
    assert client.get("/admin/partners/ledger/").status_code == 200


def test_the_public_notice_in_english(client, coop, notice):
    _publish(notice, coop)
    client.cookies["django_language"] = "en"
    page = text(
        client.get(f"/public/notices/{coop.compound.pk}/2026q1/", HTTP_ACCEPT_LANGUAGE="en")
    )
    assert "Public accounts 2026 Q1" in page
    assert "Balance (yuan) 10500.00" in page
    assert "Confirmed by 锦苑业主委员会" in page


def test_a_resident_of_the_compound_questions_a_line_and_it_becomes_a_case(
    client, login, coop, notice, registry, world
):
    from finegrid.cases.models import Case
    from finegrid.people.actions import do_link_account

    _publish(notice, coop)
    do_link_account(system(), registry.zhang.head, world.users.resident)
    resident = login(world.users.resident)
    page = resident.get(f"/public/notices/{coop.compound.pk}/2026q1/").content.decode()
    assert 'data-testid="question"' in page
    line = notice.entries.get(kind="repair")
    answer = resident.post("/partners/questions/", {"entry": line.pk, "text": "路灯换了几盏？"})
    case = Case.objects.get()
    assert answer.status_code == 302
    assert answer.url == f"/cases/{case.pk}/"
    assert (
        case.text
        == "【锦苑 2026年第1季度公区收益公示 第1版】维修养护“更换路灯” 4500.00 元：路灯换了几盏？"
    )
    assert case.household == registry.zhang
    # A resident of another compound cannot; nor can anyone on an unpublished line.
    from finegrid.errors import NotFound

    with pytest.raises(NotFound, match=f"no published ledger line with id {line.pk}"):
        actions.do_question_entry(world.users.outsider, line.pk, "?")
    draft = actions.do_open_ledger(system(), coop.compound.pk, year=2026, quarter=2)
    unpublished = actions.do_add_entry(system(), draft, kind="parking", amount="1", description="x")
    with pytest.raises(NotFound):
        actions.do_question_entry(world.users.resident, unpublished.pk, "?")


def test_the_cockpit_counts_partners_per_kind_one_level_below_the_reader(login, coop, world):
    """A community sees its general and dedicated grids; a street its communities; a
    partner serving two places of one grid counts once."""
    social = actions.do_create_partner(system(), kind="social_org", name="益心社工", area=COMMUNITY)
    actions.do_start_service(system(), social, grid=world.grids.micro.code, start=START)
    actions.do_start_service(system(), social, grid=world.grids.micro2.code, start=START)
    actions.do_start_service(system(), coop.rival, grid=world.grids.dedicated.code, start=START)

    def per_place(user):
        return queries.cockpit(user, on=START)["per_place"]

    assert per_place(world.users.community_staff) == [
        ("第001网格", [("社会组织", 1)]),
        ("第002网格", []),
        ("实验小学", [("物业服务企业", 1)]),
        ("未划入网格", [("物业服务企业", 2), ("业主委员会", 1)]),
    ]
    street = dict(per_place(world.users.street_staff))
    assert len(street) == 23
    assert street["五洞桥社区居委会"] == [("物业服务企业", 2), ("业主委员会", 1), ("社会组织", 1)]
    assert street["棠湖社区居委会"] == [("物业服务企业", 1)]
    assert street["白鹤社区居委会"] == []
    assert per_place(world.users.grid_worker) == [("第001网格", [("社会组织", 1)])]
    assert per_place(world.users.outsider) == [("第001网格", [])]
    card = text(login(world.users.community_staff).get("/partners/cockpit/"))
    assert (
        "各区域共建单位数 第001网格 社会组织 1 第002网格 0 实验小学 物业服务企业 1"
        " 未划入网格 物业服务企业 2，业主委员会 1" in card
    )
