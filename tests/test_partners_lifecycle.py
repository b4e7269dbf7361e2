"""The public accounts' lifecycle as a state machine: hypothesis drives random sequences
of entries, confirmations, publications and corrections, legal or not. Refused steps write
nothing; a published version never changes; only the latest version is ever a draft."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from finegrid.accounts.models import AuditEntry
from finegrid.errors import Conflict, InvalidInput
from finegrid.partners import actions
from finegrid.partners.models import EntryKind, Ledger
from tests import partners_data
from tests.conftest import system

YEARS = itertools.count(2030)


def lines(ledger: Ledger) -> list[tuple]:
    return sorted(ledger.entries.values_list("kind", "amount", "description"))


def test_published_accounts_never_change(world, registry):
    coop = partners_data.build(world, registry)
    # The community confirms where the compound has no owners' committee: use 桂苑.
    compound = coop.other

    class Accounts(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.year = next(YEARS)
            self.versions = [
                actions.do_open_ledger(system(), compound.pk, year=self.year, quarter=1)
            ]
            self.published: dict[int, list[tuple]] = {}

        @property
        def latest(self) -> Ledger:
            latest = self.versions[-1]
            latest.refresh_from_db()
            return latest

        def refused(self, step) -> None:
            before = AuditEntry.objects.count()
            try:
                step()
            except (Conflict, InvalidInput):
                assert AuditEntry.objects.count() == before
                return
            raise AssertionError("an illegal step was taken")

        @rule(kind=st.sampled_from(EntryKind.values), cents=st.integers(1, 10**8))
        def add_entry(self, kind, cents):
            ledger = self.latest
            add = lambda: actions.do_add_entry(  # noqa: E731
                system(), ledger, kind=kind, amount=f"{cents / 100:.2f}", description="一笔"
            )
            if ledger.status == "draft":
                add()
            else:
                self.refused(add)

        @rule()
        def confirm(self):
            ledger = self.latest
            confirm = lambda: actions.do_confirm_ledger(system(), ledger)  # noqa: E731
            if ledger.status == "draft" and ledger.entries.exists():
                confirm()
            else:
                self.refused(confirm)

        @rule()
        def publish(self):
            ledger = self.latest
            publish = lambda: actions.do_publish_ledger(system(), ledger)  # noqa: E731
            if ledger.status == "confirmed":
                publish()
                self.published[ledger.pk] = lines(ledger)
            else:
                self.refused(publish)

        @rule(which=st.integers(0, 5))
        def correct(self, which):
            ledger = self.versions[min(which, len(self.versions) - 1)]
            ledger.refresh_from_db()
            correct = lambda: actions.do_correct_ledger(system(), ledger, "更正")  # noqa: E731
            if ledger.status == "published" and ledger is self.versions[-1]:
                fresh = correct()
                assert lines(fresh) == self.published[ledger.pk]
                self.versions.append(fresh)
            else:
                self.refused(correct)

        @invariant()
        def published_versions_stay_as_published(self):
            for pk, published in self.published.items():
                ledger = Ledger.objects.get(pk=pk)
                assert ledger.status == "published"
                assert lines(ledger) == published

        @invariant()
        def only_the_latest_may_be_unpublished(self):
            statuses = [Ledger.objects.get(pk=v.pk).status for v in self.versions]
            assert all(status == "published" for status in statuses[:-1])
            assert [v.version for v in self.versions] == list(range(1, len(self.versions) + 1))

    run_state_machine_as_test(
        Accounts,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
