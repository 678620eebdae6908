// The public web-tip API (/api/public/tips...): no login, no cookies, nothing sent but
// what the tipster typed. The tip code and passphrase travel in request bodies only, so
// they never appear in a URL, a browser history or an access log.

const root = new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);

export class PublicApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "PublicApiError";
    this.status = status;
  }
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
    throw new PublicApiError(0, "We could not reach the server. Check your connection and try again.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // Not JSON: a proxy page; the message below covers it.
  }
  if (!response.ok) {
    const message =
      (data && data.message) ||
      (response.status === 429
        ? "Too many attempts. Please wait a few minutes and try again."
        : `Something went wrong on our side (HTTP ${response.status}). Please try again.`);
    throw new PublicApiError(response.status, message);
  }
  return data;
}
