"""Loading the content bank into the items table at start-up."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

from sqlmodel import Session, select

from api.models import ItemRow
from api.services.items import load_bank_items
from api_helpers import create_user, login, small_bank


def live_ids(client) -> set[str]:
    with Session(client.app.state.db_engine) as db:
        return set(db.exec(select(ItemRow.id).where(ItemRow.live == True)))  # noqa: E712


_starts = count(1)


def load(client, items) -> dict[str, int]:
    """A later start of the service loading ``items`` as the bank."""
    with Session(client.app.state.db_engine) as db:
        # The app's own start loaded the bank at the real time: later than that.
        return load_bank_items(db, items, datetime.now(timezone.utc) + timedelta(seconds=next(_starts)))


def test_items_removed_from_the_bank_are_retired_and_come_back_with_it(client):
    bank = small_bank()
    assert live_ids(client) == {item.id for item in bank}
    assert load(client, bank)["inserted"] == 0  # the same version again: nothing to do
    removed = [item for item in bank if item.language == "en"]
    kept = [item for item in bank if item.language != "en"]
    counts = load(client, kept)
    assert (counts["inserted"], counts["retired"]) == (0, len(removed))
    assert live_ids(client) == {item.id for item in kept}
    create_user(client, "ellen", "learner", language="en")
    no_items = client.post("/v1/sessions", headers=login(client, "ellen"),
                           json={"language": "en", "mode": "placement"})
    assert no_items.status_code == 404  # retired items are never served
    counts = load(client, bank)  # an earlier version back again
    assert (counts["inserted"], counts["retired"]) == (0, 0)
    assert live_ids(client) == {item.id for item in bank}
    assert load(client, bank) == {"inserted": 0, "updated": 0, "unchanged": len(bank), "retired": 0}


def test_a_worker_loads_the_languages_in_use_before_taking_requests(make_client, caplog):
    import logging

    from sqlmodel import Session

    from api.services.warmup import languages_in_use
    from api_helpers import create_user

    first = make_client()
    with Session(first.app.state.db_engine) as db:
        assert languages_in_use(db) == ["en", "nb"]  # no one yet: the live items' languages
    create_user(first, "ola", "learner", language="nb")
    with Session(first.app.state.db_engine) as db:
        assert languages_in_use(db) == ["nb"]
    with caplog.at_level(logging.INFO, logger="b1engine.api"):
        make_client()  # a new worker on the same database
    assert any(record.getMessage().startswith("warm: nb in") for record in caplog.records)
