"""A workbook recalculated by LibreOffice: the one recipe every test that checks totals uses.

LibreOffice trusts the values cached in an .xlsx by default ("never recalculate" Excel 2007+
files). soffice runs here with a throwaway profile (-env:UserInstallation) whose
registrymodifications.xcu sets Calc's OOXMLRecalcMode to 0, "always recalculate"; it converts
xlsx to xlsx, which stores the values it computed, and openpyxl reads those (data_only=True). To
prove the recalculation happened, every formula's cached value is first overwritten with a wrong
one. CI (CI=true) must have soffice: there a test fails instead of skipping.
"""

from __future__ import annotations

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
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
</oor:items>
"""


def soffice() -> str:
    if SOFFICE:
        return SOFFICE
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("soffice not found: CI must install libreoffice-calc (see .ci/run)", pytrace=False)
    pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc) to recalculate the workbook")


def with_stale_cached_values(source: Path, target: Path) -> None:
    """Copy the workbook with a wrong cached value in every formula cell."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(</f>)(<v\s*/>|<v>[^<]*</v>)?", rb"\1" + STALE, data)
            out.writestr(info, data)


def recalculate(source: Path, workdir: Path) -> Path:
    """The workbook at `source` converted by LibreOffice, always recalculating: the converted file's path."""
    profile = workdir / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE)
    outdir = workdir / "out"
    result = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(source)],
        capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, "HOME": str(workdir)}, check=False,
    )  # fmt: skip
    converted = outdir / source.name
    assert result.returncode == 0, result.stderr
    assert converted.exists(), f"LibreOffice wrote nothing: {result.stdout} {result.stderr}"
    return converted


def recalculated(content: bytes, workdir: Path) -> openpyxl.Workbook:
    """The workbook `content` as LibreOffice computes it (values, not formulas), every formula recomputed."""
    workdir.mkdir(parents=True, exist_ok=True)
    written, stale = workdir / "written.xlsx", workdir / "submission.xlsx"
    written.write_bytes(content)
    with_stale_cached_values(written, stale)
    values = openpyxl.load_workbook(recalculate(stale, workdir), data_only=True)
    for ws in values:
        for row in ws.iter_rows(values_only=True):
            assert -999999 not in row, f"{ws.title}: a formula kept its stale cached value"
    return values
