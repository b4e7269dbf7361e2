"""Co-governance for the demo: partners for the showcase community's compounds, owners'
committees with a term and an assembly decision, a closed and published rating period
with grades, one service award, and published accounts for several compounds — so that
every partners page shows real-looking content. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from finegrid.accounts.actions import do_create_user
from finegrid.partners import actions, catalogue
from finegrid.partners.creditcode import complete
from finegrid.partners.models import Choice, PartnerKind
from finegrid.people.models import Household, Person
from finegrid.territory.models import AdminArea, Compound, Dwelling

COMPANIES = ["锦华物业", "蜀信物业", "天府之家物业", "嘉祥物业"]
INCOME = [
    ("parking", "临时停车费"),
    ("advertising", "道闸广告"),
    ("elevator_ads", "电梯广告"),
    ("venue_rent", "架空层场地租赁"),
]
SPENDING = [
    ("repair", "更换路灯与监控"),
    ("cleaning", "公共区域消杀"),
    ("activities", "邻里节活动"),
    ("committee", "业委会办公经费"),
    ("tax", "代缴税费"),
]
# At most this many compounds get partners: enough for every page, quick to build.
MAX_COMPOUNDS = 8


def _code(rng, area: str) -> str:
    """A well-formed unified social credit code registered in the area's district."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(alphabet[i] for i in rng.integers(0, len(alphabet), 9))
    return complete(f"91{area[:6]}{body}")


