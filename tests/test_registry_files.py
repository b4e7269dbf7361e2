"""Rosters and buildings as files: the template, imports from .xlsx/.csv with their error
report, re-imports, exports, GeoJSON buildings and key rotation."""

import json

import openpyxl

from finegrid.cli import main
from finegrid.people import protect, roster
from finegrid.people.models import Person
from finegrid.territory.models import Building, Dwelling
from tests.conftest import COMMUNITY_A, COMMUNITY_B, square, system
from tests.registry_data import LI, ROSTER, ZHANG


def _write_roster(path, records):
    roster.write(
        path, [[record.get(column, "") for column in roster.COLUMNS] for record in records]
    )


def test_template_has_the_columns_and_an_example(tmp_path, capsys, db):
    target = tmp_path / "template.xlsx"
    assert main(["registry", "template", "-o", str(target)]) == 0
    sheet = openpyxl.load_workbook(target).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == roster.COLUMNS
    assert list(rows[1])[:4] == ["3栋", "1", "5", "502"]


def test_template_page_and_api(world, login):
    client = login(world.users.community_staff)
    for url in ("/registry/template.xlsx", "/api/registry/template.xlsx"):
        response = client.get(url)
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response["Content-Disposition"]


def test_cli_import_xlsx_then_csv_is_idempotent(world, tmp_path, capsys):
    xlsx, csv_file = tmp_path / "roster.xlsx", tmp_path / "roster.csv"
    _write_roster(xlsx, ROSTER)
    _write_roster(csv_file, ROSTER)
    assert main(["registry", "import", str(xlsx), "--community", COMMUNITY_A]) == 0
    assert "4 rows; households created 2, existing 0; persons created 4" in capsys.readouterr().out
    assert main(["registry", "import", str(csv_file), "--community", COMMUNITY_A]) == 0
    out = capsys.readouterr().out
    assert "households created 0, existing 2; persons created 0, updated 0, unchanged 4" in out


def test_cli_import_reports_every_broken_row(world, tmp_path, capsys):
    broken = [dict(r) for r in ROSTER]
    broken[1]["身份证号"] = "51011619820704"
    broken[3]["人口类型"] = "暂住"
    path = tmp_path / "broken.csv"
    _write_roster(path, broken)
    assert main(["registry", "import", str(path), "--community", COMMUNITY_A]) == 1
    err = capsys.readouterr().err
    assert "第 3 行，身份证号：应为 18 位，实为 14 位" in err
    assert "第 5 行，人口类型：“暂住”不在可选值中（常住、流动、寄住、境外）" in err
    assert not Person.objects.exists()


def test_unreadable_files_are_named(world, tmp_path, capsys):
    wrong = tmp_path / "roster.txt"
    wrong.write_text("x")
    assert main(["registry", "import", str(wrong), "--community", COMMUNITY_A]) == 1
    assert "roster.txt：花名册应为 .xlsx 或 .csv 文件" in capsys.readouterr().err
    headerless = tmp_path / "roster.csv"
    headerless.write_text("姓名,电话\n张三,1\n", encoding="utf-8")
    assert main(["registry", "import", str(headerless), "--community", COMMUNITY_A]) == 1
    assert "第 1 行缺少列 楼栋、单元、楼层、房号、户主姓名、与户主关系、人口类型" in (
        capsys.readouterr().err
    )
    gbk = tmp_path / "gbk.csv"
    _write_roster(gbk, ROSTER)
    gbk.write_bytes(gbk.read_text(encoding="utf-8-sig").encode("gb18030"))
    assert main(["registry", "import", str(gbk), "--community", COMMUNITY_A]) == 0


def test_unmasked_export_reimports_unchanged(world, tmp_path, capsys):
    source = tmp_path / "roster.xlsx"
    _write_roster(source, ROSTER)
    main(["registry", "import", str(source), "--community", COMMUNITY_A])
    exported = tmp_path / "export.xlsx"
    assert (
        main(
            [
                "registry",
                "export",
                "--area",
                COMMUNITY_A,
                "-o",
                str(exported),
                "--unmasked",
                "--reason",
                "数据备份",
            ]
        )
        == 0
    )
    assert main(["registry", "import", str(exported), "--community", COMMUNITY_A]) == 0
    assert "persons created 0, updated 0, unchanged 4" in capsys.readouterr().out
    masked = tmp_path / "masked.csv"
    assert main(["registry", "export", "--area", COMMUNITY_A, "-o", str(masked)]) == 0
    text = masked.read_text(encoding="utf-8-sig")
    assert ZHANG not in text
    assert ZHANG[:6] + "********" + ZHANG[-4:] in text


def test_page_import_shows_the_report_or_every_problem(world, login, tmp_path):
    client = login(world.users.community_staff)
    path = tmp_path / "roster.csv"
    broken = [dict(r) for r in ROSTER]
    broken[0]["联系电话"] = "0288888"
    _write_roster(path, broken)
    with path.open("rb") as upload:
        page = client.post("/registry/import/", {"community": COMMUNITY_A, "file": upload})
    assert "第 2 行，联系电话：应为 13–19 开头的 11 位手机号" in page.content.decode()
    with path.open("rb") as upload:
        page = client.post(
            "/registry/import/",
            {"community": COMMUNITY_A, "file": upload},
            headers={"accept-language": "en"},
        )
    assert "row 2, column 联系电话: must be 11 digits" in page.content.decode()
    _write_roster(path, ROSTER)
    with path.open("rb") as upload:
        page = client.post("/registry/import/", {"community": COMMUNITY_A, "file": upload})
    assert 'data-testid="report"' in page.content.decode()
    assert Person.objects.count() == 4
    with path.open("rb") as upload:
        foreign = client.post("/registry/import/", {"community": "510104017001", "file": upload})
    assert "no community 510104017001" in foreign.content.decode()
    assert login(world.users.micro_worker).get("/registry/import/").status_code == 403


