"""No sequence of commands takes a case to a state its type forbids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from townhall.cases.adapters.catalogue import load_catalogue
from townhall.cases.domain.catalogue import STATES, TERMINAL_STATES, ServiceType
from townhall.cases.domain.exceptions import TransitionNotAllowedError
from townhall.cases.domain.model import Case

CATALOGUE = load_catalogue()
TYPES = list(CATALOGUE)
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


class CaseLifecycle(RuleBasedStateMachine):
    case: Case
    service_type: ServiceType

    @initialize(service_type=st.sampled_from(TYPES))
    def submit(self, service_type: ServiceType) -> None:
        self.service_type = service_type
        self.now = START
        self.case = Case.submit(
            reference="XX-2026-000001",
            service_type=service_type,
            channel="online",
            submitted_by="anonymous",
            details={},
            now=START,
            description="",
        )
        self.history = [self.case.status]

    @rule(state=st.sampled_from(STATES))
    def move(self, state: str) -> None:
        target = state
        before, events = self.case.status, len(self.case.events)
        allowed = self.service_type.lifecycle.allows(before, target)
        try:
            self.case.move_to(target, reason="", by="test", now=self.now)
        except TransitionNotAllowedError:
            assert not allowed
            assert self.case.status == before and len(self.case.events) == events
            return
        assert allowed
        self.history.append(target)

    @rule(hours=st.integers(min_value=0, max_value=24 * 40))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        breaches = sum(1 for e in self.case.events if type(e).__name__ == "CaseSlaBreached")
        self.case.sla_breached(self.now)
        after = sum(1 for e in self.case.events if type(e).__name__ == "CaseSlaBreached")
        assert after - breaches <= 1

    @invariant()
    def state_is_one_the_type_uses(self) -> None:
        assert self.case.status in self.service_type.lifecycle.states

    @invariant()
    def terminal_states_are_never_left(self) -> None:
        for earlier, later in zip(self.history, self.history[1:], strict=False):
            assert earlier not in TERMINAL_STATES or earlier == later

    @invariant()
    def a_breach_is_recorded_at_most_once(self) -> None:
        names = [type(e).__name__ for e in self.case.events]
        assert names.count("CaseSlaBreached") <= 1


CaseLifecycle.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
TestCaseLifecycle = CaseLifecycle.TestCase
