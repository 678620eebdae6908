// /cameras/owner#t=<token>: the owner's page, opened from the signed, expiring link we send
// (and the one /cameras offers after registering). The token is read from the fragment
// (browsers never send it: no access log, no Referer), taken out of the address bar, kept in
// this page's memory only and sent as the X-Owner-Link header. The page lists the owner's
// cameras (edit, delete, add), pauses or resumes sharing, deletes everything after a typed
// confirmation, and shows the access receipts: which agency viewed or asked for what, when,
// for which case. An expired or forged link gets a form that sends a fresh one.

import { busy, h, localTime, messageBox, replace } from "../dom.js";
import { hasText, initI18n, languages, languageSwitch, setText, showError, showMessage, t, tx, txAttrs } from "../i18n.js";
import { cameraForm } from "./camera-form.js";
import { camerasApi, sitePath } from "./cameras-api.js";
import { codeForm } from "./contact-codes.js";

const ACTIONS = ["viewed", "requested", "approved", "declined", "uploaded", "exported"];

function takeToken() {
  const raw = new URLSearchParams(location.hash.slice(1)).get("t");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return raw && /^[A-Za-z0-9_.~:=+/-]{1,600}$/.test(raw) ? raw : null;
}

function keyOr(key, fallback) {
  return hasText(key) ? tx(key) : { text: fallback };
}

// --- a new link: the same answer whether or not the contact is an owner's --------------------

function newLinkForm() {
  const box = messageBox();
  const contact = h("input", { id: "link-contact", name: "contact", type: "text", autocomplete: "on", maxlength: "254", "aria-describedby": "link-contact-hint link-contact-error" });
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "link-send", ...tx("cameras.link.send") });
  const error = h("p", { class: "field-error", id: "link-contact-error", hidden: true });
  const form = h(
    "form",
    { class: "card stack", id: "link-form", "aria-labelledby": "link-title", novalidate: true },
    h("h2", { id: "link-title", ...tx("cameras.link.title") }),
    h("div", { class: "field" }, h("label", { for: "link-contact", ...tx("cameras.link.contact") }), h("p", { class: "hint", id: "link-contact-hint", ...tx("cameras.link.contact.hint") }), contact, error),
    box.el,
    send,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    error.hidden = true;
    contact.removeAttribute("aria-invalid");
    const value = contact.value.trim();
    if (!value) {
      setText(error, "cameras.error.contact");
      error.hidden = false;
      contact.setAttribute("aria-invalid", "true");
      contact.focus();
      return;
    }
    busy(send, async () => {
      try {
        await camerasApi("POST", "links", { body: value.includes("@") ? { email: value } : { phone: value } });
        showMessage(box, "ok", "cameras.link.sent");
      } catch (err) {
        showError(box, err);
      }
    });
  });
  return form;
}

function noPortal(app, key) {
  const box = messageBox();
  replace(app, box.el, newLinkForm(), h("p", {}, h("a", { href: sitePath("cameras"), ...tx("cameras.portal.registerLink") })));
  showMessage(box, "error", key);
}

// --- the owner's cameras ---------------------------------------------------------------------

function facingText(deg) {
  if (deg === null || deg === undefined) return t("cameras.facing.unknown");
  const points = ["n", "ne", "e", "se", "s", "sw", "w", "nw"];
  return deg % 45 === 0 ? t(`cameras.facing.${points[deg / 45]}`) : t("cameras.portal.degrees", { deg });
}

function cameraFacts(camera) {
  const row = (key, value) => [h("dt", tx(key)), h("dd", {}, value)];
  const kind = camera.type ?? camera.camera_type;
  return h(
    "dl",
    { class: "facts camera-facts" },
    row("cameras.camera.type", h("span", keyOr(`cameras.type.${kind}`, kind || "—"))),
    row("cameras.camera.facing", h("span", { text: facingText(camera.bearing_deg) })),
    row("cameras.camera.level", h("span", keyOr(`cameras.level.${camera.level}`, camera.level))),
    row("cameras.camera.policy", h("span", keyOr(`cameras.policy.${camera.policy}`, camera.policy))),
    row("cameras.portal.status", h("span", keyOr(`cameras.status.${camera.status}`, camera.status || "—"))),
  );
}

