"""A small roster for the registry tests: two households in 3栋 of community A."""

from finegrid import identity


def id_number(birth: str, sequence: int, address: str = "510116") -> str:
    body = f"{address}{birth}{sequence:03d}"
    return body + identity.id_check_digit(body)


ZHANG = id_number("19800215", 3)  # man
LI = id_number("19820704", 4)  # woman
WANG = id_number("19450101", 5)

ROSTER = [
    {
        "楼栋": "3栋",
        "单元": "1",
        "楼层": "5",
        "房号": "502",
        "户主姓名": "张建国",
        "姓名": "张建国",
        "与户主关系": "户主",
        "人口类型": "常住",
        "身份证号": ZHANG,
        "联系电话": "13800008000",
        "特殊标识": "退役军人、党员",
    },
    {
        "楼栋": "3栋",
        "单元": "1",
        "楼层": "5",
        "房号": "502",
        "户主姓名": "张建国",
        "姓名": "李梅",
        "与户主关系": "配偶",
        "人口类型": "常住",
        "身份证号": LI,
        "联系电话": "139 0000 1234",
        "特殊标识": "残疾人",
    },
    {
        "楼栋": "3栋",
        "单元": "1",
        "楼层": "5",
        "房号": "502",
        "户主姓名": "张建国",
        "姓名": "张小雨",
        "与户主关系": "子女",
        "人口类型": "常住",
        "性别": "女",
        "出生日期": "2016-09-01",
    },
    {
        "楼栋": "3栋",
        "单元": "2",
        "楼层": "1",
        "房号": "101",
        "户主姓名": "王秀英",
        "姓名": "王秀英",
        "与户主关系": "户主",
        "人口类型": "常住",
        "身份证号": WANG,
        "特殊标识": "独居老人、低保",
    },
]


def rows(records=ROSTER):
    return [(number, dict(record)) for number, record in enumerate(records, start=2)]
