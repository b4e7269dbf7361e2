"""Seal persons' birth dates: the full date becomes ciphertext (birth_date_enc), only the
year stays in clear (birth_year). Next to the masked ID number (address code + last four
characters) a clear birth date was the whole ID number. Existing rows are re-sealed in
place, in batches; the reverse opens them again."""

import datetime as dt

from django.db import migrations, models

BATCH = 2000


def batches(queryset, field: str):
    """The rows of ``queryset`` by primary key, BATCH at a time, with ``field`` loaded."""
    last = 0
    while batch := list(queryset.filter(pk__gt=last).order_by("pk").only("pk", field)[:BATCH]):
        yield batch
        last = batch[-1].pk


def seal(apps, schema_editor):
    from finegrid.people import protect

    Person = apps.get_model("people", "Person")
    for batch in batches(Person.objects.exclude(birth_date=None), "birth_date"):
        for person in batch:
            person.birth_year = person.birth_date.year
            person.birth_date_enc = protect.encrypt(person.birth_date.isoformat())
            person.birth_date = None
        Person.objects.bulk_update(batch, ["birth_year", "birth_date_enc", "birth_date"])


def unseal(apps, schema_editor):
    from finegrid.people import protect

    Person = apps.get_model("people", "Person")
    for batch in batches(Person.objects.exclude(birth_date_enc=""), "birth_date_enc"):
        for person in batch:
            person.birth_date = dt.date.fromisoformat(protect.decrypt(person.birth_date_enc))
        Person.objects.bulk_update(batch, ["birth_date"])


class Migration(migrations.Migration):
    dependencies = [("people", "0002_person_hash_index")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="birth_year",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="出生年份"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="birth_date_enc",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.RemoveField(model_name="person", name="birth_date"),
    ]
