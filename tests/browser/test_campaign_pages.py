"""The doors page in a real browser: outcomes tapped with the network cut are kept in
the page, survive a reload, and are sent exactly once when the network returns."""

from __future__ import annotations

import pytest

from finegrid.campaigns.actions import do_launch_campaign
from finegrid.campaigns.models import Section, Visit
from tests import campaign_data
from tests.conftest import COMMUNITY_A, system

pytestmark = pytest.mark.django_db(transaction=True)


def _until(page, condition, what: str, tries: int = 600):
    """Poll the database while the page works (bounded: 600 × 100 ms, room for a loaded
    CI machine)."""
    for _ in range(tries):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"gave up waiting for {what}")


def test_outcomes_tapped_offline_are_sent_once_when_the_network_returns(
    world, phone, log_in, screenshot
):
    campaign_data.build(world)
    campaign = do_launch_campaign(system(), scope=COMMUNITY_A, title="防汛入户")
    page = phone
    log_in(page, "micro_worker")
    page.goto(f"/campaigns/{campaign.pk}/doors/")
    page.wait_for_selector("#doors[data-offline-ready]")
    doors = page.locator("[data-testid=door]")
    assert doors.count() == 6
    assert page.locator("[data-testid=priority]").count() == 3

    doors.nth(0).locator("button[data-outcome=reached]").click()
    _until(page, lambda: Visit.objects.count() == 1, "the first outcome")

    page.context.set_offline(True)
    doors.nth(1).locator("button[data-outcome=not_home]").click()
    doors.nth(2).locator("button[data-outcome=reached]").click()
    page.wait_for_selector("#pending[data-count='2']")
    assert "待上传 2 条" in page.locator("[data-testid=pending]").inner_text()
    screenshot(page, "campaign-doors-offline")
    # Still offline, the page comes back from the service worker with its queue.
    assert page.reload().from_service_worker
    page.wait_for_selector("#pending[data-count='2']")
    assert page.locator("[data-testid=state]").nth(1).inner_text() == "不在家"
    # No count of the database here: Chromium's offline emulation does not cover the
    # service worker's own fetches, so a queued outcome may already be on its way; what
    # matters is below — every queued outcome arrives, exactly once.

    page.context.set_offline(False)
    page.wait_for_selector("#pending[data-count='0']", timeout=60_000)
    _until(page, lambda: Visit.objects.count() == 3, "the queued outcomes")
    section = Section.objects.get(campaign=campaign, grid=world.grids.micro)
    assert (section.visits, section.done, section.not_home) == (3, 2, 1)
    # Sending the same outcome again (a retry whose answer was lost) changes nothing.
    repeat = page.evaluate(
        """async () => {
            const root = document.getElementById("doors");
            const body = JSON.stringify({client_id: "6f1c1a52-1d0c-4c1a-9a57-3b1f0e3c2a10",
              household: Number(document.querySelector(".door").dataset.household),
              outcome: "refused"});
            const send = () => fetch(root.dataset.api, {method: "POST", body,
              headers: {"Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf}});
            return [(await send()).status, (await send()).status];
        }"""
    )
    assert repeat == [201, 200]
    assert Visit.objects.count() == 4


def test_the_progress_map_moves_without_a_reload(world, page, log_in, screenshot):
    import uuid

    from finegrid.campaigns.actions import do_record_visit

    field = campaign_data.build(world)
    campaign = do_launch_campaign(system(), scope=COMMUNITY_A, title="防汛入户")
    log_in(page, "community_staff")
    page.goto(f"/campaigns/{campaign.pk}/")
    page.wait_for_selector("#campaign-map[data-reached='0']")
    assert page.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() >= 1
    page.evaluate("window.__same_page = true")
    do_record_visit(
        world.users.micro_worker,
        campaign,
        client_id=uuid.uuid4(),
        household=field.households["一11号"].pk,
        outcome="reached",
    )
    # The map's next poll and htmx's next swap show it, in the same page.
    page.wait_for_selector("#campaign-map[data-reached='1']", timeout=25_000)
    page.wait_for_function(
        "document.querySelector('[data-testid=figures]').innerText.includes('已完成 1 / 12 户')",
        timeout=25_000,
    )
    assert page.evaluate("window.__same_page") is True
    screenshot(page, "campaign-progress")
