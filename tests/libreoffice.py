"""A workbook recalculated by LibreOffice, for tests outside tests/exports (which cannot import its modules).

The same recipe as tests/exports/test_libreoffice.py: soffice with a throwaway profile that always
recalculates converts xlsx to xlsx, and openpyxl reads the values it computed; every formula's cached
value is first made wrong, so a value read back was computed by LibreOffice. CI must have soffice.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TIMEOUT = 180
STALE = b"<v>-999999</v>"
ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
</oor:items>
"""


def soffice() -> str:
    if SOFFICE:
        return SOFFICE
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("soffice not found: CI must install libreoffice-calc (see .ci/run)", pytrace=False)
    pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc) to recalculate the workbook")


def recalculated(content: bytes, workdir: Path) -> openpyxl.Workbook:
    """The workbook `content` as LibreOffice computes it (values, not formulas)."""
    executable = soffice()
    stale = workdir / "stale.xlsx"
    with zipfile.ZipFile(io.BytesIO(content)) as archive, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(</f>)(<v\s*/>|<v>[^<]*</v>)?", rb"\1" + STALE, data)
            out.writestr(info, data)
    profile = workdir / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE)
    outdir = workdir / "out"
    result = subprocess.run(
        [executable, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(stale)],
        capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, "HOME": str(workdir)}, check=False,
    )  # fmt: skip
    converted = outdir / stale.name
    assert result.returncode == 0, result.stderr
    assert converted.exists(), f"LibreOffice wrote nothing: {result.stdout} {result.stderr}"
    values = openpyxl.load_workbook(converted, data_only=True)
    for ws in values:
        for row in ws.iter_rows(values_only=True):
            assert -999999 not in row, f"{ws.title}: a formula kept its stale cached value"
    return values
