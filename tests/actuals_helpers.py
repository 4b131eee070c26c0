"""Hand-written actuals extracts (actuals-extract/1) for the loading tests."""

from __future__ import annotations

HEADER = (
    "transaction_id,posted_on,account,fiscal_year,object_class,division,document_number,obligation,expenditure,"
    "description"
)

CLEAN = f"""{HEADER}
FS-0001,2026-11-03,DP,2027,21.0,IP,TR-1,1200.50,0,Travel to Bangkok
FS-0002,2026-11-20,DP,2027,21.0,IP,TR-1,0,1180.25,Voucher paid
FS-0003,2026-12-01,INCLE,2027,41.0,,P-999,250000,0,Grant signed
FS-0004,2027-01-15,INCLE,2027,41.0,,P-999,-1000.00,50000,Deobligation and drawdown
"""


def extract(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()
