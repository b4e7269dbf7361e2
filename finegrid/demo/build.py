"""Building the demo, from empty database to staffed micro-grids, in one transaction."""

from __future__ import annotations

import dataclasses
import os

from django.db import transaction
from tqdm import tqdm

from finegrid import killpoint, synth
from finegrid.accounts.models import AuditEntry
from finegrid.accounts.system import system_actor
from finegrid.campaigns import demo as campaign_demo
from finegrid.cli import CommandError
from finegrid.demo.load import LoadReport, divide_and_apply, write_community
from finegrid.demo.staff import (
    DEMO_PASSWORD,
    Login,
    create_logins,
    link_resident,
    showcase,
    staff,
)
from finegrid.divisions import Division
from finegrid.partners import demo as partners_demo
from finegrid.people.models import Household
from finegrid.synth.commands import usable_outlines
from finegrid.territory.actions import do_load_areas
from finegrid.territory.models import AdminArea
from finegrid.workforce.demo import populate as populate_workforce


def refuse_if_not_empty() -> None:
    if Household.objects.exists():
        raise CommandError(
            "this database already holds households; the demo starts from an empty one "
            "(set FINEGRID_VAR_DIR or DATABASE_URL to a new place)"
        )


@transaction.atomic
def build(area: Division, seed: int, *, workers: int | None = None) -> dict:
    workers = workers or os.cpu_count() or 1
    actor = system_actor("demo")
    do_load_areas(actor, area.code[:4])
    communities = synth.communities_in([area.code])
    report = LoadReport()
    generated = synth.generate([area.code], seed, workers=workers, outlines=usable_outlines())
    for community in tqdm(generated, total=len(communities), desc="communities", unit="社区"):
        write_community(actor, community, report)
    killpoint.pause("demo-build", Household, AuditEntry)
    with tqdm(total=len(report.divide_tasks), desc="division", unit="grid") as progress:
        divide_and_apply(
            actor, report.divide_tasks, seed, workers, report, on_done=lambda _: progress.update()
        )
    place = showcase(area.short_code)
    logins = create_logins(actor, area.short_code, place)
    accounts = {
        place.general.code: logins["grid_worker"][0],
        place.micro.code: logins["micro_worker"][0],
    }
    area_path = AdminArea.objects.get(code=area.code).path
    counts = staff(actor, area_path, seed, place, accounts)
    link_resident(actor, place, logins["resident"][0])
    campaign_demo.run(actor, area.code, place.community.path, seed, place.micro.code)
    from finegrid.cases.demo import seed_cases

    counts |= seed_cases(actor, area.code, seed, resident=logins["resident"][0])
    counts["workforce"] = populate_workforce(actor, area.code, area_path, seed)
    cogovernance = partners_demo.populate(actor, place.community.code, seed, DEMO_PASSWORD)
    if partner := cogovernance.pop("partner_login", None):
        logins["partner"] = (partner, Login("partner", "partner", place.community.code, "共建共治"))
    figures = {k: v for k, v in dataclasses.asdict(report).items() if k != "divide_tasks"}
    return {
        **figures,
        **counts,
        **cogovernance,
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
    if state.get("open311_key"):
        print(
            f"{state.get('cases', 0)} cases over the last month (illustrative duty lists); "
            f"Open311: http://{host}:{port}/open311/v2/services.json api_key={state['open311_key']}"
        )
    print(f"\nfinegrid demo: http://{host}:{port}/   (password for every login: {DEMO_PASSWORD})")
    for login in state["logins"]:
        username, role, scope = login["username"], login["role"], login["scope"]
        print(f"  {username:<12} {role:<16} {scope:<22} → {login['lands_on']}")
    print()
