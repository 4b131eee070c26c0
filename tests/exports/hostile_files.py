"""A corpus of malformed and hostile workbooks, generated in memory (no binary files in the repository).

Each case says what parse_submission must do with it: reject the file
("rejected", with a word the message must contain), report cell errors
("errors", naming the column), or either ("any", for random damage); it must
never raise anything else.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import openpyxl
from export_samples import detail_rows, sample_workbook, write_bytes

from exports import Limits

DETAIL_PART = "xl/worksheets/sheet7.xml"
MiB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    expect: str  # "rejected" | "errors" | "any"
    mentions: str = ""  # rejected: a word in the message; errors: the column named
    limits: Limits = field(default_factory=Limits)


# Building blocks -----------------------------------------------------------------------


def base() -> bytes:
    """A small, valid export; cached because every case starts from it."""
    global _BASE
    if _BASE is None:
        _BASE = write_bytes(sample_workbook(detail=detail_rows(12, hostile=False)))[0]
    return _BASE


_BASE: bytes | None = None


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def with_part(name: str, change: Callable[[bytes], bytes], data: bytes | None = None) -> bytes:
    files = parts(data or base())
    files[name] = change(files[name])
    return rezip(files)


def edited(edit: Callable[[openpyxl.Workbook], object]) -> bytes:
    """The export opened, changed and saved by openpyxl, as Excel would after a person's edits."""
    workbook = openpyxl.load_workbook(io.BytesIO(base()))
    edit(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def detail_cell(coordinate: str, value: object) -> Callable[[], bytes]:
    return lambda: edited(lambda workbook: workbook["Detail"].__setitem__(coordinate, value))


@dataclass(frozen=True)
class RawEntry:
    """A zip entry written by hand, so its header can say whatever a hostile file would."""

    name: str
    payload: bytes  # as stored
    crc: int
    file_size: int  # the declared, unpacked size
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def entry(name: str, data: bytes, **changes: int) -> RawEntry:
    return RawEntry(name, deflate(data), zlib.crc32(data), len(data), **changes)


def raw_zip(entries: list[RawEntry], declared_count: int | None = None) -> bytes:
    out, directory = bytearray(), bytearray()
    for item in entries:
        offset, name = len(out), item.name.encode()
        sizes = (item.crc, len(item.payload), item.file_size, len(name))
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, item.flags, item.method, 0, 0x21, *sizes, 0)
        out += name + item.payload
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, item.flags, item.method, 0, 0x21, *sizes, 0, 0, 0, 0, 0, offset
        )
        directory += name
    count = len(entries) if declared_count is None else declared_count
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(out), 0)
    return bytes(out + directory + end)


def base_entries() -> list[RawEntry]:
    return [entry(name, data) for name, data in parts(base()).items()]


def zeros(mebibytes: int) -> tuple[bytes, int]:
    """Deflated zeros, built in a blink: after a full flush every further MiB deflates to the same bytes."""
    chunk = bytes(MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(chunk, crc)
    return block * mebibytes + zlib.compressobj(9, zlib.DEFLATED, -15).flush(), crc


def zip_bomb(mebibytes: int = 200) -> bytes:
    payload, crc = zeros(mebibytes)
    bomb = RawEntry(DETAIL_PART, payload, crc, mebibytes * MiB)
    return raw_zip([bomb if item.name == DETAIL_PART else item for item in base_entries()])


def lying_bomb(xml: bool) -> bytes:
    """The directory says 5 kB; the data inflates to 20 MB (zipfile stops at the declared size, then fails CRC)."""
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' if xml else b""
    data = head + b" " * (20 * MiB)
    bomb = RawEntry(DETAIL_PART, deflate(data), zlib.crc32(data), 5_000)
    return raw_zip([bomb if item.name == DETAIL_PART else item for item in base_entries()])


def insert_doctype(doctype: bytes, root: bytes) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(b"<" + root, doctype + b"<" + root, 1)


LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    + b"]>"
)
XXE = b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def billion_laughs() -> bytes:
    def change(xml: bytes) -> bytes:
        return insert_doctype(LAUGHS, b"worksheet")(xml).replace(b"<t>Line 0</t>", b"<t>&lol9;</t>", 1)

    return with_part(DETAIL_PART, change)


