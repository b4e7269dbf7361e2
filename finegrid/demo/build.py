"""Building the demo, from empty database to staffed micro-grids, in one transaction."""

from __future__ import annotations

import dataclasses
import os

from django.db import transaction
from tqdm import tqdm

from finegrid import synth
from finegrid.cli import CommandError
from finegrid.demo.load import LoadReport, divide_and_apply, write_community
from finegrid.demo.staff import DEMO_PASSWORD, create_logins, link_resident, showcase, staff
from finegrid.divisions import Division
from finegrid.people.models import Household
from finegrid.territory.actions import do_load_areas
from finegrid.territory.models import AdminArea


def refuse_if_not_empty() -> None:
    if Household.objects.exists():
        raise CommandError(
            "this database already holds households; the demo starts from an empty one "
            "(set FINEGRID_VAR_DIR or DATABASE_URL to a new place)"
        )


@transaction.atomic
def build(area: Division, seed: int, *, workers: int | None = None) -> dict:
    workers = workers or os.cpu_count() or 1
    do_load_areas(None, area.code[:4])
    communities = synth.communities_in([area.code])
    report = LoadReport()
    generated = synth.generate([area.code], seed, workers=workers)
    for community in tqdm(generated, total=len(communities), desc="communities", unit="社区"):
        write_community(community, report)
    with tqdm(total=len(report.divide_tasks), desc="division", unit="grid") as progress:
        divide_and_apply(
            report.divide_tasks, seed, workers, report, on_done=lambda _: progress.update()
        )
    place = showcase(area.short_code)
    logins = create_logins(area.short_code, place)
    accounts = {
        place.general.code: logins["grid_worker"][0],
        place.micro.code: logins["micro_worker"][0],
    }
    area_path = AdminArea.objects.get(code=area.code).path
    counts = staff(area_path, seed, place, accounts)
    link_resident(place, logins["resident"][0])
    figures = {k: v for k, v in dataclasses.asdict(report).items() if k != "divide_tasks"}
    return {
        **figures,
        **counts,
        "logins": [dataclasses.asdict(login) for _, login in logins.values()],
    }


def print_summary(state: dict, host: str, port: int) -> None:
    print(
        f"\n{state['communities']} communities, {state['general_grids']} general grids, "
        f"{state['micro_grids']} micro-grids ({state['over_window']} over 3 h), "
        f"{state['dedicated_grids']} dedicated grids, {state['households']} households, "
        f"{state['persons']} persons, {state['party_orgs']} party organizations, "
        f"{state['workers']} workers — built in {state.get('seconds', '?')} s"
    )
    print(f"\nfinegrid demo: http://{host}:{port}/   (password for every login: {DEMO_PASSWORD})")
    for login in state["logins"]:
        username, role, scope = login["username"], login["role"], login["scope"]
        print(f"  {username:<12} {role:<16} {scope:<22} → {login['lands_on']}")
    print()
