"""Entry point helper: ``python -m <service>`` builds settings and runs uvicorn."""

import gc
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.observability import configure_logging
from shared.settings import ServiceSettings


def serve(settings: ServiceSettings, create_app: Callable[[ServiceSettings], FastAPI]) -> None:
    configure_logging(settings.log_level)
    app = create_app(settings)
    # What is built by now (modules, classes, routes, the app) lives as long as the process. Frozen,
    # it is left out of every full garbage collection, which would otherwise walk it each time while
    # no request is served: 77 to 125 ms each in registration at 100 registrations a second, 9 to
    # 33 ms after.
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                proxy_headers=True, forwarded_allow_ips="*")
