"""The cross-scope attack, generated from the OpenAPI document and run over real HTTP.

For every write operation of the API, staff of community A send a request that is valid
for A, except that one object it names — in the path or anywhere in the body — belongs to
community B. Each such request is sent with a signed-in session (and its CSRF token) and
with a bearer token, against a live server. Every answer must be 404 (400 where an import
reports the reference as a problem of its input), and no table of the database may change:
not a row added, not a value changed, not an audit row written. The same request with A's
own objects must then succeed with the token and no CSRF token, which shows the catalogue's
requests are valid and that only the foreign reference made them fail.

A write operation missing from the catalogue, or a reference-like field of a body schema
that no entry swaps, fails ``test_the_catalogue_covers_every_write``: a new endpoint cannot
land without its attack.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import re
from dataclasses import dataclass

import pytest
import requests
from django.db import connection

from finegrid.accounts.actions import do_create_token, do_create_user, do_set_password
from finegrid.accounts.models import User
from finegrid.api import api
from finegrid.campaigns.actions import do_launch_campaign
from finegrid.org.actions import do_assign_worker, do_create_party_org
from finegrid.people import roster
from finegrid.people.actions import do_import_roster
from finegrid.people.models import Person
from finegrid.territory.actions import (
    do_create_compound,
    do_create_dwelling,
    do_create_grid,
    do_load_areas,
    do_place_dwellings,
)
from finegrid.territory.models import AdminArea
from tests import partners_data
from tests.conftest import COMMUNITY_A, COMMUNITY_B, square, system
from tests.registry_data import ROSTER, id_number

PASSWORD = "grid-work-2026!"


@dataclass
class Write:
    """A valid request of community A's staff; ``{name}`` placeholders in the path and the
    body name A's objects, and each of them is in turn replaced by B's."""

    body: dict | None = None
    multipart: dict | None = None
    # Names the request resolves inside its own community, not references to an object:
    # a building names its compound by a ref that is unique per community, so B's ref in
    # A's file is simply a compound of A's (made if missing, as for any unknown ref). For
    # these, B's value must be answered like a value naming nothing, and B stays untouched.
    local: frozenset[str] = frozenset()
    # The uploaded file of a multipart write: which import reads it, and its rows, whose
    # cells may name objects too (a hotline row's community). Without: a roster of A's.
    file: str = "roster"
    rows: tuple[tuple[str, ...], ...] = ()
    # Who sends it: community A's staff, or A's street cadre (street staff whose scope is
    # community A) for what only the street may do (吹哨).
    actor: str = "staff_a"

    def placeholders(self, path: str) -> list[str]:
        text = path + json.dumps(self.body or {}) + json.dumps(self.multipart or {})
        text += json.dumps(self.rows)
        return sorted(set(re.findall(r"\{(\w+)\}", text)) - {"fresh"})


CATALOGUE: dict[tuple[str, str], Write] = {
    ("post", "/api/grids"): Write({"code": "{general_grid}-09", "parent": "{parent_grid}"}),
    ("patch", "/api/grids/{grid_id}"): Write({"name": "改名网格"}),
    ("delete", "/api/grids/{spare_grid_id}"): Write(),
    ("post", "/api/compounds"): Write(
        {"ref": "{community}-C09", "community": "{community}", "name": "新苑", "kind": "estate"}
    ),
    ("patch", "/api/compounds/{compound_id}"): Write({"name": "改名苑"}),
    ("post", "/api/buildings"): Write(
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "id": "{community}-B{fresh}",
                "community": "{community}",
                "general_grid": "{general_grid}",
                "compound": "{compound_ref}",
                "floors": 2,
            },
        },
        local=frozenset({"compound_ref"}),
    ),
    ("patch", "/api/buildings/{building_ref}"): Write({"compound": "{compound_ref}"}),
    ("post", "/api/dwellings"): Write(
        {"building": "{building_ref}", "entrance": 1, "floor": 2, "room": "299"}
    ),
    ("patch", "/api/dwellings/{dwelling_id}"): Write({"use": "office"}),
    ("post", "/api/households"): Write(
        {"dwelling": "{empty_dwelling_id}", "head": {"name": "新户主", "sex": "M"}}
    ),
    ("patch", "/api/households/{household_id}"): Write({"head": "{member_id}"}),
    ("post", "/api/households/{household_id}/move"): Write({"dwelling": "{empty_dwelling_id}"}),
    ("post", "/api/persons"): Write({"household": "{household_id}", "name": "新生儿", "sex": "F"}),
    ("patch", "/api/persons/{member_id}"): Write({"name": "改名"}),
    ("post", "/api/persons/{member_id}/unmask"): Write({"reason": "核实身份"}),
    ("post", "/api/registry/import"): Write(multipart={"community": "{community}"}),
    ("post", "/api/party-orgs"): Write({"grid": "{micro_grid}"}),
    ("patch", "/api/party-orgs/{party_org_id}"): Write({"name": "新名称"}),
    ("post", "/api/party-orgs/{party_org_id}/members"): Write({"person": "{head_id}"}),
    ("post", "/api/workers"): Write(
        {"grid": "{micro_grid}", "role": "micro_worker", "person": "{member_id}"}
    ),
    ("patch", "/api/workers/{worker_id}"): Write({"name": "改名"}),
    ("post", "/api/workers/{worker_id}/end"): Write({}),
    ("post", "/api/workforce/courses"): Write(
        {"area": "{community}", "title": "岗前培训", "kind": "induction", "hours": 2}
    ),
    ("post", "/api/workforce/courses/{course_id}/materials"): Write(multipart={"title": "手册"}),
    ("patch", "/api/workforce/courses/{course_id}"): Write({"title": "消防专题", "pass_mark": 70}),
    ("put", "/api/workforce/courses/{course_id}/quiz"): Write(
        {
            "questions": [
                {"text": "微网格多少户？", "choices": ["30–100", "300–500"], "answer": 0}
            ],
            "pass_mark": 70,
        }
    ),
    ("post", "/api/workforce/courses/{course_id}/attempts"): Write(
        {"worker": "{worker_id}", "answers": [0]}
    ),
    ("post", "/api/workforce/courses/{course_id}/sessions"): Write(
        {
            "starts_at": "2026-11-03T09:00:00+08:00",
            "ends_at": "2026-11-03T11:00:00+08:00",
            "place": "党群服务中心",
            "trainer": "张老师",
            "capacity": 30,
        }
    ),
    ("post", "/api/workforce/sessions/{session_id}/enrolments"): Write(
        {"worker": "{neighbour_worker_id}"}
    ),
    ("post", "/api/workforce/sessions/{session_id}/attendance"): Write({"worker": "{worker_id}"}),
    ("post", "/api/workforce/schemes"): Write(
        {
            "area": "{community}",
            "effective_from": "2026-12-01",
            "rules": [{"source": "training_hours", "points": 3, "component": "worker"}],
        }
    ),
    ("post", "/api/workforce/points/compute"): Write(
        {"area": "{community}", "month": "2026-09-01"}
    ),
    ("post", "/api/workforce/point-entries/{entry_id}/adjust"): Write(
        {"points": 1, "note": "补记"}
    ),
    ("post", "/api/workforce/redemptions"): Write(
        {"worker": "{worker_id}", "points": 1, "item": "荣誉证书"}
    ),
    ("post", "/api/workforce/assessments"): Write({"area": "{community}", "month": "2026-08-01"}),
    ("post", "/api/workforce/assessments/{draft_period_id}/publish"): Write(),
    ("post", "/api/workforce/results/{result_id}/appeals"): Write({"reason": "签到漏记一次"}),
    ("post", "/api/workforce/appeals/{appeal_id}/decide"): Write(
        {"status": "rejected", "decision": "经核实无误"}
    ),
    ("post", "/api/campaigns"): Write({"scope": "{community}", "title": "入户动员"}),
    ("post", "/api/campaigns/{campaign_id}/visits"): Write(
        {
            "client_id": "00000000-0000-4000-8000-{fresh:012d}",
            "household": "{household_id}",
            "outcome": "reached",
        }
    ),
    ("post", "/api/campaigns/{campaign_id}/visits/batch"): Write(
        {
            "visits": [
                {
                    "client_id": "00000000-0000-4000-8000-{fresh:012d}",
                    "household": "{household_id}",
                    "outcome": "reached",
                }
            ]
        }
    ),
    ("post", "/api/campaigns/{campaign_id}/reassign"): Write(
        {"grid": "{micro_grid}", "worker": "{neighbour_worker_id}"}
    ),
    ("post", "/api/campaigns/{campaign_id}/close"): Write({}),
    # Partners (finegrid.partners): objects made by tests.partners_data.attack_objects.
    ("post", "/api/partners"): Write(
        {
            "kind": "social_org",
            "name": "益邻社工",
            "area": "{community}",
            "party_org": "{party_org_id}",
        }
    ),
    ("patch", "/api/partners/{partner_id}"): Write(
        {"name": "改名物业", "party_org": "{party_org_id}"}
    ),
    ("post", "/api/partners/{partner_id}/units"): Write({"unit": "{property_unit_id}"}),
    ("post", "/api/partners/{partner_id}/services"): Write({"compound": "{spare_compound_id}"}),
    ("post", "/api/partners/{partner_id}/grid-services"): Write({"grid": "{micro_grid}"}),
    ("post", "/api/partner-services/{service_id}/end"): Write({}),
    ("post", "/api/committee-members"): Write(
        {
            "person": "{head_id}",
            "partner": "{partner_id}",
            "post": "书记",
            "committee": "{community}",
        }
    ),
    ("post", "/api/partners/{committee_id}/terms"): Write(
        {"start": "2031-01-01", "end": "2035-12-31"}
    ),
    ("post", "/api/committee-terms/{term_id}/members"): Write({"person": "{head_id}"}),
    ("put", "/api/dwellings/{dwelling_id}/area"): Write({"floor_area": "95.5"}),
    ("post", "/api/decisions"): Write(
        {
            "compound": "{compound_id}",
            "title": "加装电梯",
            "matter": "rebuild",
            "held_on": "2026-05-01",
        }
    ),
    ("post", "/api/decisions/{decision_id}/votes"): Write(
        {"dwelling": "{dwelling_id}", "choice": "yes"}
    ),
    ("post", "/api/decisions/{decision_id}/close"): Write(),
    ("post", "/api/rating-periods"): Write(
        {"area": "{community}", "name": "评价", "start": "2026-07-01", "end": "2026-12-31"}
    ),
    ("post", "/api/rating-periods/{period_id}/answers"): Write(
        {"household": "{household_id}", "score": 4}
    ),
    ("post", "/api/rating-periods/{period_id}/party-roles"): Write(
        {"partner": "{partner_id}", "level": "fair", "reason": "一般"}
    ),
    ("post", "/api/rating-periods/{closed_period_id}/publish"): Write(),
    ("post", "/api/rating-periods/{period_id}/close"): Write(),
    ("post", "/api/ratings/{rating_id}/correct"): Write({"reason": "补录"}),
    ("post", "/api/partner-records"): Write(
        {
            "partner": "{partner_id}",
            "compound": "{compound_id}",
            "kind": "bad",
            "points": 5,
            "occurred_on": "2026-03-01",
            "description": "违规停水",
        }
    ),
    ("post", "/api/service-offers"): Write(
        {"item": "WH-02", "area": "{community}", "year": 2026, "budget": "9000"}
    ),
    ("post", "/api/service-offers/{offer_id}/award"): Write(
        {"partner": "{partner_id}", "amount": "40000"}
    ),
    ("post", "/api/ledgers"): Write({"compound": "{compound_id}", "year": 2026, "quarter": 1}),
    ("post", "/api/ledgers/{ledger_id}/entries"): Write(
        {"kind": "advertising", "amount": "300", "description": "道闸广告"}
    ),
    ("post", "/api/ledgers/{paper_ledger_id}/confirm"): Write({"on_behalf_of": "{committee_id}"}),
    ("post", "/api/ledgers/{confirmed_ledger_id}/publish"): Write(),
    ("post", "/api/ledgers/{published_ledger_id}/correct"): Write({"reason": "漏记"}),
    ("post", "/api/ledger-entries/{published_entry_id}/question"): Write({"text": "停车费偏少"}),
    ("post", "/api/cases"): Write(
        {
            "category": "sanitation",
            "text": "楼道杂物",
            "household": "{household_id}",
            "compound": "{compound_id}",
            "grid": "{micro_grid}",
            "community": "{community}",
        }
    ),
    ("post", "/api/cases/batch"): Write(
        {
            "items": [
                {"category": "parking", "text": "乱停车", "community": "{community}"},
                {
                    "category": "sanitation",
                    "text": "楼道杂物",
                    "household": "{household_id}",
                    "compound": "{compound_id}",
                    "grid": "{micro_grid}",
                    "community": "{community}",
                },
            ]
        }
    ),
    ("post", "/api/cases/{case_id}/steps"): Write({"kind": "dispatch", "unit": "{unit_id}"}),
    ("post", "/api/units"): Write(
        {
            "name": "单位{fresh}",
            "kind": "community",
            "area": "{community}",
            "compound": "{compound_id}",
        }
    ),
    ("post", "/api/compounds/{compound_id}/messages"): Write({"text": "电梯坏了"}),
    ("post", "/api/messages/{message_id}/case"): Write({"category": "elevator"}),
    # Staff record the rating the reporter gave on the follow-up call (回访).
    ("post", "/api/cases/{closed_case_id}/rating"): Write({"satisfaction": "basically"}),
    ("post", "/api/cases/{case_id}/whistle"): Write(
        {"units": ["{department_id}"], "note": "吹哨"}, actor="street_a"
    ),
    ("post", "/api/whistle-calls/{call_id}/report"): Write({"report": "已到场"}, actor="street_a"),
    ("post", "/api/whistle-calls/{reported_call_id}/rating"): Write(
        {"rating": "good"}, actor="street_a"
    ),
    ("post", "/api/duty-lists/import"): Write(
        multipart={"area": "{community}"},
        file="duty-lists",
        rows=(("单位{fresh}", "社区", "{community}", "", "", ""),),
    ),
    ("post", "/api/hotline/import"): Write(
        multipart={},
        file="hotline",
        rows=(("T{fresh}", "", "", "", "噪音扰民", "夜间施工", "{community}", "", ""),),
    ),
}

# POSTs that change nothing: their bodies name no object, only search terms.
READS_BY_POST = {("post", "/api/persons/search")}

# Body properties that name another object; a write whose schema has one must swap it.
REFERENCE_FIELDS = {
    "area",
    "building",
    "committee",
    "community",
    "compound",
    "dwelling",
    "general_grid",
    "grid",
    "head",
    "household",
    "parent",
    "partner",
    "party_org",
    "person",
    "scope",
    "unit",
    "worker",
}


def write_operations() -> dict[tuple[str, str], dict]:
    schema = api.get_openapi_schema()
    return {
        (method, path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in ("post", "put", "patch", "delete") and (method, path) not in READS_BY_POST
    }


def catalogue_path(path: str) -> str:
    """The document's path with its parameters renamed the catalogue's way."""
    return re.sub(r"\{\w+\}", "{}", path)


def test_the_catalogue_covers_every_write():
    documented = {(m, catalogue_path(p)): op for (m, p), op in write_operations().items()}
    catalogued = {(m, catalogue_path(p)): w for (m, p), w in CATALOGUE.items()}
    assert set(documented) == set(catalogued)
    schema = api.get_openapi_schema()["components"]["schemas"]
    for key, operation in documented.items():
        content = operation.get("requestBody", {}).get("content", {})
        for media in content.values():
            ref = media["schema"].get("$ref", "")
            properties = schema[ref.rsplit("/", 1)[-1]]["properties"] if ref else {}
            properties = properties or media["schema"].get("properties", {})
            write = catalogued[key]
            named = json.dumps({**(write.body or {}), **(write.multipart or {})})
            for name in REFERENCE_FIELDS & set(properties):
                if _is_object(properties[name]):
                    continue  # a nested record (a new household's head), not a reference
                assert f'"{name}": "{{' in named, f"{key}: body field {name!r} is never swapped"


def _is_object(schema: dict) -> bool:
    return "$ref" in schema or schema.get("type") == "object" or "allOf" in schema


# --- The two communities ---------------------------------------------------------------------


def _roster(sequence: int) -> list[tuple[int, dict]]:
    """The test roster's first household, its head with an ID number of its own."""
    head = {**ROSTER[0], "身份证号": id_number("19800215", sequence), "联系电话": ""}
    spouse = {**ROSTER[1], "身份证号": "", "联系电话": "", "特殊标识": "", "性别": "女"}
    return [(2, head), (3, spouse)]


