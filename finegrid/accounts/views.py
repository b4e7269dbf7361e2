"""Pages for the signed-in user's account and the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from finegrid.accounts import actions, queries
from finegrid.errors import InvalidInput


@login_required
def audit_trail(request):
    """The audit trail of one object (or of everything in scope), as a page or, for htmx,
    as the fragment a detail page loads into itself."""
    if not request.user.has_perm("accounts.view_auditentry"):
        raise PermissionDenied
    entries = queries.audit_entries(
        request.user,
        object_type=request.GET.get("object_type") or None,
        object_id=request.GET.get("object_id") or None,
        request_id=request.GET.get("request_id") or None,
    )
    page = Paginator(entries, 25).get_page(request.GET.get("page"))
    template = (
        "accounts/audit_rows.html" if request.headers.get("HX-Request") else "accounts/audit.html"
    )
    return render(request, template, {"page": page, "query": request.GET.urlencode()})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_password(request.user, request.user, form.cleaned_data["new_password1"])
        except InvalidInput as error:
            for problem in error.problems:
                form.add_error("new_password1", problem)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改"))
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})
