"""Where mobilization meets the cases app: a needs-help outcome opens a case, and launches
and escalations are announced through the group robots. Each is one function here, so the
rest of the app does not depend on how the cases app does it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from finegrid.errors import NotFound


def open_case(actor, household, text: str, source: str) -> int:
    """Open a case (category 困难帮扶, channel 入户走访) for a household found needing help
    at the door; returns its id. A worker visiting a household handed over from a
    neighbouring micro-grid may not reach it in the cases app's scope: the case is then
    opened by the system for them, naming them as the reporter."""
    from finegrid.accounts.system import system_actor
    from finegrid.cases.actions import do_open_case

    values = {"category": "help", "text": text, "channel": "campaign", "source": source}
    try:
        case = do_open_case(actor, household=household, **values)
    except (NotFound, PermissionDenied):
        case = do_open_case(system_actor("tasks"), household=household, reporter=actor, **values)
    return case.pk


def announce(node_or_path, text: str) -> None:
    """Tell a grid's or community's group (its robots) about a launch or an escalation."""
    from finegrid.cases.notify import notify

    notify(node_or_path, text)
