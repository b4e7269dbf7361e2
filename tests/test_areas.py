from collections import Counter

import pytest

from finegrid import divisions
from finegrid.accounts.models import AuditEntry
from finegrid.cli import main
from finegrid.errors import InvalidInput
from finegrid.territory.actions import do_load_areas
from finegrid.territory.models import AdminArea, Grid
from tests.conftest import system


@pytest.mark.django_db
def test_loading_chengdu_gives_the_nbs_counts_and_a_community_grid_each():
    report = do_load_areas(system(), "5101")
    assert report.created == {
        "province": 1,
        "city": 1,
        "district": 20,
        "street": 261,
        "community": 3047,
    }
    levels = Counter(AdminArea.objects.values_list("level", flat=True))
    assert levels == {"province": 1, "city": 1, "district": 20, "street": 261, "community": 3047}
    assert Grid.objects.filter(kind="community").count() == 3047
    grid = Grid.objects.get(code="510116001005")
    assert grid.name == "五洞桥社区总网格"
    assert grid.path == "51/5101/510116/510116001/510116001005"
    assert grid.community.name == "五洞桥社区居委会"
    assert AdminArea.objects.get(code="510116001005").parent.name == "东升街道"
    assert AuditEntry.objects.filter(action="create").count() == 3330 + 3047


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    do_load_areas(system(), "510116")
    counts = (AdminArea.objects.count(), Grid.objects.count(), AuditEntry.objects.count())
    report = do_load_areas(system(), "510116")
    assert not report.changed
    assert report.unchanged == AdminArea.objects.count()
    assert (AdminArea.objects.count(), Grid.objects.count(), AuditEntry.objects.count()) == counts


@pytest.mark.django_db
def test_another_city_loads_from_the_same_data():
    do_load_areas(system(), "5103")  # 自贡市
    expected = Counter(d.level for d in divisions.subtree("5103"))
    assert Counter(AdminArea.objects.values_list("level", flat=True)) == expected
    assert AdminArea.objects.get(code="510300000000").name == "自贡市"


@pytest.mark.django_db
def test_a_renamed_area_is_corrected_and_the_change_audited():
    do_load_areas(system(), "510116001")
    AdminArea.objects.filter(code="510116001005").update(name="旧名称")
    report = do_load_areas(system(), "510116001")
    assert report.updated == 1
    entry = AuditEntry.objects.filter(action="update", object_label__contains="五洞桥").get()
    assert entry.before["name"] == "旧名称"
    assert entry.after["name"] == "五洞桥社区居委会"
    assert entry.changed_fields == ["name"]


@pytest.mark.django_db
def test_unknown_area_code_is_refused():
    with pytest.raises(InvalidInput, match="no administrative division with code 510199"):
        do_load_areas(system(), "510199")
    assert not AdminArea.objects.exists()


@pytest.mark.django_db
def test_cli_reports_what_it_loaded(capsys):
    assert main(["areas", "load", "--area", "510116001"]) == 0
    out = capsys.readouterr().out
    assert "created 1 province, 1 city, 1 district, 1 street, 23 community" in out
    assert "community grids created: 23" in out
    assert main(["areas", "load", "--area", "510116001"]) == 0
    assert "created nothing; updated 0; unchanged 27" in capsys.readouterr().out


@pytest.mark.django_db
def test_cli_names_a_bad_code(capsys):
    assert main(["areas", "load", "--city", "51x1"]) == 1
    assert "'51x1' is not an administrative division code" in capsys.readouterr().err
