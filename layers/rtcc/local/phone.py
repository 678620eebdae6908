"""`/dev/phone`: a phone that texts the city's SMS lines exactly as Twilio would (local
stack only).

The lines are the ones capabilities declare (`Capability.sms_lines`: the tip line, and
whatever line a capability adds), so a new line appears here without editing this file.
The page lets a person pick a line and a "From" number, type a message and optionally
attach a generated test picture. The server side builds Twilio's inbound-message form
(including the FromCity/FromState/FromZip/FromCountry geo fields Twilio adds, which the
backends must drop), signs it with the local auth token against RTCC_PUBLIC_BASE_URL + the
line's webhook path, posts it to this gateway and hands back the TwiML answer. Everything
any line sent to the number is read from the local SMS outbox, labelled by line.

    GET  /dev/phone                 the simulator page
    GET  /dev/phone/lines           the declared lines: name, label, number, path
    POST /dev/phone/send            {"from": "+1555...", "body": "...", "image": true, "line": "tips"}
    GET  /dev/phone/messages?number=+1555...   outbox messages sent to that number, any line
    GET  /dev/phone/test-image.png  a sample of the generated picture

Registered through `rtcc.local.extensions`; never part of a deployment.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from rtcc.local.dev_routes import json_response, register_dev_route
from rtcc.local.twilio_media_host import put_media
from rtcc.secrets import secret_value
from rtcc.settings import get_settings
from rtcc.sms.gateway import local_outbox
from rtcc.sms.line import SmsLine, declared_lines
from rtcc.sms.twilio_form import inbound_form
from rtcc.sms.twilio_webhook import sign

#: The tip line's webhook (the default line).
WEBHOOK_PATH = "/webhooks/twilio/tips"
MAX_BODY_CHARS = 1600  # Twilio's limit for one inbound message
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class PhoneInputError(ValueError):
    """A bad request to the simulator: the message names the field."""


@dataclass(frozen=True)
class Outgoing:
    number: str
    body: str
    image: bool
    line: str = ""  # the line's name; "" is the first declared line (the tip line)


def line_named(name: str) -> SmsLine:
    """A declared line by name ("" is the first); PhoneInputError names the choices."""
    lines = declared_lines()
    if not lines:
        raise PhoneInputError("line: no capability declares an SMS line")
    if not name:
        return lines[0]
    for line in lines:
        if line.name == name:
            return line
    raise PhoneInputError(f"line: one of {', '.join(line.name for line in lines)}")


def parse_send(payload: Any) -> Outgoing:
    if not isinstance(payload, dict):
        raise PhoneInputError("body: send a JSON object")
    number = payload.get("from")
    if not isinstance(number, str) or not E164.match(number.strip()):
        raise PhoneInputError("from: a phone number in E.164 form, e.g. +15551234567")
    body = payload.get("body", "")
    if not isinstance(body, str):
        raise PhoneInputError("body: must be text")
    if len(body) > MAX_BODY_CHARS:
        raise PhoneInputError(f"body: at most {MAX_BODY_CHARS} characters (Twilio's limit)")
    image = payload.get("image", False)
    if not isinstance(image, bool):
        raise PhoneInputError("image: true or false")
    if not body.strip() and not image:
        raise PhoneInputError("body: type a message or attach the test picture")
    line = payload.get("line", "")
    if not isinstance(line, str):
        raise PhoneInputError("line: a line's name")
    return Outgoing(number.strip(), body, image, line_named(line).name)


def test_image(label: str = "") -> bytes:
    """A small PNG with a visible label, made here so no file ships with the simulator."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (320, 200), (34, 87, 160))
    draw = ImageDraw.Draw(picture)
    for x in range(0, 320, 40):
        draw.line([(x, 0), (x, 200)], fill=(60, 120, 200))
    draw.rectangle([(20, 60), (300, 140)], fill=(250, 250, 250))
    draw.text((36, 78), "rtcc phone simulator", fill=(10, 10, 10))
    draw.text((36, 104), label or datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), fill=(10, 10, 10))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def twilio_form(outgoing: Outgoing, media: list[tuple[str, str]]) -> dict[str, str]:
    """Twilio's inbound-message webhook form for one message to the chosen line."""
    return inbound_form(
        from_number=outgoing.number,
        to_number=line_named(outgoing.line).number(),
        body=outgoing.body,
        account_sid=get_settings().twilio_account_sid,
        media=media,
    )


