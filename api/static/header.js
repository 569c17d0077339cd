// The one header of every page: the brand, the links the logged-in role may open, the
// live-board status (as of, log position, connection badge) on the board pages, who is
// logged in, and log out. Pages hold only an empty <header class="top"></header>; the
// markup lives here so no page keeps its own copy.
// renderHeader(me, opts) is pure (returns html) so node can test it.

import { html, setHtml } from "./html.js";

export const ALL_ROLES = ["supervisor", "qa", "complaints", "auditor", "agent", "admin"];

// Who may open each page: the server's page routes (PAGES in api/system/routes.py) and the
// roles of the resource each page uses (api/deps.py, api/qa/access.py,
// api/complaints/access.py). The server refuses the others with 403 anyway; this table
// only keeps the header from offering a link that would be refused.
// tests/js/test_page_roles.py fails when the two disagree.
export const PAGES = [
  { path: "/wallboard", label: "Wallboard", roles: ALL_ROLES },
  { path: "/agents", label: "Agents", roles: ["supervisor", "qa", "auditor", "admin"] },
  { path: "/calls", label: "Calls",
    roles: ["supervisor", "qa", "auditor", "admin", "complaints"] },
  { path: "/qa", label: "QA", roles: ["qa"] },
  { path: "/my-evaluations", label: "My evaluations", roles: ["agent"] },
  { path: "/complaints", label: "Complaints", roles: ["complaints"] },
];

/**
 * The pages `me` may open, in header order. If the server lists them (`me.pages`, paths)
 * that list wins; without `me` only the pages open to every role are offered.
 */
export function linksFor(me) {
  if (Array.isArray(me?.pages)) return PAGES.filter((p) => me.pages.includes(p.path));
  const role = me?.role;
  return PAGES.filter((p) => (role ? p.roles.includes(role) : p.roles === ALL_ROLES));
}

export function renderNav(me, path = "") {
  return html`${linksFor(me).map((p) => (p.path === path
    ? html`<a href="${p.path}" class="current" aria-current="page">${p.label}</a>`
    : html`<a href="${p.path}">${p.label}</a>`))}`;
}

/** "name (role)" in #me, and the user's phone when the server knows it. */
export function renderIdentity(me) {
  if (!me) return html`<span id="me" data-role=""></span>`;
  const phone = me.extension ? html` <span id="my-extension" class="ext" data-field="extension"
    data-value="${me.extension}" title="your phone's extension"
    >ext ${me.extension}</span>` : "";
  return html`<span id="me" data-role="${me.role ?? ""}">${me.name ?? "?"} (${
    me.role ?? "?"})</span>${phone}`;
}

const LIVE_STATUS = html`<span class="meta">as of <span id="as-of" data-value="">–</span>
  · log position <span id="position" data-value="">–</span></span>
  <span id="conn" class="badge conn" data-state="connecting">connecting…</span>
  <span id="feed-state"></span>`;

const pad2 = (n) => String(n).padStart(2, "0");

/** Epoch seconds -> "hh:mm:ss" in the browser's local time. */
function clock(epoch) {
  const d = new Date(epoch * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/**
 * The PBX feed behind a live board, in words, from the view's `feed` block: "up",
 * "down" (the figures are stale), "none" (no live feed: files ingested, or no AMI; nothing
 * is down) or "unknown" (no block: a board of the past).
 */
export function feedState(feed) {
  if (!feed) return { state: "unknown", text: "" };
  if (!feed.live) return { state: "none", text: "no live feed" };
  if (feed.connected && !feed.stale) return { state: "up", text: "feed up" };
  const since = typeof feed.since === "number" ? clock(feed.since) : null;
  return { state: "down", text: since ? `feed down since ${since}` : "feed not connected yet" };
}

/** The header's feed badge; its title tells when the last frame arrived. */
export function renderFeedBadge(feed) {
  const { state, text } = feedState(feed);
  if (state === "unknown") return "";
  const last = typeof feed.last_frame_at === "number"
    ? `last frame from the PBX at ${clock(feed.last_frame_at)}` : "no frame from the PBX yet";
  return html`<span id="feed" class="badge feed" data-state="${state}"
    title="${state === "none" ? "the figures are what the log holds" : last}">${text}</span>`;
}

/**
 * Above a board's figures while the feed is down: they are as they stood when it went
 * down, not live (style.css greys everything after the banner). Nothing otherwise.
 */
export function renderFeedBanner(feed) {
  const { state, text } = feedState(feed);
  if (state !== "down") return "";
  return html`<div class="feed-banner" role="alert" data-stale="true">${
    text.charAt(0).toUpperCase() + text.slice(1)}: the figures below are as they stood then,
  not live.</div>`;
}

/** Show a snapshot's feed state in the header (the live board pages call it). */
export function showFeed(feed) {
  const slot = document.getElementById("feed-state");
  if (slot) setHtml(slot, html`${renderFeedBadge(feed)}`);
}

/**
 * The header's content. `me` is GET /api/me (null until it answers); `path` is the
 * current page (its link is marked); `live` adds the board status of the socket pages.
 */
export function renderHeader(me, { path = "", live = false } = {}) {
  return html`<strong class="brand">Callboard</strong>
  <nav aria-label="pages">${renderNav(me, path)}</nav>
  ${live ? LIVE_STATUS : ""}
  <span class="spacer"></span>
  <span id="who">${renderIdentity(me)}</span>
  <button type="button" id="logout">Log out</button>`;
}

/** Where a logged-out page goes: the login page, coming back here afterwards. */
export function loginUrl(loc) {
  return `/login?next=${encodeURIComponent(loc.pathname + loc.search)}`;
}

async function fetchMe() {
  const response = await fetch("/api/me", { credentials: "same-origin" });
  if (response.status === 401) return { loggedOut: true };
  if (!response.ok) throw new Error(`GET /api/me: HTTP ${response.status}`);
  return { me: await response.json() };
}

/**
 * Draw the header into `header.top` at once (so `#conn` exists before the socket
 * reports), then fill the links and the name from GET /api/me. A 401 goes to the login
 * page. Returns a promise of `me` (null if it could not be read).
 */
export async function mountHeader({ live = false } = {}) {
  let header = document.querySelector("header.top");
  if (!header) {
    header = document.createElement("header");
    header.className = "top";
    document.body.prepend(header);
  }
  const path = location.pathname;
  setHtml(header, renderHeader(null, { path, live }));
  const logout = header.querySelector("#logout");
  logout.addEventListener("click", async () => {
    logout.disabled = true;
    try {
      await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
    } finally {
      location.href = "/login";
    }
  });
  try {
    const { me, loggedOut } = await fetchMe();
    if (loggedOut) {
      location.href = loginUrl(location);
      return null;
    }
    setHtml(header.querySelector("nav"), renderNav(me, path));
    setHtml(header.querySelector("#who"), renderIdentity(me));
    return me;
  } catch (err) {
    console.warn("callboard: /api/me failed", err);
    setHtml(header.querySelector("nav"), renderNav(null, path));
    return null;
  }
}
