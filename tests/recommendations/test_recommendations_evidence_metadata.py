"""Evidence files lose the metadata that names people before they are kept (law 09-08): a photograph's
EXIF (position, author, device), a PNG's text, a PDF's document information and XMP; what they show is
kept. A file that does not read as what it claims is refused in the caller's language and nothing is kept."""

import io

import pikepdf
import pytest
from PIL import ExifTags, Image, ImageChops, ImageOps, ImageStat
from recommendations_factories import (
    PERSON,
    Service,
    jpeg_with_exif,
    pdf_with_metadata,
    png_with_text,
    service,
)
from test_recommendations_evidence_files import file_of, new, upload

from recommendations.cleaning import MAX_PIXELS, without_metadata
from recommendations.context import recommendations_of
from shared.errors import DomainError
from support import Infra, Keys

UNREADABLE = {"ar": "تعذرت قراءة الملف بصيغة", "fr": "ne se lit pas comme un", "en": "cannot be read as a"}


async def public_copy(svc: Service, name: str, data: bytes) -> bytes:
    """Upload ``data`` as accepted evidence, then download it as anyone does."""
    rid = await new(svc)
    answer = await upload(svc, rid, name, data)
    assert answer.status_code == 200, answer.text
    file = file_of(answer.json())
    public = await svc.client.get(f"/recommendations/{rid}/evidence/{file['id']}")
    assert public.status_code == 200
    assert file["size"] == len(public.content)
    return bytes(public.content)


async def test_a_photograph_is_served_upright_without_its_position_author_or_device(
        infra: Infra, keys: Keys) -> None:
    sent = jpeg_with_exif()
    before = Image.open(io.BytesIO(sent))
    assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo) and PERSON.encode() in sent
    async with service(infra, keys) as svc:
        served = await public_copy(svc, "IMG_2031.jpg", sent)
    after = Image.open(io.BytesIO(served))
    assert after.format == "JPEG" and len(after.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(after.info)
    assert PERSON.encode() not in served and b"Exif\x00\x00" not in served
    upright = ImageOps.exif_transpose(before)
    assert before.size == (80, 60) and after.size == upright.size == (60, 80)
    difference = ImageStat.Stat(ImageChops.difference(upright.convert("RGB"), after.convert("RGB"))).mean
    assert max(difference) < 4, difference


async def test_a_png_is_served_with_the_same_pixels_and_without_its_text(infra: Infra, keys: Keys) -> None:
    sent = png_with_text()
    before = Image.open(io.BytesIO(sent))
    assert before.text["Author"] == PERSON  # type: ignore[attr-defined]
    async with service(infra, keys) as svc:
        served = await public_copy(svc, "plan.png", sent)
    after = Image.open(io.BytesIO(served))
    assert after.format == "PNG" and after.text == {}  # type: ignore[attr-defined]
    assert PERSON.encode() not in served and b"Benali" not in served
    assert (after.mode, after.size) == (before.mode, before.size) and after.tobytes() == before.tobytes()


async def test_a_pdf_is_served_with_its_pages_and_without_author_creator_or_xmp(infra: Infra, keys: Keys) -> None:
    sent = pdf_with_metadata(pages=3)
    with pikepdf.open(io.BytesIO(sent)) as before:
        assert before.docinfo.Author == PERSON and "/Metadata" in before.Root and "/Metadata" in before.pages[0].obj
        texts = [page.obj.Contents.read_bytes() for page in before.pages]
    assert PERSON.encode() in sent
    async with service(infra, keys) as svc:
        served = await public_copy(svc, "arrêté.pdf", sent)
    with pikepdf.open(io.BytesIO(served)) as after:
        assert "/Info" not in after.trailer and "/Metadata" not in after.Root
        assert not any("/Metadata" in page.obj for page in after.pages)
        assert [page.obj.Contents.read_bytes() for page in after.pages] == texts
    assert len(texts) == 3 and b"(Arrete 2026-17, page 3) Tj" in texts[2]
    assert b"Benali" not in served and b"Scanner" not in served


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
async def test_a_damaged_pdf_or_a_truncated_jpeg_is_refused_in_the_callers_language_and_nothing_is_kept(
        infra: Infra, keys: Keys, lang: str) -> None:
    pdf, jpeg = pdf_with_metadata(), jpeg_with_exif()
    damaged = pdf[:9] + bytes(255 - b for b in pdf[9:])
    async with service(infra, keys) as svc:
        rid = await new(svc)
        headers = svc.organizer() | {"Accept-Language": lang}
        answers = [(kind, await upload(svc, rid, name, data, headers=headers)) for kind, name, data in [
            ("PDF", "arrêté.pdf", damaged), ("PDF", "coupé.pdf", pdf[:len(pdf) // 2]),
            ("JPEG", "photo.jpg", jpeg[:len(jpeg) // 2])]]
        detail = (await svc.client.get(f"/recommendations/{rid}")).json()
        kept = await recommendations_of(svc.platform).store.evidence_files_of(rid)
    for kind, answer in answers:
        assert answer.status_code == 422 and answer.json()["code"] == "evidence_file_unreadable", answer.text
        assert answer.json()["lang"] == lang and UNREADABLE[lang] in answer.json()["detail"]
        assert answer.json()["params"] == {"kind": kind} and kind in answer.json()["detail"]
    assert detail["status"] == "not_started" and detail["evidence"] == [] and len(detail["timeline"]) == 1
    assert kept == []


def test_a_palette_png_keeps_its_transparency_as_plain_colours_with_alpha() -> None:
    palette = Image.new("P", (4, 2), 0)
    palette.putpalette([255, 255, 255, 200, 0, 0])
    palette.putpixel((1, 0), 1)
    sent = io.BytesIO()
    palette.save(sent, "PNG", transparency=0)
    cleaned = Image.open(io.BytesIO(without_metadata("image/png", sent.getvalue())))
    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((0, 0))[3] == 0 and cleaned.getpixel((1, 0)) == (200, 0, 0, 255)  # type: ignore[index]


def test_a_picture_of_too_many_pixels_is_refused_with_the_limit() -> None:
    huge = io.BytesIO()
    Image.new("1", (MAX_PIXELS // 1000 + 1, 1000)).save(huge, "PNG")
    with pytest.raises(DomainError) as refused:
        without_metadata("image/png", huge.getvalue())
    assert refused.value.code == "evidence_file_too_many_pixels" and refused.value.params == {"max_mp": 50}


def test_a_pdf_cut_short_is_refused_though_what_is_left_could_be_rebuilt() -> None:
    pdf = pdf_with_metadata()
    assert without_metadata("application/pdf", pdf + b"\n" * 200).startswith(b"%PDF-")  # trailing bytes are fine
    with pytest.raises(DomainError) as refused:
        without_metadata("application/pdf", pdf[:len(pdf) * 8 // 10])
    assert refused.value.code == "evidence_file_unreadable" and refused.value.params == {"kind": "PDF"}
