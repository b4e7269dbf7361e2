"""The case list, a page at a time (GET /api/cases and /cases/): seek paging loses and
repeats no case while cases are opened, filters and scope hold on every page, and the
count stops at a cap instead of counting a whole street."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from finegrid import clock
from finegrid.cases import queries
from finegrid.cases.actions import do_open_case, do_step
from finegrid.cases.models import Case
from tests.conftest import COMMUNITY_A, system

NOON = timezone.make_aware(dt.datetime(2026, 11, 30, 12, 0))


def opened(grid, category: str = "noise", minutes: int = 0) -> Case:
    with clock.frozen(NOON + dt.timedelta(minutes=minutes)):
        return do_open_case(system(), category=category, text="问题", channel="staff", grid=grid)


@pytest.fixture
def cases(world):
    """Eleven cases in community A: three opened at the same minute (ties broken by id),
    the others a minute apart; two parking cases accepted; one case in another street."""
    made = [opened(world.grids.general, minutes=0) for _ in range(3)]
    made += [opened(world.grids.micro, minutes=m) for m in range(1, 7)]
    made += [opened(world.grids.general2, "parking", minutes=m) for m in (7, 8)]
    for case in made[-2:]:
        do_step(system(), case, "accept")
    opened(world.grids.other_street, minutes=9)
    return made


def newest_first(cases) -> list[str]:
    return [c.ref for c in sorted(cases, key=lambda c: (c.opened_at, c.pk), reverse=True)]


def flat(pages: list[list[str]]) -> list[str]:
    return [ref for page in pages for ref in page]


def walk(client, url: str, *, backwards_from: str | None = None) -> list[list[str]]:
    """The refs of every page, following next (or previous, from a cursor)."""
    pages, cursor, key = [], backwards_from, "previous" if backwards_from else "next"
    while True:
        answer = client.get(f"{url}&cursor={cursor}" if cursor else url)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        pages.append([c["ref"] for c in body["items"]])
        cursor = body[key]
        if cursor is None:
            return pages


def test_paging_forward_and_back_lists_every_case_once_newest_first(world, cases, login):
    client = login(world.users.community_staff)
    url = "/api/cases?page_size=4"
    first = client.get(url).json()
    assert (first["count"], first["count_capped"], first["previous"]) == (11, False, None)
    pages = walk(client, url)
    assert [len(p) for p in pages] == [4, 4, 3]
    assert flat(pages) == newest_first(cases)
    # From the last page back to the first, the same pages.
    last = client.get(f"{url}&cursor={first['next']}").json()
    last = client.get(f"{url}&cursor={last['next']}").json()
    assert last["next"] is None
    back = walk(client, url, backwards_from=last["previous"])
    assert back == [pages[1], pages[0]]


def test_a_case_opened_while_paging_shifts_no_page(world, cases, login):
    client = login(world.users.community_staff)
    url = "/api/cases?page_size=4"
    first = client.get(url).json()
    newer = opened(world.grids.micro, minutes=60)
    cursor, seen = first["next"], [c["ref"] for c in first["items"]]
    while cursor:
        body = client.get(f"{url}&cursor={cursor}").json()
        seen += [c["ref"] for c in body["items"]]
        cursor = body["next"]
    assert seen == newest_first(cases)
    # Page numbers shift (the old way, still answered); the newest page now starts with it.
    assert client.get(url).json()["items"][0]["ref"] == newer.ref
    assert client.get(f"{url}&page=2").json()["items"][0]["ref"] == seen[3]


def test_filters_and_scope_hold_on_every_page(world, cases, login):
    client = login(world.users.community_staff)
    micro = walk(client, f"/api/cases?page_size=2&area={world.grids.micro.code}")
    assert flat(micro) == newest_first(cases[3:9])
    accepted = walk(client, "/api/cases?page_size=1&status=accepted&category=parking")
    assert accepted == [[cases[-1].ref], [cases[-2].ref]]
    assert client.get("/api/cases?open=true&category=parking&status=submitted").json() == {
        "items": [],
        "count": 0,
        "count_capped": False,
        "next": None,
        "previous": None,
    }
    # A cursor is only a position: a grid worker paging from a case of the whole
    # community sees only their grid's cases, and an outsider none.
    cursor = client.get("/api/cases?page_size=1").json()["next"]
    worker = login(world.users.grid_worker)
    assert flat(walk(worker, "/api/cases?page_size=3")) == newest_first(cases[:9])
    after = worker.get("/api/cases", {"cursor": cursor}).json()
    assert [c["ref"] for c in after["items"]] == newest_first(cases[:9])
    outsider = login(world.users.outsider).get("/api/cases", {"cursor": cursor}).json()
    assert (outsider["items"], outsider["count"]) == ([], 0)


def test_the_count_stops_at_the_cap(world, cases, login, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 5)
    client = login(world.users.street_staff)
    body = client.get("/api/cases?page_size=3").json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (5, True, 3)
    everything = newest_first(Case.objects.all())  # the street's: community B's too
    assert len(everything) == 12
    assert flat(walk(client, "/api/cases?page_size=3")) == everything
    # A page number past the cap still answers its page.
    far = client.get("/api/cases?page_size=2&page=3").json()
    assert ([c["ref"] for c in far["items"]], far["count"], far["count_capped"]) == (
        everything[4:6],
        5,
        True,
    )
    before = client.get(f"/api/cases?page_size=2&cursor={far['previous']}").json()["items"]
    assert before == client.get("/api/cases?page_size=2&page=2").json()["items"]
    assert "5 件以上" in client.get("/cases/").content.decode()


@pytest.mark.parametrize(
    "cursor", ["x1.2", "a1", "a.5", "b12.x", "a99999999999999999999.1", f"a1.{2**63}"]
)
def test_a_cursor_that_is_no_position_is_refused(world, login, cursor):
    answer = login(world.users.community_staff).get("/api/cases", {"cursor": cursor})
    assert answer.status_code == 400
    assert answer.json()["problems"] == [queries.BAD_CURSOR]


def test_the_page_links_to_the_next_and_previous_cases(world, cases, login, monkeypatch):
    monkeypatch.setattr("finegrid.cases.views.CASES_A_PAGE", 5)
    client = login(world.users.community_staff)
    first = client.get("/cases/", {"area": COMMUNITY_A, "open": "1"})
    assert first.status_code == 200
    html = first.content.decode()
    order = newest_first(cases)
    assert [ref in html for ref in order] == [True] * 5 + [False] * 6
    assert "共 11 件" in html
    assert 'rel="prev"' not in html
    following = first.context["next_url"]
    assert (f"area={COMMUNITY_A}" in following, "open=1" in following) == (True, True)
    second = client.get(f"/cases/{following}")
    assert [ref in second.content.decode() for ref in order] == [False] * 5 + [True] * 5 + [False]
    back = client.get(f"/cases/{second.context['previous_url']}").content.decode()
    assert [ref in back for ref in order] == [True] * 5 + [False] * 6
    figures = client.get("/cases/figures/", {"category": "parking"}).content.decode()
    assert '<strong data-testid="received">2</strong>' in figures
    assert 'href="/cases/?category=parking"' in figures


def test_a_resident_pages_through_their_own_cases_only(world, registry, cases, login):
    from finegrid.people.actions import do_link_account

    do_link_account(system(), registry.zhang.head, world.users.resident)
    theirs = []
    for minutes in (20, 21, 22):
        with clock.frozen(NOON + dt.timedelta(minutes=minutes)):
            theirs.append(
                do_open_case(
                    system(),
                    category="noise",
                    text="楼上噪音",
                    channel="worker",
                    household=registry.zhang,
                )
            )
    client = login(world.users.resident)
    first = client.get("/api/cases?page_size=2").json()
    assert (first["count"], first["count_capped"]) == (3, False)
    assert flat(walk(client, "/api/cases?page_size=2")) == newest_first(theirs)
    page = client.get("/cases/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ([c.ref in html for c in theirs], [c.ref in html for c in cases]) == (
        [True] * 3,
        [False] * 11,
    )


def test_a_two_character_chinese_search_finds_the_cases_containing_it_in_scope(world, login):
    def case(grid, text: str, minutes: int) -> Case:
        with clock.frozen(NOON + dt.timedelta(minutes=minutes)):
            return do_open_case(system(), category="noise", text=text, channel="staff", grid=grid)

    found = [
        case(world.grids.general, "楼上噪音扰民", 1),
        case(world.grids.micro, "噪音", 2),
        case(world.grids.general2, "夜里施工，噪音很大", 3),
    ]
    for minutes, text in enumerate(("噪声", "音噪", "楼道垃圾", "噪 音"), start=4):
        case(world.grids.micro, text, minutes)
    case(world.grids.other_street, "噪音", 9)
    client = login(world.users.community_staff)
    body = client.get("/api/cases", {"q": "噪音"}).json()
    assert ([c["ref"] for c in body["items"]], body["count"]) == (newest_first(found), 3)
    narrowed = client.get("/api/cases", {"q": "噪音", "area": world.grids.general.code}).json()
    assert [c["ref"] for c in narrowed["items"]] == newest_first(found[:2])  # micro is in it
    leaf = client.get("/api/cases", {"q": "噪音", "area": world.grids.general2.code}).json()
    assert [c["ref"] for c in leaf["items"]] == [found[2].ref]
    html = client.get("/cases/", {"q": "噪音"}).content.decode()
    assert [c.ref in html for c in found] == [True] * 3
    assert '<p class="muted" data-testid="case-count">共 3 件' in html


def test_a_search_shaped_like_a_case_number_finds_the_numbers_starting_with_it(world, login):
    with clock.frozen(NOON):
        mine = do_open_case(
            system(), category="noise", text="A12B门禁坏了", channel="staff", grid=world.grids.micro
        )
        wifi = do_open_case(
            system(),
            category="facility",
            text="WiFi信号差",
            channel="staff",
            grid=world.grids.micro,
        )
        far = do_open_case(
            system(), category="noise", text="问题", channel="staff", grid=world.grids.other_street
        )
    client = login(world.users.community_staff)

    def refs(q: str) -> list[str]:
        answer = client.get("/api/cases", {"q": q})
        assert answer.status_code == 200, answer.content
        return [c["ref"] for c in answer.json()["items"]]

    assert mine.ref.startswith("20261130-")
    # Its beginning, in any case, finds it; the other street's case stays out of scope.
    assert refs(mine.ref[:13].lower()) == [mine.ref]
    assert sorted(refs("20261130")) == sorted([mine.ref, wifi.ref])
    assert refs(far.ref) == []
    # Anything short of a number's date is looked for in the texts too, case ignored: a
    # code written in a text, a room number.
    assert refs("A12B") == [mine.ref]
    assert refs("a12b门禁") == [mine.ref]
    assert sorted(refs("1130")) == sorted([mine.ref, wifi.ref])  # inside their numbers
    assert refs("门禁") == [mine.ref]
    assert refs("wifi") == [wifi.ref]
    assert refs("WIFI信号") == [wifi.ref]


def test_the_worker_analyzes_the_cases_again_on_sqlite_when_their_number_doubles(world, cases):
    from django.db import connection

    from finegrid.cli import main

    def statistics() -> list[str]:
        if connection.vendor != "sqlite":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return []
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'case_path_opened'")
            return [stat.split()[0] for (stat,) in cursor.fetchall()]

    worker = ["cases", "worker", "--rounds", "1", "--every", "0"]
    assert statistics() == []  # migrated while empty: SQLite keeps no figures for an index
    assert main(worker) == 0
    if connection.vendor != "sqlite":  # PostgreSQL's autovacuum analyzes by itself
        assert queries.refresh_statistics() is False
        return
    assert statistics() == ["12"]  # the cases of the index: all twelve
    assert queries.refresh_statistics() is False
    for minutes in range(12):
        opened(world.grids.micro, minutes=30 + minutes)
    assert (queries.refresh_statistics(), statistics()) == (False, ["12"])
    opened(world.grids.micro, minutes=50)
    assert main(worker) == 0
    assert statistics() == ["25"]
    # The overdue cases' index has figures too, even while it is empty (one row, then).
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case WHERE overdue")
        overdue = cursor.fetchone()[0]
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'case_overdue_opened'")
        assert [int(stat.split()[0]) for (stat,) in cursor.fetchall()] == [max(overdue, 1)]
