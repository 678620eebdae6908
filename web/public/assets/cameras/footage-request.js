// /cameras/request#t=<token>&r=<request id>: a camera owner's answer to a footage request, opened
// from the link we texted or emailed. The token is read from the fragment (never sent by the
// browser), taken out of the address bar and sent only as the X-Owner-Link header. The owner
// sees who asks, the case, the time and place and why; declines, or shares: each clip goes
// straight to the evidence bucket in parts (presigned UploadPart URLs from the API), with
// progress, and a failed part is sent again alone; the API then completes the upload.

import { busy, h, localTime, messageBox, replace } from "../dom.js";
import { initI18n, languageSwitch, setText, showError, showMessage, t, tx } from "../i18n.js";
import { CamerasApiError, refusedField } from "./cameras-api.js";

const root = new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);
const VIDEO = { mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", mkv: "video/x-matroska", webm: "video/webm" };
const TRIES = 3;

function takeLink() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  const token = params.get("t");
  const id = params.get("r");
  const ok = token && /^[A-Za-z0-9_.-]{1,400}$/.test(token) && id && /^fr-[0-9]{8}-[0-9a-f]{12}$/.test(id);
  return ok ? { token, id } : null;
}

async function footageApi(link, method, path = "", body = null) {
  const headers = { Accept: "application/json", "X-Owner-Link": link.token };
  if (body !== null) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(new URL(`api/public/footage/${encodeURIComponent(link.id)}${path}`, root), {
      method, headers, body: body === null ? undefined : JSON.stringify(body),
      cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
    });
  } catch {
    throw new CamerasApiError(0, t("api.unreachable"));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // not JSON: the status says the rest
  }
  if (!response.ok) {
    const field = refusedField(data);
    throw new CamerasApiError(response.status, data?.message || t("api.refused", { status: response.status }), field);
  }
  return data;
}

function fact(key, value) {
  return [h("dt", tx(key)), h("dd", {}, value)];
}

function requestFacts(request) {
  const r = request;
  return h(
    "dl", { class: "facts" },
    ...fact("footage.case", r.case_number),
    ...fact("footage.window", t("footage.windowValue", { start: localTime(r.start).textContent, end: localTime(r.end).textContent })),
    ...fact("footage.area", t("footage.areaValue", { radius: r.radius_m, lat: r.lat.toFixed(4), lon: r.lon.toFixed(4) })),
    ...fact("footage.reason", h("q", {}, r.reason)),
    ...fact("footage.expires", localTime(r.expires_at)),
  );
}

function uploadsList(uploads) {
  const items = uploads.map((u) => h("li", {}, `${u.file_name}: `, h("span", tx(`footage.uploads.status.${u.status}`))));
  return h(
    "section", { class: "card stack", "aria-labelledby": "uploads-title" },
    h("h2", { id: "uploads-title", ...tx("footage.uploads.title") }),
    items.length ? h("ul", { id: "uploads" }, ...items) : h("p", tx("footage.uploads.none")),
  );
}

function putPart(url, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => (xhr.status === 200 ? resolve(xhr.getResponseHeader("ETag")) : reject(new Error(String(xhr.status))));
    xhr.onerror = () => reject(new Error("network"));
    xhr.send(blob);
  });
}

// Sends every part not yet sent (each up to TRIES times); resolves when all have their ETag.
async function sendParts(job, progress) {
  const sent = () => job.loaded.reduce((a, b) => a + b, 0);
  for (const part of job.plan.parts) {
    const index = part.part_number - 1;
    if (job.etags[index]) continue;
    const start = index * job.plan.part_size;
    const blob = job.file.slice(start, Math.min(start + job.plan.part_size, job.file.size));
    for (let attempt = 1; !job.etags[index]; attempt += 1) {
      try {
        job.etags[index] = await putPart(part.url, blob, (loaded) => {
          job.loaded[index] = loaded;
          progress(Math.floor((100 * sent()) / job.file.size));
        });
        job.loaded[index] = blob.size;
      } catch (err) {
        job.loaded[index] = 0;
        if (attempt >= TRIES) throw err;
      }
    }
  }
}

function fileProblem(file, maxMb) {
  if (!file) return ["footage.upload.pickFile", {}];
  const type = file.type || VIDEO[(file.name.split(".").pop() || "").toLowerCase()];
  if (!Object.values(VIDEO).includes(type)) return ["footage.upload.notVideo", {}];
  if (file.size > maxMb * 1024 * 1024) return ["footage.upload.tooLarge", { mb: maxMb }];
  return null;
}

