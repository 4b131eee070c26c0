"""Checks on an upload before openpyxl opens anything: size, zip structure, bombs, encryption, DTDs.

Only the zip's own directory is trusted here, and only to refuse: declared
sizes bound what zipfile will ever inflate (it stops at the declared size and
then fails the CRC), so summing them caps the work openpyxl can be made to do.
Every XML part's prolog is read with expat up to its root element: Excel never
writes a document type declaration, and refusing one up front shuts out entity
expansion (billion laughs) and external entities whatever parser comes later.
Last, every sheet's rows are counted from its XML stream: openpyxl reads a whole
sheet that has no <dimension> (Apportion's own exports have none) just to open the
workbook, so a 300,000-row sheet held a web worker for half a minute before the cap
while reading refused it.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
from typing import IO
from xml.parsers import expat

from openpyxl.reader.workbook import WorkbookParser

from exports.detail import DETAIL_SHEET, HEADER_ROW
from exports.errors import ImportRejected
from exports.limits import Limits

REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and Excel's password-protected .xlsx
_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_CHUNK = 64 * 1024
_SAVE_AGAIN = "Open it in Excel, save it as an Excel Workbook (.xlsx) and upload that."


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def check_package(data: bytes, limits: Limits) -> None:
    """Raise ImportRejected unless `data` is a plausible, bounded .xlsx package."""
    if not data:
        raise ImportRejected("The file is empty.")
    if len(data) > limits.max_bytes:
        raise ImportRejected(
            f"The file is {_megabytes(len(data))}; the limit is {_megabytes(limits.max_bytes)}. "
            "Upload the Detail sheet of one scenario's workbook."
        )
    _check_signature(data)
    _check_declared_entries(data, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many types for damaged archives
        raise ImportRejected(f"The file is damaged: its zip archive cannot be read. {_SAVE_AGAIN}") from exc
    with archive:
        infos = archive.infolist()
        _check_entries(infos, limits)
        names = {info.filename for info in infos}
        missing = [part for part in REQUIRED_PARTS if part not in names]
        if missing:
            raise ImportRejected(
                f"The file is a zip archive but not an Excel workbook: it has no {' or '.join(missing)}. {_SAVE_AGAIN}"
            )
        for info in infos:
            if info.filename.lower().endswith(_XML_SUFFIXES):
                _check_prolog(archive, info)
        _check_sheet_rows(archive, names, limits)


def _check_signature(data: bytes) -> None:
    if data.startswith(_ZIP_SIGNATURE):
        return
    if data.startswith(b"%PDF"):
        raise ImportRejected("The file is a PDF, not an Excel workbook (.xlsx).")
    if data.startswith(_OLE2_SIGNATURE):
        raise ImportRejected(
            "The file is an old-format .xls workbook or a password-protected one. "
            "Remove any password, save it as an Excel Workbook (.xlsx) and upload that."
        )
    raise ImportRejected(f"The file is not an Excel workbook (.xlsx). {_SAVE_AGAIN}")


def _check_declared_entries(data: bytes, limits: Limits) -> None:
    """Count entries from the end-of-directory record, before zipfile builds an object per entry."""
    end = data.rfind(_END_SIGNATURE, max(0, len(data) - _END_OF_DIRECTORY.size - 0xFFFF))
    if end < 0 or end + _END_OF_DIRECTORY.size > len(data):
        return  # zipfile will report the damage
    _, _, _, _, entries, directory_size, _, _ = _END_OF_DIRECTORY.unpack_from(data, end)
    if entries > limits.max_entries or directory_size > limits.max_entries * 1024:
        raise _too_many(entries, limits)


def _too_many(entries: int, limits: Limits) -> ImportRejected:
    return ImportRejected(
        f"The file's zip archive has {entries:,} entries; a workbook has a few dozen and the limit is "
        f"{limits.max_entries:,}. It is not a workbook Apportion can read."
    )


def _check_entries(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_entries:
        raise _too_many(len(infos), limits)
    seen: set[str] = set()
    unpacked = 0
    for info in infos:
        name = info.filename[:80]
        if info.filename in seen:
            raise ImportRejected(f"The file's zip archive holds {name} twice, so what it contains is ambiguous.")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise ImportRejected("The file's zip archive is encrypted; upload a workbook without a password.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportRejected(f"The file's zip archive uses a compression Excel does not write (in {name}).")
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise ImportRejected(
                f"{name} in the file expands {ratio:,} times when unpacked: this is a zip bomb, not a workbook."
            )
        unpacked += info.file_size
    if unpacked > limits.max_unpacked_bytes:
        raise ImportRejected(
            f"The file unpacks to {_megabytes(unpacked)}, more than the {_megabytes(limits.max_unpacked_bytes)} "
            "limit: split the scenario or remove other sheets and pictures."
        )


class _RootReached(Exception):
    """The prolog is over: no DTD can follow."""


class _Doctype(Exception):
    pass


def _stop(*_: object) -> None:
    raise _RootReached


def _doctype(*_: object) -> None:
    raise _Doctype


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a document type declaration (the home of entities) in an XML part; read only up to its root."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _doctype
    parser.StartElementHandler = _stop
    name = info.filename[:80]
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _RootReached:
        return
    except _Doctype:
        raise ImportRejected(
            f"The file declares XML entities or a DTD (in {name}). Excel never writes these, and they can be "
            "used to attack a server, so the file was refused."
        ) from None
    except expat.ExpatError as exc:
        raise ImportRejected(f"The file is damaged: {name} is not well-formed XML. {_SAVE_AGAIN}") from exc
    except Exception as exc:  # inflating a damaged entry: BadZipFile, zlib.error, EOFError, ...
        raise ImportRejected(f"The file is damaged: {name} cannot be unpacked. {_SAVE_AGAIN}") from exc
    raise ImportRejected(f"The file is damaged: {name} has no XML content. {_SAVE_AGAIN}")


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet title, zip entry) of each worksheet, as openpyxl will find them; [] if it can't."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about sheet entries it drops
            parser = WorkbookParser(archive, REQUIRED_PARTS[1], keep_links=False)
            parser.parse()
            return [(sheet.name, rel.target) for sheet, rel in parser.find_sheets()]
    except Exception:  # a damaged workbook part: openpyxl rejects it when it opens the file
        return []


def _check_sheet_rows(archive: zipfile.ZipFile, names: set[str], limits: Limits) -> None:
    """Refuse a sheet with more rows than an import may have, before openpyxl parses any of it."""
    for title, part in _sheet_parts(archive):
        if part not in names:
            continue  # a missing part is for openpyxl to report
        try:
            with archive.open(part) as stream:
                last = last_row(stream)
        except Exception as exc:  # inflating a damaged entry
            raise ImportRejected(f"The file is damaged: {part[:80]} cannot be unpacked. {_SAVE_AGAIN}") from exc
        rows = last - HEADER_ROW if title == DETAIL_SHEET else last
        if rows > limits.max_rows:
            raise ImportRejected(
                f"The {title[:31]} sheet has {rows:,} rows; at most {limits.max_rows:,} rows can be imported "
                "at once. Split the changes into smaller files."
            )


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])([^<>]*)>")  # <row ...>, any namespace prefix
_ROW_NUMBER = re.compile(rb"""(?:^|\s)r\s*=\s*["'](\d{1,9})["']""")
_SCAN_CHUNK = 1 << 20
_MAX_TAG = 1 << 16  # a longer row tag is not counted; the cap while reading still applies


def last_row(stream: IO[bytes]) -> int:
    """A sheet's last row number as openpyxl numbers rows (a row's r, else one past the last),
    from its XML without parsing it: about a second for 300,000 rows."""
    last, pending = 0, b""
    while chunk := stream.read(_SCAN_CHUNK):
        buffer = pending + chunk
        end = 0
        for match in _ROW_TAG.finditer(buffer):
            number = _ROW_NUMBER.search(match.group(1))
            last = max(last, int(number.group(1))) if number else last + 1
            end = match.end()
        start = buffer.rfind(b"<", end)  # a tag cut by the chunk's end is read with the next chunk
        pending = buffer[start:][:_MAX_TAG] if start >= 0 else b""
    return last
