"""Whether an owners' assembly passed a decision (Civil Code Art. 278).

Owners whose exclusive parts make up at least two thirds of the area, and at least two
thirds of the owners, must take part. Raising repair funds, rebuilding, and changing the
use of common parts (or using them commercially) then need the consent of at least three
quarters of the participating area and of the participating owners; every other matter
needs more than half of both. Owners are counted one per exclusive part (法释〔2009〕7号
§9); abstentions take part but do not consent. Fractions are exact: no rounding ever
decides a vote.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

PARTICIPATION = Fraction(2, 3)
QUALIFIED = Fraction(3, 4)
MAJORITY = Fraction(1, 2)


@dataclass(frozen=True)
class Tally:
    """The base (every exclusive part of the compound) and the votes cast."""

    total_area: Decimal
    total_owners: int
    voted_area: Decimal
    voted_owners: int
    yes_area: Decimal
    yes_owners: int


@dataclass(frozen=True)
class Check:
    """One condition: ``part`` of ``whole`` against ``needed`` (at least, or more than)."""

    name: str
    part: Decimal | int
    whole: Decimal | int
    needed: Fraction
    strictly: bool

    @property
    def met(self) -> bool:
        if not self.whole:
            return False
        share = Fraction(self.part) / Fraction(self.whole)
        return share > self.needed if self.strictly else share >= self.needed

    @property
    def share(self) -> float:
        return float(Fraction(self.part) / Fraction(self.whole)) if self.whole else 0.0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "part": str(self.part),
            "whole": str(self.whole),
            "share": round(self.share, 4),
            "needed": f"{'>' if self.strictly else '≥'} {self.needed}",
            "met": self.met,
        }


@dataclass(frozen=True)
class Outcome:
    passed: bool
    checks: tuple[Check, ...]

    def as_dict(self) -> dict:
        return {"passed": self.passed, "checks": [check.as_dict() for check in self.checks]}


def decide(tally: Tally, qualified: bool) -> Outcome:
    """The four checks of Art. 278 and whether all of them are met."""
    consent = QUALIFIED if qualified else MAJORITY
    checks = (
        Check("participating_area", tally.voted_area, tally.total_area, PARTICIPATION, False),
        Check("participating_owners", tally.voted_owners, tally.total_owners, PARTICIPATION, False),
        Check("consenting_area", tally.yes_area, tally.voted_area, consent, not qualified),
        Check("consenting_owners", tally.yes_owners, tally.voted_owners, consent, not qualified),
    )
    return Outcome(all(check.met for check in checks), checks)
