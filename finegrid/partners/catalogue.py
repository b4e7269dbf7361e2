"""The catalogue of public services the government buys from partners (政府购买服务目录):
an illustrative list of common items, loaded by `finegrid partners catalogue`; areas add
their own through the admin."""

from __future__ import annotations

from django.db import transaction

from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.scope import require
from finegrid.partners.models import ServiceCategory, ServiceItem

# Illustrative (示例): a realistic catalogue composed after the kinds of items Chengdu's
# districts buy (community culture, sanitation, elderly care, …). It is not a copy of any
# published list; each item is loaded with ``illustrative`` set, and an area replaces or
# extends it through the admin with its own published catalogue.
ITEMS = [
    ("WH-01", "社区文化活动组织", ServiceCategory.CULTURE),
    ("WH-02", "社区图书室运营", ServiceCategory.CULTURE),
    ("WH-03", "传统节日活动", ServiceCategory.CULTURE),
    ("WH-04", "社区文艺团队培育", ServiceCategory.CULTURE),
    ("WH-05", "社区院坝电影放映", ServiceCategory.CULTURE),
    ("WH-06", "非遗传承体验活动", ServiceCategory.CULTURE),
    ("WH-07", "全民阅读推广", ServiceCategory.CULTURE),
    ("WH-08", "社区体育健身指导", ServiceCategory.CULTURE),
    ("WH-09", "社区运动会组织", ServiceCategory.CULTURE),
    ("WH-10", "文化志愿者培训", ServiceCategory.CULTURE),
    ("WH-11", "社区书画展览", ServiceCategory.CULTURE),
    ("WH-12", "社区合唱团排练辅导", ServiceCategory.CULTURE),
    ("HW-01", "背街小巷保洁", ServiceCategory.SANITATION),
    ("HW-02", "垃圾分类督导", ServiceCategory.SANITATION),
    ("HW-03", "老旧院落环境整治", ServiceCategory.SANITATION),
    ("HW-04", "公共厕所管护", ServiceCategory.SANITATION),
    ("HW-05", "小区化粪池清掏", ServiceCategory.SANITATION),
    ("HW-06", "大件垃圾清运", ServiceCategory.SANITATION),
    ("HW-07", "建筑垃圾临时清运", ServiceCategory.SANITATION),
    ("HW-08", "病媒生物防制（四害消杀）", ServiceCategory.SANITATION),
    ("HW-09", "沟渠管网疏通", ServiceCategory.SANITATION),
    ("HW-10", "公共区域除雪除冰与积水清理", ServiceCategory.SANITATION),
    ("HW-11", "餐厨垃圾收运督导", ServiceCategory.SANITATION),
    ("HW-12", "楼道堆物清理", ServiceCategory.SANITATION),
    ("YL-01", "居家养老上门服务", ServiceCategory.ELDERLY),
    ("YL-02", "社区老年食堂运营", ServiceCategory.ELDERLY),
    ("YL-03", "独居老人探访", ServiceCategory.ELDERLY),
    ("YL-04", "日间照料中心运营", ServiceCategory.ELDERLY),
    ("YL-05", "老年人助浴服务", ServiceCategory.ELDERLY),
    ("YL-06", "老年人助医陪诊", ServiceCategory.ELDERLY),
    ("YL-07", "失能老人家庭照护培训", ServiceCategory.ELDERLY),
    ("YL-08", "老年人智能手机培训", ServiceCategory.ELDERLY),
    ("YL-09", "长者健康讲座", ServiceCategory.ELDERLY),
    ("YL-10", "适老化改造评估", ServiceCategory.ELDERLY),
    ("YL-11", "老年人紧急呼叫响应", ServiceCategory.ELDERLY),
    ("YL-12", "老年大学社区教学点", ServiceCategory.ELDERLY),
    ("ET-01", "四点半课堂", ServiceCategory.CHILDREN),
    ("ET-02", "儿童之家运营", ServiceCategory.CHILDREN),
    ("ET-03", "寒暑假托管", ServiceCategory.CHILDREN),
    ("ET-04", "困境儿童关爱", ServiceCategory.CHILDREN),
    ("ET-05", "青少年心理辅导", ServiceCategory.CHILDREN),
    ("ET-06", "家庭教育讲座", ServiceCategory.CHILDREN),
    ("ET-07", "儿童安全教育", ServiceCategory.CHILDREN),
    ("ET-08", "亲子阅读活动", ServiceCategory.CHILDREN),
    ("ET-09", "社区托育点运营", ServiceCategory.CHILDREN),
    ("ET-10", "青少年志愿服务组织", ServiceCategory.CHILDREN),
    ("PA-01", "院落巡逻值守", ServiceCategory.SAFETY),
    ("PA-02", "消防安全宣传", ServiceCategory.SAFETY),
    ("PA-03", "矛盾纠纷调解", ServiceCategory.SAFETY),
    ("PA-04", "反诈宣传", ServiceCategory.SAFETY),
    ("PA-05", "社区戒毒康复服务", ServiceCategory.SAFETY),
    ("PA-06", "社区矫正对象帮扶", ServiceCategory.SAFETY),
    ("PA-07", "电动自行车充电安全巡查", ServiceCategory.SAFETY),
    ("PA-08", "防灾减灾演练", ServiceCategory.SAFETY),
    ("PA-09", "流动人口服务登记协助", ServiceCategory.SAFETY),
    ("PA-10", "平安志愿者队伍管理", ServiceCategory.SAFETY),
    ("LH-01", "公共绿地养护", ServiceCategory.GREENING),
    ("LH-02", "行道树修剪", ServiceCategory.GREENING),
    ("LH-03", "小游园管护", ServiceCategory.GREENING),
    ("LH-04", "屋顶及立体绿化养护", ServiceCategory.GREENING),
    ("LH-05", "社区花园营造", ServiceCategory.GREENING),
    ("LH-06", "古树名木巡护", ServiceCategory.GREENING),
    ("LH-07", "绿化带病虫害防治", ServiceCategory.GREENING),
    ("LH-08", "口袋公园维护", ServiceCategory.GREENING),
    ("QT-01", "社区微更新项目管理", ServiceCategory.OTHER),
    ("QT-02", "残疾人康复服务", ServiceCategory.OTHER),
    ("QT-03", "就业创业指导", ServiceCategory.OTHER),
    ("QT-04", "社区法律咨询", ServiceCategory.OTHER),
    ("QT-05", "社会组织孵化", ServiceCategory.OTHER),
    ("QT-06", "社区志愿服务站运营", ServiceCategory.OTHER),
    ("QT-07", "退役军人服务", ServiceCategory.OTHER),
    ("QT-08", "社区心理健康服务", ServiceCategory.OTHER),
    ("QT-09", "困难群众救助帮扶", ServiceCategory.OTHER),
    ("QT-10", "社区公共空间运营", ServiceCategory.OTHER),
]


