// The public web-tip API (/api/public/tips...): no login, no cookies, nothing sent but
// what the tipster typed. The tip code and passphrase travel in request bodies only, so
// they never appear in a URL, a browser history or an access log.

import { language, t } from "../i18n.js";

const root = new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);

export class PublicApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "PublicApiError";
    this.status = status;
  }
}

// The API's own messages are in English. In English they are shown as they are (they name
// the field and the problem); in another language the page says in its words what kind of
// failure it was rather than show a sentence the reader may not understand.
function failureText(status, data) {
  if (status === 429) return t("api.tooMany");
  if (status >= 500 || !status) return t("api.serverError", { status });
  const own = data && typeof data.message === "string" ? data.message : "";
  return own && language() === "en" ? own : t("api.refused", { status });
}

/** A path of this site (e.g. "tip/follow-up"), resolved against the site root. */
export function sitePath(path) {
  return new URL(path, root).toString();
}

/** POST JSON to /api/public/<path> and resolve to the parsed answer; ApiError on 4xx/5xx. */
export async function postPublic(path, body) {
  let response;
  try {
    response = await fetch(new URL(`api/public/${path}`, root), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new PublicApiError(0, t("api.unreachable"));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // Not JSON: a proxy page; the message below covers it.
  }
  if (!response.ok) {
    throw new PublicApiError(response.status, failureText(response.status, data));
  }
  return data;
}
