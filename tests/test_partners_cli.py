"""`finegrid partners …` acts as the system actor, with readable errors."""

from __future__ import annotations

import datetime as dt

import pytest

from finegrid.cli import main
from finegrid.partners import actions
from finegrid.partners.creditcode import complete
from finegrid.partners.models import DwellingArea, Partner, ServiceCategory, ServiceItem
from tests import partners_data
from tests.conftest import COMMUNITY_A, system


def test_check_code(capsys):
    assert main(["partners", "check-code", "91350100M000100Y43"]) == 0
    assert capsys.readouterr().out == "91350100M000100Y43: valid\n"
    assert main(["partners", "check-code", "91350100M000100Y44"]) == 1
    assert "check character is 4, should be 3" in capsys.readouterr().err


def test_add_a_partner_and_load_the_catalogue(world, capsys):
    code = complete("91510116MA6C1B2X3")
    args = ["partners", "add", "--kind", "property", "--name", "锦华物业", "--area", COMMUNITY_A]
    assert main([*args, "--credit-code", code]) == 0
    partner = Partner.objects.get()
    assert (
        capsys.readouterr().out == f"registered 锦华物业 (物业服务企业) as partner {partner.pk}\n"
    )
    assert main([*args, "--credit-code", code]) == 1
    assert f"credit_code: {code} is already registered" in capsys.readouterr().err
    assert main(["partners", "catalogue"]) == 0
    assert main(["partners", "catalogue"]) == 0
    assert capsys.readouterr().out == "added 74 catalogue items\nadded 0 catalogue items\n"
    assert ServiceItem.objects.count() == 74
    assert not ServiceItem.objects.filter(illustrative=False).exists()
    assert set(ServiceItem.objects.values_list("category", flat=True)) == set(
        ServiceCategory.values
    )


@pytest.fixture
def coop(world, registry):
    return partners_data.build(world, registry)


def test_areas_from_a_file_are_all_or_nothing(coop, tmp_path, capsys):
    first, second = coop.dwellings[:2]
    good = tmp_path / "areas.csv"
    good.write_text(f"dwelling,area\n{first.pk},77.5\n{second.pk},81\n", encoding="utf-8")
    assert main(["partners", "areas", str(good)]) == 0
    assert capsys.readouterr().out == "recorded the areas of 2 dwellings\n"
    assert DwellingArea.objects.get(dwelling=first).area == pytest.approx(77.5)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"dwelling,area\n{first.pk},60\n{second.pk},-3\n", encoding="utf-8")
    assert main(["partners", "areas", str(bad)]) == 1
    assert "area: must be between 1 and 100000 m²" in capsys.readouterr().err
    assert float(DwellingArea.objects.get(dwelling=first).area) == 77.5


def test_decision_count_and_rating_period(coop, capsys):
    decision = actions.do_open_decision(
        system(), coop.compound.pk, title="续聘物业", matter="manager", held_on=dt.date(2026, 3, 1)
    )
    for dwelling in coop.dwellings[:4]:
        actions.do_record_vote(system(), decision, dwelling.pk, "yes")
    assert main(["partners", "decision", str(decision.pk), "--close"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "续聘物业: not passed",
        "  participating_area: 368.00 of 600.00 (61.33%), needs ≥ 2/3: NOT met",
        "  participating_owners: 4 of 6 (66.67%), needs ≥ 2/3: met",
        "  consenting_area: 368.00 of 368.00 (100.00%), needs > 1/2: met",
        "  consenting_owners: 4 of 4 (100.00%), needs > 1/2: met",
    ]
    period = actions.do_open_period(
        system(),
        area=COMMUNITY_A,
        name="上半年",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 30),
    )
    assert main(["partners", "close-period", str(period.pk), "--publish"]) == 0
    assert capsys.readouterr().out == "rated 2 compounds and published the period\n"
    assert main(["partners", "ratings", str(period.pk)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "锦苑\t锦华物业\t80.00\tAA\tv1",
        "桂苑\t桂城物业\t80.00\tAA\tv1",
    ]
