"""Helpers of the offline scanner tests: signing keys on disk, codes shown as photos, a cold start offline."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from playwright.async_api import BrowserContext, Page
from web_support import serve

from shared.auth import generate_keypair
from shared.qr import qr_png
from shared.signing import Signer


def signing_keys(folder: Path) -> tuple[Path, Path]:
    """A current and a previous signing key, as a service is configured after a rotation."""
    generate_keypair(folder / "current.pem", folder / "current.pub.pem")
    generate_keypair(folder / "previous.pem", folder / "previous.pub.pem")
    return folder / "current.pem", folder / "previous.pem"


def signer(path: Path) -> Signer:
    return Signer.from_file_or_new(str(path))


def stranger() -> Signer:
    """A key no service knows: what a code signed elsewhere (or after the device's snapshot) carries."""
    return Signer(Ed25519PrivateKey.generate())


def forged(token: str) -> str:
    """The same header and claims with the signature of other claims: well formed, not genuine."""
    header, _, _ = token.split(".")
    other = stranger().sign({"t": "x"}).split(".")[2]
    return f"{header}.{token.split('.')[1]}.{other}"


async def show_code(page: Page, token: str, folder: Path, name: str) -> None:
    """Hold the code in front of the scanner (as a photo) and wait for a new answer."""
    photo = folder / f"{name}.png"
    photo.write_bytes(qr_png(token))
    await page.evaluate("document.getElementById('scan-result').dataset.outcome = 'waiting'")
    await page.set_input_files("#photo", str(photo))
    await page.wait_for_function(
        "() => !['waiting', ''].includes(document.getElementById('scan-result').dataset.outcome)")


async def outcome(page: Page) -> dict[str, Any]:
    return await page.evaluate("""() => { const r = document.getElementById('scan-result');
        return {outcome: r.dataset.outcome, status: r.dataset.status, text: r.textContent}; }""")


async def prepared_device(context: BrowserContext, url: str, staff_token: str) -> None:
    """Open the scanner online once: it signs in, downloads its snapshot and puts itself in the cache."""
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector("body[data-scanner-ready=true]")
    await page.fill("#staff-token", staff_token)
    await page.dispatch_event("#staff-token", "change")
    await page.wait_for_function("() => document.getElementById('snapshot-age').dataset.version !== ''")
    await page.evaluate("navigator.serviceWorker.ready")
    # Active and in control (it claims its pages once activated): the next page, offline, is its to serve.
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    await page.wait_for_function(
        "async (url) => Boolean(await caches.match(url)) && Boolean(await caches.match('/static/web/scanner.js'))",
        arg=url)
    await page.close()


async def cold_offline(context: BrowserContext, url: str) -> Page:
    """Cut the network, then open the scanner again from nothing: the service worker serves it."""
    await context.set_offline(True)
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector("body[data-scanner-ready=true]")
    return page


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
        yield base, http
