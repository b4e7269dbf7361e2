import pytest

from finegrid.accounts.models import AuditEntry
from tests.conftest import COMMUNITY_A
from tests.registry_data import LI

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_unmask_one_person_with_a_reason(world, registry, page, screenshot, log_in):
    log_in(page, "community_staff")
    page.goto(f"/households/{registry.zhang.pk}/")
    row = page.locator("tr", has_text="李梅")
    assert row.locator("[data-testid=id-number]").inner_text() == LI[:6] + "********" + LI[-4:]
    assert LI not in page.content()
    row.locator("input[name=reason]").fill("核实残疾人补贴")
    row.locator("button", has_text="查看明文").click()
    row.locator("[data-testid=unmasked]").wait_for()
    assert LI in row.inner_text()
    assert "残疾人" in row.inner_text()
    assert AuditEntry.objects.filter(action="unmask", reason="核实残疾人补贴").count() == 1
    screenshot(page, "household-page")


def test_a_micro_grid_worker_on_a_phone_sees_masked_contacts_of_their_micro_grid(
    world, registry, phone, log_in
):
    page = phone
    log_in(page, "micro_worker")
    page.goto(f"/households/{registry.zhang.pk}/")
    contact = page.locator("tr", has_text="李梅").locator("[data-testid=phone]")
    assert contact.is_visible()
    assert contact.inner_text() == "139****1234"
    assert page.locator("button", has_text="查看明文").count() == 0
    assert page.goto(f"/households/{registry.wang.pk}/").status == 404


# The width the page's own layout needs, and the lines a cell's text is broken into.
PAGE_WIDTH = "document.documentElement.scrollWidth"
TEXT_LINES = """(cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}"""


def test_wide_tables_scroll_inside_their_card_on_a_phone(world, registry, phone, log_in):
    log_in(phone, "community_staff")
    for url, cell in [
        (f"/households/{registry.zhang.pk}/", "td:text-is('张建国')"),
        (f"/areas/{COMMUNITY_A}/buildings/", "td:has-text('3栋')"),
        ("/audit/", "tbody td >> nth=3"),
    ]:
        phone.goto(url)
        phone.locator("table").first.wait_for()
        assert phone.evaluate(PAGE_WIDTH) <= 390, url  # no sideways scrolling of the page
        # Names stay on one line instead of one character per line.
        assert phone.locator(cell).first.evaluate(TEXT_LINES) == 1, url
    # The last column of the household table can be scrolled into view.
    phone.goto(f"/households/{registry.zhang.pk}/")
    last = phone.locator("tr", has_text="李梅").locator("td.masked").last
    last.scroll_into_view_if_needed()
    assert last.is_visible()
    box = last.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
