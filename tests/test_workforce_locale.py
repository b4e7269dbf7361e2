"""Every string of the workforce pages has its English: the workforce catalogue has no
message without a translation (nor a fuzzy guess), the field messages of the training
forms included."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

import finegrid

CATALOGUE = Path(finegrid.__file__).parent / "workforce/locale/en/LC_MESSAGES/django.po"


def test_the_workforce_catalogue_has_english_for_every_message():
    with CATALOGUE.open("rb") as file:
        found = read_po(file)
    missing = [m.id for m in found if m.id and (not m.string or m.fuzzy)]
    assert missing == []
    assert found["学时须在 0.5 至 200 之间"].string == "Hours must be between 0.5 and 200"
    assert found["文件不能超过 %(mb)s MB"].string == "The file must be at most %(mb)s MB"