def _community(code: str, west: float, sequence: int) -> dict[str, str | int]:
    """One community's objects, each of the kind a write names, made by the system."""
    actor = system()
    general = do_create_grid(actor, code=f"{code}-001", geometry=square(west, 30.57, 0.004))
    micro = do_create_grid(actor, code=f"{code}-001-01", geometry=square(west, 30.57))
    spare = do_create_grid(actor, code=f"{code}-001-02", geometry=square(west + 0.002, 30.57))
    do_create_party_org(actor, code)
    branch = do_create_party_org(actor, general)
    compound = do_create_compound(
        actor, ref=f"{code}-C01", community=code, name="锦苑", kind="estate"
    )
    do_import_roster(actor, code, _roster(sequence))
    head = Person.objects.get(path__startswith=general.community.path, name="张建国")
    member = Person.objects.get(path__startswith=general.community.path, name="李梅")
    do_place_dwellings(actor, micro, [head.household.dwelling_id])
    building = head.household.dwelling.building
    empty = do_create_dwelling(actor, building=building, entrance=1, floor=4, room="402")
    worker = do_assign_worker(
        actor, micro, role="micro_worker", name="甲", start=dt.date(2026, 1, 1)
    )
    # The neighbour a campaign's micro-grid is handed to, and a worker to enrol: the general
    # grid's own worker (one on the spare grid would keep that grid from being deleted).
    neighbour = do_assign_worker(actor, general, role="grid_worker", name="乙")
    training = _training(code, micro, worker)
    campaign = do_launch_campaign(actor, scope=code, title="入户动员")
    return _case_objects(code, head.household, compound) | {
        **training,
        "community": code,
        "general_grid": general.code,
        "parent_grid": general.code,
        "micro_grid": micro.code,
        "grid_id": micro.pk,
        "spare_grid_id": spare.pk,
        "compound_id": compound.pk,
        "compound_ref": compound.ref,
        "building_ref": building.ref,
        "dwelling_id": head.household.dwelling_id,
        "empty_dwelling_id": empty.pk,
        "household_id": head.household_id,
        "head_id": head.pk,
        "member_id": member.pk,
        "party_org_id": branch.pk,
        "worker_id": worker.pk,
        "neighbour_worker_id": neighbour.pk,
        "campaign_id": campaign.pk,
    }


