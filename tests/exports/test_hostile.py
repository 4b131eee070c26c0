"""Malformed and hostile uploads: each gives a clear message or clear cell errors, never any other exception."""

from __future__ import annotations

import zipfile
from datetime import date, datetime

import openpyxl.xml
import pytest
from hostile_files import Case, billion_laughs, corpus, external_entity, zip_bomb
from hypothesis import given, settings
from hypothesis import strategies as st

import exports.importer
from exports import ImportRejected, Limits, ParsedWorkbook, parse_submission
from exports.detail import DETAIL_COLUMNS
from exports.fields import FULL_CHECK, BadCell, quick_reader, read_cell

CASES = corpus()


def assert_clear(message: str) -> None:
    """A sentence for a person: not empty, not a traceback, no Python internals."""
    assert message.strip()
    assert len(message) < 600
    for internal in ("Traceback", 'File "', "Error(", "Exception", " object at 0x", "\n", "<_io."):
        assert internal not in message, message


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)


def parse_or_rejection(data: bytes, limits: Limits) -> ParsedWorkbook | ImportRejected:
    try:
        return parse_submission(data, limits)
    except ImportRejected as rejected:
        return rejected


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_file(case: Case):
    outcome = parse_or_rejection(case.build(), case.limits)  # anything else raised fails the test
    if isinstance(outcome, ImportRejected):
        assert case.expect in ("rejected", "any"), f"rejected: {outcome.message}"
        assert_clear(outcome.message)
        assert case.mentions.lower() in outcome.message.lower(), outcome.message
        return
    assert case.expect in ("errors", "any"), f"accepted with {len(outcome.errors)} errors"
    for error in outcome.errors:
        assert error.sheet == "Detail"
        assert error.row >= 2
        assert_clear(error.message)
        assert "root:" not in error.message  # nothing from /etc/passwd
    assert all("root:" not in row.description for row in outcome.rows)
    if case.expect == "errors":
        assert case.mentions in {error.column for error in outcome.errors}, outcome.errors


def test_a_zip_bomb_is_refused_before_anything_is_inflated(monkeypatch):
    data = zip_bomb(200)
    assert len(data) < 300_000
    opened = []  # what was inflated, seen by a spy rather than a stopwatch (no timing in tests)
    real_open = zipfile.ZipFile.open

    def spy(archive, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(archive, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    with pytest.raises(ImportRejected, match="zip bomb"):
        parse_submission(data)
    assert opened == []


def test_too_many_errors_stop_with_a_note():
    case = next(case for case in CASES if case.name == "rows/too-many-errors")
    errors = parse_submission(case.build(), case.limits).errors
    assert len(errors) == 6
    assert errors[-1].message.startswith("Stopped after 5 problems")


def test_defusedxml_guards_openpyxl_even_without_the_prolog_check(monkeypatch):
    """Defence in depth: with the up-front DTD check switched off, openpyxl's defusedxml still refuses entities."""
    assert openpyxl.xml.DEFUSEDXML
    monkeypatch.setattr(exports.importer, "check_package", lambda data, limits: None)
    for build in (billion_laughs, external_entity):
        with pytest.raises(ImportRejected, match="entities"):
            parse_submission(build())


def test_limits_are_a_frozen_dataclass_with_sane_defaults():
    limits = Limits()
    assert limits.max_bytes == 20 * 1024 * 1024
    assert limits.max_rows == 200_000
    with pytest.raises(AttributeError):
        limits.max_rows = 1  # type: ignore[misc]


cell_values = st.one_of(
    st.none(),
    st.text(max_size=50),
    st.text(alphabet="0123456789.-e$, ", max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["#N/A", "#DIV/0!", "=SUM(A1:A2)", " 2027 ", "41", "1234.50", "1e3", "٣", "9" * 5_000, 1e300]),
)


@settings(max_examples=300, deadline=None)
@given(
    column=st.sampled_from([column for column in DETAIL_COLUMNS if column.kind.value != "info"]),
    value=cell_values,
    data_type=st.sampled_from(["n", "s", "b", "d", "e", "f"]),
)
def test_any_cell_value_is_read_or_explained(column, value, data_type):
    try:
        result = read_cell(column, value, data_type, 500)
    except BadCell as problem:
        assert_clear(problem.message)
        return
    assert data_type not in ("f", "e")
    assert not isinstance(result, bool | date | datetime)


@settings(max_examples=500, deadline=None)
@given(
    column=st.sampled_from([column for column in DETAIL_COLUMNS if column.kind.value != "info"]),
    value=st.one_of(cell_values, st.integers(1990, 2110), st.sampled_from(["", "  ", "41.0", " INCLE FY2027 "])),
    max_text=st.sampled_from([4, 500]),
)
def test_the_quick_reading_accepts_only_what_read_cell_accepts_and_reads_it_alike(column, value, max_text):
    """The importer reads common cells the quick way; what it accepts so must read the same in full."""
    quick = quick_reader(column)(value, max_text)
    if quick is FULL_CHECK:
        return  # read_cell reads it, or says what is wrong
    full = read_cell(column, value, "n", max_text)  # raises BadCell if the quick reading accepted too much
    assert (type(quick), quick) == (type(full), full)
