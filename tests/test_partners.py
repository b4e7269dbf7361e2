"""Partners, the compounds they serve, part-time committee members, and what a partner
user may see; owners' committees and assemblies (Civil Code Art. 278)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.partners import actions, assembly, creditcode, queries
from finegrid.partners.models import Ledger, Partner, Service
from tests import partners_data
from tests.conftest import COMMUNITY_A, COMMUNITY_B, COMMUNITY_C, system

# --- The GB 32100 check character --------------------------------------------------------

first17 = st.tuples(
    st.text(creditcode.ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(creditcode.ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(first17)
def test_a_completed_code_validates(body):
    assert creditcode.validate(creditcode.complete(body).lower()) == creditcode.complete(body)


@given(first17, st.integers(0, 17), st.sampled_from(creditcode.ALPHABET))
def test_any_single_wrong_character_is_caught(body, position, char):
    code = creditcode.complete(body)
    wrong = code[:position] + char + code[position + 1 :]
    if wrong == code or (2 <= position < 8 and not char.isdigit()):
        return
    with pytest.raises(creditcode.CreditCodeError):
        creditcode.validate(wrong)


@given(first17, st.integers(0, 16))
def test_swapping_two_neighbours_is_caught(body, position):
    code = creditcode.complete(body)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped != code:
        with pytest.raises(creditcode.CreditCodeError):
            creditcode.validate(swapped)


def test_real_codes_and_the_reasons_a_code_is_refused():
    assert creditcode.validate(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert creditcode.validate("911101080828461726") == "911101080828461726"
    refused = {
        "9135010": "must be 18 characters, not 7",
        "91350100M000100Y44": "check character is 4, should be 3",
        "9135010OM000100Y43": "has characters outside GB 32100: O",
        "91A50100M000100Y43": "characters 3–8 must be the digits of a division code",
    }
    for code, reason in refused.items():
        with pytest.raises(creditcode.CreditCodeError) as error:
            creditcode.validate(code)
        assert error.value.reason == reason


# --- Art. 278 thresholds ----------------------------------------------------------------


def _tally(total, owners, voted, voters, yes, yes_owners):
    return assembly.Tally(Decimal(total), owners, Decimal(voted), voters, Decimal(yes), yes_owners)


@st.composite
def tallies(draw):
    owners = draw(st.integers(1, 400))
    voters = draw(st.integers(0, owners))
    total = draw(st.integers(owners, owners * 200))
    voted = draw(st.integers(0, total))
    return owners, voters, total, voted, draw(st.integers(0, voters)), draw(st.integers(0, voted))


@given(tallies(), st.booleans())
def test_art_278_in_whole_numbers(values, qualified):
    """The exact rule restated in integer arithmetic: 3·voted ≥ 2·total for both area and
    owners; then 4·yes ≥ 3·voted (qualified matters) or 2·yes > voted (others)."""
    owners, voters, total, voted, yes_owners, yes = values
    outcome = assembly.decide(_tally(total, owners, voted, voters, yes, yes_owners), qualified)
    takes_part = 3 * voted >= 2 * total and 3 * voters >= 2 * owners
    if qualified:
        consents = 4 * yes >= 3 * voted and 4 * yes_owners >= 3 * voters
    else:
        consents = 2 * yes > voted and 2 * yes_owners > voters
    assert outcome.passed == (takes_part and consents and voted > 0 and voters > 0)


def test_the_boundaries_exactly():
    # Exactly two thirds take part, exactly three quarters of them consent: passes.
    assert assembly.decide(_tally(600, 6, 400, 4, 300, 3), qualified=True).passed
    # One square metre short of two thirds taking part: fails on the area alone.
    short = assembly.decide(_tally(600, 6, 399, 4, 300, 3), qualified=True)
    assert not short.passed
    assert [c.name for c in short.checks if not c.met] == ["participating_area"]
    # A bare half is not a majority; a hair more is.
    assert not assembly.decide(_tally(600, 6, 400, 4, 200, 2), qualified=False).passed
    assert assembly.decide(_tally(600, 6, 400, 4, "200.01", 3), False).passed
    # Three quarters of the area but not of the owners: a qualified matter fails.
    owners_short = assembly.decide(_tally(600, 6, 400, 4, 300, 2), qualified=True)
    assert [c.name for c in owners_short.checks if not c.met] == ["consenting_owners"]


# --- Partners and their services ---------------------------------------------------------


@pytest.fixture
def coop(world, registry):
    return partners_data.build(world, registry)


def test_a_partner_with_a_wrong_code_is_refused_with_every_problem(world):
    with pytest.raises(InvalidInput) as error:
        actions.do_create_partner(
            system(),
            kind="property",
            name=" ",
            area=COMMUNITY_A,
            credit_code="91350100M000100Y44",
            phone="call us",
        )
    assert error.value.problems == [
        "name: must be 1 to 100 characters",
        "credit_code: check character is 4, should be 3",
        "phone: must be a telephone number (digits and hyphens)",
    ]
    assert not Partner.objects.exists()


def test_a_credit_code_is_registered_once(coop):
    with pytest.raises(Conflict, match="is already registered"):
        actions.do_create_partner(
            system(),
            kind="property",
            name="又一家",
            area=COMMUNITY_A,
            credit_code=partners_data.PROPERTY_CODE,
        )


def test_a_change_of_property_company_keeps_the_history(coop):
    with pytest.raises(Conflict, match="锦苑 is served by 锦华物业 from 2026-01-01"):
        actions.do_start_service(system(), coop.rival, compound=coop.compound.pk)
    current = Service.objects.get(partner=coop.company)
    actions.do_end_service(system(), current, dt.date(2026, 6, 30))
    actions.do_start_service(
        system(), coop.rival, compound=coop.compound.pk, start=dt.date(2026, 7, 1)
    )
    assert queries.serving(coop.compound, "property", dt.date(2026, 6, 30)) == coop.company
    assert queries.serving(coop.compound, "property", dt.date(2026, 7, 1)) == coop.rival
    history = Service.objects.filter(compound=coop.compound, partner__kind="property")
    assert [(s.partner.name, s.start, s.end) for s in history.order_by("start")] == [
        ("锦华物业", dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        ("桂城物业", dt.date(2026, 7, 1), None),
    ]


def test_a_partner_user_sees_only_its_organization_and_its_compounds(coop, world):
    partner = world.users.partner
    assert list(queries.partners(partner)) == [coop.company]
    assert {s.compound for s in queries.services(partner)} == {coop.compound}
    staff = world.users.community_staff
    assert {s.compound for s in queries.services(staff)} == {coop.compound, coop.other}
    actions.do_open_ledger(system(), coop.other.pk, year=2026, quarter=1)
    assert not queries.ledgers(partner).exists()
    with pytest.raises(NotFound, match=f"no compound with id {coop.other.pk}"):
        actions.do_open_ledger(partner, coop.other.pk, year=2026, quarter=2)
    ledger = actions.do_open_ledger(partner, coop.compound.pk, year=2026, quarter=1)
    assert ledger.entered_by == coop.company
    assert list(queries.ledgers(partner)) == [ledger]
    assert Ledger.objects.count() == 2


def test_staff_of_another_district_reach_nothing_here(coop, world):
    outsider = world.users.outsider
    with pytest.raises(NotFound, match=f"no partner with id {coop.company.pk}"):
        actions.do_update_partner(outsider, coop.company.pk, name="改名")
    with pytest.raises(NotFound, match=f"no compound with id {coop.compound.pk}"):
        actions.do_open_decision(
            outsider, coop.compound.pk, title="x", matter="rules", held_on=dt.date(2026, 3, 1)
        )
    assert not queries.partners(outsider).exists()


def test_a_worker_may_look_but_not_register(coop, world):
    # Partners registered in the community are seen from its grids, too.
    assert coop.company in queries.partners(world.users.grid_worker)
    with pytest.raises(PermissionDenied):
        actions.do_create_partner(
            world.users.grid_worker, kind="social_org", name="益邻社工", area=COMMUNITY_A
        )


def test_part_time_committee_members(coop, registry, world):
    head = registry.zhang.head
    member = actions.do_add_committee_member(
        system(),
        person=head.pk,
        partner=coop.company.pk,
        post="党支部书记",
        committee=COMMUNITY_A,
        start=dt.date(2026, 1, 1),
        end=dt.date(2028, 12, 31),
    )
    assert (member.person.name, member.committee.code, member.post) == (
        "张建国",
        COMMUNITY_A,
        "党支部书记",
    )
    assert list(queries.committee_members(world.users.community_staff)) == [member]
    with pytest.raises(NotFound, match=f"no administrative area with code {COMMUNITY_C}"):
        actions.do_add_committee_member(
            world.users.community_staff,
            person=head.pk,
            partner=coop.company.pk,
            post="经理",
            committee=COMMUNITY_C,
        )


# --- Owners' committees and assemblies ----------------------------------------------------


def test_a_committee_term_takes_owners_of_its_compound(coop, registry):
    term = actions.do_start_term(
        system(), coop.committee, start=dt.date(2026, 1, 1), end=dt.date(2030, 12, 31)
    )
    assert (term.compound, term.number) == (coop.compound, 1)
    chair = actions.do_add_term_member(system(), term, registry.zhang.head.pk, "chair")
    assert str(chair) == "张建国 (主任)"
    with pytest.raises(InvalidInput, match="is not an owners' committee"):
        actions.do_start_term(
            system(), coop.company, start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1)
        )


def _vote(coop, matter, choices):
    decision = actions.do_open_decision(
        system(), coop.compound.pk, title="加装电梯", matter=matter, held_on=dt.date(2026, 3, 1)
    )
    for dwelling, choice in zip(coop.dwellings, choices, strict=False):
        if choice:
            actions.do_record_vote(system(), decision, dwelling.pk, choice)
    return actions.do_close_decision(system(), decision)


def test_a_qualified_matter_at_the_threshold(coop):
    # Areas 80, 88, 96, 104, 112, 120 (600 m², 6 owners). Four owners (exactly two thirds)
    # with 408 m² take part; 88+104+120 = 312 m² of 408 consent (76 %) and 3 of 4 owners:
    # exactly three quarters.
    decision = _vote(coop, "rebuild", [None, "yes", "no", "yes", None, "yes"])
    tally = decision.outcome["tally"]
    assert (tally["voted_area"], tally["voted_owners"]) == ("408.00", 4)
    assert decision.outcome["passed"] is True
    assert [c["met"] for c in decision.outcome["checks"]] == [True, True, True, True]


def test_a_majority_matter_fails_on_a_tie_of_owners(coop):
    decision = _vote(coop, "statute", ["yes", "no", "no", "abstain", "yes", "yes"])
    failed = [c["name"] for c in decision.outcome["checks"] if not c["met"]]
    assert decision.outcome["passed"] is False
    assert failed == ["consenting_owners"]


def test_votes_are_once_per_dwelling_and_only_from_the_compound(coop, registry):
    decision = actions.do_open_decision(
        system(), coop.compound.pk, title="选聘物业", matter="manager", held_on=dt.date(2026, 3, 1)
    )
    actions.do_record_vote(system(), decision, coop.dwellings[0].pk, "yes")
    with pytest.raises(Conflict, match="has already voted"):
        actions.do_record_vote(system(), decision, coop.dwellings[0].pk, "no")
    actions.do_close_decision(system(), decision)
    with pytest.raises(Conflict, match="the vote is closed"):
        actions.do_record_vote(system(), decision, coop.dwellings[1].pk, "no")


def test_a_count_needs_every_dwelling_area(coop):
    from finegrid.partners.models import DwellingArea

    DwellingArea.objects.filter(dwelling=coop.dwellings[0]).delete()
    decision = actions.do_open_decision(
        system(), coop.compound.pk, title="x", matter="rules", held_on=dt.date(2026, 3, 1)
    )
    with pytest.raises(InvalidInput, match="1 dwellings have no recorded area"):
        actions.do_close_decision(system(), decision)


def test_the_paths_above_a_scope():
    from finegrid.accounts.scope import ancestor_paths

    assert ancestor_paths(("51/5101/510116", "51/5102")) == {"51", "51/5101"}
    assert ancestor_paths(("51",)) == set()


def test_a_property_company_works_the_cases_routed_to_its_unit(world, registry):
    from finegrid.accounts.actions import do_create_user
    from finegrid.cases.actions import do_create_unit, do_open_case, do_step
    from finegrid.cases.models import Case

    coop = partners_data.build(world, registry)
    unit = do_create_unit(
        system(), name="锦苑物业", kind="property", area=COMMUNITY_A, compound=coop.compound.pk
    )
    # The company's duty manager sits at its office in community B.
    manager = do_create_user(system(), username="jinhua_b", role="partner", scopes=[COMMUNITY_B])
    actions.do_add_partner_account(system(), coop.company, "jinhua_b")
    staff = world.users.community_staff
    case = do_open_case(
        staff, category="sanitation", text="楼道堆物", channel="staff", compound=coop.compound.pk
    )
    case = do_step(staff, case, "accept")
    case = do_step(staff, case, "dispatch", unit=unit)
    assert not Case.objects.restrict(manager).filter(pk=case.pk).exists()
    with pytest.raises(InvalidInput, match="桂城物业 does not serve 锦苑"):
        actions.do_link_unit(system(), coop.rival, unit.pk)
    far = do_create_unit(system(), name="棠苑物业", kind="property", area=COMMUNITY_B)
    with pytest.raises(NotFound, match=f"no unit with id {far.pk}"):
        actions.do_link_unit(staff, coop.company, far.pk)
    actions.do_link_unit(staff, coop.company, unit.pk)
    assert set(unit.members.values_list("username", flat=True)) == {"partner", "jinhua_b"}
    assert Case.objects.restrict(manager).filter(pk=case.pk).exists()
    do_step(manager, case, "note", note="已安排保洁清理")
    # An account added later joins the unit too.
    do_create_user(system(), username="jinhua_c", role="partner", scopes=[COMMUNITY_B])
    actions.do_add_partner_account(system(), coop.company, "jinhua_c")
    assert unit.members.filter(username="jinhua_c").exists()
    with pytest.raises(Conflict, match="already linked"):
        actions.do_link_unit(system(), coop.company, unit.pk)
