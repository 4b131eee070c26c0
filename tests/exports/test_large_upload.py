"""A workbook too large to import is refused before any of it is parsed (issue 12, item 6).

A valid 300,000-row workbook held a web worker for 29 s: openpyxl reads a whole sheet
that has no <dimension> element just to open the workbook, and only then did the cap on
rows while reading refuse it. The rows are now counted from the sheet's XML first.
"""

from __future__ import annotations

import io

import pytest
from helpers import Auth, database_fingerprint, plan_scenario, user
from hostile_files import many_rows
from markupsafe import escape
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

import exports.importer
from exports import ImportRejected, parse_submission
from models import db
from services.office import accounts

ROWS = 300_000
REFUSAL = f"The Detail sheet has {ROWS:,} rows; at most 200,000 rows can be imported at once."


@pytest.fixture(scope="session")
def too_many_rows() -> bytes:
    data = many_rows(ROWS)
    assert len(data) < 16 * 1024 * 1024  # under the upload limit: the rows, not the bytes, are too many
    return data


def test_a_300000_row_workbook_is_refused_before_openpyxl_opens_it(too_many_rows, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open the workbook")

    monkeypatch.setattr(exports.importer, "UploadedWorkbook", never)
    with pytest.raises(ImportRejected) as refused:
        parse_submission(too_many_rows)
    assert refused.value.message.startswith(REFUSAL)


def test_a_workbook_at_the_limit_still_opens():
    parsed = parse_submission(many_rows(40), exports.importer.Limits(max_rows=40))
    assert len(parsed.rows) == 40
    with pytest.raises(ImportRejected, match="41 rows; at most 40 rows"):
        parse_submission(many_rows(41), exports.importer.Limits(max_rows=40))


def _form(workbook: bytes, **fields: str) -> dict:
    """A multipart body built in memory (the test client would spool this one to an unclosed file)."""
    boundary, body = encode_multipart(
        MultiDict({**fields, "file": FileStorage(io.BytesIO(workbook), "big.xlsx")}), boundary="apportion-test"
    )
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_uploading_it_is_refused_with_the_row_count_and_changes_nothing(client, too_many_rows):
    plan = plan_scenario()
    Auth(client).login("rm@example.gov")  # for the page (signing in is audited, so first)
    token = accounts.issue_token(None, user("rm@example.gov"), "script")
    db.session.commit()
    before = database_fingerprint()

    response = client.post(
        f"/api/v1/scenarios/{plan.id}/imports", headers={"Authorization": f"Bearer {token}"}, **_form(too_many_rows)
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith(REFUSAL)
    assert response.get_json()["error"]["fields"]["file"].startswith(REFUSAL)

    page = client.post(
        f"/scenarios/{plan.id}/imports", **_form(too_many_rows, csrf_token=Auth(client).csrf()), follow_redirects=True
    )
    assert page.status_code == 200
    assert str(escape(REFUSAL)) in page.get_data(as_text=True)
    assert database_fingerprint() == before
