"""Reads of households and persons, always through the reader's scope. A resident reads
their own household only."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from finegrid.accounts.roles import Role
from finegrid.errors import one_or_not_found
from finegrid.people import protect
from finegrid.people.models import Household, Person


def households(user) -> QuerySet[Household]:
    queryset = Household.objects.select_related(
        "dwelling__building", "dwelling__entrance", "head", "community"
    ).annotate(size=Count("members"))
    if user is None:
        return queryset
    queryset = queryset.restrict(user)
    if user.role == Role.RESIDENT and not user.is_superuser:
        queryset = queryset.filter(members__user=user)
    return queryset


def persons(user) -> QuerySet[Person]:
    queryset = Person.objects.select_related(
        "household__dwelling__building", "household__dwelling__entrance"
    )
    if user is None:
        return queryset
    queryset = queryset.restrict(user)
    if user.role == Role.RESIDENT and not user.is_superuser:
        queryset = queryset.filter(household__members__user=user)
    return queryset


def get_household(user, pk: int) -> Household:
    return one_or_not_found(households(user), f"no household with id {pk}", pk=pk)


def get_person(user, pk: int) -> Person:
    return one_or_not_found(persons(user), f"no person with id {pk}", pk=pk)


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
