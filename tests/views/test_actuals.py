"""The actuals API (contracts/execution.md), the `flask actuals load` command, and award actuals."""

from __future__ import annotations

import io

import sqlalchemy as sa
from actuals_helpers import CLEAN, extract
from helpers import bearer

from models import Award, db
from models.actuals import ActualTransaction

API = "/api/v1"


def _upload(client, headers, content: bytes, name: str = "extract.csv"):
    return client.post(
        f"{API}/actuals/imports",
        headers=headers,
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ActualTransaction.id)))


def test_upload_preview_commit_and_list(client):
    rm = bearer("rm@example.gov")
    response = _upload(client, rm, CLEAN.encode())
    assert response.status_code == 201
    preview = response.get_json()
    assert {key: preview[key] for key in ("rows", "new", "unchanged", "errors", "warnings")} == {
        "rows": 4,
        "new": 4,
        "unchanged": 0,
        "errors": [],
        "warnings": [],
    }
    assert client.get(f"{API}/actuals/imports/{preview['id']}", headers=rm).get_json()["new"] == 4
    committed = client.post(f"{API}/actuals/imports/{preview['id']}/commit", headers=rm)
    assert committed.status_code == 200
    assert committed.get_json() == {"id": preview["id"], "written": 4}
    assert client.post(f"{API}/actuals/imports/{preview['id']}/commit", headers=rm).status_code == 409
    viewer = bearer("viewer@example.gov")
    listed = client.get(f"{API}/actuals?document_number=TR-1&from=2026-11-01&to=2026-11-30", headers=viewer)
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["total"] == 2
    assert [item["obligation"] for item in body["items"]] == ["1200.50", "0.00"]
    assert client.get(f"{API}/actuals?from=2026-13-01", headers=viewer).status_code == 400


def test_row_errors_are_listed_and_cannot_be_committed(client):
    rm = bearer("rm@example.gov")
    response = _upload(client, rm, extract("A-1,2026-11-03,DP,2027,21.0,,,1.005,0,"))
    preview = response.get_json()
    assert response.status_code == 201
    assert [(e["row"], e["column"]) for e in preview["errors"]] == [(2, "obligation")]
    assert client.post(f"{API}/actuals/imports/{preview['id']}/commit", headers=rm).status_code == 409
    assert _count() == 0


def test_a_stale_preview_is_a_409(client):
    rm = bearer("rm@example.gov")
    first = _upload(client, rm, extract("A-1,2026-11-03,DP,2027,21.0,,,1,0,")).get_json()
    second = _upload(client, rm, extract("A-2,2026-11-03,DP,2027,21.0,,,1,0,")).get_json()
    assert client.post(f"{API}/actuals/imports/{second['id']}/commit", headers=rm).status_code == 200
    refused = client.post(f"{API}/actuals/imports/{first['id']}/commit", headers=rm)
    assert refused.status_code == 409
    assert "Another load" in refused.get_json()["error"]["message"]


def test_a_bad_file_is_a_422_naming_the_file_and_viewers_may_not_load(client):
    rm = bearer("rm@example.gov")
    response = _upload(client, rm, b"%PDF-1.7")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["file"]
    assert _upload(client, bearer("viewer@example.gov"), CLEAN.encode()).status_code == 403


