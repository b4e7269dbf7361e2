"""The rating of a property company in one compound: a documented, configurable score.

Four components, each 0–100:

- ``satisfaction``: the mean answer of the period's phone survey (1–5) mapped to 0–100,
  counted only with at least ``min_answers`` answers;
- ``cases``: the compound's on-time rate (closed cases closed within their limit) and
  satisfaction rate (rated cases rated satisfied or basically satisfied), as
  ``finegrid.cases.figures.rates`` reports them, averaged (either alone when the other has
  nothing to count) and counted only when there were cases;
- ``party``: the community's judgement of the partner's party organization (``party_levels``);
- ``records``: ``records_base`` plus good record points minus bad ones, kept within 0–100.

The score is the weighted mean of the components present (a missing one's weight is left
out, and the inputs say so); the grade is the first of ``grades`` whose threshold the score
reaches, except that bad records of ``veto_bad_points`` or more give the lowest grade.
Every period keeps a copy of the settings it was opened with, so a score can always be
recomputed from its stored inputs.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

DEFAULT_CONFIG = {
    "weights": {"satisfaction": 40, "cases": 30, "party": 15, "records": 15},
    "grades": [["AAA", 90], ["AA", 80], ["A", 70], ["B", 60], ["C", 0]],
    "party_levels": {"strong": 100, "fair": 70, "weak": 40, "none": 0},
    "min_answers": 3,
    "records_base": 80,
    "veto_bad_points": 30,
}

CENT = Decimal("0.01")


def config() -> dict:
    """The settings new periods copy: FINEGRID_RATING in Django settings, or the default."""
    return {**DEFAULT_CONFIG, **getattr(settings, "FINEGRID_RATING", {})}


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def components(inputs: dict, conf: dict) -> dict[str, Decimal | None]:
    """Each component's value from the inputs, or None where it has no data."""
    survey = inputs.get("survey") or {}
    answers = survey.get("answers", 0)
    satisfaction = None
    if answers and answers >= conf["min_answers"]:
        mean = Decimal(survey["sum"]) / Decimal(answers)
        satisfaction = _round((mean - 1) * 25)
    cases = inputs.get("cases")
    case_score = None
    if cases and cases.get("total"):
        shares = [
            Decimal(str(cases[k])) for k in ("on_time", "satisfied") if cases.get(k) is not None
        ]
        if shares:
            case_score = _round(sum(shares) * 100 / len(shares))
    party = inputs.get("party")
    party_score = None if party is None else Decimal(conf["party_levels"][party])
    records = inputs.get("records") or {}
    net = conf["records_base"] + records.get("good", 0) - records.get("bad", 0)
    return {
        "satisfaction": satisfaction,
        "cases": case_score,
        "party": party_score,
        "records": Decimal(min(100, max(0, net))),
    }


def compute(inputs: dict, conf: dict) -> tuple[Decimal, str, dict]:
    """(score, grade, components) for one compound's inputs under a period's settings."""
    parts = components(inputs, conf)
    weights = conf["weights"]
    present = {name: value for name, value in parts.items() if value is not None}
    weight = sum(weights[name] for name in present)
    score = (
        _round(sum(Decimal(weights[n]) * v for n, v in present.items()) / Decimal(weight))
        if weight
        else Decimal("0.00")
    )
    grades = conf["grades"]
    grade = next((name for name, floor in grades if score >= Decimal(floor)), grades[-1][0])
    if (inputs.get("records") or {}).get("bad", 0) >= conf["veto_bad_points"]:
        grade = grades[-1][0]
    shown = {name: None if value is None else str(value) for name, value in parts.items()}
    return score, grade, shown


def grade_order(grade: str, conf: dict) -> int:
    """Position of a grade, best first (for ranking)."""
    names = [name for name, _ in conf["grades"]]
    return names.index(grade) if grade in names else len(names)
