"""Co-governance in a real browser: staff read an assembly decision; anyone reads a
compound's published accounts on a phone, without logging in."""

from __future__ import annotations

import re

from finegrid.partners import actions
from tests import partners_data
from tests.conftest import system


def test_staff_read_why_an_assembly_decision_failed(world, registry, page, log_in, screenshot):
    coop = partners_data.build(world, registry)
    decision = partners_data.failed_decision(coop)

    log_in(page, "community_staff")
    page.goto(f"/partners/decisions/{decision.pk}/")
    body = re.sub(r"\s+", " ", page.inner_text("main"))
    assert "改建非机动车棚" in body
    assert "未通过" in body
    assert re.search(r"参与表决的专有部分面积\s*264.00 / 600.00\s*44%\s*≥ 2/3\s*不满足", body)
    screenshot(page, "partners-decision")


def test_the_published_accounts_on_a_phone_without_login(world, registry, phone, screenshot):
    coop = partners_data.build(world, registry)
    ledger = actions.do_open_ledger(system(), coop.compound.pk, year=2026, quarter=1)
    actions.do_add_entry(system(), ledger, kind="parking", amount="12000", description="临时停车费")
    actions.do_add_entry(system(), ledger, kind="repair", amount="4500", description="更换路灯")
    actions.do_confirm_ledger(system(), ledger, on_behalf_of=coop.committee.pk)
    actions.do_publish_ledger(system(), ledger)

    assert phone.goto("/public/").status == 200
    assert "/login/" not in phone.url
    phone.click("text=锦苑 2026年第1季度")
    phone.wait_for_url(f"**/public/notices/{coop.compound.pk}/2026q1/")
    body = re.sub(r"\s+", " ", phone.inner_text("body"))
    assert re.search(r"结余（元）\s*7500.00", body)
    assert "锦苑业主委员会" in body
    assert "刘经理" not in body
    assert phone.locator("svg").count() >= 1  # the QR code back to this page
    # Nothing wider than the phone's screen: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "partners-public-notice-phone")


def test_staff_read_a_partner_its_compound_and_a_decision_on_a_phone(
    world, registry, phone, log_in
):
    coop = partners_data.build(world, registry)
    decision = partners_data.failed_decision(coop)
    log_in(phone, "community_staff")
    for url in (
        f"/partners/{coop.company.pk}/",
        f"/partners/compounds/{coop.compound.pk}/",
        f"/partners/decisions/{decision.pk}/",
    ):
        assert phone.goto(url).status == 200
        # Wide tables scroll inside their card; the page itself never scrolls sideways.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, url
