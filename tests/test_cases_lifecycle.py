"""The case lifecycle as a state machine: hypothesis drives random sequences of steps
(legal or not) against a small model; illegal steps are refused with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from finegrid import clock
from finegrid.cases.actions import TRANSITIONS, do_open_case, do_rate_case, do_step
from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import FINAL_STATUSES, Case, CaseStep, Status, Unit
from finegrid.errors import InvalidInput
from finegrid.people.actions import do_link_account
from tests.conftest import COMMUNITY_A, system

# Every step by hand, legal or not; rating has its own rule (only the reporter rates).
KINDS = sorted(
    ({kind for _, kind in TRANSITIONS} - {"rate"})
    | {"resume", "reopen", "overdue", "whistle", "bogus"}
)
RATINGS = ["satisfied", "basically", "unsatisfied"]


def test_the_lifecycle_never_takes_an_illegal_step(world, registry):
    do_load_illustrative(system(), "510116001")
    resident, staff = world.users.resident, world.users.community_staff
    do_link_account(system(), registry.zhang.head, resident)
    community_unit = Unit.objects.get(kind="community", area__code=COMMUNITY_A)

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.case = do_open_case(
                resident, category="sanitation", text="楼道杂物", channel="resident"
            )
            self.status = Status.SUBMITTED
            self.resume = ""
            self.rated = False
            self.steps = 1

        @rule(kind=st.sampled_from(KINDS))
        def step(self, kind):
            unit = community_unit if kind in ("reassign",) else None
            if kind == "resume":
                expected = self.resume if self.status == Status.SUSPENDED else None
            elif kind in ("merge", "reopen", "overdue", "whistle", "bogus"):
                expected = None
            else:
                expected = TRANSITIONS.get((self.status, kind))
            try:
                case = do_step(staff, self.case, kind, note="理由", unit=unit)
            except InvalidInput:
                assert expected is None, (self.status, kind)
                return
            assert expected is not None, (self.status, kind)
            assert case.status == expected
            if kind == "suspend":
                self.resume = self.status
            self.status = expected
            if kind == "close":
                self.rated = False
            self.steps += 1

        @rule(rating=st.sampled_from(RATINGS))
        def rate(self, rating):
            legal = self.status == Status.CLOSED and not self.rated
            try:
                case = do_rate_case(resident, self.case, rating)
            except InvalidInput:
                assert not legal
                return
            assert legal
            self.steps += 1
            if rating == "unsatisfied":
                assert (case.status, case.satisfaction) == (Status.IN_PROGRESS, "")
                self.status = Status.IN_PROGRESS
                self.steps += 1
            else:
                self.rated = True

        @invariant()
        def stored_matches_the_model(self):
            case = Case.objects.get(pk=self.case.pk)
            assert case.status == self.status
            assert CaseStep.objects.filter(case=case).count() == self.steps
            if case.status == Status.CLOSED:
                assert case.closed_at is not None
            if case.status in FINAL_STATUSES - {Status.CLOSED}:
                assert case.due_at is None

    with clock.frozen(timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))):
        run_state_machine_as_test(
            Lifecycle,
            settings=settings(
                max_examples=25,
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )


@pytest.mark.parametrize("kind", ["refuse", "cancel"])
def test_final_statuses_take_no_further_step(world, registry, kind):
    case = do_open_case(
        world.users.grid_worker,
        category="other",
        text="x",
        channel="worker",
        household=registry.zhang,
    )
    case = do_step(world.users.community_staff, case, kind, note="重复反映")
    for later in ("accept", "dispatch", "handle", "close", "cancel"):
        with pytest.raises(InvalidInput, match="is not possible now"):
            do_step(world.users.community_staff, case, later, note="x")
