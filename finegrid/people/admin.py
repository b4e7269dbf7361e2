"""Admin for households and persons: masked everywhere; changes through actions.
Unmasking happens on the household page, one person at a time, with a reason."""

from __future__ import annotations

from django.contrib import admin

from finegrid.adminsite import ActionAdmin, ActionForm, ReadOnlyAdmin
from finegrid.people import actions
from finegrid.people.models import PLAIN_FLAGS, Household, Person


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "community", "path")
    search_fields = ("head__name", "dwelling__building__name")
    list_select_related = ("head", "community", "dwelling__building", "dwelling__entrance")
    fields = ("dwelling", "community", "head", "path", "created_at")


class PersonChangeForm(ActionForm):
    class Meta:
        model = Person
        fields = ("name", "relation", "residence_type", *PLAIN_FLAGS, "tags")

    def perform(self, data):
        stored = Person.objects.get(pk=self.instance.pk)
        changes = {name: data.get(name) for name in self.changed_data}
        return actions.do_update_person(self.actor, stored, **changes)


@admin.register(Person)
class PersonAdmin(ActionAdmin):
    list_display = ("name", "sex", "relation", "id_number_masked", "phone_masked", "household")
    list_filter = ("sex", "residence_type", *PLAIN_FLAGS)
    search_fields = ("name",)
    list_select_related = (
        "household__dwelling__building",
        "household__dwelling__entrance",
        "household__head",
    )
    change_form = PersonChangeForm
    readonly_fields = ("household", "sex", "birth_year", "id_number_masked", "phone_masked")

    def get_fields(self, request, obj=None):
        return (*self.readonly_fields, "name", "relation", "residence_type", *PLAIN_FLAGS, "tags")