def _recent(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last ninety days, which hold the demo's month of cases."""
    return today - dt.timedelta(days=89), today


def populate(actor, community_code: str, seed: int, password: str) -> dict:
    """Co-governance of one community; returns counts and the partner login."""
    rng = np.random.default_rng(seed + 278)
    today = dt.date.today()
    area = AdminArea.objects.get(code=community_code)
    catalogue.do_load_catalogue(actor)
    compounds = list(
        Compound.objects.filter(community=area, buildings__dwellings__household__isnull=False)
        .distinct()
        .order_by("ref")[:MAX_COMPOUNDS]
    )
    if not compounds:
        return {"partners": 0}
    since = dt.date(today.year - 3, 1, 1)
    companies = [
        actions.do_create_partner(
            actor,
            kind=PartnerKind.PROPERTY,
            name=name,
            area=community_code,
            credit_code=_code(rng, community_code),
            contact_post="项目经理",
            phone=f"028-{8550 + n:04d}{int(rng.integers(1000, 9999)):04d}",
        )
        for n, name in enumerate(COMPANIES[: max(1, min(len(COMPANIES), len(compounds) // 2))])
    ]
    areas = {}
    for dwelling in Dwelling.objects.filter(building__compound__in=compounds).order_by("pk"):
        areas[dwelling.pk] = Decimal(int(rng.integers(5500, 14000))) / 100
    actions.do_set_dwelling_areas(actor, areas, "demo: floor areas of the registry")
    committees = []
    for n, compound in enumerate(compounds):
        company = companies[n % len(companies)]
        actions.do_start_service(actor, company, compound=compound.pk, start=since)
        if n % 2 == 0:
            committee = actions.do_create_partner(
                actor,
                kind=PartnerKind.OWNERS_COMMITTEE,
                name=f"{compound.name}业主委员会",
                area=community_code,
            )
            actions.do_start_service(actor, committee, compound=compound.pk, start=since)
            term = actions.do_start_term(
                actor, committee, start=since, end=dt.date(since.year + 5, 12, 31)
            )
            owners = Person.objects.filter(
                household__dwelling__building__compound=compound, relation="head"
            ).order_by("pk")[:3]
            for role, person in zip(("chair", "vice_chair", "member"), owners, strict=False):
                actions.do_add_term_member(actor, term, person.pk, role)
            committees.append((compound, committee))
    # A part-time committee member from each company with a party-member resident.
    members = list(
        Person.objects.filter(household__community=area, party_member=True).order_by("pk")[
            : len(companies)
        ]
    )
    for company, person in zip(companies, members, strict=False):
        actions.do_add_committee_member(
            actor,
            person=person.pk,
            partner=company.pk,
            post="党支部书记",
            committee=community_code,
            start=since,
        )
    _assembly(actor, rng, compounds[0], today)
    period = _rating(actor, rng, area, compounds, companies)
    offer = actions.do_create_offer(
        actor, item="YL-01", area=community_code, year=today.year, budget="120000"
    )
    ranking = actions.queries.ranking(actor, offer)
    if ranking:
        actions.do_award(actor, offer, ranking[0]["partner"], amount="98000")
    ledgers = _accounts(actor, rng, compounds, today)
    user = do_create_user(
        actor, username="partner", role="partner", scopes=[community_code], password=password
    )
    user.is_demo = True
    user.save(update_fields=["is_demo"])
    actions.do_add_partner_account(actor, companies[0], "partner")
    return {
        "partners": len(companies) + len(committees),
        "rated": period.ratings.count(),
        "published_ledgers": ledgers,
        "partner_login": user,
    }


def _assembly(actor, rng, compound: Compound, today: dt.date) -> None:
    """A counted decision: most owners vote, most of them for."""
    decision = actions.do_open_decision(
        actor,
        compound.pk,
        title="使用专项维修资金更换电梯",
        matter="use_fund",
        held_on=today - dt.timedelta(days=40),
    )
    for dwelling in Dwelling.objects.filter(building__compound=compound).order_by("pk"):
        draw = rng.random()
        if draw < 0.8:
            choice = Choice.YES if draw < 0.68 else (Choice.NO if draw < 0.76 else Choice.ABSTAIN)
            actions.do_record_vote(actor, decision, dwelling.pk, choice)
    actions.do_close_decision(actor, decision)


def _rating(actor, rng, area: AdminArea, compounds, companies):
    start, end = _recent(dt.date.today())
    period = actions.do_open_period(
        actor,
        area=area.code,
        name=f"{start:%Y年%m月%d日}至{end:%m月%d日}物业服务评价",
        start=start,
        end=end,
    )
    for compound in compounds:
        households = Household.objects.filter(dwelling__building__compound=compound).order_by("pk")
        mood = rng.uniform(2.8, 4.9)
        for household in households[:12]:
            score = int(np.clip(round(rng.normal(mood, 0.8)), 1, 5))
            actions.do_answer_survey(actor, period, household.pk, score)
    levels = ["strong", "fair", "strong", "weak"]
    reasons = {
        "strong": "党支部牵头解决停车难",
        "fair": "党组织活动正常开展",
        "weak": "党组织作用发挥不明显",
    }
    for company, level in zip(companies, levels, strict=False):
        actions.do_set_party_role(actor, period, company.pk, level, reasons[level])
    bad = companies[-1]
    served = compounds[(len(companies) - 1) % len(compounds)]
    actions.do_add_record(
        actor,
        bad.pk,
        compound=served.pk,
        kind="bad",
        points=15,
        occurred_on=start + dt.timedelta(days=50),
        description="物业纠纷中违规停水",
    )
    actions.do_add_record(
        actor,
        companies[0].pk,
        compound=compounds[0].pk,
        kind="good",
        points=10,
        occurred_on=start + dt.timedelta(days=80),
        description="暴雨期间及时排涝",
    )
    actions.do_close_period(actor, period)
    actions.do_publish_period(actor, period)
    return period


def _accounts(actor, rng, compounds, today: dt.date) -> int:
    """The last two quarters' accounts, published, for most compounds."""
    from finegrid.partners.queries import last_quarter

    year, quarter = last_quarter(today)
    quarters = [(year, quarter), (year, quarter - 1) if quarter > 1 else (year - 1, 4)]
    published = 0
    for compound in compounds[: max(1, len(compounds) - 1)]:
        for year_, quarter_ in quarters:
            ledger = actions.do_open_ledger(actor, compound.pk, year=year_, quarter=quarter_)
            for kind, text in INCOME[: int(rng.integers(2, len(INCOME) + 1))]:
                amount = Decimal(int(rng.integers(80, 1500)) * 10)
                actions.do_add_entry(actor, ledger, kind=kind, amount=amount, description=text)
            for kind, text in SPENDING[: int(rng.integers(1, len(SPENDING) + 1))]:
                amount = Decimal(int(rng.integers(40, 600)) * 10)
                actions.do_add_entry(actor, ledger, kind=kind, amount=amount, description=text)
            _confirm(actor, ledger)
            actions.do_publish_ledger(actor, ledger)
            published += 1
    return published


def _confirm(actor, ledger) -> None:
    """The owners' committee confirms what the company entered (recorded by the
    community); the community itself where the compound has none."""
    from finegrid.partners.queries import serving

    committee = serving(ledger.compound, PartnerKind.OWNERS_COMMITTEE)
    actions.do_confirm_ledger(actor, ledger, on_behalf_of=committee.pk if committee else None)
