import pytest

from finegrid.territory.actions import do_create_grid
from tests.conftest import COMMUNITY_A, square, system

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


MICRO_LABEL_ZOOM = 16  # map.js shows micro-grid codes from this zoom on

# Which drawn grid a click at the centre of this one lands on.
HIT = """(path) => {
    const box = path.getBoundingClientRect();
    const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
    return hit.getAttribute("class");
}"""


# The code labels of one kind of grid, less those fading out after a reload.
LABELS = """(kind) => [...document.querySelectorAll(`.grid-label-${kind}`)]
    .filter((label) => label.style.opacity !== "0").map((label) => label.innerText)"""


def zoom_to(page, below: bool) -> None:
    """Press the map's zoom buttons until the zoom is below (or at least) the label zoom,
    and wait for the grids in view to be loaded again."""
    zooms = []
    for _ in range(8):
        zoom = page.get_attribute(".map", "data-zoom")
        zooms.append(zoom)
        if (float(zoom) < MICRO_LABEL_ZOOM) == below:
            return
        page.evaluate("delete document.querySelector('.map').dataset.features")
        page.click(".leaflet-control-zoom-out" if below else ".leaflet-control-zoom-in")
        page.wait_for_selector(".map[data-features]", state="attached")
    raise AssertionError(f"the map did not reach the zoom: {zooms}")


def test_the_map_labels_grids_with_their_codes_and_keeps_small_grids_on_top(world, page, log_in):
    # Micro-grids that split one building share its polygon (here its ring starts at
    # another corner); a larger micro-grid overlaps them.
    ring = list(square(103.93, 30.57)["coordinates"][0][:-1])
    ring = ring[2:] + ring[:2]
    shared = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    do_create_grid(system(), code=f"{COMMUNITY_A}-001-03", geometry=shared)
    do_create_grid(system(), code=f"{COMMUNITY_A}-001-04", geometry=square(103.93, 30.57, 0.003))
    log_in(page, "community_staff")
    page.goto("/map/")
    page.wait_for_selector(".map[data-features]")

    zoom_to(page, below=True)
    assert sorted(page.evaluate(LABELS, "general")) == ["001", "002"]
    assert page.evaluate(LABELS, "dedicated") == ["Z01"]
    assert page.evaluate(LABELS, "micro") == []  # too small to read yet
    zoom_to(page, below=False)
    assert sorted(page.evaluate(LABELS, "micro")) == ["001-01\n001-03", "001-02", "001-04"]
    assert sorted(page.evaluate(LABELS, "general")) == ["001", "002"]

    # The smaller polygon is drawn over the micro-grid that takes it in.
    micro = page.locator(f"path.grid-{COMMUNITY_A}-001-02")
    assert f"grid-{COMMUNITY_A}-001-02" in micro.evaluate(HIT)
    shared = page.locator(f"path.grid-{COMMUNITY_A}-001-01")
    assert "grid-micro" in shared.evaluate(HIT)
    assert f"grid-{COMMUNITY_A}-001-04" not in shared.evaluate(HIT)

    # Hovering shows the figures; a click opens a popup naming the grids on that polygon.
    micro.dispatch_event("mouseover")
    tooltip = page.locator(".leaflet-tooltip:not(.grid-label)")
    assert f"{COMMUNITY_A}-001-02" in tooltip.inner_text()
    assert "户" in tooltip.inner_text()
    shared.dispatch_event("click")
    page.wait_for_load_state("networkidle")  # opening the popup pans and reloads the map
    popup = page.locator(".leaflet-popup-content")
    assert f"{COMMUNITY_A}-001-01" in popup.inner_text()
    assert "网格员" in popup.inner_text()
    # The popup links every grid on the polygon to its page. Followed by its address, not
    # by a click: the map may still redraw the popup after its pan, and a click landing on
    # the old link is lost (seen on a loaded machine as a 60 s wait for a navigation).
    link = popup.locator(f"a[href='/grids/{COMMUNITY_A}-001-03/']")
    assert page.goto(link.get_attribute("href")).status == 200
    assert f"{COMMUNITY_A}-001-03" in page.inner_text("h1")


def test_the_map_speaks_the_pages_language(world, page, live_server, log_in):
    log_in(page, "community_staff")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto("/map/")
    page.wait_for_selector(".map[data-features]")
    page.select_option("#map-measure", "gap")
    assert page.inner_text("h1") == "Grid map"
    assert page.inner_text("#map-legend") == "Without worker or party organization\nCovered"
    page.locator(f"path.grid-{COMMUNITY_A}-001-01").dispatch_event("mouseover")
    figures = page.locator(".leaflet-tooltip:not(.grid-label)").inner_text()
    assert "0 households · Workers 0 · Without party organization" in figures


# Whether a legend entry's swatch sits on the line of its label, just before it.
SWATCH_BY_LABEL = """(item) => {
    const swatch = item.querySelector("i").getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(item.lastChild);
    const lines = [...range.getClientRects()];
    const middle = swatch.top + swatch.height / 2;
    return lines.length === 1 && lines[0].top <= middle && middle <= lines[0].bottom
        && swatch.right <= lines[0].left + 1;
}"""


def test_the_gap_legend_keeps_swatches_by_their_labels_on_a_phone(world, phone, log_in):
    log_in(phone, "community_staff")
    phone.goto("/map/")
    phone.wait_for_selector(".map[data-features]")
    phone.select_option("#map-measure", "gap")
    items = phone.locator("#map-legend .legend-item")
    assert items.all_inner_texts() == ["无网格员或党组织", "已覆盖"]
    for index in range(items.count()):
        assert items.nth(index).evaluate(SWATCH_BY_LABEL), index
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