def test_award_actuals_appear_in_the_award_answer(client):
    award = db.session.scalars(sa.select(Award).order_by(Award.id).limit(1)).one()
    rm = bearer("rm@example.gov")
    zero = client.get(f"{API}/awards/{award.id}", headers=rm).get_json()
    assert (zero["obligated_actual"], zero["expended_actual"], zero["unliquidated"]) == ("0.00", "0.00", "0.00")
    content = extract(
        f"W-1,2026-11-03,INCLE,2027,41.0,,{award.number},5000.00,0,",
        f"W-2,2026-12-03,INCLE,2027,41.0,,{award.number},0,1250.25,",
    )
    load = _upload(client, rm, content).get_json()
    assert client.post(f"{API}/actuals/imports/{load['id']}/commit", headers=rm).status_code == 200
    answer = client.get(f"{API}/awards/{award.id}", headers=rm).get_json()
    assert (answer["obligated_actual"], answer["expended_actual"], answer["unliquidated"]) == (
        "5000.00",
        "1250.25",
        "3749.75",
    )
    # The list reads every award's actuals in one go: the same figures, and the others' zeros.
    listed = {row["id"]: row for row in client.get(f"{API}/awards?per_page=100", headers=rm).get_json()["items"]}
    assert (listed[award.id]["obligated_actual"], listed[award.id]["unliquidated"]) == ("5000.00", "3749.75")
    assert {row["obligated_actual"] for key, row in listed.items() if key != award.id} == {"0.00"}
    page = client.get(f"/programs/awards/{award.id}", headers=rm)
    assert page.status_code in (200, 302)


def test_cli_loads_a_good_file_and_exits_2_with_one_line_on_a_bad_one(runner, tmp_path):
    good = tmp_path / "extract.csv"
    good.write_text(CLEAN)
    result = runner.invoke(args=["actuals", "load", str(good), "--commit"])
    assert result.exit_code == 0, result.output
    assert "4 new" in result.stdout
    assert "4 transactions written" in result.stdout
    assert _count() == 4
    again = runner.invoke(args=["actuals", "load", str(good), "--commit"])
    assert again.exit_code == 0
    assert "0 transactions written" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"not,an,extract\n1,2,3\n")
    refused = runner.invoke(args=["actuals", "load", str(bad)])
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "Traceback" not in refused.output
    rows = tmp_path / "rows.csv"
    rows.write_bytes(extract("B-1,2026-11-03,DP,2027,21.0,,,1e3,0,"))
    refused = runner.invoke(args=["actuals", "load", str(rows), "--commit"])
    assert refused.exit_code == 2
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "row 2, obligation" in refused.stdout
    missing = runner.invoke(args=["actuals", "load", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    assert len(missing.stderr.strip().splitlines()) == 1
    assert _count() == 4


def test_the_pages_upload_preview_and_commit(client, auth):
    from helpers import csrf_from

    auth.login("rm@example.gov")
    page = client.get("/actuals/")
    assert page.status_code == 200
    bad = client.post(
        "/actuals/imports",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "file": (io.BytesIO(extract("P-1,2026-11-03,DP,2027,21.0,,,1e3,0,")), "x.csv"),
        },
    )
    assert bad.status_code == 302
    shown = client.get(bad.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="actuals-errors"' in shown
    assert "obligation" in shown
    assert "Commit" not in shown.split("actuals-errors")[1]
    uploaded = client.post(
        "/actuals/imports",
        content_type="multipart/form-data",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "file": (io.BytesIO(CLEAN.encode()), "x.csv")},
    )
    preview = client.get(uploaded.headers["Location"])
    assert "Commit 4 new transactions" in preview.get_data(as_text=True)
    committed = client.post(
        uploaded.headers["Location"] + "/commit", data={"csrf_token": csrf_from(preview.get_data(as_text=True))}
    )
    assert committed.status_code == 302
    assert _count() == 4
    unmatched = client.get("/actuals/unmatched").get_data(as_text=True)
    assert "P-999" in unmatched
    assert "<td>TR-1</td>" not in unmatched
    trip = client.get("/requests/travel/1").get_data(as_text=True)
    assert "actual cost $1,200.50" in trip


def test_the_upload_routes_take_more_than_the_apps_request_limit(client, app):
    rm = bearer("rm@example.gov")
    big = b"transaction_id\n" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    boundary = "actuals-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'.encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"{API}/actuals/imports",
        headers=rm,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 422  # read and refused as a CSV, not a 413 before the view
    assert response.get_json()["error"]["fields"]["file"]