@transaction.atomic
def do_load_catalogue(actor) -> int:
    """Add the items of ITEMS that are not in the catalogue yet; returns how many."""
    require(actor, "partners.add_serviceitem")
    known = set(ServiceItem.objects.values_list("code", flat=True))
    added = [
        ServiceItem(code=code, name=name, category=category, illustrative=True)
        for code, name, category in ITEMS
        if code not in known
    ]
    for item in added:
        item.save()
        audit.record(actor, AuditAction.CREATE, item)
    return len(added)


@transaction.atomic
def do_add_service_item(actor, *, code: str, name: str, category: str) -> ServiceItem:
    """Add one item to the catalogue."""
    from finegrid.errors import Conflict, InvalidInput

    require(actor, "partners.add_serviceitem")
    code, name = (code or "").strip(), (name or "").strip()
    problems = []
    if not code or len(code) > 20:
        problems.append("code: must be 1 to 20 characters")
    if not name or len(name) > 100:
        problems.append("name: must be 1 to 100 characters")
    if category not in ServiceCategory.values:
        problems.append(f"category: {category!r} is not one of {', '.join(ServiceCategory.values)}")
    if problems:
        raise InvalidInput(problems)
    if ServiceItem.objects.filter(code=code).exists():
        raise Conflict(f"code: catalogue item {code} already exists")
    item = ServiceItem.objects.create(code=code, name=name, category=category)
    audit.record(actor, AuditAction.CREATE, item)
    return item
