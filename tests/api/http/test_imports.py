"""``/v1/imports/{kind}``: files checked and stored like ``loyalty import``, all or nothing."""

from __future__ import annotations

import io

import pandas as pd

from tests.api.http.conftest import assert_error
from tests.sample_files import MEMBERS, PRODUCTS, TRANSACTIONS


def upload(client, headers, kind: str, text: str | bytes, name: str = "data.csv"):
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/v1/imports/{kind}",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def test_import_all_three_then_status(client, as_role):
    admin = as_role("admin")
    for kind, text in (
        ("members", MEMBERS),
        ("products", PRODUCTS),
        ("transactions", TRANSACTIONS),
    ):
        result = upload(client, admin, kind, text, f"{kind}.csv")
        assert result.status_code == 200, result.get_json()
        assert result.get_json()["source"] == f"{kind}.csv"
    status = client.get("/v1/status", headers=as_role("marketer")).get_json()
    assert (status["members"], status["products"], status["transactions"]) == (3, 3, 4)
    assert set(status["last_import"]) == {"members", "products", "transactions"}
    again = upload(client, admin, "transactions", TRANSACTIONS).get_json()
    assert (again["rows_read"], again["rows_written"]) == (4, 0)


def test_bad_file_names_line_and_column_and_writes_nothing(client, as_role):
    bad = "member_id,joined_at,tier\nM1,2024-01-01,gold\nM2,01/02/2024,gold\n"
    body = assert_error(upload(client, as_role("admin"), "members", bad, "members.csv"), 422)
    assert body["errors"] == {
        "members.csv": {"3": {"joined_at": ["expected a date YYYY-MM-DD, got '01/02/2024'"]}}
    }
    assert "members.csv:3: joined_at" in body["message"]
    assert_error(client.get("/v1/members/M1", headers=as_role("admin")), 404)


def test_transactions_of_unknown_members_are_refused(client, as_role):
    body = assert_error(upload(client, as_role("admin"), "transactions", TRANSACTIONS), 422)
    assert "member_id" in body["errors"]["data.csv"]["2"]


def test_parquet_upload(client, as_role):
    frame = pd.read_csv(io.StringIO(MEMBERS), dtype="str", keep_default_na=False)
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    response = upload(client, as_role("admin"), "members", buffer.getvalue(), "members.parquet")
    assert response.get_json()["rows_written"] == 3


def test_wrong_file_type_missing_file_and_unknown_kind(client, as_role):
    admin = as_role("admin")
    body = assert_error(upload(client, admin, "members", MEMBERS, "members.xlsx"), 422)
    assert "members.xlsx" in body["errors"]
    missing = client.post("/v1/imports/members", data={}, headers=admin)
    assert "file" in assert_error(missing, 422)["errors"]["files"]
    assert_error(upload(client, admin, "coupons", MEMBERS), 404)


def test_uploads_may_exceed_the_body_limit_of_other_requests(settings, engine, keys):
    from api.app import create_app

    app = create_app(settings=settings, test_config={"MAX_CONTENT_LENGTH": 64})
    response = upload(
        app.test_client(), {"Authorization": f"Bearer {keys['admin']}"}, "members", MEMBERS
    )
    assert response.status_code == 200, response.get_json()
    app.extensions["loyalty"].close()
