"""The HTTP baseline: a bare FastAPI endpoint served exactly as the services are served.

``python -m bench.bare_server --port N`` runs it through ``shared.serve.serve``, the
services' own entry point (uvicorn, one process, the same options), so the only
difference from a service is what the endpoint does: it parses the JSON body and
answers 201 with a small JSON document, without touching MongoDB or Kafka.
"""

import argparse
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from fastapi import FastAPI

from bench.config import ROOT
from bench.load import Call, Workload
from infra.probes import free_port
from shared.serve import serve
from shared.settings import ServiceSettings

PATH = "/bare"


def create_app(settings: ServiceSettings) -> FastAPI:
    app = FastAPI(title="bench bare endpoint")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.api_route(PATH, methods=["POST", "PUT"], status_code=201)
    async def bare(body: dict[str, Any]) -> dict[str, Any]:
        return {"id": "bare", "status": "confirmed", "fields": len(body)}

    return app


@dataclass(frozen=True)
class Redirected:
    """Another workload's calls, with the same bodies and headers, sent to the bare endpoint instead."""

    inner: Workload
    url: str

    def calls(self, job: int) -> list[Call]:
        return [replace(call, method="POST", url=self.url, body=call.body or {}, expect=(201,))
                for call in self.inner.calls(job)]

    def extract(self, call: Call, status: int, body: bytes) -> Any:
        return None


class BareServer:
    """Starts the bare endpoint in its own process for the duration of a ``with`` block."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> "BareServer":
        self.process = subprocess.Popen([sys.executable, "-m", "bench.bare_server", "--port", str(self.port)],
                                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise TimeoutError("the bare baseline server did not start")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_server")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(ServiceSettings(service_name="bench-bare", host="127.0.0.1", port=args.port, log_level="WARNING"),
          create_app)


if __name__ == "__main__":
    main()
