// apiFetch: the one way views call the rtcc API. It adds the ID token, refreshes it
// before expiry and once on a 401, and turns error bodies ({statusCode, message, detail})
// into ApiError with the API's message.
//
//   import { apiFetch } from "../api.js";
//   const me = await apiFetch("/api/me");
//   const page = await apiFetch("/api/audit", { query: { actor: "officer", limit: 50 } });
//   await apiFetch("/api/tips", { method: "POST", json: { text } });

import { config } from "./config.js";
import { idToken, refresh } from "./session.js";

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

/** `/api/x` under the configured apiBase: views name API paths as the OpenAPI spec does,
 * and this maps them under wherever the API is (e.g. https://host/prod/api/x). */
export function apiUrl(path, query) {
  const suffix = path.startsWith("/api/") || path === "/api" ? path.slice(4) : path.startsWith("/") ? path : `/${path}`;
  const url = new URL(config().apiBase + suffix);
  for (const [key, value] of Object.entries(query || {})) {
    // Empty filters are left out rather than sent as "".
    if (value === undefined || value === null || value === "") continue;
    url.searchParams.set(key, String(value));
  }
  return url;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy or gateway page): fall through to a generic message.
  }
  // {statusCode, message, detail} from the platform's handlers; {error, field} from routes
  // that name the refused field (the LPR contract): both reach the person as the message.
  const message =
    (body && (body.message || body.Message || body.error)) ||
    (response.status === 401
      ? "Your session has ended. Sign in again."
      : response.status === 403
        ? "You do not have permission to do that."
        : `The server answered HTTP ${response.status}.`);
  return new ApiError(response.status, message, body && (body.detail || (body.field ? { field: body.field } : undefined)));
}

/**
 * Calls the API and resolves to the parsed JSON body (null for an empty body).
 * opts: method, query (object; empty values skipped), json (a body to send as JSON),
 * body, headers, signal, raw (true: resolve to the Response instead, after the status check),
 * auth (false: send no token, for public endpoints).
 */
export async function apiFetch(path, opts = {}) {
  const { query, json, raw = false, auth = true, headers = {}, ...init } = opts;
  const url = apiUrl(path, query);
  const send = async () => {
    const h = new Headers(headers);
    if (!h.has("Accept")) h.set("Accept", "application/json");
    if (json !== undefined) h.set("Content-Type", "application/json");
    if (auth) {
      const token = await idToken();
      if (token) h.set("Authorization", `Bearer ${token}`);
    }
    try {
      return await fetch(url, {
        ...init,
        headers: h,
        body: json !== undefined ? JSON.stringify(json) : init.body,
        cache: "no-store",
      });
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError(0, "Cannot reach the server. Check the connection and try again.");
    }
  };

  let response = await send();
  if (response.status === 401 && auth) {
    // The token may have been revoked or expired in a way the clock did not predict:
    // refresh once and retry. If the refresh is refused the session ends (see session.js).
    try {
      await refresh();
    } catch {
      throw await errorFrom(response);
    }
    response = await send();
  }
  if (!response.ok) throw await errorFrom(response);
  if (raw) return response;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}
