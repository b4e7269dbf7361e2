"""A resident raises a problem on their phone with a photo; staff take it to a close."""

from __future__ import annotations

import io

from PIL import Image

from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import Case, CasePhoto
from finegrid.people.actions import do_link_account
from tests.conftest import system


def test_a_resident_raises_a_problem_with_a_photo_and_staff_dispatch_it(
    world, registry, phone, page, log_in, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    do_load_illustrative(system(), "510116001")
    do_link_account(system(), registry.zhang.head, world.users.resident)
    photo = tmp_path / "p.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    log_in(phone, "resident")
    phone.click("text=我要反映问题")
    phone.select_option("select[name=category]", "sanitation")
    phone.fill("textarea[name=text]", "楼道堆放杂物，影响通行")
    phone.set_input_files("input[name=photos]", str(photo))
    phone.click("main button[type=submit]")
    phone.locator("[data-testid=timeline]").wait_for()
    assert "楼道堆放杂物" in phone.inner_text("[data-testid=case]")
    screenshot(phone, "case-resident-phone")
    case = Case.objects.get()
    assert CasePhoto.objects.filter(case=case).count() == 1
    # The photo shows on the case page (loaded, so it has a width).
    assert phone.locator("[data-testid=photo]").evaluate("img => img.naturalWidth") == 64
    assert phone.goto(f"/cases/photos/{CasePhoto.objects.get().pk}/").status == 200
    phone.go_back()

    log_in(page, "community_staff")
    page.goto(f"/cases/{case.pk}/")
    assert "示例清单" in page.inner_text("[data-testid=route]")
    for kind in ("accept", "dispatch"):
        page.select_option("select[name=kind]", kind)
        page.click("[data-testid=steps] button[type=submit]")
        page.wait_for_load_state()
    assert "五洞桥社区居委会（示例）" in page.inner_text("[data-testid=case]")
    assert [t.strip() for t in page.locator("[data-testid=timeline] strong").all_inner_texts()] == [
        "登记",
        "立案",
        "派遣",
    ]
    screenshot(page, "case-detail")


def test_a_resident_marks_the_place_on_the_map_and_a_pin_outside_is_refused(
    world, registry, phone, log_in, screenshot
):
    do_load_illustrative(system(), "510116001")
    do_link_account(system(), registry.zhang.head, world.users.resident)
    phone.set_default_timeout(60_000)  # a loaded machine; nothing here is timed
    log_in(phone, "resident")
    phone.goto("/cases/new/")
    phone.locator("#pin-map[data-ready='1']").wait_for()
    assert phone.inner_text("[data-testid=pin-state]") == "未标点：地点为您家所在楼栋"
    phone.select_option("select[name=category]", "facility")
    phone.fill("textarea[name=text]", "路灯不亮")
    # A tap in the middle of the map (the community's bounds fill it) drops the pin.
    box = phone.locator("#pin-map").bounding_box()
    phone.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lon = float(phone.input_value("input[name=lon]"))
    lat = float(phone.input_value("input[name=lat]"))
    assert phone.inner_text("[data-testid=pin-state]") == f"📍 {lon:.6f}, {lat:.6f}"
    assert phone.locator("#pin-map .pin").count() == 1
    screenshot(phone, "case-pin-picker")
    phone.click("main button[type=submit]")
    phone.locator("[data-testid=timeline]").wait_for()
    case = Case.objects.get()
    assert (round(case.lon, 6), round(case.lat, 6)) == (lon, lat)
    assert case.address == f"地图标点（{lon:.5f}, {lat:.5f}）"
    assert case.address in phone.inner_text("[data-testid=case]")
    # A pin forged outside the community is refused with the reason; nothing is stored.
    phone.goto("/cases/new/")
    phone.locator("#pin-map[data-ready='1']").wait_for()
    phone.fill("textarea[name=text]", "别处的问题")
    phone.evaluate(
        "() => { document.querySelector('input[name=lon]').value = '104.08';"
        " document.querySelector('input[name=lat]').value = '30.65'; }"
    )
    phone.click("main button[type=submit]")
    problems = phone.inner_text("[data-testid=problems]")
    assert "location: the pin (104.08000, 30.65000) is outside 五洞桥社区居委会" in problems
    assert Case.objects.count() == 1
    # The clear button returns to the home dwelling.
    phone.locator("#pin-map[data-ready='1']").wait_for()
    phone.click("#pin-clear")
    assert phone.input_value("input[name=lon]") == ""
    assert phone.locator("#pin-map .pin").count() == 0


def test_staff_filter_the_case_list_by_period_on_a_phone_and_export_that_period(
    world, registry, phone, log_in
):
    do_load_illustrative(system(), "510116001")
    log_in(phone, "community_staff")
    phone.goto("/cases/")
    phone.fill("input[name=since]", "2026-11-01")
    phone.fill("input[name=until]", "2026-11-30")
    phone.click("form.search button[type=submit]")
    phone.wait_for_url("**/cases/?*since=2026-11-01*")
    # Filters, checkboxes and the two dates fit the phone's width: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    export = phone.get_attribute("[data-testid=figures-export]", "href")
    assert "since=2026-11-01" in export
    assert "until=2026-11-30" in export


def test_staff_page_through_the_case_list_on_a_phone(world, phone, log_in, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from finegrid import clock
    from finegrid.cases.actions import do_open_case

    monkeypatch.setattr("finegrid.cases.views.CASES_A_PAGE", 3)
    noon = timezone.make_aware(dt.datetime(2026, 11, 30, 12, 0))
    for minutes in range(5):
        with clock.frozen(noon + dt.timedelta(minutes=minutes)):
            do_open_case(
                system(), category="noise", text="噪音", channel="staff", grid=world.grids.general
            )
    newest = [c.ref for c in Case.objects.order_by("-opened_at", "-pk")]
    log_in(phone, "community_staff")
    phone.goto("/cases/?category=noise")
    shown = phone.locator("[data-testid=cases] tbody tr td:first-child").all_inner_texts
    assert shown() == newest[:3]
    assert "共 5 件" in phone.inner_text("[data-testid=case-count]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("a[rel=next]")
    phone.wait_for_load_state()
    assert shown() == newest[3:]
    assert phone.locator("a[rel=next]").count() == 0
    phone.click("a[rel=prev]")
    phone.wait_for_load_state()
    assert shown() == newest[:3]