def external_entity() -> bytes:
    """A shared-strings part (which openpyxl never writes) whose first string is an external entity."""
    files = parts(base())
    files["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0"?>' + XXE + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    files[DETAIL_PART] = re.sub(
        rb'<c r="K2" t="inlineStr"><is><t>[^<]*</t></is></c>', b'<c r="K2" t="s"><v>0</v></c>', files[DETAIL_PART]
    )
    return rezip(files)


def utf16_doctype() -> bytes:
    def change(xml: bytes) -> bytes:
        text = xml.decode().split("?>", 1)[-1]
        return ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE workbook []>' + text).encode("utf-16")

    return with_part("xl/workbook.xml", change)


def nested_zip(inner: bytes, name: str) -> bytes:
    return rezip({name: inner})


def with_extra_entries(count: int) -> bytes:
    files = parts(base())
    files.update({f"xl/media/image{n}.png": b"\x89PNG" for n in range(count)})
    return rezip(files)


# The corpus ------------------------------------------------------------------------------


def not_zips() -> list[Case]:
    random_bytes = random.Random(1).randbytes(4096)
    samples = {
        "empty": (b"", "empty"),
        "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "pdf"),
        "text": (b"Line id,Version,Fiscal year\n1,1,2027\n", "not an excel workbook"),
        "html": (b"<!DOCTYPE html><html><body>Error</body></html>", "not an excel workbook"),
        "xls-or-encrypted": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), ".xls"),
        "png": (b"\x89PNG\r\n\x1a\n" + bytes(100), "not an excel workbook"),
        "gzip": (b"\x1f\x8b\x08\x00" + bytes(100), "not an excel workbook"),
        "random": (random_bytes, "not an excel workbook"),
        "pk-only": (b"PK", "not an excel workbook"),
        "empty-zip": (rezip({}), "not an excel workbook"),
        "zip-of-text": (rezip({"readme.txt": b"hello"}), "not an excel workbook"),
    }
    return [Case(f"not-a-zip/{name}", lambda d=data: d, "rejected", word) for name, (data, word) in samples.items()]


