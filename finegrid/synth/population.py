"""Households and the people in them, drawn in bulk with numpy.

Each household gets a size and a template of who lives together (a couple with a child,
grandparents raising grandchildren…); ages follow from the head's age through the
template, and flags follow from ages, templates and rates in ``params``.

ID numbers are unique city-wide without any coordination between communities: within a
district (its code is everyone's address code) the 364 x 500 (birth day within the age
year, sequence) slots of every age and sex are shared out among the district's
communities in proportion to their households, and each community hands out distinct
slots from its range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finegrid import identity
from finegrid.synth import names, params

HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, OTHER = "户主", "配偶", "子女", "父母", "孙子女", "其他"
RESIDENT, MIGRANT, LODGER = "常住", "流动", "寄住"

# Template name → (roles, head's age range; None for an elderly head).
TEMPLATES = {
    "single_elderly": ((HEAD,), None),
    "single_adult": ((HEAD,), (20, 59)),
    "elderly_couple": ((HEAD, SPOUSE), None),
    "couple": ((HEAD, SPOUSE), (22, 59)),
    "single_parent": ((HEAD, CHILD), (32, 60)),
    "couple_child": ((HEAD, SPOUSE, CHILD), (27, 58)),
    "couple_parent": ((HEAD, SPOUSE, PARENT), (28, 50)),
    "grandparents_1": ((HEAD, SPOUSE, GRANDCHILD), (50, 75)),
    "couple_2children": ((HEAD, SPOUSE, CHILD, CHILD), (32, 55)),
    "three_gen_4": ((HEAD, SPOUSE, CHILD, PARENT), (28, 50)),
    "grandparents_2": ((HEAD, SPOUSE, GRANDCHILD, GRANDCHILD), (50, 75)),
    "three_gen_5": ((HEAD, SPOUSE, CHILD, PARENT, PARENT), (28, 50)),
    "three_gen_6": ((HEAD, SPOUSE, CHILD, CHILD, PARENT, PARENT), (30, 50)),
    "three_gen_7": ((HEAD, SPOUSE, CHILD, CHILD, CHILD, PARENT, PARENT), (32, 50)),
}
SKIPPED_GENERATION = ("grandparents_1", "grandparents_2")

DAYS_PER_AGE = 364  # birth days usable in every age year without changing the age
SEQUENCES_PER_SEX = 500
ID_SLOTS = DAYS_PER_AGE * SEQUENCES_PER_SEX
# Primes above ID_SLOTS, hence coprime with it and with every range size.
_RANK_STRIDE = 199_999
_SLOT_MIXER = 314_159


@dataclass(frozen=True, slots=True)
class IdRange:
    """Where a community's ID numbers come from: its district's code and its share of the
    slots of every age and sex, ``start`` to ``start + size``."""

    address_code: str  # 6-digit district code
    start: int
    size: int


@dataclass(frozen=True, slots=True)
class Population:
    household_size: np.ndarray
    household_residence: np.ndarray
    household_low_income: np.ndarray
    person_household: np.ndarray  # index of each person's household
    columns: dict[str, np.ndarray]  # PERSON_DTYPE fields except id and household


def populate(rng: np.random.Generator, kind: str, households: int, ids: IdRange) -> Population:
    sizes, templates = _household_types(rng, kind, households)
    household, relation, age, sex = _members(rng, templates)
    residence_of_household = np.where(
        rng.random(households) < params.MIGRANT_HOUSEHOLDS[kind], MIGRANT, RESIDENT
    )
    residence = residence_of_household[household]
    _add_lodgers(rng, sizes, household, relation, age, residence)
    low_income_household = rng.random(households) < params.LOW_INCOME_HOUSEHOLDS[kind]
    count = len(household)

    youngest = np.full(households, params.MAX_AGE + 1)
    np.minimum.at(youngest, household, age)
    elderly = age >= params.ELDERLY_AGE
    skipped = np.isin(templates, SKIPPED_GENERATION)[household]
    birth_dates, id_numbers = _identities(rng, age, sex, ids)
    surnames = _surnames(rng, household, relation, sex)
    birth_years = np.array([int(b[:4]) for b in birth_dates.tolist()])
    columns = {
        "name": np.array(names.person_names(rng, sex, birth_years, surnames)),
        "sex": sex,
        "birth_date": birth_dates,
        "age": age,
        "relation": relation,
        "residence_type": residence,
        "id_number": id_numbers,
        "mobile": _mobiles(rng, age),
        "elderly_alone": elderly & (sizes[household] == 1),
        "empty_nest": elderly
        & (sizes[household] > 1)
        & (youngest[household] >= params.ELDERLY_AGE),
        "disabled": rng.random(count) < _by_age(params.DISABILITY_BY_AGE, age),
        "low_income": low_income_household[household],
        "veteran": _by_sex(rng, params.VETERAN_RATE, sex) & (age >= params.VETERAN_MIN_AGE),
        "left_behind_child": (kind == "village")
        & skipped
        & (relation == GRANDCHILD)
        & (age < params.LEFT_BEHIND_AGE),
        "party_member": _by_sex(rng, params.PARTY_MEMBER_RATE, sex) & (age >= params.PARTY_MIN_AGE),
    }
    return Population(sizes, residence_of_household, low_income_household, household, columns)


def _household_types(rng: np.random.Generator, kind: str, households: int):
    shares = np.array(params.HOUSEHOLD_SIZE_SHARES)
    sizes = rng.choice(np.arange(1, len(shares) + 1), households, p=shares / shares.sum())
    templates = np.empty(households, dtype="U20")
    for size, mix in params.HOUSEHOLD_TEMPLATES[kind].items():
        of_size = sizes == size
        weights = np.array(list(mix.values()))
        templates[of_size] = rng.choice(list(mix), of_size.sum(), p=weights / weights.sum())
    return sizes, templates


def _members(rng: np.random.Generator, templates: np.ndarray):
    """Every member of every household, in household order: household index, relation,
    age and sex."""
    parts = []
    for name, (roles, head_ages) in TEMPLATES.items():
        chosen = np.flatnonzero(templates == name)
        if not len(chosen):
            continue
        if head_ages is None:
            head_age = params.ELDERLY_AGE + rng.exponential(params.ELDERLY_AGE_SCALE, len(chosen))
            head_age = np.minimum(head_age.astype(int), params.MAX_AGE - 2)
        else:
            head_age = rng.integers(head_ages[0], head_ages[1] + 1, len(chosen))
        head_male = _head_is_male(rng, roles, head_age)
        parents = roles.count(PARENT)
        parent_seen = 0
        for position, role in enumerate(roles):
            age, male = _member(rng, role, head_age, head_male, parents, parent_seen)
            parent_seen += role == PARENT
            parts.append(
                (chosen, np.full(len(chosen), position), np.full(len(chosen), role), age, male)
            )
    household, position, relation, age, male = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    order = np.lexsort((position, household))
    sex = np.where(male[order], "M", "F")
    return household[order], relation[order], age[order].astype(int), sex


def _head_is_male(rng, roles, head_age) -> np.ndarray:
    draws = rng.random(len(head_age))
    if SPOUSE in roles:
        return draws < params.MALE_HEAD_OF_COUPLE
    if CHILD in roles:
        return draws < params.MALE_SINGLE_PARENT
    elderly = head_age >= params.ELDERLY_AGE
    return np.where(elderly, draws < params.MALE_SINGLE_ELDERLY, draws < params.MALE_SINGLE_ADULT)


def _member(rng, role, head_age, head_male, parents, parent_seen):
    count = len(head_age)
    if role == HEAD:
        return head_age, head_male
    if role == SPOUSE:
        offset = np.where(head_male, -2, 2) + rng.normal(0, 3, count)
        return np.clip(np.rint(head_age + offset), 18, params.MAX_AGE), ~head_male
    if role == PARENT:
        age = np.minimum(head_age + rng.integers(24, 35, count), params.MAX_AGE)
        lone_father = rng.random(count) < params.MALE_LONE_PARENT_OF_HEAD
        male = np.full(count, parent_seen == 0) if parents == 2 else lone_father
        return age, male
    male = rng.random(count) < params.MALE_BIRTH_SHARE
    if role == CHILD:
        return np.maximum(head_age - rng.integers(22, 37, count), 0), male
    return np.clip(head_age - rng.integers(46, 63, count), 0, params.LEFT_BEHIND_AGE - 1), male


def _add_lodgers(rng, sizes, household, relation, age, residence) -> None:
    """In some households of three or more, the last member is a lodger instead."""
    last = np.flatnonzero(np.r_[household[1:] != household[:-1], True])
    lodged = last[(sizes[household[last]] >= 3) & (rng.random(len(last)) < params.LODGER_SHARE)]
    relation[lodged] = OTHER
    age[lodged] = rng.integers(18, 46, len(lodged))
    residence[lodged] = LODGER


def _by_sex(rng, rates: dict[str, float], sex: np.ndarray) -> np.ndarray:
    """A flag drawn with the rate for each person's sex."""
    return rng.random(len(sex)) < np.where(sex == "M", rates["M"], rates["F"])


