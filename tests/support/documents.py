"""Real attachment files for the tests, built byte by byte or with the libraries the
mailbot reads them with: a PDF with a text layer (WinAnsi, so ä and ö survive), a scanned
PDF (a page and no text), DOCX (python-docx), ODT (the OpenDocument zip) and RTF."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape


def _pdf_string(line: str) -> bytes:
    out = bytearray(b"(")
    for byte in line.encode("cp1252"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif byte > 126:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b")")


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_text(text: str) -> bytes:
    lines = [b"BT /F1 11 Tf 14 TL 50 780 Td"]
    for line in text.splitlines():
        lines.append(_pdf_string(line) + b" '")
    lines.append(b"ET")
    stream = b"\n".join(lines)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        ]
    )


def scanned_pdf() -> bytes:
    """A page that only draws (as a scan's image would): no text layer at all."""
    stream = b"0.5 g 50 50 495 742 re f"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        ]
    )


def docx_with(text: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in text.split("\n\n"):
        document.add_paragraph(paragraph.replace("\n", " "))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_with(text: str) -> bytes:
    paragraphs = "".join(
        f"<text:p>{escape(paragraph.replace(chr(10), ' '))}</text:p>"
        for paragraph in text.split("\n\n")
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{paragraphs}</office:text></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return out.getvalue()


def rtf_with(text: str) -> bytes:
    """As Word and WordPad write it: a font table to skip, the text in the ANSI code page
    with ``\\'hh`` escapes, and a character outside it as ``\\uN?``."""
    body = bytearray()
    for char in text:
        if char == "\n":
            body += b"\\par\n"
        elif char in "\\{}":
            body += b"\\" + char.encode()
        elif ord(char) < 128:
            body += char.encode()
        else:
            try:
                body += b"\\'%02x" % char.encode("cp1252")[0]
            except UnicodeEncodeError:
                body += b"\\u%d?" % ord(char)
    return (
        b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
        b"{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1\\pard\\f0\\fs22 "
        + bytes(body)
        + b"\\par\n}"
    )