def _training(code: str, micro, worker) -> dict[str, int]:
    """A community's course with a quiz, sessions the worker attended in September and
    October, the points of both, October's published assessment (with a second worker of
    the micro-grid) with an appeal of the worker's open, and November's draft."""
    from finegrid.workforce import actions as workforce
    from finegrid.workforce.models import PointEntry

    actor = system()
    zone = dt.timezone(dt.timedelta(hours=8))
    colleague = do_assign_worker(
        actor, micro, role="micro_worker", name="丙", start=dt.date(2026, 1, 1)
    )
    course = workforce.do_create_course(actor, code, title="专题", kind="topical", hours=2)
    workforce.do_set_quiz(actor, course, [{"text": "问", "choices": ["是", "否"], "answer": 0}])
    september, session = (
        workforce.do_schedule_session(
            actor,
            course,
            starts_at=dt.datetime(2026, month, 10, 9, tzinfo=zone),
            ends_at=dt.datetime(2026, month, 10, 11, tzinfo=zone),
            place="社区",
            trainer="王",
            capacity=30,
        )
        for month in (9, 10)
    )
    workforce.do_create_scheme(
        actor,
        code,
        effective_from=dt.date(2026, 1, 1),
        rules=[{"source": "training_hours", "points": 2, "component": "worker"}],
    )
    workforce.do_record_attendance(actor, session, worker)
    workforce.do_record_attendance(actor, september, worker)
    workforce.do_compute_points(actor, code, dt.date(2026, 10, 1))
    workforce.do_compute_points(actor, code, dt.date(2026, 9, 1))
    published = workforce.do_compute_assessment(actor, code, dt.date(2026, 10, 1))
    workforce.do_publish_assessment(actor, published)
    appeal = workforce.do_file_appeal(actor, published.results.get(worker=worker), "签到漏记")
    draft = workforce.do_compute_assessment(actor, code, dt.date(2026, 11, 1))
    return {
        "course_id": course.pk,
        "session_id": session.pk,
        "entry_id": PointEntry.objects.get(worker=worker, month=dt.date(2026, 9, 1)).pk,
        "result_id": published.results.get(worker=colleague).pk,
        "appeal_id": appeal.pk,
        "draft_period_id": draft.pk,
    }


