"""The plate-read console views (web/public/assets/capabilities/lpr.js) at 375 px: hits
arriving live from the `lpr-hits` feed and verified (reject needs a reason; a stale revision's
409 shows the other officer's verdict), the hotlist upload's progress bar through upload and
import to the summary with rejected rows, the search refusal pointed at its field, a
source's secret shown once; each page axe-clean.

The LPR API is stubbed with Playwright route interception, following the round's HTTP
contract (/tmp lanes' lpr2.md, mirrored in README "License-plate reads"), so the tests can set
exact states; tests/e2e/test_lpr_journey.py runs the same views against the real routes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations

pytestmark = pytest.mark.e2e

LPR_API = re.compile(r".*/api/(lpr/.*|feed/lpr-hits)(\?.*)?$")
UPLOAD_PATH = "/lpr-hotlists-upload"
#: Hits are filed by UTC day; the page asks for today's and yesterday's.
TODAY = datetime.now(UTC).date()
YESTERDAY = TODAY - timedelta(days=1)


def _hit(hit_id: str, plate: str, seen_at: str, revision: int = 1, verification: Any = None) -> dict:
    return {
        "hit_id": hit_id,
        "day": seen_at[:10],
        "list_id": "stolen",
        "list_name": "Stolen vehicles",
        "priority": 1,
        "plate": plate,
        "candidate": "ABC1234",
        "kind": "ocr-equivalent",
        "state_agrees": True,
        "camera_id": "cam-1",
        "reader_name": "Main St eastbound",
        "seen_at": seen_at,
        "lat": 44.05,
        "lon": -123.08,
        "entry": {
            "entry_id": "e1",
            "plate": "ABC1234",
            "state": "OR",
            "reason": "stolen",
            "case_number": "C-1",
        },
        "reads": 2,
        "verification": verification,
        "revision": revision,
    }


class StubLprApi:
    """/api/lpr/... and /api/feed/lpr-hits as the contract says; records what the page sent."""

    def __init__(self, upload_url: str) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.upload_url = upload_url
        self.hits = {
            "h1": _hit("h1", "A8C1234", f"{TODAY}T01:00:00Z", revision=3),
            "h0": _hit("h0", "KXM4412", f"{YESTERDAY}T23:00:00Z", revision=2),
        }
        self.days: list[str] = []  # the days the hits list was asked for
        self.feed: list[dict] = []
        self.stale: set[str] = set()  # hits whose next verdict answers 409
        self.import_polls = 0
        self.sources: list[dict] = []

    def handle(self, route: Any) -> None:
        request = route.request
        url = request.url.split("?")[0]
        if url.endswith(UPLOAD_PATH):  # the presigned S3 form: S3 answers 204
            self.requests.append(("UPLOAD", UPLOAD_PATH, request.post_data_buffer))
            route.fulfill(status=204, body="")
            return
        path = re.sub(r"^.*?/api/", "/api/", url)
        self.days += parse_qs(urlsplit(request.url).query).get("day", []) if path == "/api/lpr/hits" else []
        body = json.loads(request.post_data) if request.post_data else None
        self.requests.append((request.method, path, body))
        status, answer = self.answer(request.method, path, body)
        route.fulfill(status=status, content_type="application/json", body=json.dumps(answer))

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        for prefix, handler in (
            ("/api/feed/lpr-hits", self._feed),
            ("/api/lpr/hits", self._hits),
            ("/api/lpr/hotlists", self._hotlists),
            ("/api/lpr/search", self._search),
            ("/api/lpr/sources", self._sources),
            ("/api/lpr/reports/rates", self._rates),
        ):
            if path.startswith(prefix):
                return handler(method, path, body)
        return 404, {"statusCode": 404, "message": f"no route for {method} {path}"}

    def _feed(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        items, self.feed = self.feed, []
        return 200, {
            "items": items,
            "cursor": items[-1]["cursor"] if items else "c0",
            "reset": False,
            "more": False,
        }

    def _hits(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path == "/api/lpr/hits":
            return 200, {"hits": [h for h in self.hits.values() if h["day"] == self.days[-1]]}
        hit_id = path.split("/")[4]
        if hit_id not in self.hits:
            return 404, {"statusCode": 404, "message": "hit_id: no such hit (or past its retention)"}
        if not path.endswith("/verdict"):
            return 200, {"hit": self.hits[hit_id]}
        hit = self.hits[hit_id]
        if hit_id in self.stale:
            self.stale.discard(hit_id)
            verdict = {"verdict": "accepted", "reason": None, "by": "officer2", "at": "2026-12-02T01:01:00Z"}
            self.hits[hit_id] = {**hit, "verification": verdict, "revision": hit["revision"] + 1}
            return 409, {"error": "revision: the hit changed; reload it", "field": "revision"}
        verdict = {
            "verdict": {"accept": "accepted", "reject": "rejected"}[
                body["verdict"]
            ],  # as the route records it
            "reason": body.get("reason"),
            "by": "officer",
            "at": "2026-12-02T01:02:00Z",
        }
        self.hits[hit_id] = {**hit, "verification": verdict, "revision": hit["revision"] + 1}
        return 200, {"hit": self.hits[hit_id]}

    def _hotlists(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path == "/api/lpr/hotlists" and method == "GET":
            hotlist = {"list_id": "stolen", "name": "Stolen vehicles", "priority": 1, "notify": "feed+sms"}
            listed = {**hotlist, "version": 2, "entries": 3, "importing": None, "last_import": None}
            return 200, {"hotlists": [listed], "max_bytes": 4096}
        if path == "/api/lpr/hotlists":
            return 201, {"hotlist": body}
        if path.endswith("/imports"):
            return 201, {
                "import_id": "imp1",
                "upload": {"url": self.upload_url, "fields": {"key": "uploads/imp1"}},
            }
        if path.endswith("/start"):
            return 202, {"import": {"import_id": "imp1", "state": "waiting"}}
        if method == "DELETE":
            return 200, {"import": {"summary": {"version": 4}}}
        if path.endswith("/entries"):
            return 201, {"entry": {**body, "entry_id": "bolo-1"}, "import": {"summary": {"version": 3}}}
        self.import_polls += 1
        done = self.import_polls > 2
        summary = {
            "version": 3,
            "added": 2,
            "removed": 1,
            "unchanged": 1,
            "rejected": 2,
            "rejected_rows": [{"line": 4, "reason": "plate: empty"}, {"line": 7, "reason": "state: unknown"}],
        }
        imp = {
            "import_id": "imp1",
            "list_id": "stolen",
            "state": "done" if done else "running",
            "bytes_total": 2000,
            "bytes_read": 2000 if done else 1000,
            "summary": summary if done else None,
            "error": None,
        }
        return 200, {"import": imp}

    def _search(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path.endswith("/purposes"):
            return 200, {"purposes": ["stolen vehicle", "missing person"]}
        if not body.get("purpose"):
            return 400, {"error": "purpose: a search needs a purpose from the list", "field": "purpose"}
        read = {
            "source_id": "s1",
            "read_id": "r1",
            "plate": "ABC1234",
            "state": "OR",
            "seen_at": "2026-12-02T00:30:00Z",
            "camera_id": "cam-1",
            "lat": 44.05,
            "lon": -123.08,
            "confidence": 91.5,
        }
        return 200, {"reads": [read], "lookups": 2}

    def _rates(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        by_list = {"list_id": "stolen", "accepted": 3, "rejected": 1, "acceptance": 0.75, "rejection": 0.25}
        return 200, {"lists": [by_list], "readers": []}

    def _sources(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path == "/api/lpr/sources" and method == "GET":
            return 200, {"sources": self.sources}
        if path == "/api/lpr/sources":
            source = {
                "source_id": "src1",
                "name": body["name"],
                "vendor": body["vendor"],
                "auth": body["auth"],
                "status": "active",
                "created_at": "2026-12-02T01:00:00Z",
                "updated_at": "2026-12-02T01:00:00Z",
                "previous_valid_until": None,
                "readers": [],
            }
            self.sources.append(source)
            return 201, {"source": source, "secret": "rtcc_lpr.src1." + "A" * 43}
        if path.endswith("/rotate"):
            self.sources[0]["previous_valid_until"] = "2026-12-03T01:00:00Z"
            return 200, {
                "secret": "rtcc_lpr.src1." + "B" * 43,
                "previous_valid_until": "2026-12-03T01:00:00Z",
            }
        if path.endswith("/revoke"):
            self.sources[0]["status"] = "revoked"
            return 200, {"source": self.sources[0]}
        if path.endswith("/readers"):
            reader = {**body, "last_heartbeat_at": None, "last_read_at": None}
            self.sources[0]["readers"].append(reader)
            return 201, {"reader": reader}
        return 404, {"error": "no such source", "field": "source_id"}


@pytest.fixture
def lpr(new_page, sign_in, local_stack) -> Any:
    """open(role, page hash) -> (page, stub): a phone signed in as `role`, the LPR API stubbed."""

    def open_as(
        role: str, where: str = "#/lpr", sources: list[dict] | None = None, viewport: dict = PHONE
    ) -> tuple[Any, StubLprApi]:
        stub = StubLprApi(local_stack.aws_endpoint_url + UPLOAD_PATH)
        stub.sources.extend(sources or [])
        page = new_page(viewport)
        page.route(LPR_API, stub.handle)
        page.route(re.compile(re.escape(local_stack.aws_endpoint_url + UPLOAD_PATH)), stub.handle)
        sign_in(page, role)
        page.evaluate(f"location.hash = '{where}'")
        page.wait_for_selector(".lpr-tabs")
        return page, stub

    return open_as


def _sent(stub: StubLprApi, method: str, path: str) -> list[Any]:
    return [body for m, p, body in stub.requests if (m, p) == (method, path)]


def test_hits_arrive_live_and_are_verified(lpr, screenshot) -> None:
    page, stub = lpr("officer")
    first = page.locator("article[data-hit=h1]")
    expect(first).to_contain_text("A8C1234")
    expect(first).to_contain_text("OCR look-alike")
    expect(page.locator(".lpr-tab[aria-current=page]")).to_have_text("Hits")
    expect(page.locator(".lpr-tab[data-section=sources]")).to_have_count(0)  # officers: no Sources

    # Today's and yesterday's (UTC midnight falls inside most cities' evening shift), newest first.
    expect(page.locator("article[data-hit]")).to_have_count(2)
    expect(page.locator("article[data-hit]").last).to_have_attribute("data-hit", "h0")
    assert sorted(stub.days) == sorted([str(TODAY), str(YESTERDAY)])

    # A new hit is published: it shows at the top without a reload, and is announced.
    stub.hits["h2"] = _hit("h2", "XYZ9876", f"{TODAY}T01:05:00Z")
    # A hit gone before the page fetched it (past retention) is skipped, not replayed forever.
    ghost = {
        "cursor": "c0a",
        "at": f"{TODAY}T01:04:00Z",
        "kind": "hit",
        "ref": "gone",
        "summary": {"hit_id": "gone"},
    }
    stub.feed.append(ghost)
    stub.feed.append(
        {
            "cursor": "c1",
            "at": "2026-12-02T01:05:00Z",
            "kind": "hit",
            "ref": "h2",
            "summary": {"hit_id": "h2"},
        }
    )
    expect(page.locator("article[data-hit]").first).to_have_attribute("data-hit", "h2", timeout=10_000)
    expect(page.locator("#lpr-hits-news")).to_contain_text("New hit on Stolen vehicles at Main St eastbound")

    # Reject needs a reason: nothing is sent without one.
    first.locator(".lpr-reject").click()
    expect(first.locator(".message-error")).to_have_text("Choose why you reject the hit.")
    assert _sent(stub, "POST", "/api/lpr/hits/h1/verdict") == []
    first.locator("select").select_option("misread")
    first.locator(".lpr-reject").click()
    expect(page.locator("article[data-hit=h1] .lpr-verdict")).to_contain_text("Rejected: Misread")
    assert _sent(stub, "POST", "/api/lpr/hits/h1/verdict") == [
        {"verdict": "reject", "reason": "misread", "revision": 3}
    ]
    # Decided: the controls fold away; changing the verdict needs a note saying why.
    decided = page.locator("article[data-hit=h1]")
    expect(decided.locator(".lpr-accept")).to_be_hidden()
    decided.locator(".lpr-change summary").click()
    decided.locator(".lpr-accept").click()
    expect(decided.locator(".message-error")).to_have_text("Say why the verdict changes.")
    assert len(_sent(stub, "POST", "/api/lpr/hits/h1/verdict")) == 1
    decided.locator("textarea").fill("the driver showed a valid registration")
    decided.locator(".lpr-accept").click()
    expect(page.locator("article[data-hit=h1] > .lpr-verdict")).to_contain_text("Accepted · officer")
    assert _sent(stub, "POST", "/api/lpr/hits/h1/verdict")[-1] == {
        "verdict": "accept",
        "note": "the driver showed a valid registration",
        "revision": 4,
    }

    # Another officer decided h2 first: the 409 shows their verdict instead of overwriting it.
    stub.stale.add("h2")
    second = page.locator("article[data-hit=h2]")
    second.locator("input[type=text]").fill("C-99")
    second.locator(".lpr-accept").click()
    expect(page.locator("article[data-hit=h2]")).to_contain_text("Another officer decided this hit first")
    expect(page.locator("article[data-hit=h2] .lpr-verdict")).to_contain_text("Accepted · officer2")
    assert _sent(stub, "POST", "/api/lpr/hits/h2/verdict") == [
        {"verdict": "accept", "case_number": "C-99", "revision": 1}
    ]
    assert horizontal_overflow(page) == 0
    screenshot(page, "lpr-hits-phone")


def test_one_hit_has_its_own_page(lpr) -> None:
    page, stub = lpr("officer", "#/lpr/hits/h1")
    expect(page.locator("#lpr-hit article[data-hit=h1]")).to_contain_text("Main St eastbound")
    page.locator("#lpr-hit select").select_option("state-mismatch")
    page.locator("#lpr-hit .lpr-reject").click()
    expect(page.locator("#lpr-hit .lpr-verdict")).to_contain_text("Rejected: State does not match")


def test_an_upload_shows_its_progress_then_the_summary_with_rejected_rows(lpr, screenshot) -> None:
    page, stub = lpr("supervisor", "#/lpr/hotlists")
    expect(page.locator("#lpr-lists tr[data-list=stolen]")).to_contain_text("console + text")
    # Every value the bar takes, as the page shows it (phase, percent).
    page.evaluate(
        """() => {
            window.__bar = [];
            new MutationObserver(() => {
                const b = document.getElementById('lpr-progress');
                if (b) window.__bar.push([b.dataset.phase, b.value]);
            }).observe(document.getElementById('main'), {subtree: true, attributes: true, childList: true});
        }"""
    )
    # Over the list's limit (max_bytes): refused before anything is sent.
    page.set_input_files(
        "#lpr-import-file", {"name": "big.csv", "mimeType": "text/csv", "buffer": b"A" * 5000}
    )
    page.click("#lpr-import-send")
    expect(page.locator("#lpr-import .message-error")).to_have_text("The file is 5 KB: the limit is 4 KB.")
    assert _sent(stub, "POST", "/api/lpr/hotlists/stolen/imports") == []
    content = "".join(f"ABC{i:04d};OR;stolen;C-{i}\n" for i in range(80)).encode()
    page.select_option("#lpr-import-format", "autovu")
    page.set_input_files(
        "#lpr-import-file", {"name": "stolen.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.click("#lpr-import-send")
    expect(page.locator("#lpr-import-summary")).to_contain_text("Imported: version 3", timeout=10_000)
    expect(page.locator("#lpr-progress")).to_have_attribute("value", "100")
    expect(page.locator("#lpr-progress-label")).to_have_text("Imported")
    rows = page.locator("#lpr-rejected tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("4")
    expect(rows.first).to_contain_text("plate: empty")
    assert _sent(stub, "POST", "/api/lpr/hotlists/stolen/imports") == [
        {"format": "autovu", "filename": "stolen.csv", "bytes": len(content)}
    ]
    upload = next(body for m, _, body in stub.requests if m == "UPLOAD")
    assert b'name="key"' in upload and content in upload  # the form's fields, then the file
    assert upload.index(b'name="key"') < upload.index(b'name="file"')
    assert _sent(stub, "POST", "/api/lpr/hotlists/imports/imp1/start") == [None]
    bar = page.evaluate("window.__bar")
    assert ["import", 50] in bar, bar  # the import's bytes_read / bytes_total, polled
    phases = [phase for phase, _ in bar if phase]
    assert ["upload", 100] in bar and phases.index("import") > max(
        i for i, p in enumerate(phases) if p == "upload"
    ), bar
    assert horizontal_overflow(page) == 0
    screenshot(page, "lpr-hotlist-import-phone")


def test_a_supervisor_creates_a_list_and_adds_a_bolo_entry(lpr) -> None:
    page, stub = lpr("supervisor", "#/lpr/hotlists")
    page.click("text=New hotlist")
    page.fill("#lpr-list-id", "bolo-dec")
    page.fill("#lpr-list-name", "December BOLOs")
    page.fill("#lpr-list-priority", "5")
    page.select_option("#lpr-list-notify", "feed")
    page.click("#lpr-create-list button[type=submit]")
    expect(page.locator("#lpr-list-id")).to_have_count(1)
    assert _sent(stub, "POST", "/api/lpr/hotlists") == [
        {"list_id": "bolo-dec", "name": "December BOLOs", "priority": 5, "notify": "feed"}
    ]
    page.click("text=Add or withdraw a BOLO entry")
    page.fill("#lpr-bolo-plate", "ab*12")
    page.fill("#lpr-bolo-reason", "armed robbery suspect")
    page.fill("#lpr-bolo-case", "C-7")
    page.click("#lpr-bolo button[type=submit]")
    expect(page.locator("#lpr-bolo .message-ok")).to_contain_text("Entry bolo-1 added")
    assert _sent(stub, "POST", "/api/lpr/hotlists/stolen/entries") == [
        {"plate": "AB*12", "reason": "armed robbery suspect", "case_number": "C-7"}
    ]
    # A mistake is taken back: the new entry's id is ready in the withdraw form.
    expect(page.locator("#lpr-withdraw-id")).to_have_value("bolo-1")
    page.click("#lpr-withdraw")
    expect(page.locator("#lpr-withdraw-form .message-ok")).to_have_text(
        "Entry bolo-1 withdrawn: it no longer matches."
    )
    assert ("DELETE", "/api/lpr/hotlists/stolen/entries/bolo-1", None) in stub.requests


def test_an_officer_sees_lists_but_not_the_supervisor_tools(lpr) -> None:
    page, _ = lpr("officer", "#/lpr/hotlists")
    expect(page.locator("#lpr-lists tr[data-list=stolen]")).to_have_count(1)
    expect(page.locator("#lpr-import")).to_have_count(0)
    expect(page.locator("#lpr-create-list")).to_have_count(0)


def test_a_search_without_a_purpose_is_refused_at_the_purpose(lpr, screenshot) -> None:
    page, stub = lpr("officer", "#/lpr/search")
    expect(page.locator("#lpr-search-purpose option")).to_have_count(3)
    page.fill("#lpr-search-case", "C-12")
    page.fill("#lpr-search-plate", "abc1234")
    page.click("#lpr-search-send")
    expect(page.locator("#lpr-search .message-error")).to_have_text(
        "purpose: a search needs a purpose from the list"
    )
    expect(page.locator("#lpr-search-purpose")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#lpr-search-purpose")).to_be_focused()
    expect(page.locator("#lpr-search-results")).to_have_count(0)

    page.select_option("#lpr-search-purpose", "stolen vehicle")
    page.select_option("#lpr-search-mode", "ocr-equivalent")
    page.click("#lpr-search-send")
    expect(page.locator("#lpr-search-results tbody tr")).to_have_count(1)
    expect(page.locator("#lpr-search-count")).to_have_text("1 read (2 index lookups).")
    screenshot(page, "lpr-search-phone")
    sent = _sent(stub, "POST", "/api/lpr/search")[-1]
    assert sent["purpose"] == "stolen vehicle" and sent["case_number"] == "C-12"
    assert sent["plate"] == "ABC1234" and sent["mode"] == "ocr-equivalent"
    assert sent["start"] < sent["end"] and sent["end"].endswith("Z")
    assert horizontal_overflow(page) == 0


def test_a_source_secret_is_shown_once_and_rotation_shows_the_new_one(lpr, screenshot) -> None:
    page, stub = lpr("admin", "#/lpr/sources")
    page.fill("#lpr-source-name", "Downtown fixed cameras")
    page.select_option("#lpr-source-vendor", "openalpr")
    page.click("#lpr-create-source button[type=submit]")
    expect(page.locator("#lpr-secret")).to_have_value("rtcc_lpr.src1." + "A" * 43)
    expect(page.locator("#lpr-secret-copy")).to_be_visible()
    page.click("#lpr-secret-done")
    expect(page.locator("#lpr-secret")).to_have_count(0)
    assert "A" * 43 not in page.content()  # gone from the page once stored

    card = page.locator("article[data-source=src1]")
    card.locator("summary").click()
    card.locator("input[id$=-camera]").fill("cam-1")
    card.locator("input[id$=-name]").fill("Main St eastbound")
    card.locator("input[id$=-lat]").fill("44.05")
    card.locator("input[id$=-lon]").fill("-123.08")
    card.locator("form button[type=submit]").click()
    expect(page.locator("article[data-source=src1] li[data-camera=cam-1]")).to_contain_text(
        "never heard from"
    )
    assert _sent(stub, "POST", "/api/lpr/sources/src1/readers") == [
        {"camera_id": "cam-1", "name": "Main St eastbound", "kind": "fixed", "lat": 44.05, "lon": -123.08}
    ]

    page.click("article[data-source=src1] button[data-act=rotate]")
    expect(page.locator("#lpr-secret")).to_have_value("rtcc_lpr.src1." + "B" * 43)
    expect(page.locator("#lpr-secret-panel")).to_contain_text("The previous secret keeps working until")
    screenshot(page, "lpr-sources-secret-phone")
    page.click("#lpr-secret-done")

    revoke = page.locator("article[data-source=src1] button[data-act=revoke]")
    revoke.click()  # the first press only asks
    assert _sent(stub, "POST", "/api/lpr/sources/src1/revoke") == []
    revoke.click()
    expect(page.locator("article[data-source=src1]")).to_have_attribute("data-status", "revoked")
    expect(page.locator("article[data-source=src1] button[data-act]")).to_have_count(0)
    assert horizontal_overflow(page) == 0


def test_supervisors_see_the_verification_rates(lpr) -> None:
    page, _ = lpr("supervisor", "#/lpr/rates")
    row = page.locator("#lpr-rates-lists tr[data-key=stolen]")
    expect(row).to_contain_text("75%")
    expect(row).to_contain_text("25%")
    expect(page.locator("#lpr-rates-readers")).to_have_text("No verified hits by reader yet.")
    officer, _ = lpr("officer")
    expect(officer.locator(".lpr-tab[data-section=hotlists]")).to_have_count(1)
    expect(officer.locator(".lpr-tab[data-section=rates]")).to_have_count(0)


@pytest.mark.parametrize(
    "where", ["#/lpr", "#/lpr/hits/h1", "#/lpr/hotlists", "#/lpr/search", "#/lpr/sources", "#/lpr/rates"]
)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desk"])
def test_the_plate_read_pages_have_no_wcag_violations(lpr, where: str, viewport: dict, screenshot) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make install runs npm ci in web/)")
    cruisers = {
        "source_id": "src9",
        "name": "Cruisers",
        "vendor": "flock",
        "auth": "hmac",
        "status": "active",
        "created_at": "2026-12-02T01:00:00Z",
        "updated_at": "2026-12-02T01:00:00Z",
        "previous_valid_until": None,
        "readers": [
            {
                "camera_id": "car-7",
                "name": "Car 7",
                "kind": "mobile",
                "lat": None,
                "lon": None,
                "last_heartbeat_at": "2026-12-02T01:00:00Z",
                "last_read_at": None,
            }
        ],
    }
    page, _ = lpr("admin", where, sources=[cruisers], viewport=viewport)
    page.wait_for_load_state("networkidle")
    for summary in page.locator("details > summary").all():
        summary.click()  # the folded forms are checked too
    if where == "#/lpr/search":
        page.click("#lpr-search-send")  # the refusal's state (aria-invalid, the alert)
        page.wait_for_selector("#lpr-search .message-error")
    assert violations(page) == []
    assert horizontal_overflow(page) == 0
    screenshot(page, f"lpr-{where.strip('#/').replace('/', '-')}-{'phone' if viewport is PHONE else 'desk'}")
