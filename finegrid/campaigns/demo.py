"""The demo's campaign: one mobilization over the demo street, 90 minutes in, so that a
newcomer finds micro-grids done, on their way, late and not started, one without a
worker, and sees the live map move when they record a visit as `microworker`."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np

from finegrid import clock
from finegrid.campaigns.actions import do_escalate, do_launch_campaign, do_record_visit
from finegrid.campaigns.models import Assignment, Campaign, Section

ELAPSED = dt.timedelta(minutes=90)
# Shares of a micro-grid's households visited by now, taken in turn: done, on their way,
# late, silent.
SHARES = (1.0, 0.6, 0.15, 0.0)
CHECKLIST = [
    {"key": "warned", "question": "是否已收到暴雨预警", "type": "yes_no"},
    {"key": "people", "question": "在家人数", "type": "number"},
    {
        "key": "need",
        "question": "需要",
        "type": "choice",
        "choices": ["无", "转移", "物资", "就医"],
    },
]


def run(actor, street_code: str, community_path: str, seed: int, keep: str) -> Campaign:
    """Launch over the street 90 minutes ago and play visits in one community's
    micro-grids: in turn done, on their way, late and silent; ``keep`` (the
    `microworker`'s micro-grid) is left a little over half done."""
    now = clock.now()
    start = now - ELAPSED
    campaign = do_launch_campaign(
        actor,
        scope=street_code,
        title="暴雨预警入户告知",
        purpose="今晚有暴雨，逐户告知防汛注意事项，排查需要转移和帮扶的住户。",
        script="您好，我是本网格的网格员。今晚有暴雨预警，请关好门窗，低洼住户注意转移……",
        checklist=CHECKLIST,
        start=start,
        now=start,
    )
    rng = np.random.default_rng([seed, 0xCA4])
    sections = list(
        Section.objects.filter(campaign=campaign, path__startswith=f"{community_path}/")
        .exclude(worker=None)
        .select_related("grid", "worker")
        .order_by("path")
    )
    offset = int(rng.integers(0, len(SHARES)))
    for number, section in enumerate(sections):
        doors = list(Assignment.objects.filter(section=section).order_by("-priority", "order"))
        share = 0.6 if section.grid.code == keep else SHARES[(number + offset) % len(SHARES)]
        count = round(share * len(doors))
        # The worker records with their own login where they have one.
        user = section.worker.user or actor
        visits = [(assignment, _outcome(rng)) for assignment in doors[:count]]
        if share == 1.0:
            # A micro-grid done: the doors not at home the first time are knocked on again.
            visits += [(a, "reached") for a, outcome in visits if outcome == "not_home"]
        for step, (assignment, outcome) in enumerate(visits):
            do_record_visit(
                user,
                campaign,
                client_id=uuid.UUID(int=(int(rng.integers(0, 2**63)) << 64) | step),
                household=assignment.household_id,
                outcome=outcome,
                answers={"warned": True, "people": int(rng.integers(1, 5))},
                note="家中有老人行动不便" if outcome == "needs_help" else "",
                now=start + ELAPSED * 0.95 * (step + 1) / len(visits),
            )
    do_escalate(actor, now=now)
    return campaign


def _outcome(rng) -> str:
    roll = rng.random()
    return "not_home" if roll < 0.08 else "needs_help" if roll < 0.09 else "reached"
