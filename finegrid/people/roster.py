"""The household roster (户籍花名册) as community staff keep it in spreadsheets: its
columns, reading it from .xlsx or .csv, checking every row, and writing it back out.

One row per person; the persons of one dwelling (楼栋/单元/房号) form one household.
Every problem is reported as row + column + reason, all in one pass, in the active
language (Chinese first, English when the reader asks for it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext

from finegrid.people.checks import check_identity, not_one_of
from finegrid.people.models import PLAIN_FLAGS, Relation, ResidenceType, SensitiveFlag, Sex

# Columns in order; required ones first. The same list makes the template, reads imports
# and writes exports.
COLUMNS = [
    "楼栋",
    "单元",
    "楼层",
    "房号",
    "户主姓名",
    "姓名",
    "与户主关系",
    "人口类型",
    "身份证号",
    "联系电话",
    "性别",
    "出生日期",
    "特殊标识",
    "标签",
]
REQUIRED = ("楼栋", "单元", "楼层", "房号", "户主姓名", "姓名", "与户主关系", "人口类型")
EXAMPLE = [
    "3栋",
    "1",
    "5",
    "502",
    "张建国",
    "张建国",
    "户主",
    "常住",
    "510116198002150030",
    "13800008000",
    "男",
    "1980-02-15",
    "退役军人、党员",
    "楼栋长",
]
# The column each checked field of finegrid.people.checks comes from.
FIELD_COLUMNS = {
    "id_number": "身份证号",
    "sex": "性别",
    "birth_date": "出生日期",
    "phone": "联系电话",
}
SEPARATORS = re.compile(r"[、,，;；\s]+")
# An optional cell left empty keeps what is registered for a person already on file; this
# marker clears it. The names are those of RosterRow.kept.
CLEAR_MARKER = "（清除）"
CLEAR_MARKERS = frozenset({CLEAR_MARKER, "(清除)"})
OPTIONAL_COLUMNS = {
    "身份证号": "id_number",
    "联系电话": "phone",
    "性别": "sex",
    "出生日期": "birth_date",
    "特殊标识": "flags",
    "标签": "tags",
}
# The template's second sheet: how to fill it in.
NOTES = [
    ["列", "说明"],
    *[[c, "必填"] for c in REQUIRED],
    ["身份证号", "18 位，校验码按 GB 11643 核对；填写后性别与出生日期以身份证号为准"],
    ["联系电话", "11 位手机号，可带 +86"],
    ["出生日期", "形如 1980-02-15"],
    ["特殊标识", "以顿号分隔；填写即替换此人原有的全部标识"],
    [
        "留空与清除",
        f"重新导入时，可选列留空表示保留已登记的值；要删除已登记的值，请填写“{CLEAR_MARKER}”",
    ],
]

RELATIONS = {str(label): value for value, label in Relation.choices} | {"本人": Relation.HEAD}
RESIDENCE_TYPES = {str(label): value for value, label in ResidenceType.choices}
SEXES = {str(label): value for value, label in Sex.choices}
SENSITIVE = {str(label): value for value, label in SensitiveFlag.choices}
PLAIN = {str(label): name for name, label in PLAIN_FLAGS.items()}


class RosterFormatError(ValueError):
    """The file as a whole cannot be read (not a roster, wrong columns)."""


@dataclass
class RosterRow:
    """A checked row: what will be stored for one person."""

    row: int
    building: str
    entrance: int
    floor: int
    room: str
    head_name: str
    name: str
    relation: str
    residence_type: str
    id_number: str = ""
    phone: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    plain_flags: set[str] = field(default_factory=set)
    sensitive_flags: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # Optional values whose cell was empty: a person already registered keeps them.
    kept: frozenset[str] = frozenset()

    @property
    def dwelling_key(self) -> tuple[str, int, str]:
        return (self.building, self.entrance, self.room)


def read(path: str | Path, content: bytes | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as the spreadsheet shows it, {column: text}) for each non-empty row."""
    name = str(path).lower()
    if content is None:
        content = Path(path).read_bytes()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif name.endswith(".csv"):
        rows = _csv_rows(content)
    else:
        raise RosterFormatError(gettext("%(path)s：花名册应为 .xlsx 或 .csv 文件") % {"path": path})
    header = next(rows, None)
    if header is None:
        raise RosterFormatError(gettext("%(path)s：文件为空") % {"path": path})
    header = [str(h or "").strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterFormatError(
            gettext("%(path)s：第 1 行缺少列 %(missing)s（模板的列为 %(columns)s）")
            % {"path": path, "missing": "、".join(missing), "columns": "、".join(COLUMNS)}
        )
    for number, values in enumerate(rows, start=2):
        cells = {
            column: _text(values[i]) if i < len(values) else "" for i, column in enumerate(header)
        }
        if any(cells.values()):
            yield number, cells


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(content: bytes) -> Iterator[tuple]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise RosterFormatError(
            gettext("不是可读取的 .xlsx 文件（%(error)s）") % {"error": error}
        ) from None
    yield from workbook.worksheets[0].iter_rows(values_only=True)


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFormatError(gettext("该 .csv 文件既不是 UTF-8 也不是 GB18030 编码"))
    yield from csv.reader(io.StringIO(text))


def at_cell(row: int, column: str, reason: str) -> str:
    """One problem of the report: the row as the spreadsheet numbers it, the column, why."""
    return gettext("第 %(row)s 行，%(column)s：%(reason)s") % {
        "row": row,
        "column": column,
        "reason": reason,
    }


def check(number: int, cells: dict[str, str], today: dt.date) -> tuple[RosterRow | None, list[str]]:
    """Check one row; every problem names the row and the column."""
    problems: list[str] = []

    def problem(column: str, reason: str) -> None:
        problems.append(at_cell(number, column, reason))

    kept = {name for column, name in OPTIONAL_COLUMNS.items() if not cells.get(column)}
    sex_cleared = cells.get("性别") in CLEAR_MARKERS
    if sex_cleared:
        problem("性别", gettext("不能清除"))
    cells = {c: "" if v in CLEAR_MARKERS else v for c, v in cells.items()}
    if cells.get("身份证号"):
        kept -= {"sex", "birth_date"}  # the ID number says them

    for column in REQUIRED:
        if not cells.get(column):
            problem(column, gettext("为空"))
    entrance = _whole_number(cells.get("单元", ""), "单元", 1, 99, problem)
    floor = _whole_number(cells.get("楼层", ""), "楼层", -5, 200, problem)
    relation = RELATIONS.get(cells.get("与户主关系", ""))
    if cells.get("与户主关系") and relation is None:
        problem("与户主关系", not_one_of(cells["与户主关系"], "、".join(RELATIONS)))
    residence = RESIDENCE_TYPES.get(cells.get("人口类型", ""))
    if cells.get("人口类型") and residence is None:
        problem("人口类型", not_one_of(cells["人口类型"], "、".join(RESIDENCE_TYPES)))

    sex = SEXES.get(cells.get("性别", ""), "")
    if cells.get("性别") and not sex:
        problem("性别", gettext("“%(value)s”应为“男”或“女”") % {"value": cells["性别"]})
    birth = None
    if cells.get("出生日期"):
        try:
            birth = dt.date.fromisoformat(cells["出生日期"].replace("/", "-"))
        except ValueError:
            problem(
                "出生日期",
                gettext("“%(value)s”不是形如 1980-02-15 的日期") % {"value": cells["出生日期"]},
            )
    values, found = check_identity(
        id_number=cells.get("身份证号", ""),
        sex=sex,
        birth_date=birth,
        phone=cells.get("联系电话", ""),
        today=today,
    )
    for name, reason in found.items():
        if name == "sex" and (
            sex_cleared
            or (cells.get("性别") and not sex)
            or ("sex" in kept and not cells.get("身份证号"))
        ):
            # Said already; or the person may be on file (checked once rows are matched).
            continue
        problem(FIELD_COLUMNS[name], reason)
    plain, sensitive = set(), []
    for flag in (f for f in SEPARATORS.split(cells.get("特殊标识", "")) if f):
        if flag in PLAIN:
            plain.add(PLAIN[flag])
        elif flag in SENSITIVE:
            sensitive.append(SENSITIVE[flag])
        else:
            problem("特殊标识", not_one_of(flag, "、".join([*PLAIN, *SENSITIVE])))
    if problems:
        return None, problems
    return RosterRow(
        row=number,
        building=cells["楼栋"],
        entrance=entrance,
        floor=floor,
        room=cells["房号"],
        head_name=cells["户主姓名"],
        name=cells["姓名"],
        relation=relation,
        residence_type=residence,
        id_number=values["id_number"],
        phone=values["phone"],
        sex=values["sex"],
        birth_date=values["birth_date"],
        plain_flags=plain,
        sensitive_flags=sorted(sensitive),
        tags=[t for t in SEPARATORS.split(cells.get("标签", "")) if t],
        kept=frozenset(kept),
    ), []


def _whole_number(text: str, column: str, low: int, high: int, problem) -> int:
    digits = text.removesuffix(column).removesuffix("单元").removesuffix("层").strip()
    try:
        value = int(digits)
    except ValueError:
        if text:
            problem(column, gettext("“%(value)s”不是整数") % {"value": text})
        return 0
    if not low <= value <= high:
        problem(
            column,
            gettext("%(value)s 不在 %(low)s 到 %(high)s 之间")
            % {"value": value, "low": low, "high": high},
        )
    return value


def check_households(rows: list[RosterRow]) -> list[str]:
    """Rules across rows: one head per dwelling, named as every row of it says, and no ID
    number twice."""
    problems: list[str] = []
    by_dwelling: dict[tuple, list[RosterRow]] = {}
    for row in rows:
        by_dwelling.setdefault(row.dwelling_key, []).append(row)
    for (building, entrance, room), members in by_dwelling.items():
        where = f"{building}{entrance}单元{room}"
        heads = [m for m in members if m.relation == Relation.HEAD]
        names = {m.head_name for m in members}
        floors = {m.floor for m in members}
        first = members[0].row
        if len(names) > 1:
            reason = gettext("%(where)s 各行的户主姓名不一致（%(names)s）")
            problems.append(
                at_cell(
                    first, "户主姓名", reason % {"where": where, "names": "、".join(sorted(names))}
                )
            )
        if len(floors) > 1:
            reason = gettext("%(where)s 填在了不同楼层")
            problems.append(at_cell(first, "楼层", reason % {"where": where}))
        if len(heads) != 1:
            reason = gettext("%(where)s 应有且仅有一名户主，现有 %(count)s 名")
            problems.append(
                at_cell(first, "与户主关系", reason % {"where": where, "count": len(heads)})
            )
        elif heads[0].name != heads[0].head_name:
            reason = gettext("%(where)s 的户主在“户主姓名”列中是 %(name)s")
            problems.append(
                at_cell(heads[0].row, "姓名", reason % {"where": where, "name": heads[0].head_name})
            )
    first_row: dict[str, int] = {}
    for row in rows:
        if row.id_number and row.id_number in first_row:
            reason = gettext("与第 %(first)s 行的身份证号相同") % {
                "first": first_row[row.id_number]
            }
            problems.append(at_cell(row.row, "身份证号", reason))
        elif row.id_number:
            first_row[row.id_number] = row.row
    return problems


def to_bytes(rows: Iterable[list], fmt: str, *, notes: bool = False) -> bytes:
    """A roster (header plus rows) as the bytes of an .xlsx or .csv file; ``notes`` adds
    the template's second sheet, how to fill it in (.xlsx only)."""
    buffer = io.BytesIO()
    if fmt == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("花名册")
        sheet.append(COLUMNS)
        for row in rows:
            sheet.append(row)
        if notes:
            sheet = workbook.create_sheet("填写说明")
            for line in NOTES:
                sheet.append(line)
        workbook.save(buffer)
    elif fmt == "csv":
        text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        text.flush()
        text.detach()
    else:
        raise RosterFormatError(
            gettext("花名册只能写成 xlsx 或 csv，不能是 %(format)s") % {"format": fmt}
        )
    return buffer.getvalue()


def write(path: str | Path, rows: Iterable[list], *, notes: bool = False) -> None:
    """Write a roster as .xlsx or .csv, by the file's suffix."""
    Path(path).write_bytes(to_bytes(rows, Path(path).suffix.lower().lstrip("."), notes=notes))


def template_bytes(fmt: str = "xlsx") -> bytes:
    return to_bytes([EXAMPLE], fmt, notes=True)


def write_template(path: str | Path) -> None:
    write(path, [EXAMPLE], notes=True)
