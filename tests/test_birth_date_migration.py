"""people.0003 seals the birth dates a populated database holds in clear, in place, and
its reverse opens them again."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from finegrid.people import protect
from finegrid.people.actions import do_import_roster
from finegrid.people.models import Person
from tests.conftest import COMMUNITY_A, system
from tests.registry_data import WANG, ZHANG, rows

BEFORE = [("people", "0002_person_hash_index")]
AFTER = [("people", "0003_seal_birth_date")]


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def person_columns() -> list[str]:
    with connection.cursor() as cursor:
        return [
            c.name for c in connection.introspection.get_table_description(cursor, "people_person")
        ]


def raw_birth(column: str, id_hash: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM people_person WHERE id_number_hash = %s", [id_hash])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_reseals_a_populated_registry_in_place(world):
    do_import_roster(system(), COMMUNITY_A, rows())
    zhang, wang = (protect.lookup_hash("id", number) for number in (ZHANG, WANG))
    count = Person.objects.count()
    assert count == 4
    try:
        # Back to the schema with birth dates in clear, as databases before it held them.
        migrate(BEFORE)
        assert "birth_date" in person_columns()
        assert "birth_year" not in person_columns()
        assert str(raw_birth("birth_date", zhang)) == "1980-02-15"
        assert str(raw_birth("birth_date", wang)) == "1945-01-01"
        migrate(AFTER)
    finally:
        migrate(AFTER)
    columns = person_columns()
    assert "birth_date" not in columns
    assert raw_birth("birth_year", zhang) == 1980
    sealed = raw_birth("birth_date_enc", zhang)
    assert "1980" not in sealed
    assert protect.decrypt(sealed) == "1980-02-15"
    assert Person.objects.count() == count
    assert Person.objects.get(id_number_hash=wang).birth_date == dt.date(1945, 1, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM people_person WHERE birth_year IS NOT NULL")
        dated = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM people_person WHERE birth_date_enc <> ''")
        assert cursor.fetchone()[0] == dated > 0
