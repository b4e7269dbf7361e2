"""Outbound notifications to group robots (企业微信, 钉钉, 飞书) through apprise.

``notify(node_or_path, text)`` writes one outbox row per robot that hears about the node,
in the caller's transaction: the message exists exactly when what caused it was
committed, and sending never runs inside a case's transaction, so a robot that is down
never loses or blocks a case. ``deliver()`` (run by the background worker, see
finegrid.cases.tasks) sends what is due, at most ``RATE_PER_MINUTE`` messages a minute to
one robot (the platforms' limit is 20), and retries failures with growing pauses up to
``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q

from finegrid import clock
from finegrid.cases.models import Notification, Robot

log = logging.getLogger(__name__)

RATE_PER_MINUTE = 20
MAX_ATTEMPTS = 6
# Pause before attempt n+1 after n failures: 1, 2, 4, 8, 16 minutes.
BACKOFF = dt.timedelta(minutes=1)


def _path_of(node_or_path) -> str:
    return node_or_path if isinstance(node_or_path, str) else node_or_path.path


def ancestors(path: str) -> list[str]:
    """``a/b/c`` → ``["a", "a/b", "a/b/c"]``."""
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def robots_for(path: str):
    """Robots of the node itself, and robots above it that asked for everything below."""
    chain = ancestors(path)
    return Robot.objects.filter(active=True).filter(
        Q(path=path) | Q(path__in=chain[:-1], below=True)
    )


def notify(node_or_path, text: str) -> int:
    """Queue ``text`` for every robot that hears about ``node_or_path`` (a grid, area,
    compound or their path); returns how many messages were queued."""
    path = _path_of(node_or_path)
    moment = clock.now()
    rows = [
        Notification(
            robot=robot, text=text[:4000], created_at=moment, next_attempt_at=moment, path=path
        )
        for robot in robots_for(path)
    ]
    Notification.objects.bulk_create(rows)
    if rows:
        transaction.on_commit(_kick)
    return len(rows)


def notify_many(messages: list[tuple[str, str]]) -> int:
    """``notify`` for many (path, text) pairs at once: the robots are read once."""
    robots = list(Robot.objects.filter(active=True))
    if not robots or not messages:
        return 0
    moment = clock.now()
    rows = []
    for path, text in messages:
        chain = set(ancestors(path)[:-1])
        for robot in robots:
            if robot.path == path or (robot.below and robot.path in chain):
                rows.append(
                    Notification(
                        robot=robot,
                        text=text[:4000],
                        created_at=moment,
                        next_attempt_at=moment,
                        path=path,
                    )
                )
    Notification.objects.bulk_create(rows, batch_size=1000)
    if rows:
        transaction.on_commit(_kick)
    return len(rows)


def _kick() -> None:
    """Ask the background worker to deliver soon (immediately in tests)."""
    from finegrid.cases import tasks

    tasks.enqueue_delivery()


def send(robot: Robot, text: str) -> None:
    """Send one message to one robot now; raises on failure."""
    import apprise

    sender = apprise.Apprise()
    if not sender.add(robot.url):
        raise ValueError(f"robot {robot.name}: not a usable apprise URL")
    if not sender.notify(body=text):
        raise RuntimeError(f"robot {robot.name}: delivery failed")


def deliver(limit: int = 500) -> dict:
    """Send the messages that are due, oldest first, within each robot's rate; returns
    counts of sent, retried (failed, to try again) and failed (given up)."""
    moment = clock.now()
    minute_ago = moment - dt.timedelta(minutes=1)
    counts = {"sent": 0, "retried": 0, "failed": 0}
    budget: dict[int, int] = {}
    due = (
        Notification.objects.filter(sent_at__isnull=True, failed=False, next_attempt_at__lte=moment)
        .select_related("robot")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    for note in due:
        if note.robot_id not in budget:
            recent = Notification.objects.filter(
                robot_id=note.robot_id, sent_at__gt=minute_ago
            ).count()
            budget[note.robot_id] = RATE_PER_MINUTE - recent
        if budget[note.robot_id] <= 0:
            continue
        budget[note.robot_id] -= 1
        note.attempts += 1
        try:
            send(note.robot, note.text)
        except Exception as error:  # any failure of a robot is retried, never raised
            log.warning("notification %s: %s", note.pk, error)
            note.last_error = str(error)[:300]
            if note.attempts >= MAX_ATTEMPTS:
                note.failed = True
                counts["failed"] += 1
            else:
                note.next_attempt_at = moment + BACKOFF * (2 ** (note.attempts - 1))
                counts["retried"] += 1
        else:
            note.sent_at = clock.now()
            counts["sent"] += 1
        note.save(update_fields=["attempts", "last_error", "failed", "next_attempt_at", "sent_at"])
    return counts
