// Sources (administrators): the vendors' systems that post reads, each with its own secret,
// and the readers (cameras) each may report for. A secret is shown once, right after it is
// made (create or rotate), with a copy button: the server keeps only its hash or sealed key.

import { apiFetch } from "../../api.js";
import { busy, field, h, localTime, messageBox, replace } from "../../dom.js";
import { facts, selectField } from "./common.js";

const VENDORS = [
  ["openalpr", "OpenALPR / Rekor"],
  ["flock", "Flock"],
  ["generic", "Other (generic JSON)"],
];
const AUTH = [
  ["bearer", "Bearer token"],
  ["hmac", "HMAC signature (X-Rtcc-Signature)"],
];

function sourcePath(sourceId, rest = "") {
  return `/api/lpr/sources/${encodeURIComponent(sourceId)}${rest}`;
}

/** The secret, once: read-only, selectable, with a copy button; gone when dismissed. */
function secretPanel(secret, note, onDone) {
  const box = messageBox();
  const input = h("input", { id: "lpr-secret", class: "secret", type: "text", readonly: true, value: secret, spellcheck: "false", autocomplete: "off" });
  const copy = h("button", { type: "button", class: "btn btn-secondary", id: "lpr-secret-copy", text: "Copy" });
  const done = h("button", { type: "button", class: "btn btn-primary", id: "lpr-secret-done", text: "I have stored it" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(secret);
      box.ok("Copied.");
    } catch {
      // No clipboard permission (an http page, an old browser): the text is selected to copy by hand.
      input.select();
      box.info("Select and copy the secret by hand.");
    }
  });
  const panel = h(
    "section",
    { class: "card lpr-secret", id: "lpr-secret-panel", "aria-labelledby": "lpr-secret-title" },
    h("h2", { id: "lpr-secret-title", text: "The source's secret" }),
    h("p", { class: "message message-info", text: `Copy it into the vendor's system now: it is not shown again. ${note}` }),
    h("div", { class: "field" }, h("label", { for: input.id, text: "Secret" }), input),
    h("div", { class: "lpr-actions" }, copy, done),
    box.el,
  );
  done.addEventListener("click", () => {
    panel.remove();
    onDone();
  });
  return panel;
}

