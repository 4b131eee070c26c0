"""An uploaded workbook opened as openpyxl's read-only mode opens it, but only the sheets asked for are read.

`load_workbook(read_only=True)` sizes every worksheet as it opens the file, and a file with no
<dimension> (openpyxl's own write-only output, among others) is then parsed once in full just to be
sized; its rows come back as one ReadOnlyCell each. The importer needs two sheets and each cell's
value and type, so it reads the package as openpyxl does (manifest, shared strings, workbook, styles,
every sheet's relationships: the same parsers under defusedxml, refusing the same files) and then
streams only the sheets it asks for, as openpyxl's own row parser yields them: `(row number, cells)`,
each cell a dict with its "column", "value" and "data_type".

openpyxl's reader classes are used directly here (ExcelReader's steps, WorkSheetParser), so this
module is tied to the pinned openpyxl version (requirements.txt).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import WorkSheetParser

from exports.progress import ReadProgress, reported

Cells = list[dict[str, Any]]


class _PartsReader(ExcelReader):
    """ExcelReader.read in read-only mode, except that worksheets are found, not sized or opened."""

    def read_worksheets(self) -> None:
        self.sheet_names: list[str] = []  # every sheet, in the workbook's order, as Workbook.sheetnames
        self.worksheet_parts: dict[str, str] = {}  # a worksheet's name → its part; the first of a name wins
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            self.sheet_names.append(sheet.name)
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            rels_path = get_rels_path(rel.target)
            if rels_path in self.valid_files:
                get_dependents(self.archive, rels_path)  # parsed as load_workbook parses it: a bad one is refused
            self.worksheet_parts.setdefault(sheet.name, rel.target)

    def read_parts(self) -> None:
        # ExcelReader.read's steps, in its order; a ValueError is the caller's "unreadable" as there.
        self.read_manifest()
        self.read_strings()
        self.read_workbook()
        self.read_properties()
        self.read_custom()
        self.read_theme()
        apply_stylesheet(self.archive, self.wb)
        self.read_worksheets()
        self.parser.assign_names()


class UploadedWorkbook:
    """An .xlsx held in memory; close() it (or use `with`) when done."""

    def __init__(self, data: bytes) -> None:
        self._reader = _PartsReader(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        try:
            self._reader.read_parts()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> UploadedWorkbook:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._reader.archive.close()

    @property
    def sheet_names(self) -> list[str]:
        return self._reader.sheet_names

    def has_worksheet(self, name: str) -> bool:
        return name in self._reader.worksheet_parts

    def rows(self, name: str, progress: ReadProgress | None = None) -> Iterator[tuple[int, Cells]]:
        """The worksheet's rows as stored: (row number, its cells), only the rows the file holds, in
        file order (so a number may repeat or go back: a caller that needs order skips those).
        `progress` is told the share of the sheet's XML parsed, every EVERY_ROWS rows."""
        workbook = self._reader.wb
        part = self._reader.archive.getinfo(self._reader.worksheet_parts[name])
        with self._reader.archive.open(part) as source:
            parser = WorkSheetParser(
                source,
                self._reader.shared_strings,
                data_only=False,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            rows = parser.parse()
            if progress is not None:
                size = max(part.file_size, 1)
                rows = reported(rows, progress, lambda: source.tell() / size)
            yield from rows