function editForm(ctx, camera, card) {
  const box = messageBox();
  const prefix = `edit-${camera.camera_id}`;
  const fields = cameraForm({ prefix, withMap: false, camera });
  const save = h("button", { type: "submit", class: "btn btn-primary", id: `${prefix}-save`, ...tx("cameras.portal.save") });
  const cancel = h("button", { type: "button", class: "btn btn-quiet", id: `${prefix}-cancel`, ...tx("cameras.portal.cancel") });
  const form = h("form", { class: "stack", id: `${prefix}-form`, ...txAttrs({ "aria-label": "cameras.portal.editForm" }, { name: camera.name }), novalidate: true }, fields.el, box.el, h("div", { class: "map-actions" }, save, cancel));
  cancel.addEventListener("click", () => ctx.reload());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    fields.clearErrors();
    const edits = fields.values();
    if (!edits.name) return fields.showError({ field: "name" }, "cameras.error.name");
    busy(save, async () => {
      try {
        // The API takes the whole camera (CameraIn): the place stays where it is.
        const body = { ...edits, lat: camera.lat, lon: camera.lon };
        await camerasApi("PUT", `portal/cameras/${encodeURIComponent(camera.camera_id)}`, { token: ctx.token, body });
        ctx.reload("cameras.portal.saved", { name: edits.name });
      } catch (err) {
        if (!fields.showError(err)) showError(box, err);
      }
    });
  });
  replace(card, h("h3", { text: camera.name }), form);
  fields.clearErrors();
  document.getElementById(`${prefix}-name`).focus();
}

function deleteCamera(ctx, camera, actions) {
  const id = `delete-${camera.camera_id}`;
  const box = messageBox();
  const yes = h("button", { type: "button", class: "btn btn-primary", id: `${id}-confirm`, ...tx("cameras.portal.delete.confirm") });
  const no = h("button", { type: "button", class: "btn btn-quiet", id: `${id}-cancel`, ...tx("cameras.portal.cancel") });
  const question = h("div", { class: "stack" }, h("p", tx("cameras.portal.delete.question", { name: camera.name })), h("div", { class: "map-actions" }, yes, no), box.el);
  no.addEventListener("click", () => ctx.reload());
  yes.addEventListener("click", () =>
    busy(yes, async () => {
      try {
        await camerasApi("DELETE", `portal/cameras/${encodeURIComponent(camera.camera_id)}`, { token: ctx.token });
        ctx.reload("cameras.portal.deleted", { name: camera.name });
      } catch (err) {
        showError(box, err);
      }
    }),
  );
  replace(actions, question);
  yes.focus();
}

function cameraCard(ctx, camera) {
  const card = h("li", { class: "card camera-card", id: `camera-${camera.camera_id}`, dataset: { camera: camera.camera_id } });
  const edit = h("button", { type: "button", class: "btn btn-secondary", id: `edit-${camera.camera_id}`, ...tx("cameras.portal.edit"), ...txAttrs({ "aria-label": "cameras.portal.editNamed" }, { name: camera.name }) });
  const remove = h("button", { type: "button", class: "btn btn-quiet", id: `delete-${camera.camera_id}`, ...tx("cameras.portal.delete"), ...txAttrs({ "aria-label": "cameras.portal.deleteNamed" }, { name: camera.name }) });
  const actions = h("div", { class: "map-actions" }, edit, remove);
  edit.addEventListener("click", () => editForm(ctx, camera, card));
  remove.addEventListener("click", () => deleteCamera(ctx, camera, actions));
  // The owner's own words: shown as typed, in every language.
  return replace(card, h("h3", { text: camera.name }), cameraFacts(camera), actions);
}

function addCamera(ctx) {
  const box = messageBox();
  const fields = cameraForm({ prefix: "new-camera" });
  const save = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "new-camera-save", ...tx("cameras.add.save") });
  const form = h("form", { class: "stack", id: "new-camera-form", novalidate: true, hidden: true }, fields.el, box.el, save);
  const open = h("button", { type: "button", class: "btn btn-secondary btn-block", id: "new-camera-open", "aria-expanded": "false", ...tx("cameras.portal.add") });
  open.addEventListener("click", () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) document.getElementById("new-camera-name").focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    fields.clearErrors();
    const body = fields.values();
    if (!body.name) return fields.showError({ field: "name" }, "cameras.error.name");
    if (body.lat === null) return fields.showError({ field: "location" }, "cameras.error.location");
    busy(save, async () => {
      try {
        await camerasApi("POST", "portal/cameras", { token: ctx.token, body });
        ctx.reload("cameras.portal.added", { name: body.name });
      } catch (err) {
        if (err.outside) fields.showError({ field: "location" }, "cameras.error.outside");
        else if (!fields.showError(err)) showError(box, err);
      }
    });
  });
  return h("div", { class: "stack" }, open, form);
}

