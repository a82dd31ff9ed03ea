"""Uploaded proofs rewritten without what their files tell about people (law 09-08).

A phone photograph carries in its EXIF where it was taken, the device, dates and often its
owner's name; a PDF carries in its document information and its XMP metadata an author,
the programs that made it and dates. A proof is downloaded by the public, so it is
rewritten before it is kept:

- a PNG or a JPEG keeps its pixels only, turned upright first as its EXIF orientation says
  (a photograph taken sideways still stands up): text chunks, EXIF, XMP, comments and the
  colour profile are left behind. A JPEG is encoded again (``JPEG_QUALITY``).
- a PDF loses its document information dictionary and every XMP metadata stream (the
  catalog's, and any that a page, an image or a font carries); its pages are otherwise
  unchanged.

A file that does not read as the kind its first bytes claim (damaged, cut short, locked by
a password) is refused with ``evidence_file_unreadable``, before anything is kept.
"""

import io

import pikepdf
from PIL import Image, ImageOps

from shared.errors import DomainError

# What a picture costs in memory is its decoded size, not its file's: a 10 MiB PNG may hold
# a billion pixels. 50 million is more than a phone's photograph within the size cap.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90
PDF_END_BYTES = 1024
KIND_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
# The decoders allowed for each kind: a phone's JPEG may be a multi-picture file (MPO).
IMAGE_FORMATS: dict[str, tuple[str, ...]] = {"image/png": ("PNG",), "image/jpeg": ("JPEG", "MPO")}


def without_metadata(content_type: str, data: bytes) -> bytes:
    """The file as it is kept and served (same pages or pixels, no metadata), or a refusal."""
    try:
        if content_type == "application/pdf":
            return _pdf_without_metadata(data)
        return _image_without_metadata(content_type, data)
    except DomainError:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    # A decoder fed a damaged file fails in many ways (OSError, SyntaxError, ValueError,
    # qpdf's PdfError, ...): each of them means the file is not what it claims to be.
    except Exception as exc:
        raise unreadable(content_type) from exc


def unreadable(content_type: str) -> DomainError:
    return DomainError("evidence_file_unreadable", status=422, kind=KIND_NAMES[content_type])


def _too_many_pixels() -> DomainError:
    return DomainError("evidence_file_too_many_pixels", status=422, max_mp=MAX_PIXELS // 1_000_000)


def _pdf_without_metadata(data: bytes) -> bytes:
    # A PDF ends with its cross-reference and the %%EOF marker, which readers look for in the
    # last 1024 bytes. A file cut short has lost them: qpdf would rebuild what is left and
    # quietly drop the missing pages' content, so such a file is refused instead.
    if b"%%EOF" not in data[-PDF_END_BYTES:]:
        raise unreadable("application/pdf")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if len(pdf.pages) == 0:
            raise unreadable("application/pdf")
        if pikepdf.Name.Info in pdf.trailer:
            del pdf.trailer[pikepdf.Name.Info]
        for item in pdf.objects:
            if isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)) and pikepdf.Name.Metadata in item:
                del item[pikepdf.Name.Metadata]
        out = io.BytesIO()
        # Only the objects still reachable are written: the dropped dictionary and streams go with
        # them. Streams are copied as they are, never decoded (a small stream may inflate to gigabytes).
        pdf.save(out, fix_metadata_version=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return out.getvalue()


def _image_without_metadata(content_type: str, data: bytes) -> bytes:
    with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS[content_type]) as opened:
        if opened.width * opened.height > MAX_PIXELS:
            raise _too_many_pixels()
        opened.load()  # a file cut short fails here, where every pixel is decoded
        upright = ImageOps.exif_transpose(opened)
    pixels = _pixels_only(upright)
    out = io.BytesIO()
    if content_type == "image/png":
        pixels.save(out, "PNG")
    else:
        pixels.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new picture made of the pixels alone: nothing of the file's ``info`` (text, EXIF, XMP, ICC) follows.

    A palette or a transparent colour is first turned into plain colours (with alpha if
    anything was transparent), as they live beside the pixels."""
    if image.mode in ("P", "PA") or "transparency" in image.info:
        see_through = image.mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if see_through else "RGB")
    plain = Image.new(image.mode, image.size)
    plain.paste(image)
    return plain
