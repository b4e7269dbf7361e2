"""Background work (django-tasks): delivering notifications and the deadline sweep.

In production the database backend (django-tasks-db) keeps the queue and
``finegrid cases worker`` runs it, enqueuing the sweep and a delivery every minute; tests
run tasks immediately.
"""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notifications() -> dict:
    from finegrid.cases import notify

    return notify.deliver()


@task()
def sweep_deadlines() -> int:
    from finegrid.accounts.system import system_actor
    from finegrid.cases.actions import do_sweep_deadlines

    return do_sweep_deadlines(system_actor("tasks"))


def enqueue_delivery() -> None:
    deliver_notifications.enqueue()


@task()
def refresh_statistics() -> bool:
    from finegrid.cases import queries

    return queries.refresh_statistics()