function camerasSection(ctx, cameras) {
  return h(
    "section",
    { class: "stack", "aria-labelledby": "portal-cameras-title" },
    h("h2", { id: "portal-cameras-title", ...tx("cameras.portal.cameras", { count: cameras.length }) }),
    cameras.length ? h("ul", { class: "camera-list", id: "portal-cameras" }, cameras.map((c) => cameraCard(ctx, c))) : h("p", { id: "portal-no-cameras", ...tx("cameras.portal.none") }),
    h("div", { class: "card" }, addCamera(ctx)),
  );
}

// --- the owner: kind, language, contacts (never shown: the API cannot open them) -------------

// A channel given but not confirmed gets no footage request: its code form is offered here.
function ownerSection(ctx, owner) {
  const verified = owner.verified || [];
  const lang = languages().find((l) => l.code === owner.language);
  const rows = (owner.channels || []).map((channel) => {
    const ok = verified.includes(channel);
    const line = h("p", { id: `portal-channel-${channel}`, ...tx(`cameras.portal.channel.${channel}.${ok ? "ok" : "pending"}`) });
    return ok ? line : h("div", { class: "stack" }, line, codeForm(owner.owner_id, channel, () => ctx.reload(`cameras.code.done.${channel}`)));
  });
  return h(
    "section",
    { class: "card stack", "aria-labelledby": "portal-you-title" },
    h("h2", { id: "portal-you-title", ...tx("cameras.portal.you") }),
    h("p", {}, h("span", keyOr(`cameras.contact.kind.${owner.kind}`, owner.kind || "")), " · ", h("span", tx("cameras.portal.language", { language: lang ? lang.name : owner.language || "" }))),
    rows,
  );
}

// --- sharing, receipts, requests, deleting everything ---------------------------------------

function isPaused(portal) {
  const owner = portal.owner || {};
  if (owner.paused === true || owner.status === "paused") return true;
  const cameras = portal.cameras || [];
  return cameras.length > 0 && cameras.every((c) => c.status === "paused");
}

function pauseSection(ctx, paused) {
  const box = messageBox();
  const button = h("button", { type: "button", class: paused ? "btn btn-primary btn-block" : "btn btn-secondary btn-block", id: "portal-pause", ...tx(paused ? "cameras.portal.resume" : "cameras.portal.pause") });
  button.addEventListener("click", () =>
    busy(button, async () => {
      try {
        await camerasApi("POST", "portal/pause", { token: ctx.token, body: { paused: !paused } });
        ctx.reload(paused ? "cameras.portal.resumed" : "cameras.portal.paused");
      } catch (err) {
        showError(box, err);
      }
    }),
  );
  return h(
    "section",
    { class: `card stack ${paused ? "paused" : ""}`, "aria-labelledby": "portal-sharing-title" },
    h("h2", { id: "portal-sharing-title", ...tx("cameras.portal.sharing") }),
    h("p", { id: "portal-sharing-status", ...tx(paused ? "cameras.portal.sharing.paused" : "cameras.portal.sharing.on") }),
    h("p", { class: "hint", ...tx("cameras.portal.sharing.hint") }),
    button,
    box.el,
  );
}

function receiptsSection(receipts, cameras) {
  const names = new Map(cameras.map((c) => [c.camera_id, c.name]));
  const head = ["when", "agency", "action", "camera", "case"].map((col) => h("th", { scope: "col", ...tx(`cameras.receipts.${col}`) }));
  const rows = receipts.map((r) =>
    h(
      "tr",
      {},
      h("td", {}, localTime(r.at)),
      h("td", { text: r.agency || "—" }),
      h("td", ACTIONS.includes(r.action) ? tx(`cameras.receipts.action.${r.action}`) : { text: r.action }),
      h("td", { text: r.camera_id ? names.get(r.camera_id) || r.camera_id : t("cameras.receipts.allCameras") }),
      h("td", { text: r.case_number || "—" }),
    ),
  );
  const table = h("table", { class: "entries", id: "portal-receipts" }, h("caption", { class: "visually-hidden", ...tx("cameras.receipts.title") }), h("thead", {}, h("tr", {}, head)), h("tbody", {}, rows));
  return h(
    "section",
    { class: "card stack", "aria-labelledby": "portal-receipts-title" },
    h("h2", { id: "portal-receipts-title", ...tx("cameras.receipts.title") }),
    h("p", { class: "hint", ...tx("cameras.receipts.hint") }),
    receipts.length ? h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "portal-receipts-title" }, table) : h("p", { id: "portal-no-receipts", ...tx("cameras.receipts.none") }),
  );
}

