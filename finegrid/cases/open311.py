"""Open311 GeoReport v2 at ``/open311/v2/``: services, service definitions, requests,
a request by id and tokens, in JSON and XML, errors as the spec's error arrays.

- Service codes are finegrid's case categories; each takes the optional attribute
  ``urgency``; ``expected_datetime`` comes from the time limit of the case's stage.
- POST ``requests`` needs an ``api_key`` (``finegrid open311 key NAME --scope CODE``,
  stored hashed) and a location inside the key's area: ``lat``/``long``, ``address_id`` (a
  community code) or ``address_string`` naming a compound or community. The case is
  opened as the system actor for that client and enters the ordinary lifecycle; its
  ``service_request_id`` is the case's ref, returned at once (the token equals it).
- Reads are public, so they list only requests that came in through Open311 (their
  submitters published them); status is ``open`` or ``closed`` as the spec says, and the
  full lifecycle stays in finegrid's own API.
- ``jurisdiction_id`` is accepted: an area code narrowing the answer to that area.
- ``media_url`` is the signed address of the case's first photo (``media/<signed>``),
  served to anyone who may read the request; an empty string when it has none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import xml.etree.ElementTree as ET

from django.core import signing
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Replace
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.scope import covers, path_q
from finegrid.accounts.system import system_actor
from finegrid.cases import limits
from finegrid.cases.models import (
    Case,
    CasePhoto,
    Category,
    Channel,
    Open311Key,
    Status,
    Urgency,
)
from finegrid.errors import InvalidInput, NotFound
from finegrid.territory.models import AdminArea, AreaLevel, Compound, Grid, GridKind

FORMATS = ("json", "xml")
MAX_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        self.status, self.description = status, description
        super().__init__(description)


# --- Keys ----------------------------------------------------------------------------------


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def do_issue_key(actor, name: str, area_code: str) -> tuple[Open311Key, str]:
    """Issue an ``api_key`` for a client limited to an area; the key is returned once."""
    from finegrid.accounts.scope import require
    from finegrid.territory import queries as territory

    require(actor, "cases.add_case")
    area = territory.get_area(actor, area_code)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("name: 1 to 100 characters")
    if Open311Key.objects.filter(name=name).exists():
        from finegrid.errors import Conflict

        raise Conflict(f"name: a client {name} already exists")
    key = "o311_" + secrets.token_urlsafe(24)
    row = Open311Key.objects.create(name=name, digest=digest(key), area=area)
    audit.record(actor, AuditAction.CREATE, row)
    return row, key


# --- Rendering -----------------------------------------------------------------------------


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        _fill(element, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _fill(element, row: dict) -> None:
    for key, value in row.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                sub = ET.SubElement(child, "value" if key == "values" else "attribute")
                _fill(sub, entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _answer(fmt: str, root: str, item: str, rows, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            _xml(root, item, rows), status=status, content_type="text/xml; charset=utf-8"
        )
    return HttpResponse(
        json.dumps(rows, ensure_ascii=False), status=status, content_type="application/json"
    )


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _answer(fmt, "errors", "error", [{"code": status, "description": description}], status)


def endpoint(view):
    """Format check, the spec's error arrays, and no CSRF (clients are not browsers)."""

    @csrf_exempt
    def wrapped(request, *args, fmt: str, **kwargs):
        if fmt not in FORMATS:
            return _error("json", 404, f"format {fmt} is not json or xml")
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _error(fmt, error.status, error.description)
        except InvalidInput as error:
            return _error(fmt, 400, "; ".join(error.problems))
        except NotFound as error:
            return _error(fmt, 404, str(error))

    return wrapped


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _jurisdiction(request) -> str | None:
    code = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if not code:
        return None
    area = AdminArea.objects.filter(code=code.ljust(12, "0")[:12]).first()
    if area is None:
        raise Open311Error(404, f"jurisdiction_id {code} not found")
    return area.path


# --- Services --------------------------------------------------------------------------------


def _service(code: str, label) -> dict:
    urgency = limits.default_urgency(code)
    return {
        "service_code": code,
        "service_name": str(label),
        "description": f"{label}（{limits.describe(urgency)}）",
        "metadata": True,
        "type": "realtime",
        "keywords": code,
        "group": "finegrid",
    }


@endpoint
def services(request, fmt: str):
    if request.method != "GET":
        raise Open311Error(405, "GET only")
    _jurisdiction(request)
    rows = [_service(code, label) for code, label in Category.choices]
    return _answer(fmt, "services", "service", rows)


