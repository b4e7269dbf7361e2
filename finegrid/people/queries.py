"""Reads of households and persons, always through ``restrict(user, action)``; the
``get_*`` functions are also how actions look up the households and persons a request
names. A resident reads their own household only (the models' querysets narrow it)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from finegrid.accounts.scope import access, by_key
from finegrid.people import protect
from finegrid.people.models import Household, Person


def households(user, action: str = "view") -> QuerySet[Household]:
    return _households().restrict(user, action)


def _households() -> QuerySet[Household]:
    return Household.objects.select_related(
        "dwelling__building", "dwelling__entrance", "head", "community"
    ).annotate(size=Count("members"))


def persons(user, action: str = "view") -> QuerySet[Person]:
    return _persons().restrict(user, action)


def _persons() -> QuerySet[Person]:
    return Person.objects.select_related(
        "household__dwelling__building", "household__dwelling__entrance"
    )


def get_household(user, ref: Household | int, action: str = "view") -> Household:
    key = by_key(ref)
    return access(user, action, _households(), f"no household with id {key['pk']}", **key)


def get_person(user, ref: Person | int, action: str = "view") -> Person:
    key = by_key(ref)
    return access(user, action, _persons(), f"no person with id {key['pk']}", **key)


def search_persons(
    user, *, name: str = "", id_number: str = "", phone: str = ""
) -> QuerySet[Person]:
    """Search by part of a name, or by a whole ID or phone number (matched through the
    keyed hash, so the stored ciphertext is never searched or decrypted)."""
    queryset = persons(user)
    if name:
        queryset = queryset.filter(name__contains=name.strip())
    if id_number:
        queryset = queryset.filter(
            id_number_hash=protect.lookup_hash("id", id_number.strip().upper())
        )
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())[-11:]
        queryset = queryset.filter(phone_hash=protect.lookup_hash("phone", digits))
    return queryset
