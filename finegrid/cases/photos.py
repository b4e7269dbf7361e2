"""Case photos: type and size checked, re-encoded without metadata (EXIF location,
camera, time), so nothing about where a resident stood is kept."""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from finegrid.cases.models import CasePhoto
from finegrid.errors import InvalidInput

MAX_PHOTOS = 3
MAX_BYTES = 8 * 1024 * 1024
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


def clean(upload, index: int = 1) -> tuple[bytes, str, str]:
    """The photo re-encoded without metadata, its content type and extension."""
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"photos[{index}]: larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidInput(f"photos[{index}]: not a JPEG, PNG or WebP image") from None
    if image.format not in FORMATS:
        raise InvalidInput(f"photos[{index}]: not a JPEG, PNG or WebP image")
    content_type, ext = FORMATS[image.format]
    # A fresh image with the pixels only: no EXIF, no XMP, no ICC text chunks.
    mode = image.mode if image.mode in ("RGB", "RGBA", "L") else "RGB"
    bare = Image.new(mode, image.size)
    bare.paste(image.convert(mode))
    out = io.BytesIO()
    if image.format == "JPEG" and mode == "RGBA":
        bare = bare.convert("RGB")
    bare.save(out, format=image.format, quality=85)
    return out.getvalue(), content_type, ext


def check_all(uploads) -> list[tuple[bytes, str, str]]:
    uploads = list(uploads)
    if len(uploads) > MAX_PHOTOS:
        raise InvalidInput(f"photos: at most {MAX_PHOTOS}")
    return [clean(u, i) for i, u in enumerate(uploads, start=1)]


def attach(case, step, uploads) -> list[CasePhoto]:
    stored = []
    for data, content_type, ext in check_all(uploads):
        photo = CasePhoto(
            case=case, step=step, content_type=content_type, size=len(data), path=case.path
        )
        photo.image.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(data), save=False)
        photo.save()
        stored.append(photo)
    return stored