def reply_text(twiml: str) -> str:
    """The text of the <Message> elements in a TwiML answer ("" when there are none)."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return ""
    return "\n".join("".join(m.itertext()).strip() for m in root.iter("Message"))


def send(request: Request) -> Response:
    try:
        payload = json.loads(request.get_data() or b"null")
    except ValueError:
        return json_response({"statusCode": 400, "message": "body: not valid JSON"}, 400)
    try:
        outgoing = parse_send(payload)
    except PhoneInputError as exc:
        return json_response({"statusCode": 400, "message": str(exc)}, 400)

    try:
        return json_response(text_line(outgoing))
    except requests.RequestException as exc:
        return json_response(
            {"statusCode": 502, "message": f"the line did not answer: {type(exc).__name__}"}, 502
        )


def text_line(outgoing: Outgoing) -> dict[str, Any]:
    """Send one message to the chosen line as Twilio would (signed form post to this
    gateway) and return what the phone shows. Raises requests' errors."""
    settings = get_settings()
    media = [(put_media(test_image(), "image/png"), "image/png")] if outgoing.image else []
    form = twilio_form(outgoing, media)
    url = settings.public_base_url.rstrip("/") + line_named(outgoing.line).path
    signature = sign(secret_value("twilio_auth_token"), url, form)
    answer = requests.post(
        url,
        data=form,
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        },
        timeout=20,
    )
    return {
        "message_sid": form["MessageSid"],
        "sent_at": datetime.now(UTC).isoformat(),
        "media_urls": [u for u, _ in media],
        "webhook_status": answer.status_code,
        "twiml": answer.text,
        "reply": reply_text(answer.text) if answer.ok else "",
    }


#: The demo and older callers text the tip line: the first declared line.
text_tip_line = text_line


def lines(request: Request) -> Response:
    out = [
        {"name": line.name, "label": line.label or line.name, "number": line.number(), "path": line.path}
        for line in declared_lines()
    ]
    return json_response({"lines": out})


def messages(request: Request) -> Response:
    number = (request.args.get("number") or "").strip()
    if not E164.match(number):
        return json_response(
            {"statusCode": 400, "message": "number: a phone number in E.164 form, e.g. +15551234567"}, 400
        )
    box = local_outbox()
    # Which line sent it, by its From number (a Messaging Service's SID stands for its pool).
    by_number = {line.number(): line.name for line in declared_lines()}
    out = [
        {
            "sid": m.sid,
            "at": m.at,
            "from": m.from_,
            "line": by_number.get(m.from_, ""),
            "body": m.body,
            "media_urls": list(m.media_urls),
            "status": box.status(m.sid) or "",
        }
        for m in box.messages(number)
    ]
    return json_response({"messages": out, "count": len(out)})


def image(request: Request) -> Response:
    return Response(test_image("sample"), content_type="image/png", headers={"Cache-Control": "no-store"})


