"""Indexes a service no longer has are dropped at its start where an older version left them."""

from pymongo import ASCENDING, IndexModel
from sample_service import SampleSettings, create_app

from shared.mongo import Indexes, make_client
from shared.outbox import OUTBOX
from support import Infra, Keys, running, settings_for, unique


async def test_an_older_versions_outbox_index_is_dropped_at_start_and_the_others_kept(infra: Infra,
                                                                                       keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False)
    client = make_client(infra.mongo_url)
    try:
        db = client[settings.database_name]
        # As the outbox was indexed before: by subject, which no query reads.
        await db[OUTBOX].create_index([("subject", ASCENDING), ("seq", ASCENDING)], name="by_subject")
        async with running(create_app(settings)):
            names = {index["name"] async for index in await db[OUTBOX].list_indexes()}
        assert "by_subject" not in names
        assert {"_id_", "pending_in_order", "sent_expire"} <= names
    finally:
        await client.close()


async def test_retiring_an_index_that_is_not_there_or_on_no_collection_changes_nothing(infra: Infra) -> None:
    client = make_client(infra.mongo_url)
    try:
        db = client[unique("db").replace("-", "_")]
        indexes = Indexes()
        indexes.add("kept", IndexModel([("a", ASCENDING)], name="by_a"))
        indexes.retire("kept", "by_b")
        indexes.retire("absent", "by_c")
        await indexes.create(db)
        await indexes.create(db)  # again, as every start does
        assert {index["name"] async for index in await db["kept"].list_indexes()} == {"_id_", "by_a"}
        assert "absent" not in await db.list_collection_names()
    finally:
        await client.close()
