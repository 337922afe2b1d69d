"""Validate an uploaded connector logo and turn it into a small square PNG.

Uploads are untrusted: only PNG, JPEG and WebP decoders are ever run, sizes are
checked before reading and before decoding, and every failure becomes a
ValidationError with a code and a message a person can act on.
"""

import io
import os
import warnings

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_SIDE = 4096
MAX_LOGO_PIXELS = MAX_LOGO_SIDE * MAX_LOGO_SIDE
THUMBNAIL_SIDE = 256
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP")
ALLOWED_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")

FORMAT_MESSAGE = "Upload a PNG, JPEG or WebP image."


def _size_text(num_bytes):
    """Describe a byte count the way a person would say it."""
    megabytes = num_bytes / MAX_LOGO_BYTES
    return f"{megabytes:.1f} MB" if megabytes >= 1.1 else f"{num_bytes:,} bytes"


def _too_large(num_bytes=None):
    """Build the error for a file over MAX_LOGO_BYTES."""
    what = f"is {_size_text(num_bytes)}" if num_bytes else "is too large"
    return ValidationError(f"The logo {what}; the limit is 1 MB.", code="too_large")


def _invalid_format(data):
    """Build the error for content that is not an allowed image, naming it if Pillow can."""
    Image.init()
    for name, (_factory, accept) in Image.OPEN.items():
        try:  # `accept` only inspects the first bytes; no decoder runs here.
            if name not in ALLOWED_FORMATS and accept and accept(data[:16]):
                message = f"{FORMAT_MESSAGE} This file looks like {name}, which is not allowed."
                return ValidationError(message, code="invalid_format")
        except Exception:
            continue
    return ValidationError(FORMAT_MESSAGE, code="invalid_format")


def _read_limited(uploaded):
    """Read the upload from the start, never more than MAX_LOGO_BYTES + 1 bytes."""
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise _too_large()
    return data


def _open_image(data):
    """Decode the image (first frame only) or raise a ValidationError."""
    bomb = ValidationError(
        "The logo declares far more pixels than it could contain; it looks like a "
        "decompression bomb.",
        code="decompression_bomb",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            width, height = im.size  # From the header: nothing is decoded yet.
            if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
                raise ValidationError(
                    f"The logo is {width}x{height} pixels; the limit is "
                    f"{MAX_LOGO_SIDE}x{MAX_LOGO_SIDE}.",
                    code="too_big_dimensions",
                )
            if width * height > MAX_LOGO_PIXELS:
                raise bomb
            im.seek(0)  # Animated PNG/WebP: keep the first frame.
            im.load()
            return im
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise bomb from None
        except ValidationError:
            raise
        except Exception:  # Pillow raises OSError, SyntaxError, ValueError... on bad input.
            raise _invalid_format(data) from None


def logo_thumbnail(uploaded) -> bytes:
    """Validate an uploaded logo and return a THUMBNAIL_SIDE-square PNG of it.

    Raise ValidationError (code too_large, invalid_extension, invalid_format,
    too_big_dimensions or decompression_bomb) when the upload is not acceptable.
    """
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_LOGO_BYTES:
        raise _too_large(size)
    extension = os.path.splitext(getattr(uploaded, "name", None) or "")[1].lower()
    if extension and extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            f"A logo file cannot end in {extension}; use .png, .jpg, .jpeg or .webp.",
            code="invalid_extension",
        )
    im = _open_image(_read_limited(uploaded))
    try:
        im = ImageOps.exif_transpose(im)
        if im.mode.startswith("I"):  # 16/32-bit greyscale: scale instead of clipping.
            im = im.point(lambda value: value / 257, "L")
        side = (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
        im = ImageOps.fit(im.convert("RGBA"), side, Image.Resampling.LANCZOS)
    except Exception:
        raise ValidationError(FORMAT_MESSAGE, code="invalid_format") from None
    im.info = {}  # Drop EXIF, ICC profile, text chunks and other metadata.
    out = io.BytesIO()
    im.save(out, "PNG", optimize=True)
    return out.getvalue()
