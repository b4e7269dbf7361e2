"""The landing page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """Where each user starts: the places they are responsible for."""
    assignments = request.user.assignments.select_related("area", "grid")
    return render(request, "web/home.html", {"assignments": assignments})
