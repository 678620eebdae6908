// The public camera-registry API (/api/public/cameras/...): no login, no cookies. The owner
// link's token travels only in the "X-Owner-Link" header, never in a URL, so it reaches no
// access log, history entry or Referer. Every URL is resolved against the site root
// (<meta name="rtcc-root">): on the execute-api URL the site lives under the stage path.

import { hasText, language, t } from "../i18n.js";

const root = new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);

export class CamerasApiError extends Error {
  constructor(status, message, field = null, code = null) {
    super(message);
    this.name = "CamerasApiError";
    this.status = status;
    this.field = field;
    // The API's refusal code ("location.outside"), or the problem its English message names.
    this.code = code;
  }

  /** Whether the API refused a place outside the city's boundary (422 naming the location). */
  get outside() {
    return this.status === 422 && /outside|boundary/i.test(`${this.code || ""}`);
  }
}

// The field a refusal names: the API's `field`, its validation detail, or the "field: problem"
// shape every 4xx message has (rtcc.errors). "body.phone" and "phone" are the same field.
export function refusedField(data) {
  let name = "";
  if (data && typeof data.field === "string") name = data.field;
  else if (data && Array.isArray(data.detail) && typeof data.detail[0]?.field === "string") name = data.detail[0].field;
  else if (data && typeof data.message === "string") name = (/^([A-Za-z_][\w.]*): /.exec(data.message) || [])[1] || "";
  return name.replace(/^body\./, "").split(".")[0] || null;
}

// English: the API's own sentence (it names the field and the problem). Another language: the
// catalog's sentence for that field or status, never an English sentence the reader may not read.
function failureText(status, data, field) {
  if (status === 429) return t("api.tooMany");
  if (status >= 500 || !status) return t("api.serverError", { status });
  const own = data && typeof data.message === "string" ? data.message : "";
  if (own && language() === "en") return own;
  if (status === 422 && field && hasText(`cameras.error.${field}`)) return t(`cameras.error.${field}`);
  if ((status === 401 || status === 403 || status === 410) && !field) return t("cameras.error.link");
  return t("api.refused", { status });
}

/** A path of this site (e.g. "cameras/owner"), resolved against the site root. */
export function sitePath(path) {
  return new URL(path, root).toString();
}

/** `method` /api/public/cameras/<path>; resolves to the parsed answer (null for 204), CamerasApiError otherwise. */
export async function camerasApi(method, path, { body = null, token = null } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== null) headers["Content-Type"] = "application/json";
  if (token) headers["X-Owner-Link"] = token;
  let response;
  try {
    response = await fetch(new URL(`api/public/cameras${path ? `/${path}` : ""}`, root), {
      method,
      headers,
      body: body === null ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new CamerasApiError(0, t("api.unreachable"));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // No body (204) or not JSON (a proxy's page): the status says the rest.
  }
  if (!response.ok) {
    const field = refusedField(data);
    const code = typeof data?.code === "string" && data.code ? data.code : data?.message || null;
    throw new CamerasApiError(response.status, failureText(response.status, data, field), field, code);
  }
  return data;
}