@endpoint
def service_definition(request, code: str, fmt: str):
    _jurisdiction(request)
    if code not in Category.values:
        raise Open311Error(404, f"service_code {code} not found")
    definition = {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "emergency / urgent / normal / complex",
                "order": 1,
                "description": "紧急程度",
                "values": [{"key": k, "name": str(v)} for k, v in Urgency.choices],
            }
        ],
    }
    if fmt == "xml":
        top = ET.Element("service_definition")
        _fill(top, definition)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return _answer(fmt, "", "", definition)


# --- Requests -------------------------------------------------------------------------------


def media_signer() -> signing.Signer:
    """Signs a photo's id for its address. Without a timestamp: the address of a photo is
    the same on every read (a timestamped one changed each second and never expired)."""
    return signing.Signer(salt="finegrid.cases.open311.media")


def media_url(request, case: Case) -> str:
    """The address of the case's first photo, for whoever may read the request (Open311
    reads are public, so anyone): signed, so no other photo can be reached by guessing."""
    photos = sorted(case.photos.all(), key=lambda p: p.pk)
    if not photos:
        return ""
    signed = media_signer().sign(str(photos[0].pk))
    return request.build_absolute_uri(reverse("open311-media", args=[signed]))


def media(request, signed: str):
    """The photo a request's ``media_url`` names: the first photo of a case that came in
    through Open311 (a public request). Anything else, or a forged address, is 404."""
    try:
        pk = int(media_signer().unsign(signed))
    except signing.BadSignature:
        raise Http404 from None
    photo = CasePhoto.objects.filter(pk=pk, case__channel=Channel.OPEN311).first()
    if photo is None or photo.case.photos.order_by("pk").first() != photo:
        raise Http404
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


def _request_row(case: Case, request=None) -> dict:
    closed = case.status in (Status.CLOSED, Status.REFUSED, Status.CANCELLED)
    last = case.steps.order_by("-at", "-pk").first()
    return {
        "service_request_id": case.ref,
        "status": "closed" if closed else "open",
        "status_notes": case.get_status_display(),
        "service_name": case.get_category_display(),
        "service_code": case.category,
        "description": case.text,
        "agency_responsible": case.unit.name if case.unit_id else "",
        "service_notice": case.route_rule,
        "requested_datetime": _iso(case.opened_at),
        "updated_datetime": _iso(last.at if last else case.opened_at),
        "expected_datetime": _iso(case.handle_due_at or case.due_at),
        "address": case.address,
        "address_id": case.community.code,
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": media_url(request, case) if request is not None else "",
    }


def _public():
    return (
        Case.objects.filter(channel=Channel.OPEN311)
        .select_related("unit", "community")
        .prefetch_related("photos")
    )


def _date(request, name: str) -> dt.datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name}: not a w3 date-time (2026-12-01T00:00:00Z)") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@endpoint
def requests_(request, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    cases = _public()
    path = _jurisdiction(request)
    if path:
        cases = cases.filter(path_q((path,)))
    ids = request.GET.get("service_request_id")
    if ids:
        cases = cases.filter(ref__in=[i.strip() for i in ids.split(",")][:100])
    else:
        codes = request.GET.get("service_code")
        if codes:
            cases = cases.filter(category__in=codes.split(","))
        start, end = _date(request, "start_date"), _date(request, "end_date")
        end = end or timezone.now()
        start = start or end - dt.timedelta(days=MAX_DAYS)
        if end - start > dt.timedelta(days=MAX_DAYS):
            raise Open311Error(
                400, f"start_date to end_date may not span more than {MAX_DAYS} days"
            )
        cases = cases.filter(opened_at__gte=start, opened_at__lte=end)
        statuses = [s for s in (request.GET.get("status") or "").split(",") if s]
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, "status: open or closed")
        final = [Status.CLOSED, Status.REFUSED, Status.CANCELLED]
        if statuses == ["open"]:
            cases = cases.exclude(status__in=final)
        elif statuses == ["closed"]:
            cases = cases.filter(status__in=final)
    rows = [_request_row(c, request) for c in cases.order_by("-opened_at")[:1000]]
    return _answer(fmt, "service_requests", "request", rows)


@endpoint
def request_detail(request, ref: str, fmt: str):
    _jurisdiction(request)
    case = _public().filter(ref=ref).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {ref} not found")
    return _answer(fmt, "service_requests", "request", [_request_row(case, request)])


@endpoint
def token(request, ref: str, fmt: str):
    case = _public().filter(ref=ref).first()
    if case is None:
        raise Open311Error(404, f"token {ref} not found")
    return _answer(
        fmt, "service_requests", "request", [{"service_request_id": case.ref, "token": case.ref}]
    )


