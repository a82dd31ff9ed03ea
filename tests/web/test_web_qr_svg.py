"""A QR code as SVG, as a browser shows it: it reads back as its text, at its printed size."""

import io

import zxingcpp
from PIL import Image
from playwright.async_api import Browser

from shared.qr import MODULE_MM, qr_svg

TOKEN = "eyJhbGciOiJFZERTQSJ9." + "eyJyIjoiMDFKQjdRIiwidCI6ImJhZGdlIn0" * 4 + ".c2lnbmF0dXJl"


async def test_an_svg_shown_by_the_browser_reads_back_as_its_text(browser: Browser) -> None:
    svg = qr_svg(TOKEN).decode()
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    page = await browser.new_page()
    try:
        await page.set_content(f"<body style='margin:0;background:#fff'>{svg.split('?>', 1)[1]}</body>")
        box = await page.locator("svg").bounding_box()
        assert box is not None
        shot = await page.locator("svg").screenshot()
    finally:
        await page.close()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in found] == [TOKEN]
    # Millimetres in the SVG, 96 CSS pixels to the inch: the module's size holds.
    modules = int(svg.split('viewBox="0 0 ', 1)[1].split(" ", 1)[0])
    assert abs(box["width"] - modules * MODULE_MM * 96 / 25.4) < 1