def _case_objects(code: str, household, compound) -> dict[str, int]:
    """An accepted case of the community, its community unit, a message of its compound,
    a closed case, the community's police office (a department's unit stationed there:
    only the community's cases may summon it) and a whistle on a case of the community
    with one department's call unreported and one reported."""
    from finegrid.cases.actions import (
        do_create_unit,
        do_open_case,
        do_post_message,
        do_report_whistle,
        do_step,
        do_whistle_case,
    )
    from finegrid.cases.models import Unit

    def opened():
        return do_open_case(
            system(), category="sanitation", text="垃圾", channel="staff", household=household
        )

    case = do_step(system(), opened(), "accept")
    closed = opened()
    for kind in ("accept", "dispatch", "handle", "verify", "close"):
        closed = do_step(system(), closed, kind)
    police = do_create_unit(system(), name="社区警务室", kind="department", area=code)
    whistled = do_step(system(), opened(), "accept")
    whistle = do_whistle_case(
        system(), whistled, [police, Unit.objects.get(name__contains="水务局")]
    )
    calls = list(whistle.calls.order_by("pk"))
    do_report_whistle(system(), calls[1], "已到场")
    return {
        "case_id": case.pk,
        "closed_case_id": closed.pk,
        "unit_id": Unit.objects.get(kind="community", area__code=code).pk,
        "department_id": police.pk,
        "call_id": calls[0].pk,
        "reported_call_id": calls[1].pk,
        "message_id": do_post_message(system(), compound, "电梯坏了").pk,
    }