function uploadForm(link, view, refresh) {
  const box = messageBox();
  const input = h("input", { id: "clip-file", name: "clip", type: "file", accept: "video/mp4,video/quicktime,video/x-matroska,video/webm,.mkv", "aria-describedby": "clip-hint" });
  const camera = h("select", { id: "clip-camera", name: "camera" }, ...view.cameras.map((c) => h("option", { value: c }, c)));
  const bar = h("progress", { id: "clip-progress", max: "100", value: "0", hidden: true, ...{ "aria-label": t("footage.upload.progressLabel") } });
  const status = h("p", { id: "clip-status", role: "status", "aria-live": "polite" });
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "clip-send", ...tx("footage.upload.send") });
  const retry = h("button", { type: "button", class: "btn btn-block", id: "clip-retry", hidden: true, ...tx("footage.upload.retry") });
  let job = null;
  const progress = (percent) => {
    bar.hidden = false;
    bar.value = percent;
    setText(status, "footage.upload.progress", { percent });
  };
  const finish = async () => {
    try {
      await sendParts(job, progress);
    } catch {
      retry.hidden = false;
      showMessage(box, "error", "footage.upload.partFailed");
      return;
    }
    retry.hidden = true;
    const parts = job.etags.map((etag, i) => ({ part_number: i + 1, etag }));
    await footageApi(link, "POST", `/uploads/${job.plan.upload}/complete`, { parts });
    job = null;
    input.value = "";
    progress(100);
    await refresh("footage.upload.done");
  };
  const form = h(
    "form", { class: "card stack", id: "clip-form", "aria-labelledby": "clip-title", novalidate: true },
    h("h2", { id: "clip-title", ...tx("footage.upload.title") }),
    h("div", { class: "field" }, h("label", { for: "clip-file", ...tx("footage.upload.file") }),
      h("p", { class: "hint", id: "clip-hint", ...tx("footage.upload.fileHint", { mb: view.max_clip_mb }) }), input),
    view.cameras.length > 1 ? h("div", { class: "field" }, h("label", { for: "clip-camera", ...tx("footage.upload.camera") }), camera) : null,
    bar, status, box.el, send, retry,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    const file = input.files[0];
    const problem = fileProblem(file, view.max_clip_mb);
    if (problem) return showMessage(box, "error", ...problem);
    busy(send, async () => {
      try {
        const type = file.type || VIDEO[file.name.split(".").pop().toLowerCase()];
        const body = { file_name: file.name, content_type: type, size: file.size, camera_id: view.cameras.length ? camera.value : null };
        const plan = await footageApi(link, "POST", "/uploads", body);
        job = { file, plan, etags: plan.parts.map(() => null), loaded: plan.parts.map(() => 0) };
        await finish();
      } catch (err) {
        showError(box, err);
      }
    });
  });
  retry.addEventListener("click", () => busy(retry, () => finish().catch((err) => showError(box, err))));
  return form;
}

function answerButtons(link, refresh, box) {
  const approve = h("button", { type: "button", class: "btn btn-primary btn-block", id: "approve", ...tx("footage.approve") });
  const decline = h("button", { type: "button", class: "btn btn-block", id: "decline", ...tx("footage.decline") });
  const answer = (button, what) => busy(button, async () => {
    try {
      await footageApi(link, "POST", `/${what}`);
      await refresh();
    } catch (err) {
      showError(box, err);
    }
  });
  approve.addEventListener("click", () => answer(approve, "approve"));
  decline.addEventListener("click", () => {
    if (window.confirm(t("footage.declineConfirm"))) answer(decline, "decline");
  });
  return h("div", { class: "stack" }, h("p", tx("footage.choice")), approve, decline);
}

function render(app, link, view, refresh, notice = null) {
  const box = messageBox();
  const parts = [h("p", { class: "lead", ...tx("footage.asks", { agency: view.request.agency }) }), requestFacts(view.request), box.el];
  if (view.status === "pending") parts.push(answerButtons(link, refresh, box));
  if (view.status === "approved") parts.push(uploadForm(link, view, refresh), uploadsList(view.uploads));
  replace(app, h("section", { class: "card stack" }, ...parts.slice(0, 2)), ...parts.slice(2));
  if (view.status === "approved") showMessage(box, "ok", notice || "footage.approved");
  if (view.status === "declined") showMessage(box, "info", "footage.declined");
  if (view.status === "expired") showMessage(box, "error", "footage.expired");
}

function failure(app, err) {
  const box = messageBox();
  replace(app, box.el);
  if (err instanceof CamerasApiError && err.status === 410) return showMessage(box, "error", "footage.expired");
  if (err instanceof CamerasApiError && [401, 403, 404].includes(err.status)) return showMessage(box, "error", "footage.error.link");
  showError(box, err);
}

await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
const app = document.getElementById("request-app");
const link = takeLink();
if (!link) {
  failure(app, new CamerasApiError(401, ""));
} else {
  replace(app, h("p", { role: "status", ...tx("footage.loading") }));
  const refresh = async (notice = null) => {
    try {
      render(app, link, await footageApi(link, "GET"), refresh, notice);
    } catch (err) {
      failure(app, err);
    }
  };
  await refresh();
}