function readerForm(source, onChange) {
  const errors = messageBox();
  const p = `lpr-rd-${source.source_id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const camera = field(`${p}-camera`, "Camera id (as the vendor sends it)", { required: true, maxlength: 128, autocomplete: "off" });
  const name = field(`${p}-name`, "Name (e.g. Main St at 5th, eastbound)", { required: true, maxlength: 120 });
  const kind = selectField(`${p}-kind`, "Kind", [["fixed", "Fixed (has a location)"], ["mobile", "Mobile (in a car)"]]);
  const lat = field(`${p}-lat`, "Latitude (fixed readers)", { type: "number", step: "any", inputmode: "decimal" });
  const lon = field(`${p}-lon`, "Longitude (fixed readers)", { type: "number", step: "any", inputmode: "decimal" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", text: "Add reader" });
  const form = h("form", { class: "stack lpr-form lpr-reader-form", novalidate: true }, camera.wrap, name.wrap, kind.wrap, lat.wrap, lon.wrap, errors.el, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      errors.clear();
      const json = { camera_id: camera.input.value.trim(), name: name.input.value.trim(), kind: kind.input.value };
      if (lat.input.value !== "") json.lat = Number(lat.input.value);
      if (lon.input.value !== "") json.lon = Number(lon.input.value);
      try {
        await apiFetch(sourcePath(source.source_id, "/readers"), { method: "POST", json });
        await onChange();
      } catch (err) {
        errors.error(err);
      }
    });
  });
  return h("details", {}, h("summary", { text: "Add a reader" }), form);
}

function readersList(source, onChange, errors) {
  if (!source.readers || !source.readers.length) return h("p", { class: "muted", text: "No readers yet: reads from this source are refused until its cameras are added." });
  return h(
    "ul",
    { class: "lpr-readers" },
    source.readers.map((r) => {
      const remove = h("button", { type: "button", class: "btn btn-quiet", text: "Remove", "aria-label": `Remove reader ${r.name}` });
      remove.addEventListener("click", () =>
        busy(remove, async () => {
          try {
            await apiFetch(sourcePath(source.source_id, `/readers/${encodeURIComponent(r.camera_id)}`), { method: "DELETE" });
            await onChange();
          } catch (err) {
            errors.error(err);
          }
        }),
      );
      const alive = r.last_heartbeat_at || r.last_read_at;
      return h(
        "li",
        { dataset: { camera: r.camera_id } },
        h("strong", { text: r.name }),
        ` · ${r.camera_id} · ${r.kind}`,
        h("br"),
        h("small", { class: "muted" }, alive ? ["last heard ", localTime(alive)] : "never heard from"),
        " ",
        remove,
      );
    }),
  );
}

function sourceCard(source, { onChange, onSecret }) {
  const errors = messageBox();
  const act = (button, verb) =>
    busy(button, async () => {
      errors.clear();
      try {
        const out = await apiFetch(sourcePath(source.source_id, `/${verb}`), { method: "POST" });
        if (verb === "rotate") onSecret(out.secret, `The previous secret keeps working until ${new Date(out.previous_valid_until).toLocaleString()}.`);
        await onChange();
      } catch (err) {
        errors.error(err);
      }
    });
  const button = (verb, label, cls = "btn-secondary") => {
    const b = h("button", { type: "button", class: `btn ${cls}`, dataset: { act: verb }, text: label });
    b.addEventListener("click", () => act(b, verb));
    return b;
  };
  // Revoking is final: the first press asks, the second does it.
  const revoke = h("button", { type: "button", class: "btn btn-quiet", dataset: { act: "revoke" }, text: "Revoke…" });
  revoke.addEventListener("click", () => {
    if (revoke.dataset.armed) return act(revoke, "revoke");
    revoke.dataset.armed = "1";
    revoke.textContent = "Revoke for good (press again)";
    return undefined;
  });
  const live = source.status !== "revoked";
  const actions = live ? [button("rotate", "Rotate secret"), source.status === "disabled" ? button("enable", "Enable") : button("disable", "Disable"), revoke] : [];
  return h(
    "article",
    { class: "card lpr-source", dataset: { source: source.source_id, status: source.status } },
    h("h3", { text: source.name }),
    facts([
      ["Id", source.source_id],
      ["Vendor", source.vendor],
      ["Sign-in", source.auth === "hmac" ? "HMAC signature" : "Bearer token"],
      ["Status", source.status],
      ["Created", localTime(source.created_at)],
      ["Old secret valid until", source.previous_valid_until ? localTime(source.previous_valid_until) : ""],
    ]),
    h("div", { class: "lpr-actions" }, actions),
    errors.el,
    h("h4", { text: "Readers" }),
    readersList(source, onChange, errors),
    live ? readerForm(source, onChange) : null,
  );
}

function createForm(onCreated) {
  const errors = messageBox();
  const name = field("lpr-source-name", "Name", { required: true, maxlength: 120 });
  const vendor = selectField("lpr-source-vendor", "Vendor", VENDORS);
  const auth = selectField("lpr-source-auth", "How it signs in", AUTH);
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", text: "Create source" });
  const form = h("form", { id: "lpr-create-source", class: "stack lpr-form", novalidate: true }, name.wrap, vendor.wrap, auth.wrap, errors.el, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      errors.clear();
      try {
        const out = await apiFetch("/api/lpr/sources", { method: "POST", json: { name: name.input.value.trim(), vendor: vendor.input.value, auth: auth.input.value } });
        form.reset();
        await onCreated(out);
      } catch (err) {
        errors.error(err);
      }
    });
  });
  return h("section", { class: "lpr-section", "aria-labelledby": "lpr-new-source" }, h("h2", { id: "lpr-new-source", text: "New source" }), form);
}

export async function sourcesView(container) {
  const secretSlot = h("div", { id: "lpr-secret-slot" });
  const list = h("div", { id: "lpr-sources", class: "stack" });
  const showSecret = (secret, note) => {
    replace(secretSlot, secretPanel(secret, note, () => {}));
    secretSlot.querySelector("#lpr-secret").focus();
  };
  const load = async () => {
    const { sources } = await apiFetch("/api/lpr/sources");
    replace(list, sources.length ? sources.map((s) => sourceCard(s, { onChange: load, onSecret: showSecret })) : h("p", { class: "muted", text: "No sources yet." }));
  };
  container.append(
    secretSlot,
    createForm(async (out) => {
      showSecret(out.secret, out.source.auth === "hmac" ? "Sign each request with it (see the README)." : "The vendor sends it as: Authorization: Bearer <secret>.");
      await load();
    }),
    h("h2", { text: "Sources" }),
    list,
  );
  await load();
}