def _by_age(table, age: np.ndarray) -> np.ndarray:
    starts, values = zip(*table, strict=True)
    return np.array(values)[np.searchsorted(starts, age, side="right") - 1]


def _surnames(rng, household, relation, sex) -> np.ndarray:
    """Children, grandchildren and the head's father share the head's surname."""
    drawn = names.surnames(rng, len(household))
    heads = np.flatnonzero(relation == HEAD)
    family = np.empty(household.max() + 1 if len(household) else 0, dtype=drawn.dtype)
    family[household[heads]] = drawn[heads]
    inherits = np.isin(relation, (CHILD, GRANDCHILD)) | ((relation == PARENT) & (sex == "M"))
    return np.where(inherits, family[household], drawn)


def _identities(rng, age: np.ndarray, sex: np.ndarray, ids: IdRange):
    """Birth dates and ID numbers: distinct slots per (age, sex) within the community's range."""
    count = len(age)
    male = sex == "M"
    group = age * 2 + male
    order = np.lexsort((rng.random(count), group))
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(sorted_group[1:] != sorted_group[:-1]) + 1]
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count) - np.repeat(starts, np.diff(np.r_[starts, count]))
    if count and rank.max() >= ids.size:
        raise ValueError(f"more than {ids.size} persons of one age and sex in one community")
    offsets = rng.integers(ids.size, size=2 * (params.MAX_AGE + 1))[group]
    local = (offsets + rank * _RANK_STRIDE) % ids.size
    slot = (ids.start + local) * _SLOT_MIXER % ID_SLOTS
    day, sequence = np.divmod(slot, SEQUENCES_PER_SEX)
    sequence = sequence * 2 + male
    anniversary = np.array(
        [
            np.datetime64(params.AS_OF.replace(year=params.AS_OF.year - a), "D")
            for a in range(params.MAX_AGE + 1)
        ]
    )
    birth = anniversary[age] - day.astype("timedelta64[D]")
    birth_text = np.datetime_as_string(birth, unit="D")
    first17 = np.array(
        [
            f"{ids.address_code}{b[:4]}{b[5:7]}{b[8:]}{s:03d}"
            for b, s in zip(birth_text.tolist(), sequence.tolist(), strict=True)
        ],
        dtype="U17",
    )
    return birth_text, np.strings.add(first17, _check_characters(first17))


def _check_characters(first17: np.ndarray) -> np.ndarray:
    """identity.id_check_digit for a whole array at once."""
    digits = first17.view(np.uint32).reshape(len(first17), 17) - ord("0")
    remainders = digits @ np.array(identity.ID_WEIGHTS) % 11
    return np.array(list(identity.ID_CHECK_CHARACTERS))[remainders]


def _mobiles(rng, age: np.ndarray) -> np.ndarray:
    count = len(age)
    has = rng.random(count) < _by_age(params.MOBILE_OWNERSHIP, age)
    prefixes = rng.choice(params.MOBILE_PREFIXES, count)
    numbers = rng.integers(0, 10**8, count)
    mobiles = [
        f"{p}{n:08d}" if h else ""
        for p, n, h in zip(prefixes.tolist(), numbers.tolist(), has.tolist(), strict=True)
    ]
    return np.array(mobiles, dtype="U11")
