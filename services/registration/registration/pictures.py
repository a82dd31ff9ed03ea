"""Badge pictures of mails, drawn in a process of their own.

A confirmation carries its badge as a QR picture: about 5 ms of CPU in pure Python. Drawn
in the event loop that answers registrations, ten of them a second during an opening held
up the answers around them (answers p99 at 100 registrations a second 320 to 335 ms with
the pictures drawn in the loop, 260 to 275 ms with them drawn here; quick opening, same
machine, same hour). A batch's pictures go to one worker process in one call.

The worker is started on the first batch, from a fork server: a clean process, not a fork
of this one with its threads and connections (about 25 MB, and 27 MB for the fork server
and the resource tracker). Should it fail (killed, out of memory) or not start, the batch's
pictures are drawn in the loop as before and a new worker is tried for the next.
"""

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from registration.notifications import MAIL_QR_MASK
from shared.qr import qr_pngs

log = logging.getLogger(__name__)


class BadgePictures:
    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    async def draw(self, tokens: list[str]) -> list[bytes] | None:
        """The pictures of these badge tokens, in order; None when they are to be drawn in the loop."""
        if not tokens or self.processes == 0:
            return None
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.processes,
                                                 mp_context=multiprocessing.get_context("forkserver"))
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, partial(qr_pngs, tokens, mask=MAIL_QR_MASK))
        except Exception as exc:  # noqa: BLE001 - a lost worker costs this batch the loop's time, no mail
            log.warning("badge pictures: no worker process (%r); drawing them here", exc)
            self.close()
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
