"""QR images (PNG and SVG) of signed tokens, for badges and exhibitor passes.

Codes are encoded by zxing-cpp (compiled code): about 0.6 ms a code, the best of the eight mask
patterns included, then a PNG of it in about 1 ms. The pure Python encoder used before took
18 ms a code with the best mask and 5 ms with a given one, all of it on the event loop of the
service drawing it: a conference's badges stopped the registration service for two seconds per
hundred, and a confirmation mail's code was most of what a mail cost during an opening.
"""

import io

import zxingcpp
from PIL import Image

# Medium error correction survives a creased or partly covered printout while keeping a
# ~200-character token at a size phone cameras read from arm's length.
ERROR_CORRECTION = "M"
QUIET_ZONE = 4  # modules of light margin on each side, as the standard asks
BOX_SIZE = 8  # pixels per module in a PNG
MODULE_MM = 0.8  # millimetres per module in an SVG


def qr_modules(data: str) -> Image.Image:
    """The code of ``data`` as an image of one pixel per module (dark 0, light 255), quiet zone
    included. Raises ``ValueError`` if ``data`` does not fit in a QR code."""
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_CORRECTION)
    drawn = zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=False)
    modules = Image.fromarray(drawn)  # one byte a module: 0 dark, 255 light
    framed = Image.new("L", (modules.width + 2 * QUIET_ZONE, modules.height + 2 * QUIET_ZONE), 255)
    framed.paste(modules, (QUIET_ZONE, QUIET_ZONE))
    return framed


def qr_png(data: str) -> bytes:
    """A PNG of the code of ``data``, ``BOX_SIZE`` pixels a module, black on white."""
    modules = qr_modules(data).convert("1")
    buffer = io.BytesIO()
    modules.resize((modules.width * BOX_SIZE, modules.height * BOX_SIZE), Image.Resampling.NEAREST).save(
        buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    """An SVG of the code of ``data``: one path, a rectangle per run of dark modules in a row."""
    modules = qr_modules(data)
    size, pixels = modules.width, modules.tobytes()
    runs = []
    for y in range(size):
        row = pixels[y * size:(y + 1) * size]
        x = 0
        while x < size:
            if row[x]:
                x += 1
                continue
            start = x
            while x < size and not row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    side = f"{size * MODULE_MM:g}mm"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
            f'width="{side}" height="{side}" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{"".join(runs)}"/></svg>'
            ).encode()

