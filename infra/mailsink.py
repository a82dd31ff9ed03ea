"""A local SMTP server that keeps every message instead of delivering it.

``python -m infra.mailsink --port 8025 --dir .local/mail``: each message is saved as
``<dir>/<UTC time>-<n>.eml`` (open it with any mail reader) and described by one
JSON line in ``<dir>/index.jsonl`` (file, envelope sender and recipients, To,
Subject, time), which is what scripts and tests read.
"""

import argparse
import asyncio
import itertools
import json
import os
import signal
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class MailSink:
    """aiosmtpd handler: DATA writes the message to disk and answers 250."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        self.save(content, mail_from=envelope.mail_from or "", rcpt_tos=list(envelope.rcpt_tos), peer=peer)
        return "250 Message accepted for delivery"

    def save(self, content: bytes, *, mail_from: str, rcpt_tos: list[str], peer: str) -> Path:
        now = datetime.now(UTC)
        path = self.folder / f"{now:%Y%m%dT%H%M%S.%f}Z-{next(self.counter)}.eml"
        # Write then rename, so a reader polling the folder never sees half a message.
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        os.replace(partial, path)
        message = message_from_bytes(content, policy=default_policy)
        entry: dict[str, Any] = {
            "file": path.name, "received_at": now.isoformat(), "mail_from": mail_from, "rcpt_tos": rcpt_tos,
            "to": str(message.get("To", "")), "subject": str(message.get("Subject", "")), "peer": peer,
        }
        # One write of one short line in append mode: concurrent lines do not interleave.
        with (self.folder / "index.jsonl").open("a", encoding="utf-8") as index:
            index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return path


async def serve(host: str, port: int, folder: Path) -> None:
    loop = asyncio.get_running_loop()
    sink = MailSink(folder)
    # An explicit hostname: the default, socket.getfqdn(), can hang on a machine without DNS.
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="mailsink.local", enable_SMTPUTF8=True), host=host, port=port
    )
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"mailsink listening on {host}:{port}, keeping mails in {folder}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.mailsink",
                                     description="A local SMTP server that keeps every message.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path(".local/mail"))
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.dir.resolve()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