@pytest.fixture
def communities(transactional_db):
    from finegrid.cases.illustrative import do_load_illustrative

    do_load_areas(system(), COMMUNITY_A[:9])
    do_load_illustrative(system(), COMMUNITY_A[:9])
    mine = _community(COMMUNITY_A, 103.93, 3)
    theirs = _community(COMMUNITY_B, 103.95, 7)
    for community in (mine, theirs):
        community.update(partners_data.attack_objects(community))
    staff = do_create_user(
        system(), username="staff_a", role="community_staff", scopes=[COMMUNITY_A]
    )
    do_set_password(system(), staff, PASSWORD)
    cadre = do_create_user(system(), username="street_a", role="street_staff", scopes=[COMMUNITY_A])
    do_set_password(system(), cadre, PASSWORD)
    return mine, theirs, staff


def _session(base: str, username: str = "staff_a") -> requests.Session:
    """Signed in through the login form, as a browser would be."""
    session = requests.Session()
    page = session.get(f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    signed_in = session.post(
        f"{base}/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        headers={"Referer": f"{base}/login/"},
    )
    assert signed_in.status_code == 200
    assert "/login/" not in signed_in.url
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def _bearer(staff) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {do_create_token(system(), staff, 'attack')[1]}"
    return session


_fresh = itertools.count(100)


def _fill(template, values: dict):
    if isinstance(template, str):
        filled = template.format(**values)
        whole = re.fullmatch(r"\{(\w+)\}", template)
        return values[whole.group(1)] if whole else filled
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, (list, tuple)):
        return [_fill(v, values) for v in template]
    return template


