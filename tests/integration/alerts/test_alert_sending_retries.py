"""A supervisor's retried send through the local stack (api under its deployed IAM): the same
`Idempotency-Key` answers the first request's alert, and the resident gets the text once
(review finding 5). The key is reserved with a conditional PutItem on the `alerts` table and
a repeat reads it with GetItem: the API's existing grants on that table."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.integration.alerts.test_alert_sending import alert_texts, base, subscribe, view, wait_for  # noqa: F401

pytestmark = pytest.mark.integration


def test_a_retried_send_with_the_same_key_is_one_alert_and_one_text(base, api) -> None:  # noqa: F811
    number = subscribe(base, "RIVERSIDE")
    body = f"Road closed on River Rd {time.time()}"
    draft = {"tier": "advisory", "zones": ["riverside"], "categories": [], "texts": {"en": body}}
    key = str(uuid.uuid4())
    supervisor: Any = api.as_role("supervisor")
    first = supervisor.post("/api/alerts", json=draft, headers={"Idempotency-Key": key})
    again = supervisor.post("/api/alerts", json=draft, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json()["alert_id"] == again.json()["alert_id"] and again.json()["unqueued"] == 0
    other = supervisor.post(
        "/api/alerts", json={**draft, "texts": {"en": body + "!"}}, headers={"Idempotency-Key": key}
    )
    assert other.status_code == 409, other.text
    wait_for(lambda: alert_texts(base, number, body))
    wait_for(lambda: view(api, first.json()["alert_id"])["counts"]["riverside"]["queued"] == 0)
    time.sleep(2)
    assert len(alert_texts(base, number, body)) == 1
    listed = supervisor.get("/api/alerts").json()["alerts"]
    assert sum(a["texts"] == {"en": body} for a in listed) == 1
