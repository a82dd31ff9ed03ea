"""QR images: every PNG reads back as the text it was drawn from, at medium error correction with its
quiet zone; a text too long for a code is refused."""

import io

import pytest
import zxingcpp
from PIL import Image

from shared.qr import BOX_SIZE, QUIET_ZONE, qr_png

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

