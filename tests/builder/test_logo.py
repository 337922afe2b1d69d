"""Tests for builder.logo: every attack file is generated here, none is committed."""

import io
import random
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageCms, PngImagePlugin

from builder.logo import (
    ALLOWED_FORMATS,
    MAX_LOGO_BYTES,
    MAX_LOGO_SIDE,
    THUMBNAIL_SIDE,
    logo_thumbnail,
)


class Upload(io.BytesIO):
    """Stand in for a Django UploadedFile: bytes with a name and a size."""

    def __init__(self, data, name="logo.png", size=None):
        super().__init__(data)
        self.name = name
        self.size = len(data) if size is None else size
        self.largest_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.largest_read = max(self.largest_read, len(chunk))
        return chunk


def encode(im, fmt="PNG", **params):
    """Return the bytes of `im` saved in `fmt`."""
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def png_chunk(kind, data):
    """Return one PNG chunk with a correct CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def crafted_png(width, height, bit_depth=1, idat=True):
    """Return a greyscale PNG of zeros built by hand: cheap even for huge sizes."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0))
    body = b""
    if idat:
        row = b"\0" * (1 + (width * bit_depth + 7) // 8)
        compressor = zlib.compressobj(9)
        data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
        body = png_chunk(b"IDAT", data)
    return b"\x89PNG\r\n\x1a\n" + ihdr + body + png_chunk(b"IEND", b"")


def noise(size=(64, 64), mode="RGB"):
    """Return an incompressible image, so its files are large enough to truncate."""
    channels = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, size, random.Random(0).randbytes(size[0] * size[1] * channels))


def thumbnail_of(upload):
    """Run logo_thumbnail and open its result, checking it is a square PNG."""
    result = Image.open(io.BytesIO(logo_thumbnail(upload)))
    assert result.format == "PNG"
    assert result.size == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    assert result.mode == "RGBA"
    return result


def refusal(upload):
    """Return the ValidationError raised for `upload`, checking its message reads well."""
    with pytest.raises(ValidationError) as caught:
        logo_thumbnail(upload)
    [message] = caught.value.messages
    assert message[0].isupper() and message.endswith("."), message
    for jargon in ("Traceback", "PIL", "cannot identify", "Errno", "None"):
        assert jargon not in message
    return caught.value


def test_constants():
    assert MAX_LOGO_BYTES == 1024 * 1024
    assert MAX_LOGO_SIDE == 4096
    assert THUMBNAIL_SIDE == 256
    assert ALLOWED_FORMATS == ("PNG", "JPEG", "WEBP")


# --- Accepted uploads -----------------------------------------------------------------------

ACCEPTED = {
    "png-rgb": lambda: encode(noise((300, 200))),
    "png-rgba": lambda: encode(Image.new("RGBA", (120, 80), (255, 0, 0, 128))),
    "png-palette": lambda: encode(noise((90, 90)).convert("P")),
    "png-grey": lambda: encode(Image.new("L", (64, 64), 128)),
    "png-grey-alpha": lambda: encode(Image.new("LA", (64, 64), (128, 200))),
    "png-1bit": lambda: encode(Image.new("1", (64, 64), 1)),
    "png-16bit-grey": lambda: encode(Image.new("I;16", (64, 64), 30000)),
    "jpeg-rgb": lambda: encode(noise((200, 300)), "JPEG"),
    "jpeg-grey": lambda: encode(Image.new("L", (64, 64), 128), "JPEG"),
    "jpeg-cmyk": lambda: encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG"),
    "webp-rgb": lambda: encode(noise((100, 50)), "WEBP"),
    "webp-rgba": lambda: encode(Image.new("RGBA", (50, 100), (0, 0, 255, 100)), "WEBP"),
    "tall-jpeg": lambda: encode(Image.new("RGB", (10, 400), "green"), "JPEG"),
    "one-pixel": lambda: encode(Image.new("RGB", (1, 1), "red")),
    "max-side-line": lambda: encode(Image.new("RGB", (MAX_LOGO_SIDE, 1), "red")),
}


