"""Queries and writes on a list of ids (``$in``) sent a piece at a time: every match found, each once; and
bulk inserts refused only for keys already there."""

import pytest
from pymongo.errors import BulkWriteError

from shared.mongo import IN_LIST_MAX, delete_in, find_in, in_pieces, make_client, only_duplicates, update_in
from support import Infra, unique


def test_pieces_keep_the_order_drop_repeats_and_hold_at_most_the_limit() -> None:
    values = [f"v{n}" for n in range(2 * IN_LIST_MAX + 7)]
    pieces = in_pieces([*values, values[0], values[-1]])
    assert [len(piece) for piece in pieces] == [IN_LIST_MAX, IN_LIST_MAX, 7]
    assert [value for piece in pieces for value in piece] == values
    assert in_pieces([]) == []


async def test_find_and_update_over_many_pieces_reach_every_match_once(infra: Infra) -> None:
    client = make_client(infra.mongo_url)
    try:
        items = client[unique("in_lists").replace("-", "_")].items
        count = 3 * IN_LIST_MAX + 11
        await items.insert_many([{"_id": f"i{n}", "kind": "even" if n % 2 == 0 else "odd", "seen": False}
                                 for n in range(count)])
        wanted = [f"i{n}" for n in range(count)] + ["absent-1", "absent-2"]

        found = await find_in(items, "_id", wanted, {"kind": "even"}, {"_id": 1})
        assert sorted(doc["_id"] for doc in found) == sorted(f"i{n}" for n in range(0, count, 2))
        assert all(set(doc) == {"_id"} for doc in found)

        changed = await update_in(items, wanted, {"kind": "odd"}, {"$set": {"seen": True}})
        assert changed == count // 2
        assert await items.count_documents({"seen": True}) == count // 2
        assert await items.count_documents({"seen": True, "kind": "even"}) == 0

        deleted = await delete_in(items, wanted, {"seen": True})
        assert deleted == count // 2
        assert await items.count_documents({}) == count - count // 2
        assert await items.count_documents({"seen": True}) == 0
    finally:
        await client.close()


async def test_a_bulk_insert_refused_only_for_keys_already_there_is_told_from_other_failures(infra: Infra) -> None:
    client = make_client(infra.mongo_url)
    try:
        items = client[unique("dups").replace("-", "_")].items
        await items.insert_many([{"_id": "a"}, {"_id": "b"}])
        with pytest.raises(BulkWriteError) as repeated:
            await items.insert_many([{"_id": "a"}, {"_id": "c"}, {"_id": "b"}], ordered=False)
        assert only_duplicates(repeated.value)
        assert await items.count_documents({}) == 3
    finally:
        await client.close()
    # A failure that names no duplicate (here only a write concern error) is not one.
    assert not only_duplicates(BulkWriteError({"writeErrors": [], "writeConcernErrors": [{"code": 64}]}))
    assert not only_duplicates(BulkWriteError({"writeErrors": [{"code": 11000}, {"code": 2}]}))
