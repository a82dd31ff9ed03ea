"""Builders for the recommendations tests: the app, organizers, evidence (links, and files that carry
metadata about a person), other services' messages."""

import io
import random
import uuid
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pikepdf
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from agenda.events import SessionOutcomesRecorded
from marketplace.events import ExhibitorCheckedIn, SalesDeclared
from recommendations.app import create_app
from recommendations.settings import Settings
from registration.events import PARTICIPANT_FACTS, ConferenceCreated, ParticipantCheckedIn, ParticipantErased
from shared.envelope import Envelope, message_envelope
from shared.platform import Platform
from support import Infra, Keys, produce_raw, running, settings_for

AMINA = "amina.organizer@tadamon.ma"
YOUSSEF = "youssef.organizer@tadamon.ma"


@dataclass
class Service:
    client: httpx.AsyncClient
    settings: Settings
    platform: Platform
    infra: Infra
    keys: Keys

    def organizer(self, sub: str = AMINA) -> dict[str, str]:
        return self.keys.headers("admin", sub=sub)

    async def publish(self, topic: str, envelope: Envelope) -> None:
        await produce_raw(self.infra.kafka_bootstrap, self.settings.topic(topic), envelope.to_bytes(),
                          envelope.subject.encode())


@asynccontextmanager
async def service(infra: Infra, keys: Keys, **overrides: Any) -> AsyncIterator[Service]:
    settings = settings_for(Settings, infra, keys, **overrides)
    app = create_app(settings)
    async with running(app) as client:
        yield Service(client=client, settings=settings, platform=app.state.platform, infra=infra, keys=keys)


def evidence(**overrides: Any) -> dict[str, Any]:
    return {"url": "https://www.mtaess.gov.ma/decision-2026-17.pdf", "description": "Arrêté publié au BO",
            "date": "2026-10-01", **overrides}


# Whom an uploaded file's metadata names: it must never reach a public download.
PERSON = "Amina Benali"
XMP = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
       f'<dc:creator><rdf:Seq><rdf:li>{PERSON}</rdf:li></rdf:Seq></dc:creator>'
       '<xmp:CreatorTool>Scanner 3000</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta>'
       '<?xpacket end="w"?>').encode()


