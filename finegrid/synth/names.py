"""Fake but plausible Chinese names for people, compounds and dedicated sites."""

from __future__ import annotations

import numpy as np

# The ten commonest surnames with their approximate shares of China's registered population
# (Ministry of Public Security household-registration name report, 2019/2020; rounded).
_TOP_SURNAMES = {
    "王": 7.2, "李": 7.2, "张": 6.8, "刘": 5.1, "陈": 4.7,
    "杨": 3.3, "黄": 2.4, "赵": 2.1, "吴": 2.0, "周": 1.9,
}  # fmt: skip
# The next ones in rank order; their shares are extrapolated with Zipf's law (share ∝ 1/rank).
_MORE_SURNAMES = (
    "徐孙马朱胡郭何林高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚"
    "卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万"
    "钱严赖覃洪武莫孔汤向常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
)
SURNAMES = np.array([*_TOP_SURNAMES, *_MORE_SURNAMES])
SURNAME_WEIGHTS = np.array(
    [*_TOP_SURNAMES.values()] + [1.9 * 10 / rank for rank in range(11, 11 + len(_MORE_SURNAMES))]
)
SURNAME_WEIGHTS = SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum()

# Characters of given names by sex and birth cohort (before 1965, 1965–1989, 1990 on).
GIVEN_NAME_CHARACTERS = {
    ("M", 0): "国建德福贵明华文志军平忠发荣海生林成永庆富昌伟强才清",
    ("M", 1): "伟强军勇杰涛斌超明刚平辉鹏华飞波宇浩凯健俊峰亮东磊斌兵红",
    ("M", 2): "子梓浩宇轩泽铭奕航睿博晨阳一诚嘉俊豪宸皓然文煜逸鑫",
    ("F", 0): "秀英桂兰淑珍玉凤芳华琼素翠萍金花春梅群淑贞惠芬云",
    ("F", 1): "丽芳娜敏静艳娟霞玲燕红琴萍莉婷雪慧颖洁丹梅蓉琳晓",
    ("F", 2): "欣怡涵萱诗雨梦佳彤可思悦语一琪梓瑶馨婉嘉妍若晨依",
}
COHORT_STARTS = (1965, 1990)  # birth years where the next cohort's names begin
SINGLE_CHARACTER_SHARE = 0.15  # share of given names with one character

# Parts of estate and business names.
ESTATE_PREFIXES = (
    "锦城", "锦江", "蜀都", "天府", "芙蓉", "银杏", "金沙", "青城", "浣花", "翠竹",
    "龙湖", "凤凰", "阳光", "幸福", "和平", "南湖", "东湖", "西岭", "望江", "玉林",
    "紫荆", "华阳", "新城", "滨河", "万科", "中海", "保利", "金色", "明月", "香榭",
    "桂湖", "府河",
)  # fmt: skip
ESTATE_SUFFIXES = (
    "花园", "小区", "家园", "苑", "雅居", "名城", "公馆", "华庭", "新村", "城",
    "府", "里", "广场", "国际",
)  # fmt: skip
ENTERPRISE_TRADES = (
    "科技", "电子", "食品", "医药", "物流", "建材", "机械", "软件", "生物", "文化",
    "农业", "新材料",
)  # fmt: skip
ORDINALS = "一二三四五六七八九十"


def person_names(
    rng: np.random.Generator, sexes: np.ndarray, birth_years: np.ndarray, surnames: np.ndarray
) -> list[str]:
    """Given names drawn per sex and birth cohort, after the given surnames."""
    cohorts = np.searchsorted(COHORT_STARTS, birth_years, side="right")
    count = len(sexes)
    first = np.empty(count, dtype="U1")
    second = np.empty(count, dtype="U1")
    for (sex, cohort), characters in GIVEN_NAME_CHARACTERS.items():
        chosen = (sexes == sex) & (cohorts == cohort)
        pool = np.array(list(characters))
        first[chosen] = rng.choice(pool, chosen.sum())
        second[chosen] = rng.choice(pool, chosen.sum())
    second[rng.random(count) < SINGLE_CHARACTER_SHARE] = ""
    return [
        s + a + b
        for s, a, b in zip(surnames.tolist(), first.tolist(), second.tolist(), strict=True)
    ]


def surnames(rng: np.random.Generator, count: int) -> np.ndarray:
    return rng.choice(SURNAMES, count, p=SURNAME_WEIGHTS)


def place_stem(short_name: str) -> str:
    """棠湖社区 → 棠湖, 团结村 → 团结: the part of a community's name other names build on."""
    for suffix in ("社区", "村"):
        if short_name.endswith(suffix) and len(short_name) > len(suffix):
            return short_name[: -len(suffix)]
    return short_name


def estate_name(rng: np.random.Generator) -> str:
    return str(rng.choice(ESTATE_PREFIXES)) + str(rng.choice(ESTATE_SUFFIXES))


def dedicated_site_name(rng: np.random.Generator, kind: str, stem: str) -> str:
    prefix = str(rng.choice(ESTATE_PREFIXES))
    choices = {
        "school": [f"{stem}小学", f"{stem}中学", f"{stem}幼儿园", f"{prefix}实验学校"],
        "hospital": [f"{stem}社区卫生服务中心", f"{prefix}医院", f"{stem}卫生院"],
        "market": [f"{stem}农贸市场", f"{prefix}菜市场"],
        "enterprise": [f"四川{prefix}{rng.choice(ENTERPRISE_TRADES)}有限公司"],
        "industrial_park": [f"{prefix}{rng.choice(ENTERPRISE_TRADES)}产业园"],
        "office_tower": [f"{prefix}大厦", f"{prefix}中心", f"{prefix}国际商务楼"],
        "construction_site": [f"{prefix}项目工地"],
        "agency": [f"{stem}派出所", f"{stem}党群服务中心", f"{stem}税务所"],
    }[kind]
    return str(rng.choice(choices))
