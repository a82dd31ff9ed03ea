"""QR images: every PNG reads back as the text it was drawn from, at medium error correction with its
quiet zone; a text too long for a code is refused; many codes leave the event loop to others."""

import asyncio
import io

import pytest
import zxingcpp
from PIL import Image

from shared.qr import BOX_SIZE, QUIET_ZONE, qr_png, qr_pngs

TEXTS = [
    # A badge's signed token, a pass's, the sign-in page's authenticator link.
    "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0." + "eyJyIjoiMDFKQjdRIiwidCI6ImJhZGdlIn0" * 4 + ".c2lnbmF0dXJl" * 6,
    "eyJhbGciOiJFZERTQSJ9.eyJwIjoicGFzcy0xIn0.sig",
    "otpauth://totp/Tadamon:nadia%40example.ma?secret=JBSWY3DPEHPK3PXP&issuer=Tadamon",
]


def read(png: bytes) -> zxingcpp.Barcode:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("text", TEXTS)
def test_a_png_reads_back_as_its_text_with_medium_correction_and_a_quiet_zone(text: str) -> None:
    png = qr_png(text)
    code = read(png)
    assert code.text == text and code.ec_level == "M"
    image = Image.open(io.BytesIO(png))
    assert image.mode == "1" and image.width == image.height and image.width % BOX_SIZE == 0
    # Four light modules on every side, then the finder pattern's dark corner.
    margin = QUIET_ZONE * BOX_SIZE
    pixels = image.load()
    assert pixels is not None
    edge = [pixels[x, y] for x in range(image.width) for y in range(image.height)
            if min(x, y, image.width - 1 - x, image.height - 1 - y) < margin]
    assert set(edge) == {255}
    assert pixels[margin, margin] == 0


def test_a_text_too_long_for_a_code_is_refused() -> None:
    with pytest.raises(ValueError):
        qr_png("x" * 4000)


async def test_many_codes_leave_the_event_loop_to_others_between_two() -> None:
    turns = 0

    async def other() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    ticking = asyncio.create_task(other())
    await asyncio.sleep(0)
    before = turns
    try:
        pngs = await qr_pngs(TEXTS * 3)
    finally:
        ticking.cancel()
    assert [read(png).text for png in pngs] == TEXTS * 3
    # The other task ran after each code, not once after all of them.
    assert turns - before >= len(TEXTS * 3)