def truncations() -> list[Case]:
    size = len(base())
    offsets = sorted({1, 4, 30, 200, size // 2, size - 22, size - 1, *random.Random(2).sample(range(5, size - 1), 23)})
    return [Case(f"truncated/{offset}", lambda o=offset: base()[:o], "rejected") for offset in offsets]


def mutations() -> list[Case]:
    cases = []
    for seed in range(40):
        rng = random.Random(1000 + seed)

        def mutate(rng: random.Random = rng) -> bytes:
            data = bytearray(base())
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            return bytes(data)

        cases.append(Case(f"mutated/{seed}", mutate, "any"))
    return cases


def zip_attacks() -> list[Case]:
    encrypted = [
        RawEntry(e.name, e.payload, e.crc, e.file_size, flags=1) if e.name == DETAIL_PART else e for e in base_entries()
    ]
    bzip2 = [
        RawEntry(e.name, e.payload, e.crc, e.file_size, method=12) if e.name == DETAIL_PART else e
        for e in base_entries()
    ]
    duplicated = [*base_entries(), entry("xl/workbook.xml", b"<workbook/>")]
    traversal = [*base_entries(), entry("../../../../tmp/apportion-evil.xml", b"<x/>")]
    inner_bomb = rezip({"zeros.bin": bytes(10 * MiB)})
    return [
        Case("bomb/200-MB-of-zeros", zip_bomb, "rejected", "zip bomb"),
        Case("bomb/lying-size-zeros", lambda: lying_bomb(xml=False), "rejected", "damaged"),
        Case("bomb/lying-size-xml", lambda: lying_bomb(xml=True), "rejected", "damaged"),
        Case("bomb/unpacked-total", base, "rejected", "unpacks to", Limits(max_unpacked_bytes=30_000)),
        Case("bomb/ratio-with-low-floor", base, "rejected", "zip bomb", Limits(max_ratio=2, ratio_floor=1_000)),
        Case("zip/too-many-entries", lambda: with_extra_entries(1_001), "rejected", "entries"),
        Case(
            "zip/directory-claims-65535", lambda: raw_zip(base_entries(), declared_count=65_535), "rejected", "entries"
        ),
        Case("zip/encrypted-entry", lambda: raw_zip(encrypted), "rejected", "encrypted"),
        Case("zip/bzip2-entry", lambda: raw_zip(bzip2), "rejected", "compression"),
        Case("zip/duplicate-names", lambda: raw_zip(duplicated), "rejected", "twice"),
        Case("zip/path-traversal-name", lambda: raw_zip(traversal), "any"),
        Case("zip/nested-workbook", lambda: nested_zip(base(), "inner.xlsx"), "rejected", "not an excel workbook"),
        Case("zip/nested-bomb", lambda: nested_zip(inner_bomb, "bomb.zip"), "rejected", "not an excel workbook"),
        Case("zip/embedded-zip-ignored", lambda: rezip({**parts(base()), "xl/embeddings/bomb.zip": inner_bomb}), "any"),
        Case(
            "zip/no-content-types",
            lambda: rezip({k: v for k, v in parts(base()).items() if k != "[Content_Types].xml"}),
            "rejected",
            "[content_types].xml",
        ),
        Case(
            "zip/no-workbook-part",
            lambda: rezip({k: v for k, v in parts(base()).items() if k != "xl/workbook.xml"}),
            "rejected",
            "xl/workbook.xml",
        ),
        Case("zip/too-big-upload", base, "rejected", "limit", Limits(max_bytes=10_000)),
    ]


def xml_attacks() -> list[Case]:
    return [
        Case("xml/billion-laughs-in-sheet", billion_laughs, "rejected", "entities"),
        Case("xml/external-entity-in-shared-strings", external_entity, "rejected", "entities"),
        Case(
            "xml/dtd-in-workbook",
            lambda: with_part("xl/workbook.xml", insert_doctype(b"<!DOCTYPE workbook>", b"workbook")),
            "rejected",
            "dtd",
        ),
        Case(
            "xml/dtd-in-content-types",
            lambda: with_part("[Content_Types].xml", insert_doctype(b"<!DOCTYPE Types []>", b"Types")),
            "rejected",
            "dtd",
        ),
        Case(
            "xml/dtd-in-rels",
            lambda: with_part("_rels/.rels", insert_doctype(b"<!DOCTYPE r []>", b"Relationships")),
            "rejected",
            "dtd",
        ),
        Case(
            "xml/dtd-after-long-comment",
            lambda: with_part(
                "xl/styles.xml",
                insert_doctype(b"<!--" + b"x" * 200_000 + b"--><!DOCTYPE styleSheet []>", b"styleSheet"),
            ),
            "rejected",
            "dtd",
        ),
        Case("xml/dtd-in-utf16-workbook", utf16_doctype, "rejected", "dtd"),
        Case(
            "xml/xinclude-ignored",
            lambda: with_part(
                DETAIL_PART,
                lambda xml: xml.replace(
                    b"<t>Line 0</t>",
                    b'<t><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"'
                    b' parse="text"/>Line 0</t>',
                    1,
                ),
            ),
            "any",
        ),
        Case(
            "xml/garbage-sheet",
            lambda: with_part(DETAIL_PART, lambda xml: b"\x00\x01garbage" + xml),
            "rejected",
            "well-formed",
        ),
        Case(
            "xml/truncated-sheet",
            lambda: with_part(DETAIL_PART, lambda xml: xml[: len(xml) // 2]),
            "rejected",
            "could not be read",
        ),
        Case("xml/empty-sheet-part", lambda: with_part(DETAIL_PART, lambda xml: b""), "rejected", "damaged"),
        Case(
            "xml/non-number-in-number-cell",
            lambda: with_part(DETAIL_PART, lambda xml: xml.replace(b"<v>2027</v>", b"<v>abc</v>", 1)),
            "rejected",
            "could not be read",
        ),
        Case(
            "xml/5000-digit-number",
            lambda: with_part(DETAIL_PART, lambda xml: xml.replace(b"<v>2027</v>", b"<v>" + b"9" * 5_000 + b"</v>", 1)),
            "rejected",
            "could not be read",
        ),
        Case(
            "xml/infinite-amount",
            lambda: with_part(DETAIL_PART, lambda xml: re.sub(rb'(<c r="N2"[^>]*><v>)[^<]*', rb"\g<1>1e999", xml)),
            "errors",
            "Amount",
        ),
    ]


def structure() -> list[Case]:
    def rename_detail(workbook: openpyxl.Workbook) -> None:
        workbook["Detail"].title = "Details"

    def swap_columns(workbook: openpyxl.Workbook) -> None:
        ws = workbook["Detail"]
        ws["G1"], ws["H1"] = ws["H1"].value, ws["G1"].value

    def clear_header(workbook: openpyxl.Workbook) -> None:
        for cell in workbook["Detail"][1]:
            cell.value = None

    def far_below(workbook: openpyxl.Workbook) -> None:
        workbook["Detail"].cell(1_048_576, 11, "far away")

    def many_bad_rows(workbook: openpyxl.Workbook) -> None:
        for row in range(2, 14):
            workbook["Detail"].cell(row, 14, "lots")

    return [
        Case("sheet/detail-renamed", lambda: edited(rename_detail), "rejected", "no detail sheet"),
        Case("sheet/detail-removed", lambda: edited(lambda wb: wb.remove(wb["Detail"])), "rejected", "detail"),
        Case(
            "sheet/detail-part-missing",
            lambda: rezip({k: v for k, v in parts(base()).items() if k != DETAIL_PART}),
            "rejected",
            "detail",
        ),
        Case(
            "header/renamed-column",
            lambda: edited(lambda wb: wb["Detail"].cell(1, 14, "Amt")),
            "rejected",
            "column n should be “amount”",
        ),
        Case("header/swapped-columns", lambda: edited(swap_columns), "rejected", "column g"),
        Case("header/missing-column", lambda: edited(lambda wb: wb["Detail"].delete_cols(11)), "rejected", "column k"),
        Case(
            "header/extra-column", lambda: edited(lambda wb: wb["Detail"].cell(1, 15, "Notes")), "rejected", "column o"
        ),
        Case("header/empty", lambda: edited(clear_header), "rejected", "header"),
        Case("header/deleted", lambda: edited(lambda wb: wb["Detail"].delete_rows(1)), "rejected", "header"),
        Case(
            "header/formula",
            lambda: edited(lambda wb: wb["Detail"].cell(1, 3, '="Fiscal year"')),
            "rejected",
            "column c",
        ),
        Case("rows/too-many", base, "rejected", "rows", Limits(max_rows=5)),
        Case("rows/cell-far-below", lambda: edited(far_below), "rejected", "200,000 rows"),
        Case("rows/too-many-errors", lambda: edited(many_bad_rows), "errors", "Amount", Limits(max_errors=5)),
    ]


def bad_cells() -> list[Case]:
    cells = {
        "formula-amount": ("N2", "=1+1", "Amount"),
        "formula-description": ("K2", '=HYPERLINK("http://evil.example","x")', "Description"),
        "formula-year": ("C2", "=2026+1", "Fiscal year"),
        "formula-line-id": ("A3", "=A2+1", "Line id"),
        "text-amount": ("N2", "abc", "Amount"),
        "exponent-text-amount": ("N2", "1e3", "Amount"),
        "grouped-text-amount": ("N2", "$1,234.00", "Amount"),
        "three-decimals": ("N2", 12.345, "Amount"),
        "three-decimals-text": ("N2", "12.345", "Amount"),
        "negative": ("N2", -1, "Amount"),
        "boolean-amount": ("N2", True, "Amount"),
        "date-amount": ("N2", date(2027, 1, 1), "Amount"),
        "huge-amount": ("N2", 1e20, "Amount"),
        "error-value": ("N2", "#DIV/0!", "Amount"),
        "blank-amount": ("N2", None, "Amount"),
        "year-text": ("C2", "FY27", "Fiscal year"),
        "year-two-digits": ("C2", 27, "Fiscal year"),
        "year-fraction": ("C2", 2027.5, "Fiscal year"),
        "line-id-text": ("A3", "abc", "Line id"),
        "line-id-fraction": ("A3", 1.5, "Line id"),
        "line-id-negative": ("A3", -3, "Line id"),
        "line-id-5000-digits": ("A3", "9" * 5_000, "Line id"),
        "version-without-id": ("A3", None, "Line id"),
        "huge-description": ("K2", "z" * 40_000, "Description"),
        "huge-appropriation": ("D2", "A" * 5_000, "Appropriation"),
        "blank-division": ("E2", None, "Division"),
        "date-appropriation": ("D2", date(2027, 1, 1), "Appropriation"),
    }
    return [
        Case(f"cell/{name}", detail_cell(coordinate, value), "errors", column)
        for name, (coordinate, value, column) in cells.items()
    ]


def corpus() -> list[Case]:
    return [*not_zips(), *truncations(), *mutations(), *zip_attacks(), *xml_attacks(), *structure(), *bad_cells()]


def many_rows(count: int) -> bytes:
    """An export whose Detail sheet has `count` valid new lines: the base file's rows repeated
    without ids or optional columns, each with its own row number, description and amount (so
    it deflates like a real sheet, not like a zip bomb). Written as XML, because openpyxl takes
    minutes over 300,000 rows."""
    files = parts(base())
    sheet = files[DETAIL_PART].decode()
    rows = re.findall(r'<row r="(\d+)">(.*?)</row>', sheet)
    header, samples = rows[0][1], [body for _, body in rows[1:]]
    templates = []
    for body in samples:
        body = body.replace("{", "{{").replace("}", "}}")
        body = re.sub(r' r="([A-Z]+)\d+"', r' r="\1{n}"', body)
        body = re.sub(r'<c r="[ABGHIJ]\{n\}".*?</c>', "", body)  # new lines, optional columns empty: smaller
        body = re.sub(r'(<c r="K\{n\}"[^>]*><is><t>)[^<]*(</t>)', r"\1Line {n}\2", body)
        body = re.sub(r'(<c r="N\{n\}"[^>]*><v>)[^<]*(</v>)', r"\1{amount}\2", body)
        templates.append(f'<row r="{{n}}">{body}</row>')
    generated = "".join(
        templates[i % len(templates)].format(n=i + 2, amount=f"{(i * 7919) % 5_000_000 + 100}.{i % 100:02d}")
        for i in range(count)
    )
    start, end = sheet.index("<sheetData>"), sheet.index("</sheetData>")
    sheet = f'{sheet[:start]}<sheetData><row r="1">{header}</row>{generated}{sheet[end:]}'
    files[DETAIL_PART] = re.sub(r'<autoFilter ref="A1:N\d+"', f'<autoFilter ref="A1:N{count + 1}"', sheet).encode()
    return rezip(files)
