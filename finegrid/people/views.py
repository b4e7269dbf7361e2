"""Pages for households and persons, the roster import/export, and unmasking."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_POST

from finegrid.downloads import attachment
from finegrid.errors import InvalidInput, NotFound
from finegrid.people import actions, queries, roster
from finegrid.people.models import SensitiveFlag
from finegrid.territory import queries as territory
from finegrid.territory.views import breadcrumbs


@login_required
def household_detail(request, pk: int):
    user = request.user
    household = queries.get_household(user, pk)
    dwelling = household.dwelling
    place = dwelling.grid or dwelling.building.community
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "breadcrumbs": breadcrumbs(user, place, including=True),
            "members": queries.persons(user).filter(household=household).order_by("pk"),
            "moves": household.moves.select_related(
                "from_dwelling__building", "from_dwelling__entrance"
            ),
            "can_unmask": user.has_perm(actions.UNMASK_PERMISSION),
        },
    )


@login_required
@require_POST
def unmask(request, pk: int):
    """The clear values of one person, as the fragment that replaces its masked cells."""
    person = queries.get_person(request.user, pk)
    try:
        clear = actions.do_unmask_person(request.user, person, request.POST.get("reason", ""))
    except InvalidInput as error:
        return render(
            request, "people/_unmask_form.html", {"person": person, "error": error.problems[0]}
        )
    labels = [str(SensitiveFlag(flag).label) for flag in clear["sensitive_flags"]]
    return render(request, "people/_unmasked.html", {"clear": clear, "labels": labels})


@login_required
def search(request):
    """Search persons in scope by name, or by a whole ID or phone number. Searches are
    POSTed and the numbers are not echoed back, so they stay out of URLs and logs."""
    terms = {key: request.POST.get(key, "").strip() for key in ("name", "id_number", "phone")}
    results = None
    if request.method == "POST" and any(terms.values()):
        results = queries.search_persons(request.user, **terms).order_by("name", "pk")[:200]
    return render(request, "people/search.html", {"name": terms["name"], "results": results})


@login_required
@permission_required("people.add_person", raise_exception=True)
def import_roster(request):
    """Upload a roster: all rows are checked, and the answer is the report or every problem."""
    communities = territory.areas(request.user).filter(level="community").order_by("code")
    context = {"communities": communities, "columns": roster.COLUMNS}
    if request.method == "POST":
        upload = request.FILES.get("file")
        community = request.POST.get("community", "")
        context["chosen"] = community
        try:
            if upload is None:
                raise InvalidInput("file: choose a roster file (.xlsx or .csv)")
            try:
                cells = list(roster.read(upload.name, upload.read()))
            except roster.RosterFormatError as error:
                raise InvalidInput(str(error)) from None
            context["report"] = actions.do_import_roster(request.user, community, cells)
        except (InvalidInput, NotFound) as error:
            context["problems"] = getattr(error, "problems", [str(error)])
    return render(request, "people/import.html", context)


@login_required
def roster_template(request):
    return attachment(roster.template_bytes("xlsx"), "花名册模板.xlsx")


@login_required
def roster_export(request, code: str):
    """The roster of an area or grid: masked by GET; unmasked by POST with a reason (for
    roles that may unmask; audited per person)."""
    user = request.user
    node = territory.get_node(user, code)
    fmt = request.GET.get("format") or request.POST.get("format") or "xlsx"
    if fmt not in ("xlsx", "csv"):
        fmt = "xlsx"
    if request.method == "POST":
        if not user.has_perm(actions.UNMASK_PERMISSION):
            raise PermissionDenied
        rows = actions.do_export_roster(
            user, node.code, unmasked=True, reason=request.POST.get("reason", "")
        )
    else:
        rows = actions.do_export_roster(user, node.code)
    return attachment(roster.to_bytes(rows, fmt), f"花名册-{code}.{fmt}")
