"""Long-lived objects are kept out of full garbage collections, in the local database and the services.

Each check runs in a Python process of its own: freezing objects is for the life of a process.
"""

from support import LAUNCH_LOCAL_DATABASE, run_python


def test_the_local_database_freezes_what_survives_a_full_collection_and_still_frees_newer_cycles() -> None:
    before, after_young, after_full, freed = run_python("""
        import gc
        from infra.heap import freeze_survivors_of_full_collections

        freeze_survivors_of_full_collections()
        kept = [[n] for n in range(20_000)]
        gc.collect(0)
        print(gc.get_freeze_count())
        gc.collect(1)
        print(gc.get_freeze_count())
        gc.collect()
        print(gc.get_freeze_count())
        cycles = [[] for _ in range(100)]
        for one in cycles:
            one.append(one)
        del cycles, one
        print(gc.collect())
    """)
    # Young collections freeze nothing; a full one freezes its survivors, the 20,000 lists among them.
    assert int(before) == 0
    assert int(after_young) == 0
    assert int(after_full) >= 20_000
    # Cycles made after the freeze are still found and freed by the next full collection.
    assert int(freed) >= 100


def test_the_local_database_server_and_the_benchmark_client_turn_it_on() -> None:
    server, client = run_python("""
    import gc
    import bench.run

    def frozen_after_a_full_collection():
        kept = [[n] for n in range(5_000)]
        gc.unfreeze()
        gc.collect()
        count = gc.get_freeze_count()
        gc.callbacks.clear()
        return count
    """ + LAUNCH_LOCAL_DATABASE + """
    print(frozen_after_a_full_collection())

    async def nothing(args):
        return 0

    bench.run.main_async = nothing
    bench.run.main(["--quick"])
    print(frozen_after_a_full_collection())
    """)
    assert int(server) >= 5_000
    assert int(client) >= 5_000


def test_a_service_freezes_what_it_built_before_it_serves() -> None:
    frozen, kept_app = run_python("""
        import gc
        import uvicorn
        from fastapi import FastAPI
        from shared import serve
        from shared.settings import ServiceSettings

        seen = {}

        def run(app, **options):
            seen["frozen"] = gc.get_freeze_count()
            seen["app"] = app

        uvicorn.run = run
        built = FastAPI(title="probe")
        serve.serve(ServiceSettings(service_name="probe"), lambda settings: built)
        print(seen["frozen"])
        print(seen["app"] is built)
    """)
    # The modules, classes and app built before serving: tens of thousands of objects.
    assert int(frozen) > 10_000
    assert kept_app == "True"