// Open footage requests (listed by the footage part, rtcc.api.routes.cameras_public): each one
// is answered on its own page, /cameras/request, through the request's own link.
function requestsSection(requests) {
  const open = requests.filter((r) => !r.status || r.status === "open" || r.status === "pending");
  if (!open.length) return null;
  const item = (r) => {
    const token = r.link_token || r.token;
    const text = t("cameras.requests.item", { agency: r.agency || "", case: r.case_number || "—" });
    // The request page's own link shape (rtcc.api.routes.footage_public): #t=<token>&r=<request id>.
    const href = token && `${sitePath("cameras/request")}#t=${encodeURIComponent(token)}&r=${encodeURIComponent(r.request_id || "")}`;
    return h("li", {}, href ? h("a", { href, text }) : h("span", { text }));
  };
  return h(
    "section",
    { class: "card stack", "aria-labelledby": "portal-requests-title" },
    h("h2", { id: "portal-requests-title", ...tx("cameras.requests.title", { count: open.length }) }),
    h("p", { class: "hint", ...tx("cameras.requests.hint") }),
    h("ul", { id: "portal-requests" }, open.map(item)),
  );
}

function deleteEverything(ctx, app) {
  const box = messageBox();
  const word = () => t("cameras.portal.deleteAll.word");
  const typed = h("input", { id: "delete-all-word", name: "confirm", type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", maxlength: "40", "aria-describedby": "delete-all-word-error" });
  const error = h("p", { class: "field-error", id: "delete-all-word-error", hidden: true });
  const go = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "delete-all", ...tx("cameras.portal.deleteAll.button") });
  const form = h(
    "form",
    { class: "card danger-zone stack", id: "delete-all-form", "aria-labelledby": "delete-all-title", novalidate: true },
    h("h2", { id: "delete-all-title", ...tx("cameras.portal.deleteAll.title") }),
    h("p", tx("cameras.portal.deleteAll.hint")),
    h("div", { class: "field" }, h("label", { for: "delete-all-word", ...tx("cameras.portal.deleteAll.label", { word: word() }) }), typed, error),
    go,
    box.el,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.hidden = true;
    typed.removeAttribute("aria-invalid");
    if (typed.value.trim().toLocaleUpperCase() !== word().toLocaleUpperCase()) {
      setText(error, "cameras.portal.deleteAll.mismatch", { word: word() });
      error.hidden = false;
      typed.setAttribute("aria-invalid", "true");
      typed.focus();
      return;
    }
    busy(go, async () => {
      try {
        await camerasApi("DELETE", "portal", { token: ctx.token });
      } catch (err) {
        showError(box, err);
        return;
      }
      const done = h(
        "section",
        { class: "card done", id: "portal-deleted", "aria-labelledby": "portal-deleted-title", tabindex: "-1" },
        h("h2", { id: "portal-deleted-title", ...tx("cameras.portal.deleted.title") }),
        h("p", tx("cameras.portal.deleted.body")),
        h("p", {}, h("a", { href: sitePath("cameras"), ...tx("cameras.portal.registerLink") })),
      );
      replace(app, done);
      done.focus();
    });
  });
  return form;
}

function render(ctx, app, portal, flash) {
  const cameras = portal.cameras || [];
  const box = messageBox();
  replace(
    app,
    box.el,
    requestsSection(portal.requests || []),
    pauseSection(ctx, isPaused(portal)),
    camerasSection(ctx, cameras),
    receiptsSection(portal.receipts || [], cameras),
    ownerSection(ctx, portal.owner || {}),
    deleteEverything(ctx, app),
  );
  if (flash) {
    showMessage(box, "ok", flash.key, flash.values);
    box.el.tabIndex = -1;
    box.el.focus();
  }
}

async function start() {
  const app = document.getElementById("portal-app");
  const token = takeToken();
  if (!token) return noPortal(app, "cameras.error.noLink");
  const ctx = { token, reload: null };
  ctx.reload = async (key = null, values = undefined) => {
    let portal;
    try {
      portal = await camerasApi("GET", "portal", { token });
    } catch (err) {
      if ([401, 403, 404, 410].includes(err.status)) return noPortal(app, err.status === 410 ? "cameras.error.expired" : "cameras.error.link");
      const box = messageBox();
      replace(app, box.el);
      return showError(box, err);
    }
    render(ctx, app, portal, key ? { key, values } : null);
  };
  await ctx.reload();
}

await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
// A link opened while this page is already open (the same address, a new fragment) is a
// same-page navigation: no reload, so the new token is taken here.
window.addEventListener("hashchange", () => {
  if (new URLSearchParams(location.hash.slice(1)).has("t")) start();
});
await start();
