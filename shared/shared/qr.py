"""QR images (PNG and SVG) of signed tokens, for badges and exhibitor passes."""

import io

import qrcode
import qrcode.image.svg
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

BOX_SIZE = 8


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
