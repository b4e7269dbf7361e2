import pytest

from tests.conftest import COMMUNITY_A

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_walk_from_their_community_to_a_grid_on_the_map(world, page, screenshot, log_in):
    log_in(page, "community_staff")
    assert "社区工作人员" in page.inner_text("[data-testid=who]")
    page.goto(f"/areas/{COMMUNITY_A}/")
    page.click("text=五洞桥社区总网格")
    page.wait_for_selector(".map[data-features]")
    assert int(page.get_attribute(".map", "data-features")) == 5  # every grid with a boundary
    page.click(f"main a[href='/grids/{COMMUNITY_A}-001/']")
    page.wait_for_url(f"**/grids/{COMMUNITY_A}-001/")
    assert page.inner_text("[data-testid=grid-code]") == f"{COMMUNITY_A}-001"
    page.wait_for_selector("table.audit")  # the change history, loaded by htmx
    screenshot(page, "grid-page")
    response = page.goto(f"/grids/{world.grids.other_district.code}/")
    assert response.status == 404


def test_a_micro_grid_worker_cannot_open_another_micro_grid(world, page, log_in):
    log_in(page, "micro_worker")
    assert page.goto(f"/grids/{world.grids.micro.code}/").status == 200
    assert page.goto(f"/grids/{world.grids.micro2.code}/").status == 404