def picture(size: tuple[int, int]) -> Image.Image:
    """Four quarters of different colours: which way up the picture stands can be seen."""
    width, height = size
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 160, 40), (width // 2, 0, width, height // 2))
    image.paste((30, 40, 200), (0, height // 2, width // 2, height))
    image.paste((230, 220, 40), (width // 2, height // 2, width, height))
    return image


def jpeg_with_exif(size: tuple[int, int] = (80, 60)) -> bytes:
    """A phone's photograph: taken sideways (orientation 6), with its author, device, date and position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = PERSON
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.DateTime] = "2026:10:01 09:30:00"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (33.0, 58.0, 12.5),
                                  ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (6.0, 50.0, 30.0)}
    out = io.BytesIO()
    picture(size).save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (40, 30)) -> bytes:
    info = PngInfo()
    info.add_text("Author", PERSON)
    info.add_itxt("Description", f"Photo prise par {PERSON}")
    out = io.BytesIO()
    picture(size).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def padded_png(total: int) -> bytes:
    """A readable PNG of exactly ``total`` bytes: a private chunk after the header fills it up."""
    plain = png_with_text()
    filler = b"0" * (total - len(plain) - 12)
    chunk = len(filler).to_bytes(4, "big") + b"prVt" + filler + zlib.crc32(b"prVt" + filler).to_bytes(4, "big")
    return plain[:33] + chunk + plain[33:]


def pdf_with_metadata(pages: int = 2, photo_side: int = 0) -> bytes:
    """A PDF naming its author in its document information and in XMP (the catalog's and a page's).

    ``photo_side`` adds a square photograph of noise (which no compression shrinks) to the first page."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    for n in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(f"BT /F1 18 Tf 72 760 Td (Arrete 2026-17, page {n}) Tj ET".encode())
    if photo_side:
        noise = random.Random(17).randbytes(photo_side * photo_side * 3)
        photo = pdf.make_stream(noise, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=photo_side,
                                Height=photo_side, ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8)
        first = pdf.pages[0].obj
        first.Resources.XObject = pikepdf.Dictionary(Im1=photo)
        first.Contents = pdf.make_stream(first.Contents.read_bytes() + b"\nq 200 0 0 200 72 500 cm /Im1 Do Q")
    pdf.docinfo[pikepdf.Name.Author] = PERSON
    pdf.docinfo[pikepdf.Name.Creator] = f"Scanner de {PERSON}"
    pdf.docinfo[pikepdf.Name.Title] = "Arrete 2026-17"
    pdf.Root.Metadata = pdf.make_stream(XMP, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
    pdf.pages[0].obj.Metadata = pdf.make_stream(XMP, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def new_recommendation(**overrides: Any) -> dict[str, Any]:
    return {"id": f"test-{uuid.uuid4().hex[:10]}", "edition": 5, "number": 99,
            "text": {"ar": "توصية تجريبية", "fr": "Recommandation d'essai", "en": "Test recommendation"},
            "themes": ["market_access"], "sdgs": [8], "lead_body": "ministry_ess",
            "contributing_bodies": ["regions"], "target_date": "2027-12-31", **overrides}


def outcomes(session_id: str, conference_id: str, items: list[tuple[str, str]]) -> Envelope:
    """An outcomes message built with agenda's own class."""
    data = SessionOutcomesRecorded.model_validate({
        "session_id": session_id, "conference_id": conference_id,
        "session_title": {"ar": "ورشة التسويق", "fr": "Atelier commercialisation", "en": "Marketing workshop"},
        "conclusions": {"fr": "Conclusions"}, "recorded_at": datetime.now(UTC).isoformat(),
        "recommendations": [{"key": key, "text": {"ar": text, "fr": f"fr: {key}"}} for key, text in items]})
    return message_envelope(data, source="agenda", subject=session_id)


def conference(conference_id: str, edition: int | None) -> Envelope:
    """A conference message built with registration's own class."""
    data = ConferenceCreated.model_validate({
        "conference_id": conference_id, "kind": "national_conference", "edition": edition,
        "title": {"fr": "Conférence"}, "slogan": None, "city": "Ben Guerir", "region": "marrakech-safi",
        "venue": "UM6P", "starts_on": "2027-06-17", "ends_on": "2027-06-18", "timezone": "Africa/Casablanca",
        "capacity": 500, "registration_opens_at": None, "registration_closes_at": None, "requires_approval": False})
    return message_envelope(data, source="registration", subject=conference_id)


FACTS = {fact.message_type.removeprefix("registration.participant-").removesuffix(".v1"): fact
         for fact in PARTICIPANT_FACTS}


def participant(verb: str, registration_id: str, status: str, region: str, at: datetime | None = None,
                version: int = 1) -> Envelope:
    """A participant message built with registration's own class for ``verb``."""
    fact = FACTS[verb]
    at = at or datetime.now(UTC)
    extra: dict[str, Any] = {}
    if fact is ParticipantCheckedIn:
        extra = {"checked_in_at": at, "device_id": "scanner-1"}
    elif fact is ParticipantErased:
        extra = {"erased_at": at}
    data = fact(registration_id=registration_id, conference_id="conf-5", status=status, category="cooperative",
                region=region, gender=None, age_band=None, language="ar", at=at, version=version, **extra)
    return message_envelope(data, source="registration", subject=registration_id)


def checkin(market_id: str, cooperative_id: str, day: str = "2026-11-20") -> Envelope:
    """An exhibitor check-in built with marketplace's own class."""
    data = ExhibitorCheckedIn(market_id=market_id, cooperative_id=cooperative_id, stand=1, day=date.fromisoformat(day),
                              region="souss-massa", sector="argan", women_led=True, youth_led=False,
                              checked_in_at=datetime.now(UTC))
    return message_envelope(data, source="marketplace", subject=f"pass-{uuid.uuid4().hex[:6]}")


def sales(market_id: str, cooperative_id: str, day: str, amount: str, declared_at: datetime | None = None,
          version: int = 1) -> Envelope:
    """A sales declaration's message built with marketplace's own class."""
    declaration_id = f"{market_id}:{cooperative_id}:{day}"
    data = SalesDeclared(declaration_id=declaration_id, market_id=market_id, cooperative_id=cooperative_id,
                         day=date.fromisoformat(day), amount_mad=float(amount), by_category={"food": float(amount)},
                         region="souss-massa", sector="argan", women_led=True, youth_led=False,
                         declared_at=declared_at or datetime.now(UTC), version=version)
    return message_envelope(data, source="marketplace", subject=declaration_id)
