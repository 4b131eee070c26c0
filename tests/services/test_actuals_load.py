"""Loading the actuals extract: the preview writes nothing else, every rule's row error or warning,
idempotent commits, staleness, all-or-nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from actuals_helpers import CLEAN, HEADER, extract
from helpers import database_fingerprint, user
from openpyxl import Workbook

from models import db
from models.actuals import ActualsLoad, ActualTransaction, LoadStatus
from services.errors import ConflictError, ValidationError
from services.execution import actuals
from services.execution.actuals_queries import document_actuals, unmatched_documents


def _rm():
    return user("rm@example.gov")


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ActualTransaction.id)))


def _loaded(content: bytes, filename: str = "extract.csv") -> ActualsLoad:
    load = actuals.preview_load(_rm(), filename, content)
    db.session.commit()
    return load


def _errors(load: ActualsLoad) -> list[tuple[int, str]]:
    return [(problem["row"], problem["column"]) for problem in load.preview["errors"]]


def test_a_clean_extract_previews_then_commits(app):
    before = _count()
    load = _loaded(CLEAN.encode())
    assert load.preview["rows"] == 4
    assert load.preview["new"] == 4
    assert load.preview["unchanged"] == 0
    assert load.preview["errors"] == []
    assert load.preview["warnings"] == []
    assert _count() == before  # the preview writes no transaction
    assert actuals.commit_load(_rm(), load) == 4
    db.session.commit()
    assert _count() == before + 4
    assert load.status == LoadStatus.COMMITTED
    assert load.written == 4
    travel = document_actuals("TR-1")
    assert (travel.obligated_cents, travel.expended_cents) == (120050, 118025)
    grant = document_actuals("P-999")
    assert (grant.obligated_cents, grant.expended_cents, grant.unliquidated_cents) == (24900000, 5000000, 19900000)


def test_the_preview_writes_only_the_preview(app):
    before = database_fingerprint()
    _loaded(CLEAN.encode())
    after = database_fingerprint()
    changed = {table for table in before if before[table] != after[table]}
    assert changed == {"actuals_load", "audit_event"}


def test_loading_the_same_file_twice_writes_nothing_the_second_time(app):
    actuals.commit_load(_rm(), _loaded(CLEAN.encode()))
    db.session.commit()
    count = _count()
    again = _loaded(CLEAN.encode())
    assert again.preview["new"] == 0
    assert again.preview["unchanged"] == 4
    assert again.preview["errors"] == []
    assert actuals.commit_load(_rm(), again) == 0
    db.session.commit()
    assert _count() == count


def test_a_changed_transaction_names_its_row_and_first_load_date(app):
    first = _loaded(CLEAN.encode())
    actuals.commit_load(_rm(), first)
    db.session.commit()
    changed = _loaded(
        extract(
            "FS-0005,2026-12-02,DP,2027,21.0,IP,,10,0,",
            "FS-0002,2026-11-20,DP,2027,21.0,IP,TR-1,0,1180.26,Voucher paid",
        )
    )
    assert _errors(changed) == [(3, "transaction_id")]
    message = changed.preview["errors"][0]["message"]
    assert "changed since it was loaded on " + first.committed_at.date().isoformat() in message
    with pytest.raises(ConflictError):
        actuals.commit_load(_rm(), changed)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("X,2026-11-03,NOPE,2027,21.0,,,1,0,", "account"),
        ("X,2026-11-03,DP,1999,21.0,,,1,0,", "account"),
        ("X,2026-11-03,DP,2027,99.9,,,1,0,", "object_class"),
        ("X,2026-11-03,DP,2027,21.0,ZZZ,,1,0,", "division"),
        ("X,03/11/2026,DP,2027,21.0,,,1,0,", "posted_on"),
        ("X,2026-02-30,DP,2027,21.0,,,1,0,", "posted_on"),
        (",2026-11-03,DP,2027,21.0,,,1,0,", "transaction_id"),
        ("X" * 65 + ",2026-11-03,DP,2027,21.0,,,1,0,", "transaction_id"),
        ("X,2026-11-03,DP,2027,21.0,," + "D" * 65 + ",1,0,", "document_number"),
        ("X,2026-11-03,DP,2027,21.0,,,1e3,0,", "obligation"),
        ('X,2026-11-03,DP,2027,21.0,,,"1,000",0,', "obligation"),
        ("X,2026-11-03,DP,2027,21.0,,,$10,0,", "obligation"),
        ("X,2026-11-03,DP,2027,21.0,,,1.234,0,", "obligation"),
        ("X,2026-11-03,DP,2027,21.0,,,,0,", "obligation"),
        ("X,2026-11-03,DP,2027,21.0,,,0,+5,", "expenditure"),
        ("X,2026-11-03,DP,2027,21.0,,,0,5," + "d" * 501, "description"),
        ("X,2033-01-01,DP,2027,21.0,,,-5,0,", "posted_on"),  # DP FY2027 cancels 2032-09-30
    ],
)
def test_each_rule_is_a_row_error_by_row_and_column(app, row, column):
    load = _loaded(extract("OK-1,2026-11-03,DP,2027,21.0,,,1,0,", row))
    assert _errors(load) == [(3, column)], load.preview["errors"]
    assert load.preview["rows"] == 2
    assert load.preview["new"] == 1


def test_the_same_transaction_twice_in_a_file_is_an_error(app):
    load = _loaded(extract("T-1,2026-11-03,DP,2027,21.0,,,1,0,", "T-1,2026-11-03,DP,2027,21.0,,,1,0,"))
    assert _errors(load) == [(3, "transaction_id")]
    assert "row 2" in load.preview["errors"][0]["message"]


def test_a_new_obligation_after_expiry_is_a_warning_an_adjustment_is_not(app):
    load = _loaded(extract("E-1,2027-10-05,DP,2027,21.0,,,100,0,", "E-2,2027-10-05,DP,2027,21.0,,,-100,50,"))
    assert load.preview["errors"] == []
    assert [(w["row"], w["column"]) for w in load.preview["warnings"]] == [(2, "obligation")]


def test_headers_are_case_insensitive_in_any_order_and_unknown_ones_listed(app):
    header = " Obligation ,EXPENDITURE,transaction_id,posted_on,account,fiscal_year,object_class,Cost Center"
    load = _loaded(("\ufeff" + header + "\n5.00,0,H-1,2026-11-03,DP,2027,21.0,CC9\n").encode())
    assert load.preview["errors"] == []
    assert load.preview["new"] == 1
    assert load.preview["unknown_columns"] == ["cost center"]


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe bad", b"transaction_id,posted_on\nA,2026-01-01\n", b"%PDF-1.4", b"PK\x03\x04broken"],
)
def test_an_unusable_file_is_refused_whole(app, content):
    before = database_fingerprint()
    with pytest.raises(ValidationError) as refused:
        actuals.preview_load(_rm(), "extract.csv", content)
    db.session.rollback()
    assert "file" in refused.value.fields
    assert database_fingerprint() == before


def test_a_stale_preview_is_refused(app):
    older = _loaded(extract("S-1,2026-11-03,DP,2027,21.0,,,1,0,"))
    newer = _loaded(extract("S-2,2026-11-03,DP,2027,21.0,,,1,0,"))
    actuals.commit_load(_rm(), newer)
    db.session.commit()
    with pytest.raises(ConflictError, match="Another load was committed"):
        actuals.commit_load(_rm(), older)
    db.session.rollback()
    with pytest.raises(ConflictError, match="committed already"):
        actuals.commit_load(_rm(), newer)


def test_commit_is_all_or_nothing(app):
    load = _loaded(CLEAN.encode())
    count = _count()
    # a transaction of the file appears before the commit (another system wrote it): nothing is written
    db.session.add(
        ActualTransaction(
            transaction_id="FS-0004",
            posted_on=__import__("datetime").date(2027, 1, 15),
            appropriation_id=1,
            object_class_id=1,
            obligation_cents=1,
            expenditure_cents=0,
            load_id=load.id,
            source_row=5,
        )
    )
    db.session.commit()
    with pytest.raises(ConflictError):
        actuals.commit_load(_rm(), load)
    db.session.rollback()
    assert _count() == count + 1
    assert db.session.get(ActualsLoad, load.id).status == LoadStatus.PREVIEW


def test_an_xlsx_extract_loads(app):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["X-1", "2026-11-03", "DP", 2027, 21.0, "IP", "TR-1", 1200.5, 0, "Trip"])
    import datetime as dt

    sheet.append(["X-2", dt.datetime(2026, 11, 4), "INCLE", 2027, "41.0", None, "P-999", "250000", 0, None])
    sheet.append(["X-3", "2026-11-04", "INCLE", 2027, "41.0", None, None, "=1+1", 0, None])
    buffer = io.BytesIO()
    book.save(buffer)
    load = _loaded(buffer.getvalue(), "extract.xlsx")
    assert _errors(load) == [(4, "obligation")]
    assert load.preview["new"] == 2


def test_unmatched_documents_are_listed_with_their_totals(app):
    actuals.commit_load(_rm(), _loaded(CLEAN.encode()))
    db.session.commit()
    unmatched = {document.document_number: document for document in unmatched_documents()}
    assert "TR-1" not in unmatched  # travel request 1's reference
    assert unmatched["P-999"].obligated_cents == 24900000
    assert Decimal(unmatched["P-999"].expended_cents) == Decimal(5000000)


def test_the_row_limit_refuses_the_whole_file():
    from exports.actuals import ImportRejected, parse_extract
    from exports.limits import Limits

    rows = [f"L-{n},2026-11-03,DP,2027,21.0,,,1,0," for n in range(3)]
    assert len(parse_extract(extract(*rows), limits=Limits(max_rows=3)).rows) == 3
    with pytest.raises(ImportRejected, match="more than 2 rows"):
        parse_extract(extract(*rows), limits=Limits(max_rows=2))


def test_a_preview_lists_at_most_the_limit_of_errors(app, monkeypatch):
    from exports.limits import Limits

    monkeypatch.setattr(actuals, "ACTUALS_LIMITS", Limits(max_errors=3))
    load = _loaded(extract(*(f"M-{n},2026-11-03,NOPE,2027,21.0,,,1,0," for n in range(5))))
    assert [problem["row"] for problem in load.preview["errors"]] == [2, 3, 4, 5]
    assert load.preview["errors"][-1]["message"] == "And 2 more errors from this row on."
    assert load.preview["rows"] == 5
