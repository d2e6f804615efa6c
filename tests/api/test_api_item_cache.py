"""The per-worker item cache sees every change to the items table, whoever made it."""
from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from api.db import make_engine
from api.models import ItemRow
from api.services import item_cache
from api_helpers import Served, create_user, login


def test_a_change_by_another_worker_is_seen_by_the_next_request(client, database_url):
    engine = client.app.state.db_engine
    with Session(engine) as db:
        pool = item_cache.pool(db, "nb", "b1", None)
        first = pool[0]
        assert item_cache.pool(db, "nb", "b1", None) is pool  # cached
        assert item_cache.item(db, first.id).b == first.b
    other = make_engine(database_url)  # another worker: its own engine and connections
    try:
        with Session(other) as db:
            row = db.get(ItemRow, first.id)
            row.b = first.b + 1.5
            db.add(row)
            db.commit()
        with Session(other) as db:  # by hand, no ORM: the triggers still see it
            db.execute(text("UPDATE items SET live = false WHERE language = 'nb' AND track = 'b1' "
                            "AND id <> :keep"), {"keep": first.id})
            db.commit()
    finally:
        other.dispose()
    with Session(engine) as db:
        pool = item_cache.pool(db, "nb", "b1", None)
        assert [r.id for r in pool] == [first.id]
        assert pool[0].b == first.b + 1.5 and pool.b[0] == first.b + 1.5
        assert item_cache.item(db, first.id).b == first.b + 1.5
    # Through the service: the only live item is served, with its new parameters.
    create_user(client, "kari", "learner")
    headers = login(client, "kari")
    session_id = client.post("/v1/sessions", headers=headers,
                             json={"language": "nb", "mode": "placement"}).json()["id"]
    step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    assert Served(client, session_id).bank_id(step["item"]) == first.id
