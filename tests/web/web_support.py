"""Browser tests: the apps served by uvicorn on random ports, Debian's Chromium driven by Playwright."""

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from PIL import Image
from playwright.async_api import Browser, BrowserContext, Page, Playwright

from infra import probes

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
WINDOWS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
# The csrf cookie a console browser holds, as the accounts service sets it at sign-in.
CSRF = "csrf-of-this-session"


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Run the app (with its lifespan: MongoDB, Kafka, consumers) on a free port of this event loop."""
    port = probes.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(300):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)


async def launch(playwright: Playwright, *extra: str) -> Browser:
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra])


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


def y4m_of(png: bytes, path: Path, *, size: int = 480, frames: int = 10) -> Path:
    """A Y4M video (the format Chromium's fake camera plays) showing the image on a white frame."""
    image = Image.open(io.BytesIO(png)).convert("L")
    image = image.resize((size - 80, size - 80), Image.NEAREST)
    canvas = Image.new("L", (size, size), 255)
    canvas.paste(image, (40, 40))
    luma = canvas.tobytes()
    chroma = bytes([128]) * ((size // 2) * (size // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


async def text_of(page: Page, selector: str) -> str:
    value: Any = await page.text_content(selector)
    return str(value or "").strip()


async def signed_in(browser: Browser, base: str, token: str, *, lang: str, window: str) -> BrowserContext:
    """A browser holding what the accounts service sets at sign-in: the access and csrf cookies."""
    context = await browser.new_context(locale=lang, viewport=WINDOWS[window])  # type: ignore[arg-type]
    await context.add_cookies([
        {"name": "tadamon_access", "value": token, "url": base, "httpOnly": True, "sameSite": "Lax"},
        {"name": "tadamon_csrf", "value": CSRF, "url": base, "sameSite": "Lax"}])
    return context
