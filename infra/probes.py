"""Free ports, and whether a server is ready: HTTP 200, a Kafka broker clients can use,
a MongoDB-protocol server answering ping, an SMTP greeting."""

from __future__ import annotations

import socket
import struct
import time
import urllib.error
import urllib.request

_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port free on 127.0.0.1, never one this process handed out before."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port found")


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_port_free(port: int, what: str) -> None:
    if port_open(port):
        raise RuntimeError(f"port {port} is already in use, so {what} cannot listen there; "
                           f"stop whatever holds it (see `ss -ltnp`) or use other ports")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_http(url: str, timeout: float = 60.0) -> None:
    """Wait until GET ``url`` answers 200."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s (last: {last})")


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def kafka_ready(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    """True when the broker answers a Metadata request that lists a broker.

    A broker appears in metadata only once it has registered with the controller
    and been unfenced, i.e. when clients can use it (an open port is not enough).
    Metadata v4, header v1: supported from Kafka 1.0 to 4.x.
    """
    client_id = b"tadamon-stack"
    request = struct.pack(">hhih", 3, 4, 1, len(client_id)) + client_id + struct.pack(">ib", -1, 0)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
            correlation_id, _throttle_ms, brokers = struct.unpack_from(">iii", _recv_exactly(sock, size))
    except (OSError, struct.error):
        return False
    return bool(correlation_id == 1 and brokers > 0)


def mongo_ready(port: int) -> bool:
    try:
        import pymongo
        from pymongo.errors import PyMongoError
    except ImportError:  # the stdlib-only path (no venv yet): an open port will do
        return port_open(port)
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=1000, connectTimeoutMS=1000
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def smtp_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            greeting = sock.recv(512)
            sock.sendall(b"QUIT\r\n")
            return greeting.startswith(b"220")
    except OSError:
        return False
