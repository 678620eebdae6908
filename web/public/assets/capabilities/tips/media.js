// Media previews in a tip: the API gives short-lived presigned S3 URLs. The console's
// Content-Security-Policy allows images and players only from our origin and blob:, so
// each stored item is fetched (connect-src allows S3) and shown from a blob URL; PDFs open
// as links. Rejected items show why; pending ones say they are being checked.

import { h } from "../../dom.js";

function sizeText(bytes) {
  if (!bytes && bytes !== 0) return "";
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Tracks blob URLs so leaving the tip frees them. */
export function mediaRenderer() {
  const urls = [];
  let disposed = false;

  async function fill(holder, item, type) {
    try {
      const response = await fetch(item.url, { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const blob = await response.blob();
      if (disposed) return;
      const url = URL.createObjectURL(blob);
      urls.push(url);
      let el;
      if (type.startsWith("image/")) el = h("img", { src: url, alt: `Photo attached to the tip (${sizeText(item.size)})`, class: "tip-media-img", loading: "lazy" });
      else if (type.startsWith("video/")) el = h("video", { src: url, controls: true, preload: "metadata", class: "tip-media-video" });
      else el = h("audio", { src: url, controls: true, preload: "metadata", class: "tip-media-audio" });
      holder.replaceChildren(el);
    } catch {
      if (disposed) return;
      holder.replaceChildren(
        h("span", { class: "muted", text: "The preview could not load. " }),
        h("a", { href: item.url, target: "_blank", rel: "noopener noreferrer", text: "Open the file" }),
      );
    }
  }

  function render(item) {
    const type = (item.content_type || "").toLowerCase();
    const meta = h("p", { class: "tip-media-meta" }, [type || "unknown type", sizeText(item.size)].filter(Boolean).join(" · "));
    if (item.state === "rejected") {
      return h(
        "figure",
        { class: "tip-media tip-media-rejected", dataset: { media: item.media_id, state: item.state } },
        h("figcaption", {}, h("strong", { text: "Rejected: " }), item.reason || "no reason recorded"),
        meta,
      );
    }
    if (item.state !== "stored" || !item.url) {
      const text = item.state === "awaiting_upload" ? "Waiting for the tipster's upload…" : "Being checked and cleaned…";
      return h("figure", { class: "tip-media tip-media-pending", dataset: { media: item.media_id, state: item.state } }, h("figcaption", { text }), meta);
    }
    const holder = h("div", { class: "tip-media-holder" }, h("span", { class: "muted", text: "Loading preview…" }));
    if (type === "application/pdf") {
      holder.replaceChildren(h("a", { href: item.url, target: "_blank", rel: "noopener noreferrer", class: "btn btn-secondary", text: "Open PDF" }));
    } else if (/^(image|video|audio)\//.test(type)) {
      fill(holder, item, type);
    } else {
      holder.replaceChildren(h("a", { href: item.url, target: "_blank", rel: "noopener noreferrer", text: "Open the file" }));
    }
    const hash = item.sha256 ? h("p", { class: "tip-media-meta mono", title: "SHA-256 of the stored file", text: `SHA-256 ${item.sha256.slice(0, 16)}…` }) : null;
    return h("figure", { class: "tip-media", dataset: { media: item.media_id, state: item.state } }, holder, meta, hash);
  }

  return {
    render,
    dispose() {
      disposed = true;
      for (const url of urls.splice(0)) URL.revokeObjectURL(url);
    },
  };
}
