"""QR images (PNG and SVG) of signed tokens, for badges and exhibitor passes."""

import asyncio
import io
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import qrcode
import qrcode.image.svg
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

BOX_SIZE = 8
# Codes drawn by one call to the worker when there are hundreds (badges, passes): the job reports its
# progress between calls, and another job's codes take their turn in the worker.
CODES_AT_ONCE = 50
log = logging.getLogger(__name__)


def _code(data: str, mask: int | None = None) -> qrcode.QRCode:
    # Medium error correction survives a creased or partly covered printout while
    # keeping a ~200-character token at a size phone cameras read from arm's length.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX_SIZE, border=4, mask_pattern=mask)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, *, mask: int | None = None) -> bytes:
    """A PNG of ``data``. Without ``mask`` the best of the eight mask patterns is chosen,
    which is most of the cost (about 15 ms of the 18 a code takes); a code shown on a
    screen, as in a confirmation mail, reads as well with a given one (every reader
    undoes any of the eight)."""
    # Drawn as one pixel per module, then enlarged: the same picture as the library's
    # drawing of each module as a rectangle, in a fraction of the time.
    matrix = _code(data, mask).get_matrix()
    size = len(matrix)
    modules = Image.new("1", (size, size))
    modules.putdata([0 if dark else 1 for row in matrix for dark in row])
    buffer = io.BytesIO()
    modules.resize((size * BOX_SIZE, size * BOX_SIZE), Image.Resampling.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    buffer = io.BytesIO()
    _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()


def qr_pngs(texts: Sequence[str], mask: int | None = None) -> list[bytes]:
    """A PNG of each of ``texts`` (see ``qr_png``)."""
    return [qr_png(text, mask=mask) for text in texts]


class QrWorker:
    """PNGs drawn in a process of their own, so that the event loop answering requests does not stop for them.

    A code is pure Python work: about 20 ms when the best mask is chosen, during which a service's
    event loop serves nothing. A job drawing a conference's badges between two reads of its cursor
    stopped the service for two seconds per hundred badges, the gates' scans included. The worker
    process is started at the first use and stopped by ``close``; should it die, the codes are
    drawn here and the next use starts another.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def pngs(self, texts: Sequence[str], *, mask: int | None = None) -> list[bytes]:
        if not texts:
            return []
        try:
            if self._pool is None:
                # Spawned, not forked: a fork copies the parent's threads' locks in whatever state they are.
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            return await asyncio.get_running_loop().run_in_executor(self._pool, qr_pngs, list(texts), mask)
        except (BrokenProcessPool, OSError) as exc:
            log.warning("QR worker unavailable (%r); drawing %d code(s) here", exc, len(texts))
            await self.close()
            return qr_pngs(texts, mask)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