def test_api_import(world, login, tmp_path):
    client = login(world.users.community_staff)
    path = tmp_path / "roster.xlsx"
    _write_roster(path, ROSTER)
    with path.open("rb") as upload:
        response = client.post("/api/registry/import", {"community": COMMUNITY_A, "file": upload})
    assert response.status_code == 200
    assert response.json()["persons"] == {"created": 4, "updated": 0, "unchanged": 0}


def _buildings():
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": square(103.931, 30.571, 0.0003),
                "properties": {
                    "id": f"{COMMUNITY_A}-B0001",
                    "name": "1栋",
                    "households": 0,
                    "floors": 6,
                    "entrances": 2,
                    "dwellings_per_floor": 2,
                    "compound": f"{COMMUNITY_A}-C01",
                    "general_grid": f"{COMMUNITY_A}-001",
                    "kind": "residential",
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [103.961, 30.591]},
                "properties": {
                    "id": f"{COMMUNITY_B}-B0001",
                    "households": 0,
                    "floors": 2,
                    "general_grid": f"{COMMUNITY_B}-001",
                },
            },
        ],
    }


def test_buildings_geojson_import_and_export(world, tmp_path, capsys):
    source = tmp_path / "buildings.geojson"
    source.write_text(json.dumps(_buildings()))
    assert main(["registry", "buildings", "import", str(source)]) == 0
    assert (
        "buildings created 2, updated 0, unchanged 0, moved 0; compounds created 1; dwellings created 28"
        in (capsys.readouterr().out)
    )
    one = Building.objects.get(ref=f"{COMMUNITY_A}-B0001")
    assert one.grid == world.grids.general
    assert Dwelling.objects.filter(building=one).count() == 24
    assert one.elevator is False
    assert main(["registry", "buildings", "import", str(source)]) == 0
    assert "buildings created 0, updated 0, unchanged 2" in capsys.readouterr().out
    target = tmp_path / "out.geojson"
    assert main(["registry", "buildings", "export", "--area", "510116001", "-o", str(target)]) == 0
    features = json.loads(target.read_text())["features"]
    assert [f["properties"]["id"] for f in features] == [
        f"{COMMUNITY_B}-B0001",
        f"{COMMUNITY_A}-B0001",
    ]
    props = features[1]["properties"]
    assert (props["general_grid"], props["households"], props["floors"]) == (
        f"{COMMUNITY_A}-001",
        0,
        6,
    )
    bad = _buildings()
    bad["features"][0]["properties"]["households"] = -3
    del bad["features"][1]["properties"]["id"]
    source.write_text(json.dumps(bad))
    assert main(["registry", "buildings", "import", str(source)]) == 1
    err = capsys.readouterr().err
    assert (
        f"feature 1 ({COMMUNITY_A}-B0001): property 'households': must be a whole number ≥ 0" in err
    )
    assert "feature 2 (no id): property 'id': missing" in err


def test_buildings_import_repairs_footprints_only_when_asked(world, tmp_path, capsys):
    lon, lat = 103.931, 30.571
    bowtie = [
        [lon, lat],
        [lon + 3e-4, lat + 3e-4],
        [lon + 3e-4, lat],
        [lon, lat + 3e-4],
        [lon, lat],
    ]
    crossed = _buildings()
    crossed["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [bowtie]}
    source = tmp_path / "buildings.geojson"
    source.write_text(json.dumps(crossed))
    assert main(["registry", "buildings", "import", str(source)]) == 1
    assert (
        f"feature 1 ({COMMUNITY_A}-B0001): geometry: is not valid "
        "(Self-intersection[103.93115 30.57115]) (--repair-geometry repairs it)"
    ) in capsys.readouterr().err
    assert not Building.objects.filter(ref=f"{COMMUNITY_A}-B0001").exists()
    assert main(["registry", "buildings", "import", str(source), "--repair-geometry"]) == 0
    out = capsys.readouterr().out
    assert f"repaired {COMMUNITY_A}-B0001: Self-intersection[103.93115 30.57115]" in out
    assert "footprints repaired 1" in out
    stored = json.loads(Building.objects.get(ref=f"{COMMUNITY_A}-B0001").geometry)
    assert stored["type"] == "MultiPolygon"


def test_key_rotation_reseals_everything_with_the_new_key(world, settings):
    from finegrid.people.actions import do_import_roster, do_rotate_keys, sensitive_flags_of
    from tests.registry_data import rows

    do_import_roster(system(), COMMUNITY_A, rows())
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = ["2:" + "A" * 43 + "=", *old]
    protect._keys.cache_clear()
    try:
        assert do_rotate_keys() == 4
        assert do_rotate_keys() == 0
        settings.FIELD_ENCRYPTION_KEYS = ["2:" + "A" * 43 + "="]
        protect._keys.cache_clear()
        li = Person.objects.get(name="李梅")
        assert protect.key_id_of(li.id_number_enc) == 2
        assert protect.decrypt(li.id_number_enc) == LI
        assert sensitive_flags_of(li) == ["disabled"]
    finally:
        settings.FIELD_ENCRYPTION_KEYS = old
        protect._keys.cache_clear()
