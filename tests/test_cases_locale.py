"""The cases' own words in English: the whistle calls' list, and the case strings of other
apps' pages (the map's 未结事件 layer, the route sheet's 上报问题) in the project's
catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

import finegrid

PACKAGE = Path(finegrid.__file__).parent


def catalogue(path: str):
    with (PACKAGE / path).open("rb") as file:
        return read_po(file)


def test_the_cases_catalogue_names_the_reports_of_whistle_calls():
    # Every catalogue's completeness is tests/test_locale.py's.
    assert catalogue("cases/locale/en/LC_MESSAGES/django.po")["待报到"].string == (
        "Awaiting report (报到)"
    )


def test_case_strings_of_other_pages_have_english():
    found = catalogue("locale/en/LC_MESSAGES/django.po")
    assert {m: found[m].string for m in ("未结事件", "上报问题", "部门工作人员")} == {
        "未结事件": "Open cases",
        "上报问题": "Report a problem",
        "部门工作人员": "Department staff",
    }
    assert not any(found[m].fuzzy for m in ("未结事件", "上报问题", "部门工作人员"))
