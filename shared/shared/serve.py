"""Entry point helper: ``python -m <service>`` builds settings and runs uvicorn."""

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.observability import configure_logging
from shared.settings import ServiceSettings


def serve(settings: ServiceSettings, create_app: Callable[[ServiceSettings], FastAPI]) -> None:
    configure_logging(settings.log_level)
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                proxy_headers=True, forwarded_allow_ips="*")