def page(request: Request) -> Response:
    html = PAGE.replace("{{TIP_LINE}}", _escape(line_named("").number()))
    return Response(html, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


register_dev_route("/dev/phone", page)
register_dev_route("/dev/phone/send", send, methods=("POST",))
register_dev_route("/dev/phone/lines", lines)
register_dev_route("/dev/phone/messages", messages)
register_dev_route("/dev/phone/test-image.png", image)


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Phone simulator · rtcc dev</title>
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.45 system-ui, sans-serif; background: #1d2330; color: #111; }
  .phone { max-width: 390px; margin: 1rem auto; background: #f4f5f8; border-radius: 28px;
           border: 10px solid #0b0d12; min-height: 90vh; display: flex; flex-direction: column; }
  header { padding: .8rem 1rem; border-bottom: 1px solid #d5d9e2; background: #fff; border-radius: 18px 18px 0 0; }
  header h1 { font-size: 1rem; margin: 0; }
  header p { margin: .2rem 0 0; font-size: .85rem; color: #555; }
  label { font-size: .85rem; font-weight: 600; }
  .from { display: flex; gap: .4rem; margin-top: .4rem; }
  select { font: inherit; padding: .4rem; border: 1px solid #b8bfcc; border-radius: 8px; flex: 1; }
  input[type=text], textarea { font: inherit; padding: .45rem .6rem; border: 1px solid #b8bfcc; border-radius: 8px; width: 100%; }
  button { font: inherit; font-weight: 700; border: 0; border-radius: 8px; padding: .5rem .9rem; cursor: pointer;
           background: #1769e0; color: #fff; min-height: 44px; }
  button.quiet { background: #e3e7ef; color: #111; }
  #thread { flex: 1; list-style: none; margin: 0; padding: .8rem; display: flex; flex-direction: column; gap: .5rem; overflow-y: auto; }
  #thread li { max-width: 85%; padding: .45rem .7rem; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere; }
  #thread li.me { align-self: flex-end; background: #1769e0; color: #fff; }
  #thread li.them { align-self: flex-start; background: #fff; border: 1px solid #d5d9e2; }
  #thread li.error { align-self: center; background: #ffe1e1; color: #600; font-size: .85rem; }
  #thread li small { display: block; opacity: .75; font-size: .72rem; }
  #thread img { max-width: 160px; border-radius: 8px; display: block; margin-top: .3rem; }
  form.compose { padding: .6rem; border-top: 1px solid #d5d9e2; background: #fff; border-radius: 0 0 18px 18px; }
  .row { display: flex; gap: .5rem; align-items: flex-end; margin-top: .4rem; }
  .check { display: flex; gap: .4rem; align-items: center; font-size: .9rem; }
  details { font-size: .8rem; color: #333; margin-top: .3rem; }
  pre { white-space: pre-wrap; word-break: break-all; margin: .2rem 0; }
</style>
</head>
<body>
<div class="phone">
  <header>
    <h1>Phone simulator (local only)</h1>
    <p>Texts a line as Twilio would: a signed webhook with the same form fields. Everything
       any line sends to this number comes from the local outbox.</p>
    <label for="line">Line</label>
    <div class="from">
      <select id="line"><option value="" selected>Tip line</option></select>
      <strong id="tip-line">{{TIP_LINE}}</strong>
    </div>
    <label for="from">From number</label>
    <div class="from">
      <input type="text" id="from" inputmode="tel" autocomplete="off">
      <button type="button" class="quiet" id="new-number" title="A new random 555 number">New</button>
    </div>
  </header>
  <ol id="thread" aria-live="polite" aria-label="Messages"></ol>
  <form class="compose" id="compose">
    <label for="body">Message</label>
    <textarea id="body" rows="3" maxlength="1600"></textarea>
    <div class="row">
      <label class="check"><input type="checkbox" id="image"> Attach a test picture</label>
      <span style="flex:1"></span>
      <button type="submit" id="send">Send</button>
    </div>
    <details><summary>Last webhook</summary><pre id="last"></pre></details>
  </form>
</div>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  // This page's own URL, not "/dev/phone": the stack serves under a stage path (/prod).
  const here = location.pathname.replace(/\\/+$/, "");
  const thread = $("thread");
  const fromInput = $("from");
  const local = [];            // what this page sent and the TwiML answers
  let outbox = [];             // what any line sent this number, from the local outbox
  const lineSelect = $("line");
  const labels = {};           // line name -> label
  async function loadLines() {
    try {
      const r = await fetch(here + "/lines", { cache: "no-store" });
      const data = await r.json();
      lineSelect.replaceChildren(...data.lines.map((l) => {
        labels[l.name] = l.label;
        const option = document.createElement("option");
        option.value = l.name;
        option.textContent = l.label + " (" + l.number + ")";
        return option;
      }));
      lineSelect.addEventListener("change", () => {
        const l = data.lines.find((x) => x.name === lineSelect.value);
        $("tip-line").textContent = l ? l.number : "";
      });
      render();
    } catch (e) { /* keep the tip line */ }
  }
  const randomNumber = () => "+1555" + String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
  const params = new URLSearchParams(location.search);
  fromInput.value = params.get("from") || sessionStorage.getItem("rtcc.phone.from") || randomNumber();
  sessionStorage.setItem("rtcc.phone.from", fromInput.value);

  function item(kind, text, at, extra) {
    const li = document.createElement("li");
    li.className = kind;
    li.textContent = text;
    if (extra && extra.image) {
      const img = document.createElement("img");
      img.src = here + "/test-image.png";
      img.alt = "test picture";
      li.append(img);
    }
    const small = document.createElement("small");
    small.textContent = (extra && extra.label ? extra.label + " · " : "") + new Date(at).toLocaleTimeString();
    li.append(small);
    if (extra && extra.dataset) Object.assign(li.dataset, extra.dataset);
    return li;
  }

  function render() {
    const all = local.concat(outbox.map((m) => ({
      kind: "them", text: m.body, at: m.at,
      label: (labels[m.line] || m.line || m.from) + (m.status ? " · " + m.status : ""),
      dataset: { source: "outbox", line: m.line || "" },
    })));
    all.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    thread.replaceChildren(...all.map((m) => item(m.kind, m.text, m.at, m)));
    thread.scrollTop = thread.scrollHeight;
  }

  async function pollOutbox() {
    try {
      const r = await fetch(here + "/messages?number=" + encodeURIComponent(fromInput.value.trim()), { cache: "no-store" });
      if (r.ok) {
        const data = await r.json();
        const key = (ms) => ms.map((m) => m.sid + m.status).join();
        if (key(data.messages) !== key(outbox)) {
          outbox = data.messages;
          render();
        }
      }
    } catch (e) { /* the stack is restarting: try again */ }
  }

  $("new-number").addEventListener("click", () => {
    fromInput.value = randomNumber();
    fromInput.dispatchEvent(new Event("change"));
  });
  fromInput.addEventListener("change", () => {
    sessionStorage.setItem("rtcc.phone.from", fromInput.value.trim());
    local.length = 0;
    outbox = [];
    render();
    pollOutbox();
  });

  $("compose").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = $("body").value;
    const image = $("image").checked;
    const sentAt = new Date().toISOString();
    $("send").disabled = true;
    try {
      const r = await fetch(here + "/send", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ from: fromInput.value.trim(), body, image, line: lineSelect.value }),
      });
      const data = await r.json();
      if (!r.ok) {
        local.push({ kind: "error", text: data.message || ("HTTP " + r.status), at: sentAt });
      } else {
        local.push({ kind: "me", text: body, at: data.sent_at, image, label: data.message_sid });
        $("last").textContent = "HTTP " + data.webhook_status + "\\n" + data.twiml;
        if (data.reply) local.push({ kind: "them", text: data.reply, at: new Date().toISOString(), label: "TwiML reply", dataset: { source: "twiml" } });
        else if (data.webhook_status !== 200) local.push({ kind: "error", text: "Webhook answered HTTP " + data.webhook_status + ": " + data.twiml, at: new Date().toISOString() });
        $("body").value = "";
        $("image").checked = false;
      }
    } catch (e) {
      local.push({ kind: "error", text: "Could not reach the local stack.", at: sentAt });
    } finally {
      $("send").disabled = false;
      render();
    }
  });

  render();
  loadLines();
  pollOutbox();
  setInterval(() => { if (document.visibilityState === "visible") pollOutbox(); }, 2000);
})();
</script>
</body>
</html>
"""  # noqa: E501 (the page is one piece of HTML)
