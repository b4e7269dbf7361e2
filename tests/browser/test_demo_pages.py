"""The demo as a newcomer meets it: cockpit, map, a micro-grid and its route sheet; and a
micro-grid worker kept out of other micro-grids. Saves the README's screenshots."""

import pytest

from finegrid.demo import build
from finegrid.divisions import get
from finegrid.org.models import Worker
from finegrid.people.models import Household
from finegrid.territory.models import Grid, Route

VILLAGE = "510131002219"  # 光明村, 蒲江县: small, so the test stays quick

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, username):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", build.DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_demo_cockpit_map_grid_and_route_sheet(page, settings, tmp_path, screenshot):
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    build.build(get(VILLAGE), seed=2, workers=1)

    sign_in(page, "community")
    page.wait_for_url("**/cockpit/")
    figures = {
        name: int(page.inner_text(f"[data-testid={name}]"))
        for name in ("communities", "general", "micro", "dedicated", "households", "micro-workers")
    }
    assert figures == {
        "communities": 1,
        "general": Grid.objects.filter(kind="general").count(),
        "micro": Grid.objects.filter(kind="micro").count(),
        "dedicated": Grid.objects.filter(kind="dedicated").count(),
        "households": Household.objects.count(),
        "micro-workers": Worker.objects.active().filter(role="micro_worker").count(),
    }
    page.wait_for_selector("#chart-households[data-ready]")
    screenshot(page, "cockpit")

    page.goto("/map/")
    page.wait_for_selector(".map[data-features]")
    page.select_option("#map-measure", "minutes")
    screenshot(page, "map")
    # Micro-grids that split one building share its footprint cell, so a click at a
    # polygon's centre may land on a neighbour; dispatch it to the polygon itself. The
    # popup links the grid's page. Opening it pans the map, which reloads the grids: the
    # link is clicked once the map is still.
    page.locator("path.grid-micro").first.dispatch_event("click")
    page.wait_for_load_state("networkidle")
    page.locator(".leaflet-popup a.grid-link").click()
    page.wait_for_url("**/grids/*-*-*/")
    code = page.inner_text("[data-testid=grid-code]")
    assert Grid.objects.get(code=code).kind == "micro"
    page.click("[data-testid=route-link]")
    page.wait_for_url(f"**/grids/{code}/route/")
    assert "预计" in page.inner_text("[data-testid=route-summary]")

    page.click("text=退出")
    sign_in(page, "microworker")
    page.wait_for_url("**/route/")
    own = page.url.rsplit("/grids/", 1)[1].split("/")[0]
    # Every stop of the route, buildings shared with other micro-grids included.
    assert page.locator("li.stop").count() == len(Route.objects.get(grid__code=own).stops)
    other = Grid.objects.filter(kind="micro").exclude(code=own).first()
    assert page.goto(f"/grids/{other.code}/").status == 404
    assert page.goto(f"/grids/{other.code}/route/").status == 404
