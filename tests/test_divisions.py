from collections import Counter

import pytest

from finegrid import divisions


def test_chengdu_has_the_2023_nbs_counts():
    counts = Counter(d.level for d in divisions.subtree("5101"))
    assert counts == {"province": 1, "city": 1, "district": 20, "street": 261, "community": 3047}


def test_subtree_lists_parents_before_children():
    seen = set()
    for division in divisions.subtree("510116001"):
        assert division.parent is None or division.parent in seen
        seen.add(division.code)


def test_names_paths_and_kinds():
    community = divisions.get("510116001005")
    assert community.name == "五洞桥社区居委会"
    assert community.short_name == "五洞桥社区"
    assert not community.is_village
    assert divisions.path_of(community) == "51/5101/510116/510116001/510116001005"
    street = divisions.get("510116001")
    assert street.code == "510116001000"
    assert street.short_code == "510116001"
    villages = [d for d in divisions.subtree("510116") if d.is_village]
    assert villages
    assert all(d.short_name.endswith("村") for d in villages)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("51011", "is not an administrative division code"),
        ("abc", "is not an administrative division code"),
        ("510116999", "no administrative division with code 510116999"),
        ("4401", "no division data for province 44"),
    ],
)
def test_unknown_codes_are_named_in_the_error(code, message):
    with pytest.raises(divisions.UnknownDivision, match=message):
        divisions.get(code)
