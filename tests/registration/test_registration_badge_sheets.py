"""Badges four to an A4 sheet, with cut marks, for a chosen group of confirmed participants."""

import re
import subprocess
import unicodedata
from pathlib import Path

from registration_factories import registration_service

from support import Infra, Keys


def _pdf(content: bytes, tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return info, unicodedata.normalize("NFKC", text)


async def test_a4_sheets_hold_four_badges_a_page_with_shaped_arabic_names_for_a_category(
        infra: Infra, keys: Keys, tmp_path: Path) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference())["id"]
        names = ["أمينة العلوي", "Hélène Dupré", "يوسف بنعلي", "Jean Martin", "خديجة بناني"]
        for name in names:
            await svc.register(cid, full_name=name, organization_type="cooperative")
        await svc.register(cid, full_name="Media Person", organization_type="media")
        url = f"/admin/conferences/{cid}/badges.pdf"
        sheet = await svc.client.get(url, params={"layout": "a4", "category": "cooperative"}, headers=svc.organizer)
        assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
        info, text = _pdf(sheet.content, tmp_path)
        assert re.search(r"Pages:\s+2\b", info)  # five badges: four, then one
        assert "595.276 x 841.89" in info or "595.28 x 841.89" in info  # A4 in points
        assert all(name in text for name in names) and "Media Person" not in text

        searched = await svc.client.get(url, params={"layout": "a4", "q": "امينة"}, headers=svc.organizer)
        info, text = _pdf(searched.content, tmp_path)
        assert re.search(r"Pages:\s+1\b", info) and "أمينة العلوي" in text and "Hélène Dupré" not in text
        refused = await svc.client.get(url, params={"layout": "a3"}, headers=svc.organizer)
        assert refused.status_code == 422
