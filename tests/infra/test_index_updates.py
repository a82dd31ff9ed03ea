"""The local database server's writes read a collection's list of indexes once, its updates
rewrite only the indexes whose keys changed, and every index still holds exactly the entries a
fresh build gives.

Each check drives the server's own storage in a Python process of its own (the change is for
the life of a process); the indexes' entries are read from the storage's own tables.
"""

from support import LAUNCH_LOCAL_DATABASE, run_python

SETUP = """
    from secantus import storage as s

    written = []  # the indexes whose entries a write asked for, one list per call
    original_write = s.Storage._write_index_entries

    def counting_write(self, db, coll, doc, indexes, partials=None, *, recordid):
        written.append(sorted(name for name, *_ in indexes))
        original_write(self, db, coll, doc, indexes, partials, recordid=recordid)

    s.Storage._write_index_entries = counting_write
    reads = [0]  # how many times the collection's list of indexes was read
    original_read = s.Storage._iter_indexes

    def counting_read(self, db, coll):
        reads[0] += 1
        return original_read(self, db, coll)

    s.Storage._iter_indexes = counting_read

    from infra.index_catalog import read_index_lists_once_per_write
    from infra.index_updates import update_only_changed_index_entries

    read_index_lists_once_per_write()
    update_only_changed_index_entries()
    db = s.Storage(":memory:")
    INDEXES = {
        "one_code": ({"code": 1}, {"unique": True}),
        "by_group_rank": ({"group": 1, "rank": 1}, {}),
        "by_tag": ({"tags": 1}, {}),
        "by_nick": ({"nick": 1}, {"sparse": True}),
        "open_by_rank": ({"rank": 1}, {"partialFilterExpression": {"open": True}}),
        "by_name": ({"name": 1}, {"collation": {"locale": "fr", "strength": 2}}),
    }
    for name, (keys, options) in INDEXES.items():
        db.create_index("d", "c", name, keys, options)
    db.insert("d", "c", [
        {"_id": i, "code": f"c{i}", "group": i % 2, "rank": i, "tags": ["a", f"t{i}"], "name": f"Nom {i}",
         "open": i % 2 == 0, **({"nick": f"n{i}"} if i % 3 == 0 else {})}
        for i in range(6)])

    def entries(coll="c"):
        found = set()
        for table in (s._IDX_ENTRIES_TABLE, s._UNIQ_TABLE):
            cursor = db._cursor(table)
            cursor.reset()
            while cursor.next() == 0:
                key = cursor.get_keys()
                if key[:2] == ["d", coll]:
                    value = cursor.get_value() if table == s._UNIQ_TABLE else None
                    found.add((table, key[2], bytes(key[3]), value))
        return found

    def rebuilt():
        # The same documents, every index dropped and built again from them.
        for name, (keys, options) in INDEXES.items():
            db.drop_index("d", "c", name)
            db.create_index("d", "c", name, keys, options)
        return entries()

    def rebuilt_one(coll):
        for name, keys, options in list(db._iter_indexes("d", coll)):
            if name != "_id_":
                db.drop_index("d", coll, name)
                built = {k: v for k, v in options.items() if k not in ("multikey", "entryFormat")}
                db.create_index("d", coll, name, keys, built)
        return entries(coll)

    def names(indexes):
        return ",".join(indexes) or "none"

    def update(filter, change, multi=False):
        written.clear()
        db.update_matching("d", "c", filter, change, multi=multi)
        return sorted({name for names in written for name in names})
"""


def test_an_update_rewrites_only_the_indexes_whose_keys_it_changed() -> None:
    lines = run_python(SETUP + """
    print(names(update({"_id": 1}, {"$set": {"checked": True, "by": "gate-1"}})))
    print(names(update({"_id": 1}, {"$set": {"rank": 40}})))
    print(names(update({"_id": 2}, {"$set": {"name": "NOM 2"}})))  # the same key under the collation
    print(names(update({"_id": 3}, {"$set": {"open": True}})))  # into the partial index
    print(names(update({"_id": 1}, {"$set": {"open": True}, "$push": {"tags": "b"}})))  # rank 40 now counted
    print(names(update({"_id": {"$gte": 0}}, {"$inc": {"visits": 1}}, multi=True)))
    """)
    assert lines == ["none", "by_group_rank", "none", "open_by_rank", "by_tag,open_by_rank", "none"]


