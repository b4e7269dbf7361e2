"""An illustrative set of units and duty-list items for one street, to show the loop
working. It is NOT any government's list: every item's title ends in （示例）, every row
is stored with ``illustrative=True`` and the pages that show them say so. Load a real list
with ``finegrid cases import-lists AREA FILE.xlsx`` (template: ``finegrid cases template``).
"""

from __future__ import annotations

from finegrid.cases.dutylists import do_import_duty_lists
from finegrid.errors import NotFound
from finegrid.territory.models import AdminArea, AreaLevel
from finegrid.territory.queries import get_area

DEPARTMENTS = [
    ("住房和城乡建设局", "住建值班室"),
    ("综合行政执法局", "执法值班室"),
    ("生态环境局", "环境值班室"),
    ("市场监督管理局", "特种设备科"),
    ("水务局", "供排水值班室"),
    ("公安分局交通警察大队", "勤务室"),
    ("民政局", "社会救助科"),
    ("应急管理局", "应急值班室"),
]
STREET_OFFICES = [
    ("城市管理办公室", "城管办"),
    ("社区发展治理办公室", "社治办"),
    ("平安办", "平安办"),
]

# (list, code, title, category, level, lead, supporting, handle days, basis)
ITEMS = [
    (
        "职责任务清单",
        "D-001",
        "小区内车辆乱停乱放劝导",
        "车辆乱停",
        "物业",
        "",
        "",
        5,
        "《物业管理条例》",
    ),
    (
        "属地管理重点领域责任分工清单",
        "T-001",
        "占道停车、违法停车查处",
        "车辆乱停",
        "区级部门",
        "公安分局交通警察大队",
        "综合行政执法局",
        5,
        "《道路交通安全法》",
    ),
    (
        "属地管理重点领域责任分工清单",
        "T-002",
        "电梯安全隐患排查及故障处置",
        "电梯故障",
        "区级部门",
        "市场监督管理局",
        "住房和城乡建设局",
        2,
        "《特种设备安全法》",
    ),
    (
        "职责任务清单",
        "D-002",
        "背街小巷、院落环境卫生整治",
        "环境卫生",
        "社区",
        "",
        "城市管理办公室",
        7,
        "",
    ),
    (
        "属地管理重点领域责任分工清单",
        "T-003",
        "供水、供电、供气故障协调",
        "水电气",
        "区级部门",
        "水务局",
        "住房和城乡建设局",
        1,
        "《城镇供水条例》",
    ),
    (
        "属地管理重点领域责任分工清单",
        "T-004",
        "社会生活、施工噪声污染查处",
        "噪音扰民",
        "区级部门",
        "生态环境局",
        "综合行政执法局",
        7,
        "《噪声污染防治法》",
    ),
    (
        "职责任务清单",
        "D-003",
        "小区公共设施维修维护督促",
        "公共设施",
        "物业",
        "",
        "",
        7,
        "《物业管理条例》",
    ),
    (
        "属地管理重点领域责任分工清单",
        "T-005",
        "安全生产、消防隐患排查",
        "安全隐患",
        "街道",
        "平安办",
        "应急管理局",
        3,
        "《安全生产法》",
    ),
    (
        "职责任务清单",
        "D-004",
        "邻里矛盾纠纷调解",
        "邻里纠纷",
        "社区",
        "",
        "平安办",
        15,
        "《人民调解法》",
    ),
    (
        "职责任务清单",
        "D-005",
        "物业服务投诉处理",
        "物业服务",
        "街道",
        "社区发展治理办公室",
        "",
        7,
        "《物业管理条例》",
    ),
    ("职责任务清单", "D-006", "公共绿地管护", "绿化管护", "街道", "城市管理办公室", "", 7, ""),
    (
        "公共服务事项清单",
        "S-001",
        "困难群众临时救助申请受理",
        "困难帮扶",
        "社区",
        "",
        "民政局",
        5,
        "《社会救助暂行办法》",
    ),
    (
        "公共服务事项清单",
        "S-002",
        "其他诉求登记转办",
        "其他",
        "街道",
        "社区发展治理办公室",
        "",
        7,
        "",
    ),
]


def rows(street: AdminArea) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
    district = street.parent
    unit_rows = []
    for name, contact in DEPARTMENTS:
        unit_rows.append(
            {
                "名称": f"{district.name}{name}（示例）",
                "类型": "区级部门",
                "所属区划代码": district.code,
                "联系人": contact,
                "值班电话": "028-12345",
            }
        )
    for name, contact in STREET_OFFICES:
        unit_rows.append(
            {
                "名称": f"{street.name}{name}（示例）",
                "类型": "街道科室",
                "所属区划代码": street.code,
                "联系人": contact,
                "值班电话": "028-12345",
            }
        )
    for community in AdminArea.objects.filter(parent=street, level=AreaLevel.COMMUNITY):
        name = community.name
        if not name.endswith("委会"):
            name += "居委会"
        unit_rows.append(
            {
                "名称": f"{name}（示例）",
                "类型": "社区",
                "所属区划代码": community.code,
                "联系人": "值班社工",
            }
        )

    def named(short: str) -> str:
        if not short:
            return ""
        if any(short == n for n, _ in DEPARTMENTS):
            return f"{district.name}{short}（示例）"
        return f"{street.name}{short}（示例）"

    item_rows = []
    for list_, code, title, category, level, lead, support, days, basis in ITEMS:
        item_rows.append(
            {
                "清单": list_,
                "编号": code,
                "事项": f"{title}（示例）",
                "事件类别": category,
                "责任层级": level,
                "牵头单位": named(lead),
                "配合单位": named(support),
                "办理时限（工作日）": str(days),
                "法律依据": basis,
                "状态": "有效",
            }
        )
    return list(enumerate(unit_rows, start=2)), list(enumerate(item_rows, start=2))


def do_load_illustrative(actor, street_code: str):
    """Load the illustrative units and items for a street (idempotent)."""
    street = get_area(actor, street_code)
    if street.level != AreaLevel.STREET:
        raise NotFound(f"no street {street_code}")
    unit_rows, item_rows = rows(street)
    return do_import_duty_lists(actor, street.code, unit_rows, item_rows, illustrative=True)