def _send(client: requests.Session, base: str, method: str, path: str, write: Write, values):
    url = base + path.format(**values)
    if write.multipart is not None:
        return client.request(
            method, url, data=_fill(write.multipart, values), files={"file": _file(write, values)}
        )
    body = None if write.body is None else _fill(write.body, values)
    return client.request(method, url, json=body)


def _file(write: Write, values) -> tuple[str, io.BytesIO]:
    from finegrid.cases import dutylists, hotline

    rows = [[str(cell) for cell in _fill(row, values)] for row in write.rows]
    if write.file == "duty-lists":
        return "lists.xlsx", io.BytesIO(dutylists.workbook_bytes(rows, []))
    if write.file == "hotline":
        lines = [",".join(hotline.COLUMNS)] + [",".join(row) for row in rows]
        return "12345.csv", io.BytesIO("\n".join(lines).encode())
    rows = [[cells.get(column, "") for column in roster.COLUMNS] for _, cells in _roster(11)]
    return "r.csv", io.BytesIO(roster.to_bytes(rows, "csv"))


# What B would name if the object did not exist at all: naming B's real object must get
# exactly the answer naming nothing gets (ids: a free id; codes and refs: free ones of B).
MISSING = {
    "community": "510116001099",
    "general_grid": f"{COMMUNITY_B}-099",
    "parent_grid": f"{COMMUNITY_B}-098",
    "micro_grid": f"{COMMUNITY_B}-001-99",
    "compound_ref": f"{COMMUNITY_B}-C99",
    "building_ref": f"{COMMUNITY_B}-B99",
}
NO_ID = 2**31 - 1


