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
  <span id="conn" class="badge conn" data-state="connecting">connecting…</span>`;

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
