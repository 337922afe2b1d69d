"""StreamMasker: a body masked chunk by chunk, holding back only a tail that could begin a secret."""

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from connections.masking import MASK, Masker, StreamMasker

SECRETS = ["s3cret-pw", "pässwörd /x\"y"]


def streamed(masker, body, size):
    stream, out = StreamMasker(masker), []
    for start in range(0, len(body), size):
        out.append(stream.feed(body[start:start + size]))
    return b"".join(out) + stream.close()


def echoed_forms(secret):
    once = quote(secret, safe="")
    return [secret, base64.b64encode(secret.encode()).decode(), once, once.lower(), quote(once, safe=""),
            quote_plus(secret), json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]]


@pytest.mark.parametrize("secret", SECRETS)
def test_every_chunk_size_splitting_a_secret_anywhere_still_masks_it_whole(secret):
    masker = Masker(SECRETS)
    for form in echoed_forms(secret):
        body = b"\x00\xff<" + form.encode() + b">\xfe tail"
        for size in range(1, len(body) + 1):
            assert streamed(masker, body, size) == b"\x00\xff<" + MASK.encode() + b">\xfe tail", (form, size)
        assert StreamMasker(masker).whole(body) == b"\x00\xff<" + MASK.encode() + b">\xfe tail", form  # read whole


def test_a_binary_body_passes_unchanged_and_nothing_is_held_when_the_tail_cannot_begin_a_secret():
    masker = Masker(SECRETS)
    body = bytes(range(256)) * 4
    assert streamed(masker, body, 7) == body == StreamMasker(masker).whole(body)
    assert StreamMasker(masker).whole(b"") == b""
    stream = StreamMasker(masker)
    assert stream.feed(b"first;") == b"first;"
    assert stream.feed(b"\xffrest") == b"\xffrest"


def test_only_the_tail_that_could_begin_a_secret_waits_for_the_next_chunk():
    stream = StreamMasker(Masker(SECRETS))
    assert stream.feed(b"before s3c") == b"before "
    assert stream.feed(b"ret and %7") == b"s3cret and "  # "%7" could begin "%73" ("s" percent-encoded)
    assert stream.close() == b"%7"


def test_a_secret_wholly_in_hand_is_masked_though_a_tail_could_begin_another():
    stream = StreamMasker(Masker(SECRETS))
    assert stream.feed(b"[s3cret-pw] s3") == f"[{MASK}] ".encode()
    assert stream.feed(b"cret-pw!") == f"{MASK}!".encode()


def test_short_values_and_no_secrets_hold_nothing_back():
    assert StreamMasker(Masker(["abc"])).feed(b"xx ab") == b"xx ab"
    assert StreamMasker(Masker()).feed(b"s3cret-pw") == b"s3cret-pw"
