"""Open311 GeoReport v2 at /open311/v2/, checked with the georeport client from PyPI over
a live server, plus the spec's POST, XML and error arrays."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests
from georeport import GeoReport

from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import Case
from finegrid.cases.open311 import do_issue_key
from tests.conftest import COMMUNITY_A, system


@pytest.fixture
def open311(transactional_db, live_server):
    from finegrid.territory.actions import do_create_grid, do_load_areas
    from tests.conftest import square

    do_load_areas(system(), "510116001")
    do_create_grid(system(), code=f"{COMMUNITY_A}-001", geometry=square(103.93, 30.57, 0.004))
    do_create_grid(system(), code=f"{COMMUNITY_A}-001-01", geometry=square(103.93, 30.57))
    do_load_illustrative(system(), "510116001")
    _, key = do_issue_key(system(), "城市App", "510116001")
    return f"{live_server.url}/open311/v2", key


def test_the_georeport_client_reads_services_and_requests(open311):
    root, key = open311
    client = GeoReport(root, jurisdiction="510116001")
    services = client.get_service_list()
    assert [s["service_code"] for s in services][:3] == ["parking", "elevator", "sanitation"]
    assert services[1]["description"].startswith("电梯故障（受理2小时")
    definition = client.get_service_definition("elevator")
    assert definition["attributes"][0]["code"] == "urgency"

    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": "elevator",
            "lat": "30.571",
            "long": "103.931",
            "description": "3栋电梯困人",
            "attribute[urgency]": "emergency",
            "first_name": "明",
            "last_name": "李",
            "phone": "13800008000",
        },
    )
    assert posted.status_code == 201, posted.text
    ref = posted.json()[0]["service_request_id"]
    case = Case.objects.get(ref=ref)
    assert (case.channel, case.urgency, case.grid.code, case.reporter_name) == (
        "open311",
        "emergency",
        f"{COMMUNITY_A}-001-01",
        "李 明",
    )
    found = client.get_service_request(ref)
    assert (found["status"], found["service_code"], found["description"]) == (
        "open",
        "elevator",
        "3栋电梯困人",
    )
    assert found["expected_datetime"] is not None
    assert [r["service_request_id"] for r in client.get_service_requests(status="open")] == [ref]
    assert client.get_service_requests(status="closed") == []
    xml = GeoReport(root, output_format="xml").get_service_request(ref)
    assert xml["service_request_id"] == ref
    token = requests.get(f"{root}/tokens/{ref}.json").json()
    assert token == [{"service_request_id": ref, "token": ref}]
    # The phone number is kept sealed, never in clear.
    assert "13800008000" not in str(Case.objects.filter(pk=case.pk).values().get())


def test_errors_are_the_spec_error_arrays(open311):
    root, key = open311
    missing = requests.get(f"{root}/requests/nope.json")
    assert (missing.status_code, missing.json()) == (
        404,
        [{"code": 404, "description": "service_request_id nope not found"}],
    )
    refused = requests.post(f"{root}/requests.json", data={"api_key": "wrong"})
    assert (refused.status_code, refused.json()[0]["description"]) == (
        403,
        "api_key: missing or not valid",
    )
    outside = requests.post(
        f"{root}/requests.xml",
        data={
            "api_key": key,
            "service_code": "parking",
            "lat": "39.9",
            "long": "116.4",
            "description": "x",
        },
    )
    error = ET.fromstring(outside.content)
    assert (outside.status_code, error.tag, error.find("error/code").text) == (400, "errors", "400")
    assert requests.get(f"{root}/services.json?jurisdiction_id=999999").status_code == 404
    assert requests.get(f"{root}/services.csv").status_code == 404
    span = requests.get(
        f"{root}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z"
    )
    assert span.json()[0]["description"].startswith("start_date to end_date may not span")


def _jpeg(colour: str) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_media_url_serves_the_first_photo_of_a_request_and_nothing_else(
    open311, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from finegrid.cases.actions import do_open_case, do_step
    from finegrid.cases.models import CasePhoto
    from finegrid.cases.open311 import media_signer

    settings.MEDIA_ROOT = tmp_path
    root, key = open311
    form = {"api_key": key, "service_code": "sanitation", "lat": "30.571", "long": "103.931"}
    ref = requests.post(f"{root}/requests.json", data={**form, "description": "垃圾堆放"}).json()[
        0
    ]["service_request_id"]
    client = GeoReport(root)
    assert client.get_service_request(ref)["media_url"] == ""
    case = Case.objects.get(ref=ref)
    for kind in ("accept", "dispatch"):
        case = do_step(system(), case, kind)
    do_step(
        system(),
        case,
        "handle",
        note="已清运",
        photos=[
            SimpleUploadedFile("a.jpg", _jpeg("red")),
            SimpleUploadedFile("b.jpg", _jpeg("blue")),
        ],
    )
    first, second = CasePhoto.objects.filter(case=case).order_by("pk")
    url = client.get_service_request(ref)["media_url"]
    assert url.startswith(f"{root}/media/")
    assert [r["media_url"] for r in client.get_service_requests()] == [url]
    served = requests.get(url)
    assert (served.status_code, served.headers["Content-Type"]) == (200, "image/jpeg")
    assert served.content == first.image.open("rb").read()
    # Only that photo, only of a public request: a forged or re-signed address is 404.
    assert requests.get(url[:-3] + "xyz").status_code == 404
    assert requests.get(f"{root}/media/{media_signer().sign(str(second.pk))}").status_code == 404
    private = do_open_case(
        system(),
        category="help",
        text="困难",
        channel="staff",
        community=COMMUNITY_A,
        photos=[SimpleUploadedFile("c.jpg", _jpeg("green"))],
    )
    photo = CasePhoto.objects.get(case=private)
    assert requests.get(f"{root}/media/{media_signer().sign(str(photo.pk))}").status_code == 404
    assert private.ref not in requests.get(f"{root}/requests.json").text


def test_a_request_located_by_its_address_string_alone(open311):
    """A city app that knows only what the resident typed: the compound named in the
    address (the longest name), a community's name settling two of one name."""
    from finegrid.territory.actions import do_create_compound
    from tests.conftest import COMMUNITY_B

    root, key = open311
    for ref, community, name in (
        ("A-C01", COMMUNITY_A, "锦苑"),
        ("A-C02", COMMUNITY_A, "锦苑东区"),
        ("B-C01", COMMUNITY_B, "锦苑"),
    ):
        do_create_compound(system(), ref=ref, community=community, name=name, kind="estate")

    def post(address: str):
        return requests.post(
            f"{root}/requests.json",
            data={
                "api_key": key,
                "service_code": "parking",
                "address_string": address,
                "description": "消防通道被占",
            },
        )

    def placed(address: str) -> tuple:
        answer = post(address)
        assert answer.status_code == 201, answer.text
        case = Case.objects.get(ref=answer.json()[0]["service_request_id"])
        return (case.compound.ref if case.compound else None, case.community.code, case.address)

    assert placed("锦苑东区5栋门口") == ("A-C02", COMMUNITY_A, "锦苑东区5栋门口")
    assert placed("棠湖社区锦苑2栋楼下") == ("B-C01", COMMUNITY_B, "棠湖社区锦苑2栋楼下")
    assert placed("五洞桥社区菜市场旁") == (None, COMMUNITY_A, "五洞桥社区菜市场旁")
    before = Case.objects.count()
    twice, nowhere = post("锦苑3栋"), post("春熙路")
    assert (twice.status_code, twice.json()) == (
        400,
        [
            {
                "code": 400,
                "description": "address_string: 2 compounds are named 锦苑; "
                "add the community's name, or give lat and long",
            }
        ],
    )
    assert (nowhere.status_code, nowhere.json()[0]["description"]) == (
        400,
        "address_string: names no compound or community of this jurisdiction; "
        "give lat and long, or address_id",
    )
    assert Case.objects.count() == before
