"""Generators of bad and pathological inputs, written byte by byte (no PDF library needed).

Every helper returns the bytes of one file; ``write_bad_corpus`` writes them all into a folder.
The PDFs are small on disk and built so that the reader sees them as the named fault:

- ``zero_bytes``, ``html_as_pdf``: not a PDF at all;
- ``truncated``: a good PDF cut off before its page content and cross-reference table;
- ``corrupt_xref``: a good PDF whose xref offsets and trailer are garbage (pdfium repairs it);
- ``garbage_body``: a %PDF- header followed by noise (nothing to repair);
- ``encrypted``: the standard security handler (RC4, revision 2) with a user password;
- ``image_only``: one page showing a grey image and no text layer (a scan);
- ``many_pages``: 500 short text pages (over the page cap);
- ``odd_unicode``: ligatures, "∼", U+2212 minus, "1e400", negative GPU counts, RTL and
  combining characters, mapped through a ToUnicode CMap;
- ``huge_table``: a results table of thousands of cells over several pages;
- ``glyph_page``: one page drawing ``n`` glyphs (default 200,000);
- ``glyph_bomb``: nested form XObjects that multiply a few glyphs into billions (the parser
  spins);
- ``inflate_bomb``: a page content stream of ~1 KB compressed that inflates to ``mb`` MB;
- ``deep_nesting``: a page dictionary holding an array nested 100,000 levels deep.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
LOREM = (
    "Deep residual networks are trained with stochastic gradient descent on the ImageNet "
    "dataset. We report top-1 accuracy and compare against strong baselines."
)


# --------------------------------------------------------------------------- assembly


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def stream(content: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    """A stream object body (dictionary + data)."""
    if compress:
        content = zlib.compress(content, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def assemble(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A PDF from object bodies numbered 1..n (object 1 must be the catalog)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _text_content(lines: list[str], size: int = 10, top: int = 760, leading: int = 13) -> bytes:
    parts = [b"BT /F1 %d Tf %d TL 50 %d Td" % (size, leading, top)]
    for line in lines:
        parts.append(b"(" + _escape(line) + b") Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts)


def pages_pdf(
    contents: list[bytes],
    font: bytes = FONT,
    extra_objects: list[bytes] | None = None,
    page_extra: bytes = b"",
    resources_extra: bytes = b"",
    trailer_extra: bytes = b"",
) -> bytes:
    """A PDF with one page per content stream; object 3 is the font, extras follow the pages.

    ``extra_objects`` are numbered from 4 + 2 * len(contents) on.
    """
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        font,
    ]
    for i, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >>%s >>%s >>"
            % (5 + 2 * i, resources_extra, page_extra)
        )
        objects.append(stream(content))
    return assemble(objects + list(extra_objects or []), trailer_extra)


def text_pdf(pages: list[list[str]]) -> bytes:
    """A plain text PDF: one list of lines per page (Helvetica, WinAnsi)."""
    return pages_pdf([_text_content(lines) for lines in pages])


def paper_like(title: str = "A Small Study of Residual Networks", n_pages: int = 2) -> bytes:
    body = [LOREM[i : i + 90] for i in range(0, len(LOREM), 90)]
    first = [title, "", *body * 6, "We train on 8 NVIDIA V100 GPUs for 3 days."]
    return text_pdf([first] + [body * 8 for _ in range(n_pages - 1)])


# --------------------------------------------------------------------------- the bad inputs


def zero_bytes() -> bytes:
    return b""


def html_as_pdf() -> bytes:
    return (
        b"<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>"
        b"<body><p>Please enable cookies to download this PDF.</p></body></html>\n"
    )


def truncated() -> bytes:
    """A good text PDF cut in its first object: no pages, no xref, no trailer survive."""
    data = paper_like()
    return data[: data.index(b"2 0 obj") + 12]


def corrupt_xref() -> bytes:
    """A good text PDF whose xref table and startxref point at garbage."""
    data = paper_like()
    xref = data.rindex(b"xref\n")
    table = data[xref:]
    broken = bytearray(table)
    for i in range(len(broken)):
        if 48 <= broken[i] <= 57:
            broken[i] = 48 + (broken[i] * 7 + 3) % 10
    return data[:xref] + bytes(broken)


def garbage_body(n: int = 4096) -> bytes:
    noise = hashlib.shake_256(b"paperflops").digest(n)
    return b"%PDF-1.7\n" + noise.replace(b"obj", b"xxx").replace(b"trailer", b"xxxxxxx")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted(user_password: bytes = b"secret", owner_password: bytes = b"owner") -> bytes:
    """A text PDF under the standard security handler, RC4 40-bit (V1 R2), PDF spec 7.6.3.

    Opens with ``user_password``; without it, readers refuse (pdfium: password error).
    """
    file_id = hashlib.md5(b"paperflops-encrypted").digest()
    permissions = -44  # print/modify/copy/annotate off
    owner_key = hashlib.md5((owner_password + _PAD)[:32]).digest()[:5]
    o_value = _rc4(owner_key, (user_password + _PAD)[:32])
    key = hashlib.md5(
        (user_password + _PAD)[:32] + o_value + struct.pack("<i", permissions) + file_id
    ).digest()[:5]
    u_value = _rc4(key, _PAD)
    content = _text_content(["Confidential: " + LOREM[:80]] * 30)
    n_pages, content_obj = 1, 5

    def object_key(number: int) -> bytes:
        return hashlib.md5(key + number.to_bytes(3, "little") + b"\x00\x00").digest()[:10]

    sealed = _rc4(object_key(content_obj), content)
    encrypt_obj = 6
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count %d >>" % n_pages,
        FONT,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
        b"/Resources << /Font << /F1 3 0 R >> >> >>",
        stream(sealed),
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (o_value.hex().encode(), u_value.hex().encode(), permissions),
    ]
    trailer = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (
        encrypt_obj,
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    return assemble(objects, trailer)


def image_only(side: int = 200) -> bytes:
    """One page that paints a grey gradient image and has no text at all (a scan)."""
    pixels = bytes((x + y) % 256 for y in range(side) for x in range(side))
    image = stream(
        pixels,
        b" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8" % (side, side),
        compress=True,
    )
    content = b"q 500 0 0 700 50 50 cm /Im1 Do Q"
    return pages_pdf(
        [content], extra_objects=[image], resources_extra=b" /XObject << /Im1 6 0 R >>"
    )


def many_pages(n: int = 500) -> bytes:
    return pages_pdf([_text_content([f"Page {i + 1}.", LOREM[:90]]) for i in range(n)])


# Codes 128.. of the odd-Unicode font, with what they mean.
ODD_CHARS = {
    0x80: "\ufb01",  # fi ligature
    0x81: "\ufb02",  # fl ligature
    0x82: "\u223c",  # ∼ tilde operator
    0x83: "\u2212",  # minus sign
    0x84: "\u00d7",  # multiplication sign
    0x85: "\u05e9",  # Hebrew shin (RTL)
    0x86: "\u0301",  # combining acute accent
    0x87: "\U0001f680",  # an emoji outside the BMP
    0x88: "\u2009",  # thin space
    0x89: "\ufffd",  # replacement character
}


def _tounicode_cmap(mapping: dict[int, str]) -> bytes:
    entries = []
    for code, text in mapping.items():
        utf16 = text.encode("utf-16-be").hex().upper()
        entries.append(f"<{code:02X}> <{utf16}>")
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Paperflops-Odd def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{len(entries)} beginbfchar\n" + "\n".join(entries) + "\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()


ODD_LINES = [
    "Odd Unicode and Ligatures in a Training Report",
    "We train our \x80nal model on \x838 NVIDIA V100 GPUs for 1e400 days.",
    "The network has \x821e400 parameters and \x82 25M weights in the \x81ow layers.",
    "Training took \x83 3 days on -4 TPUv3 chips (\x82 12 hours per epoch).",
    "Top-1 accuracy on ImageNet is 1e400% and top-5 accuracy is \x83 5.2%.",
    "Mixed scripts: \x85\x85\x85 caf\x65\x86 \x87 rocket \x84 \x88 thin \x89 replaced.",
    "Table 1: Results on ImageNet (top-1 accuracy).",
    "Model Params Top-1",
    "ResNet-50 25.6M 76.1",
    "Ours \x831M 1e400",
]


def odd_unicode() -> bytes:
    """Text with ligatures, odd symbols and absurd numbers, decoded via a ToUnicode CMap."""
    cmap_obj = 6  # after catalog, pages, font, page, content
    font = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding"
        b" /ToUnicode %d 0 R >>" % cmap_obj
    )
    lines = [_raw_line(line) for line in ODD_LINES] + [_raw_line(LOREM[:90])] * 20
    content = b"BT /F1 10 Tf 13 TL 50 760 Td\n" + b"\n".join(lines) + b"\nET"
    cmap = {code: chr(code) for code in range(32, 127)} | ODD_CHARS
    return pages_pdf([content], font=font, extra_objects=[stream(_tounicode_cmap(cmap))])


def _raw_line(line: str) -> bytes:
    raw = line.encode("latin-1")
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + raw + b") Tj T*"


def huge_table(rows: int = 1500, cols: int = 12, rows_per_page: int = 55) -> bytes:
    """A results table of ``rows`` x ``cols`` numeric cells running over many pages."""
    header = "Model " + " ".join(f"Top-{1 + c % 5}" for c in range(cols - 1))
    pages, current = [], ["Table 1: Top-1 accuracy on ImageNet of every model we tried.", header]
    for r in range(rows):
        cells = " ".join(f"{50 + (r * 7 + c * 3) % 500 / 10:.1f}" for c in range(cols - 1))
        current.append(f"Net-{r} {cells}")
        if len(current) >= rows_per_page:
            pages.append(current)
            current = [f"Table 1 (continued): rows from {r + 1}.", header]
    pages.append(current)
    return pages_pdf([_text_content(p, size=7, leading=9, top=780) for p in pages])


def glyph_page(n: int = 200_000) -> bytes:
    """One page drawing ``n`` glyphs: 1-point type, 780 lines of distinct words."""
    per_line = -(-n // 780)
    lines = []
    for i in range(780):
        words = " ".join(f"w{i}x{j}" for j in range(per_line))[:per_line]
        lines.append(b"(" + words.encode() + b") Tj T*")
    content = b"BT /F1 1 Tf 1 TL 5 785 Td\n" + b"\n".join(lines) + b"\nET"
    return pages_pdf([content])


def glyph_bomb(fanout: int = 1000, depth: int = 3) -> bytes:
    """Nested form XObjects: each draws the previous one ``fanout`` times; the innermost
    draws a line of text. A few KB on disk, ``fanout ** depth`` text runs for the reader."""
    base = 4 + 2  # first extra object number (one page: objects 4 and 5)
    forms = []
    for level in range(depth):
        if level == 0:
            body = b"BT /F1 4 Tf 10 10 Td (xy7 ab3 cd9 ef2) Tj ET"
            resources = b"<< /Font << /F1 3 0 R >> >>"
        else:
            body = b" ".join([b"/X Do"] * fanout)
            resources = b"<< /XObject << /X %d 0 R >> >>" % (base + level - 1)
        forms.append(
            stream(
                body,
                b" /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources " + resources,
                compress=True,
            )
        )
    top = base + depth - 1
    content = b"q /Top Do Q BT /F1 10 Tf 50 760 Td (" + _escape(LOREM) + b") Tj ET"
    return pages_pdf(
        [content], extra_objects=forms, resources_extra=b" /XObject << /Top %d 0 R >>" % top
    )


def inflate_bomb(mb: int = 1024) -> bytes:
    """A page whose FlateDecode content stream inflates from ~1 MB to ``mb`` MB of spaces.

    Built fast: after a full flush, deflate's output for the same 1 MB block is the same
    bytes, so one block is compressed and repeated; the Adler-32 trailer is then fixed up.
    """
    block = b" " * (1 << 20)
    text = b"\nBT /F1 10 Tf 50 760 Td (" + _escape(LOREM) + b") Tj ET"
    compressor = zlib.compressobj(9)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(text) + compressor.flush()
    checksum = 1
    for _ in range(mb):
        checksum = zlib.adler32(block, checksum)
    checksum = zlib.adler32(text, checksum)
    data = first + repeat * (mb - 1) + tail[:-4] + struct.pack(">I", checksum)
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
        b"/Resources << /Font << /F1 3 0 R >> >> >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        FONT,
        page,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    return assemble(objects)


def deep_nesting(depth: int = 100_000) -> bytes:
    """A text page whose dictionary carries an array nested ``depth`` levels deep."""
    nested = b"[" * depth + b"1" + b"]" * depth
    lines = [LOREM[i : i + 90] for i in range(0, len(LOREM), 90)] * 12
    return pages_pdf([_text_content(lines)], page_extra=b" /Deep " + nested)


BAD_INPUTS = {
    "zero-bytes": zero_bytes,
    "html-as-pdf": html_as_pdf,
    "truncated": truncated,
    "corrupt-xref": corrupt_xref,
    "garbage-body": garbage_body,
    "encrypted": encrypted,
    "image-only": image_only,
    "many-pages": many_pages,
    "odd-unicode": odd_unicode,
    "huge-table": huge_table,
    "glyph-page": glyph_page,
    "deep-nesting": deep_nesting,
}
HOSTILE_INPUTS = {
    "glyph-bomb": glyph_bomb,
    "inflate-bomb": inflate_bomb,
}


def write_bad_corpus(folder: Path, names: list[str] | None = None) -> dict[str, Path]:
    """Write the named inputs (default: every BAD_INPUTS one) as ``<name>.pdf`` into ``folder``."""
    makers = BAD_INPUTS | HOSTILE_INPUTS
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in names or list(BAD_INPUTS):
        path = folder / f"{name}.pdf"
        path.write_bytes(makers[name]())
        written[name] = path
    return written
