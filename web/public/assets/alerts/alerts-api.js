// The public alerts API (/api/public/alerts/...): no login, no cookies. The manage link's
// token travels only in an "Authorization: Manage <token>" header, never in a URL, so it
// reaches no access log, history entry or Referer.

import { hasText, language, t } from "../i18n.js";

const root = new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);

export class AlertsApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.name = "AlertsApiError";
    this.status = status;
    this.field = field;
  }
}

// A refusal the page can explain (the API's `code`, e.g. "phone.foreign") is said in the
// reader's language from the catalog; other failures as the tip pages say them.
function failureText(status, data) {
  const code = data && typeof data.code === "string" ? data.code : "";
  if (code && hasText(`signup.error.${code}`)) return t(`signup.error.${code}`);
  if (code) return t("signup.error.other");
  if (status === 403) return t("manage.error.link");
  if (status === 404) return t("manage.error.gone");
  if (status === 429) return t("api.tooMany");
  if (status >= 500 || !status) return t("api.serverError", { status });
  const own = data && typeof data.message === "string" ? data.message : "";
  return own && language() === "en" ? own : t("api.refused", { status });
}

/** A path of this site (e.g. "signup"), resolved against the site root. */
export function sitePath(path) {
  return new URL(path, root).toString();
}

/** `method` /api/public/alerts/<path>; resolves to the parsed answer, AlertsApiError otherwise. */
export async function alertsApi(method, path, { body = null, token = null } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== null) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Manage ${token}`;
  let response;
  try {
    response = await fetch(new URL(`api/public/alerts/${path}`, root), {
      method,
      headers,
      body: body === null ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new AlertsApiError(0, t("api.unreachable"));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // Not JSON: a proxy's page; the message below covers it.
  }
  if (!response.ok) throw new AlertsApiError(response.status, failureText(response.status, data), data?.field || null);
  return data;
}