@pytest.mark.parametrize("make", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepts_allowed_images_and_makes_a_square_png(make):
    thumbnail_of(Upload(make()))


@pytest.mark.parametrize("name", ["logo.PNG", "logo.jpeg", "logo.jpg", "logo.webp", "logo", ""])
def test_accepts_allowed_or_missing_extensions(name):
    thumbnail_of(Upload(encode(Image.new("RGB", (8, 8))), name=name))


def test_accepts_the_largest_allowed_dimensions():
    thumbnail_of(Upload(encode(Image.new("RGB", (MAX_LOGO_SIDE, MAX_LOGO_SIDE), "red"))))


def test_accepts_a_valid_png_of_exactly_one_megabyte():
    png = encode(Image.new("RGB", (32, 32), "red"))
    padding = MAX_LOGO_BYTES - len(png) - 12  # 12 = chunk length, type and CRC.
    # "paDd" is an ancillary, private chunk: decoders skip it.
    padded = png[:33] + png_chunk(b"paDd", b"\0" * padding) + png[33:]
    assert len(padded) == MAX_LOGO_BYTES
    upload = Upload(padded)
    thumbnail_of(upload)
    assert upload.largest_read <= MAX_LOGO_BYTES + 1


def test_reads_from_the_start_of_the_file():
    upload = Upload(encode(Image.new("RGB", (8, 8))))
    upload.read()
    thumbnail_of(upload)


def test_keeps_transparency():
    palette = Image.new("P", (64, 64), 0)
    palette.putpalette([255, 0, 0] * 256)
    result = thumbnail_of(Upload(encode(palette, transparency=0)))
    assert result.getpixel((128, 128))[3] == 0


def test_scales_16_bit_grey_instead_of_clipping_it():
    result = thumbnail_of(Upload(encode(Image.new("I;16", (64, 64), 30000))))
    assert 100 < result.getpixel((128, 128))[0] < 130


def test_crops_the_centre_of_non_square_images():
    wide = Image.new("RGB", (300, 100), "red")
    wide.paste((0, 0, 255), (100, 0, 200, 100))  # Blue centre, red sides.
    result = thumbnail_of(Upload(encode(wide)))
    # Squashing instead of cropping would show red at these points.
    for x in (20, 236):
        assert result.getpixel((x, 128)) == (0, 0, 255, 255)


def test_applies_exif_orientation():
    # Stored sideways: red on the left, blue on the right. Orientation 6 means "rotate
    # 90 degrees clockwise to display", which puts red on top and blue at the bottom.
    stored = Image.new("RGB", (200, 100), "red")
    stored.paste((0, 0, 255), (100, 0, 200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    result = thumbnail_of(Upload(encode(stored, "JPEG", exif=exif.tobytes()), name="photo.jpg"))
    top, bottom = result.getpixel((128, 20)), result.getpixel((128, 236))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_drops_metadata(fmt):
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription.
    exif[0x0112] = 1
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    params = {"exif": exif.tobytes(), "icc_profile": icc, "dpi": (300, 300)}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "secret author")
        text.add_itxt("Comment", "secret comment", zip=True)
        params["pnginfo"] = text
    else:
        params["comment"] = b"secret comment"
    source = encode(Image.new("RGB", (64, 64), "red"), fmt, **params)
    assert b"secret" in source

    png = logo_thumbnail(Upload(source, name=f"logo.{fmt.lower()}"))
    assert b"secret" not in png
    for kind in (b"eXIf", b"iCCP", b"tEXt", b"iTXt", b"zTXt", b"pHYs"):
        assert kind not in png
    result = Image.open(io.BytesIO(png))
    assert not result.getexif()
    assert not {"exif", "icc_profile", "dpi", "comment", "Author"} & result.info.keys()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_keeps_only_the_first_frame_of_animations(fmt):
    red, blue = Image.new("RGB", (32, 32), "red"), Image.new("RGB", (32, 32), "blue")
    params = {"lossless": True} if fmt == "WEBP" else {}
    animation = encode(red, fmt, save_all=True, append_images=[blue], duration=100, **params)
    assert getattr(Image.open(io.BytesIO(animation)), "n_frames", 1) == 2
    result = thumbnail_of(Upload(animation, name=f"logo.{fmt.lower()}"))
    assert result.getpixel((128, 128)) == (255, 0, 0, 255)


# --- Refused uploads -----------------------------------------------------------------------

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    b"%%EndComments\n(%pipe%id) (w) file\nshowpage\n%%EOF\n"
)


def small(fmt, mode="RGB"):
    """Return a function making a tiny image in `fmt`, for the refusal table."""
    return lambda: encode(Image.new(mode, (16, 16)), fmt)


def one_megabyte_plus_one():
    png = encode(Image.new("RGB", (8, 8)))
    return png + b"\0" * (MAX_LOGO_BYTES + 1 - len(png))


def corrupt_crc():
    png = bytearray(encode(Image.new("RGB", (8, 8))))
    png[29] ^= 0xFF  # Last byte of the IHDR CRC.
    return bytes(png)


def corrupt_idat():
    png = encode(noise())
    start = png.index(b"IDAT") + 4
    return png[:start] + bytes(200) + png[start + 200 :]


REFUSED = {
    "svg-renamed-png": (SVG, "logo.png", "invalid_format"),
    "svg": (SVG, "logo.svg", "invalid_extension"),
    "eps-renamed-png": (EPS, "logo.png", "invalid_format"),
    "eps": (EPS, "logo.eps", "invalid_extension"),
    "gif-renamed-png": (small("GIF", "P"), "logo.png", "invalid_format"),
    "bmp-renamed-png": (small("BMP"), "logo.png", "invalid_format"),
    "tiff-renamed-png": (small("TIFF"), "logo.png", "invalid_format"),
    "tiff": (small("TIFF"), "logo.tiff", "invalid_extension"),
    "ico-renamed-png": (small("ICO"), "logo.png", "invalid_format"),
    "pdf-renamed-png": (small("PDF"), "logo.png", "invalid_format"),
    "pdf": (small("PDF"), "logo.pdf", "invalid_extension"),
    "empty": (b"", "logo.png", "invalid_format"),
    "text": (b"This is not an image at all.\n", "logo.png", "invalid_format"),
    "html": (b"<!doctype html><script>alert(1)</script>", "logo.webp", "invalid_format"),
    "random-bytes": (lambda: random.Random(1).randbytes(4096), "logo.jpg", "invalid_format"),
    "truncated-png": (lambda: encode(noise())[:100], "logo.png", "invalid_format"),
    "truncated-jpeg": (lambda: encode(noise(), "JPEG")[:400], "logo.jpg", "invalid_format"),
    "truncated-webp": (lambda: encode(noise(), "WEBP")[:200], "logo.webp", "invalid_format"),
    "png-header-only": (lambda: crafted_png(16, 16, idat=False), "logo.png", "invalid_format"),
    "png-bad-crc": (corrupt_crc, "logo.png", "invalid_format"),
    "png-corrupt-data": (corrupt_idat, "logo.png", "invalid_format"),
    "png-renamed-exe": (small("PNG"), "logo.exe", "invalid_extension"),
    "png-double-extension": (small("PNG"), "logo.png.exe", "invalid_extension"),
    "one-megabyte-plus-one": (one_megabyte_plus_one, "logo.png", "too_large"),
    "too-wide": (lambda: crafted_png(MAX_LOGO_SIDE + 1, 1), "logo.png", "too_big_dimensions"),
    "too-tall": (lambda: crafted_png(1, MAX_LOGO_SIDE + 1), "logo.png", "too_big_dimensions"),
    "too-big-both": (lambda: crafted_png(5000, 5000), "logo.png", "too_big_dimensions"),
    # Over Pillow's MAX_IMAGE_PIXELS: a DecompressionBombWarning, turned into an error.
    "bomb-warning": (lambda: crafted_png(10_000, 10_000), "logo.png", "decompression_bomb"),
    # Over twice MAX_IMAGE_PIXELS: Pillow raises DecompressionBombError itself.
    "bomb-error": (lambda: crafted_png(20_000, 20_000), "logo.png", "decompression_bomb"),
}


@pytest.mark.parametrize(("content", "name", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_refuses(content, name, code):
    data = content() if callable(content) else content
    assert refusal(Upload(data, name=name)).code == code


def test_bombs_are_small_files():
    bomb = crafted_png(20_000, 20_000)
    assert len(bomb) < 100_000


def test_too_large_message_gives_both_sizes():
    error = refusal(Upload(b"", size=int(1.4 * MAX_LOGO_BYTES)))
    assert error.code == "too_large"
    assert error.messages == ["The logo is 1.4 MB; the limit is 1 MB."]


def test_checks_the_declared_size_before_reading():
    class Huge:
        name = "logo.png"
        size = MAX_LOGO_BYTES + 1

        def read(self, size=-1):
            raise AssertionError("read before checking .size")

        def seek(self, offset):
            raise AssertionError("seek before checking .size")

    assert refusal(Huge()).code == "too_large"


@pytest.mark.parametrize("declared_size", [None, 100])
def test_never_reads_more_than_the_limit_when_size_lies(declared_size):
    upload = Upload(one_megabyte_plus_one() + b"\0" * MAX_LOGO_BYTES)
    upload.size = declared_size
    assert refusal(upload).code == "too_large"
    assert upload.largest_read <= MAX_LOGO_BYTES + 1


@pytest.mark.parametrize(
    ("make", "named"), [(small("GIF", "P"), "GIF"), (small("BMP"), "BMP"), (lambda: EPS, "EPS")]
)
def test_format_message_names_what_pillow_recognised(make, named):
    error = refusal(Upload(make()))
    assert error.code == "invalid_format"
    assert "PNG, JPEG or WebP" in error.messages[0]
    assert named in error.messages[0]


def test_generic_format_message_when_unrecognised():
    assert refusal(Upload(SVG)).messages == ["Upload a PNG, JPEG or WebP image."]


def test_never_runs_other_decoders(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a decoder outside ALLOWED_FORMATS was tried")

    Image.init()
    for name, (_factory, accept) in list(Image.OPEN.items()):
        if name not in ALLOWED_FORMATS:
            monkeypatch.setitem(Image.OPEN, name, (forbidden, accept))
    for data in (EPS, small("GIF", "P")(), small("TIFF")(), random.Random(2).randbytes(64)):
        assert refusal(Upload(data)).code == "invalid_format"


def test_own_limit_holds_when_pillow_bomb_check_is_disabled(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert refusal(Upload(crafted_png(20_000, 20_000))).code == "too_big_dimensions"