def _where(key: Open311Key, post) -> dict:
    """The place of a new request inside the key's area: the micro-grid (else any grid)
    whose outline holds the point, the community named by ``address_id``, or the place
    its ``address_string`` names."""
    from shapely.geometry import Point

    lat, lon = post.get("lat"), post.get("long")
    if lat and lon:
        try:
            lat, lon = float(lat), float(lon)
        except ValueError:
            raise Open311Error(400, "lat/long: numbers in degrees (WGS-84)") from None
        point = Point(lon, lat)
        candidates = Grid.objects.filter(path_q((key.area.path,))).filter(
            min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat
        )
        best = None
        for grid in candidates:
            shape = grid.shape
            better = best is None or (grid.kind == GridKind.MICRO and best.kind != GridKind.MICRO)
            if shape is not None and better and shape.covers(point):
                best = grid
        if best is None:
            raise Open311Error(400, "lat/long: outside the jurisdiction of this api_key")
        return {"grid": best, "lon": lon, "lat": lat}
    code = post.get("address_id", "")
    if not code and post.get("address_string", "").strip():
        return _named_place(key, post["address_string"].strip())
    area = AdminArea.objects.filter(
        code=code.ljust(12, "0")[:12], level=AreaLevel.COMMUNITY
    ).first()
    if area is None or not covers((key.area.path,), area.path):
        raise Open311Error(
            400,
            "location: give lat and long, address_id (a community code) or address_string "
            "(naming a compound or community)",
        )
    return {"community": area}


def _named_in(model, key: Open311Key, text: str, name=None):
    """The rows of ``model`` in the key's area whose ``name`` occurs in ``text``, matched in
    the database (a district holds thousands of compounds)."""
    return (
        model.objects.filter(path_q((key.area.path,)))
        .exclude(name="")
        .annotate(given=Value(text, output_field=CharField()), short=name or F("name"))
        .filter(given__contains=F("short"))
    )


# A community is 棠湖社区居委会 in the division codes, 棠湖社区 in what people write.
COMMITTEE_SUFFIXES = ("居民委员会", "村民委员会", "居委会", "村委会")


def _short_name():
    name = F("name")
    for suffix in COMMITTEE_SUFFIXES:
        name = Replace(name, Value(suffix), Value(""))
    return name


def _named_place(key: Open311Key, text: str) -> dict:
    """The place an ``address_string`` names: the compound (小区/院落) of the key's area
    with the longest name in it (a community named too settles two compounds of one name),
    else the community it names. A city app often knows only what the resident typed."""
    communities = list(
        _named_in(AdminArea, key, text, _short_name()).filter(level=AreaLevel.COMMUNITY)
    )
    compounds = list(_named_in(Compound, key, text).select_related("community"))
    if compounds:
        longest = max(len(c.name) for c in compounds)
        compounds = [c for c in compounds if len(c.name) == longest]
        if len(compounds) > 1 and communities:
            named = {area.pk for area in communities}
            compounds = [c for c in compounds if c.community_id in named] or compounds
        if len(compounds) == 1:
            return {"compound": compounds[0]}
        raise Open311Error(
            400,
            f"address_string: {len(compounds)} compounds are named {compounds[0].name}; "
            "add the community's name, or give lat and long",
        )
    if len(communities) == 1:
        return {"community": communities[0]}
    raise Open311Error(
        400,
        "address_string: names no compound or community of this jurisdiction; "
        "give lat and long, or address_id",
    )


def _create(request, fmt: str):
    from finegrid.cases.actions import do_open_case

    post = request.POST
    raw = post.get("api_key", "")
    key = (
        Open311Key.objects.filter(digest=digest(raw), revoked=False).select_related("area").first()
        if raw
        else None
    )
    if key is None:
        raise Open311Error(403, "api_key: missing or not valid")
    code = post.get("service_code", "")
    if code not in Category.values:
        raise Open311Error(404, f"service_code {code} not found")
    urgency = post.get("attribute[urgency]") or None
    if urgency is not None and urgency not in Urgency.values:
        raise Open311Error(
            400, f"attribute[urgency]: {urgency} is not one of {', '.join(Urgency.values)}"
        )
    description = (post.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description: say what the problem is")
    place = _where(key, post)
    name = " ".join(p for p in (post.get("last_name", ""), post.get("first_name", "")) if p)
    case = do_open_case(
        system_actor(f"open311:{key.name}"),
        category=code,
        text=description,
        channel=Channel.OPEN311,
        urgency=urgency,
        address=post.get("address_string", ""),
        reporter_name=name,
        reporter_phone=post.get("phone", ""),
        source=f"open311:{key.name}"[:100],
        **place,
    )
    notice = (
        f"已受理登记，预计 {_iso(limits.deadline(case.opened_at, case.urgency, 'handle'))} 前办结"
    )
    return _answer(
        fmt,
        "service_requests",
        "request",
        [{"service_request_id": case.ref, "service_notice": notice, "account_id": None}],
        status=201,
    )