def _as_missing(answer: requests.Response, named, missing) -> tuple[int, str]:
    """The answer with the name it was given blanked out, to compare two answers."""
    text = json.dumps(answer.json(), ensure_ascii=False, sort_keys=True)
    for value in (named, missing):
        text = re.sub(rf"(?<!\w){re.escape(str(value))}(?!\w)", "…", text)
    return answer.status_code, text


# Tables whose rows change on any request of a signed-in user, whatever it asks: sessions,
# a token's last use, and django-axes' login records.
VOLATILE = ("django_session", "accounts_apitoken", "axes_")


def database_state(under: str | None = None) -> dict[str, str]:
    """A digest of every table's rows (the audit log among them); ``under`` a community's
    code, of the rows placed in that community only (tables with a path)."""
    state = {}
    prefix = None
    if under is not None:
        prefix = AdminArea.objects.get(code=under).path
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith(VOLATILE):
                continue
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            if prefix is not None and "path" not in columns:
                continue
            where = " WHERE path LIKE %s" if prefix is not None else ""
            cursor.execute(f'SELECT * FROM "{table}"{where}', [f"{prefix}%"] if prefix else [])
            rows = sorted(repr(row) for row in cursor.fetchall())
            state[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return state


@pytest.mark.parametrize(("method", "path"), sorted(CATALOGUE))
def test_no_write_reaches_another_community(communities, live_server, method, path):
    mine, theirs, staff = communities
    write = CATALOGUE[(method, path)]
    base = live_server.url
    if write.actor != staff.username:
        staff = User.objects.get(username=write.actor)
    clients = {"session": _session(base, staff.username), "token": _bearer(staff)}
    before, untouched = database_state(), database_state(under=theirs["community"])
    for name in write.placeholders(path):
        missing = MISSING.get(name, NO_ID)
        for how, client in clients.items():
            # A fresh id for what the request creates: the same for both requests, so that
            # their answers compare, unless both may succeed (a local name).
            fresh = next(_fresh)
            values = {**mine, "fresh": fresh, name: theirs[name]}
            answer = _send(client, base, method, path, write, values)
            fresh = next(_fresh) if name in write.local else fresh
            values = {**mine, "fresh": fresh, name: missing}
            nothing = _send(client, base, method, path, write, values)
            assert database_state(under=theirs["community"]) == untouched, (how, name)
            if name in write.local:
                assert answer.status_code == nothing.status_code, (how, name, answer.text)
                before = database_state()
                continue
            assert answer.status_code in (400, 404), (how, name, answer.text)
            changed = {t for t, digest in database_state().items() if before.get(t) != digest}
            assert not changed, (how, name, changed)
            assert _as_missing(answer, theirs[name], missing) == _as_missing(
                nothing, theirs[name], missing
            ), (how, name)
    done = _send(clients["token"], base, method, path, write, {**mine, "fresh": next(_fresh)})
    assert done.status_code in (200, 201, 204), done.text


def test_session_writes_need_the_csrf_token_and_tokens_do_not(communities, live_server):
    mine, _, staff = communities
    base = live_server.url
    session = _session(base)
    del session.headers["X-CSRFToken"]
    url = f"{base}/api/grids/{mine['grid_id']}"
    refused = session.patch(url, json={"name": "无令牌"})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "CSRF check Failed"}
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    assert session.patch(url, json={"name": "有令牌"}).json()["name"] == "有令牌"
    token = _bearer(staff).patch(url, json={"name": "凭令牌"})
    assert token.status_code == 200
    assert token.json()["name"] == "凭令牌"


def test_the_same_dwelling_posted_at_once_is_made_once(communities, live_server):
    """Eight clients register the same room at the same moment: one gets 201, every other
    a 409 (the action's check, or the database's when both passed it), never a 500."""
    import threading

    if connection.vendor == "sqlite":
        pytest.skip(
            "the live server's threads share the one connection of SQLite's in-memory test "
            "database, so they cannot race; PostgreSQL runs this race for real"
        )

    mine, _, staff = communities
    url = f"{live_server.url}/api/dwellings"
    body = {"building": mine["building_ref"], "entrance": 1, "floor": 3, "room": "301"}
    clients = [_bearer(staff) for _ in range(8)]
    start = threading.Barrier(len(clients))
    answers = []

    def post(client):
        start.wait()
        answers.append(client.post(url, json=body).status_code)

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201] + [409] * 7