def test_after_every_kind_of_update_the_entries_are_those_a_fresh_build_gives() -> None:
    same, refused, codes = run_python(SETUP + """
    update({"_id": 0}, {"$set": {"seen": 1}})
    update({"_id": 0}, {"$set": {"code": "free"}})
    update({"_id": 1}, {"$set": {"code": "c0"}})  # the unique key the first one gave back
    update({"_id": 2}, {"$unset": {"nick": ""}, "$set": {"nick2": 1}})
    update({"_id": 3}, {"$set": {"nick": "n3b", "open": True, "rank": 7}})
    update({"_id": 4}, {"$set": {"open": False, "tags": []}})
    update({"_id": 5}, {"$set": {"name": "NOM 5", "group": 9}})
    update({"_id": {"$gte": 0}}, {"$inc": {"rank": 100}}, multi=True)
    update({"_id": {"$gte": 3}}, {"$set": {"visits": 1}}, multi=True)
    db.update_matching("d", "c", {"_id": 4}, {"_id": 4, "code": "c4", "rank": 1, "tags": ["z"]})  # replaced
    try:
        update({"_id": 5}, {"$set": {"code": "c0", "rank": 0}})
        refused = "no"
    except Exception as error:
        refused = type(error).__name__
    before = entries()
    print(before == rebuilt(), refused)
    found = db.find_matching("d", "c", {"code": {"$gte": ""}}, sort={"code": 1}, hint="one_code")
    print(",".join(d["code"] for d in found))
    """)
    assert same == "True"
    assert refused == "IndexConflict"
    assert codes == "c0,c2,c3,c4,c5,free"


def test_a_delete_still_removes_every_entry() -> None:
    [left] = run_python(SETUP + """
    update({"_id": 1}, {"$set": {"seen": 1}})
    db.delete_matching("d", "c", {"_id": {"$in": [1, 2]}})
    db.delete_matching("d", "c", {"_id": 3}, limit=1)
    print(entries() == rebuilt())
    """)
    assert left == "True"


def test_a_write_reads_the_list_of_indexes_once() -> None:
    counts = run_python(SETUP + """
    def counted(write):
        reads[0] = 0
        write()
        return reads[0]

    print(counted(lambda: db.insert("d", "c", [{"_id": 10 + i, "code": f"n{i}", "tags": [i, "x"]} for i in range(20)])),
          counted(lambda: update({"_id": 1}, {"$set": {"rank": 50}})),
          counted(lambda: update({"_id": {"$gte": 0}}, {"$inc": {"rank": 1}}, multi=True)),
          counted(lambda: db.delete_matching("d", "c", {"_id": {"$gte": 10}})))
    """)
    assert counts == ["1", "1", "1", "1"]


def test_an_index_marked_multikey_or_created_between_writes_is_written_by_the_next_ones() -> None:
    same_after_insert, found, same_after_update = run_python(SETUP + """
    db.create_index("d", "m", "by_v", {"v": 1}, {})
    db.insert("d", "m", [{"_id": 1, "v": 1}, {"_id": 2, "v": [2, 3]}, {"_id": 3, "v": 4}])
    print(entries("m") == rebuilt_one("m"))
    print(",".join(str(d["_id"]) for v in (3, 4) for d in db.find_matching("d", "m", {"v": v}, hint="by_v")))
    db.create_index("d", "m", "by_w", {"w": 1}, {"unique": True, "sparse": True})
    db.update_matching("d", "m", {"_id": {"$gte": 0}}, {"$set": {"v": 7}}, multi=True)
    db.update_matching("d", "m", {"_id": 3}, {"$set": {"w": 1}})
    print(entries("m") == rebuilt_one("m"))
    """)
    assert (same_after_insert, found, same_after_update) == ("True", "2,3", "True")


def test_a_write_reads_the_list_again_after_a_change_of_indexes_began() -> None:
    kept, first, again = run_python(SETUP + """
    from infra import index_catalog

    def listed():
        return ",".join(name for name, *_ in db._iter_indexes("d", "c") if name.startswith("by_"))

    # As a write does it: in the write's scope, holding the collection's lock (a retried write
    # lets go of it between attempts; here the same thread changes the list meanwhile).
    index_catalog._kept.lists = {}
    with db._coll_lock("d", "c"):
        listed()
        reads[0] = 0
        before = listed()
        print(reads[0])
        db.drop_index("d", "c", "by_nick")
        reads[0] = 0
        print(before, listed() + f":{reads[0]}")
    index_catalog._kept.lists = None
    """)
    assert kept == "0"
    assert first == "by_group_rank,by_name,by_nick,by_tag"
    assert again == "by_group_rank,by_name,by_tag:1"


def test_the_local_database_launcher_turns_both_on() -> None:
    on = run_python(LAUNCH_LOCAL_DATABASE + """
    from secantus.storage import Storage

    print(getattr(Storage, "_only_changed_entries", False), getattr(Storage, "_index_lists_kept", False))
    """)
    assert on == ["True", "True"]
