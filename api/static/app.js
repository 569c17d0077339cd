// Shared helpers for the Callboard pages: formatting, HTML building, the header
// (who is logged in, log out), the board WebSocket with reconnect, and a local ticker.
// Nothing here touches the DOM at import time, so node can import it for tests.

export const AGENT_STATES = ["available", "ringing", "on-call", "on-hold", "wrap-up",
  "paused", "logged-out"];
export const STATE_LABELS = {
  "available": "available", "ringing": "ringing", "on-call": "on call",
  "on-hold": "on hold", "wrap-up": "wrap-up", "paused": "paused",
  "logged-out": "logged out",
};

export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 5000;
export const CLOSE_NOT_LOGGED_IN = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_NO_BOARD = 4404;

// -- formatting ---------------------------------------------------------------------------

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for use inside HTML text or a double-quoted attribute. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const pad2 = (n) => String(n).padStart(2, "0");

/** Epoch seconds -> "HH:MM:SS" in the browser's local time; "–" for null. */
export function fmtClock(epoch) {
  if (!isNum(epoch)) return "–";
  const d = new Date(epoch * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Seconds -> "m:ss" (minutes are not wrapped into hours); "–" for null. */
export function fmtDur(seconds) {
  if (!isNum(seconds)) return "–";
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
}

/** Percent value (already 0..100) -> "87.5%"; "–" for null. */
export function fmtPct(value) {
  if (!isNum(value)) return "–";
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}

export function fmtInt(value) {
  return isNum(value) ? String(value) : "–";
}

/**
 * A readable figure: `<tag data-field=name data-value=raw ...>text</tag>`.
 * `data-value` holds the raw number ("" for null); `tick` makes the local ticker
 * advance the shown duration from `value` (see startTicker).
 */
export function field(name, value, text, { tag = "span", cls = "", title = "", tick = false,
  attrs = "" } = {}) {
  const raw = value === null || value === undefined ? "" : value;
  const tickAttr = tick && isNum(value) ? ` data-tick="${esc(value)}"` : "";
  const titleAttr = title ? ` title="${esc(title)}"` : "";
  const clsAttr = cls ? ` class="${esc(cls)}"` : "";
  return `<${tag}${clsAttr} data-field="${esc(name)}" data-value="${esc(raw)}"` +
    `${tickAttr}${titleAttr}${attrs ? " " + attrs : ""}>${esc(text)}</${tag}>`;
}

/** A coloured agent-state badge with the state in `data-state`. */
export function stateBadge(state, reason = "") {
  const label = STATE_LABELS[state] ?? state ?? "?";
  const why = reason ? ` <span class="reason">${esc(reason)}</span>` : "";
  return `<span class="badge st-${esc(state)}" data-field="state" data-value="${esc(state)}"` +
    `>${esc(label)}${why}</span>`;
}

/** Only a same-origin path may be a redirect target after login. */
export function safeNext(next, fallback = "/wallboard") {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") ||
      next.startsWith("/\\")) {
    return fallback;
  }
  return next;
}

export function loginUrl(loc) {
  return `/login?next=${encodeURIComponent(loc.pathname + loc.search)}`;
}

// -- the board socket ---------------------------------------------------------------------

/** Next reconnect delay: 0.5 s doubling up to 5 s. */
export function nextDelay(previousMs) {
  if (!previousMs) return RECONNECT_MIN_MS;
  return Math.min(previousMs * 2, RECONNECT_MAX_MS);
}

/**
 * Keep a WebSocket to `/ws/<board>` open and call `onSnapshot(data, message)` for every
 * snapshot. `onStatus(state, detail)` gets "connecting", "open", "reconnecting",
 * "forbidden", "no-board". 4401 sends the browser to the login page; 4403 and 4404 stop
 * trying; any other close reconnects with backoff.
 */
export function connectBoard(board, onSnapshot, onStatus = () => {}) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/ws/${board}`;
  let delay = 0;
  let stopped = false;

  function open() {
    onStatus(delay ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      retry();
      return;
    }
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        console.warn("callboard: unreadable message", err);
        return;
      }
      if (message?.type !== "snapshot" || (message.board && message.board !== board)) return;
      delay = 0; // reset the backoff only once the server really talks to us
      onStatus("open");
      onSnapshot(message.data, message);
    });
    ws.addEventListener("close", (event) => {
      if (stopped) return;
      if (event.code === CLOSE_NOT_LOGGED_IN) {
        stopped = true;
        location.href = loginUrl(location);
      } else if (event.code === CLOSE_FORBIDDEN || event.code === CLOSE_NO_BOARD) {
        stopped = true;
        onStatus(event.code === CLOSE_FORBIDDEN ? "forbidden" : "no-board", event.reason);
      } else {
        retry();
      }
    });
    // "error" is always followed by "close", which does the reconnecting.
    ws.addEventListener("error", () => onStatus("reconnecting"));
  }

  function retry() {
    delay = nextDelay(delay);
    onStatus("reconnecting");
    setTimeout(open, delay);
  }

  open();
  return { stop() { stopped = true; } };
}

/** Reflect the socket state in `#conn` (badge) and `#banner` (role refusal). */
export function showStatus(state, detail) {
  const badge = document.getElementById("conn");
  if (badge) {
    badge.dataset.state = state;
    badge.hidden = state === "open";
    badge.textContent = state === "forbidden" ? "not allowed"
      : state === "no-board" ? "no such board"
      : state === "connecting" ? "connecting…" : "reconnecting…";
  }
  const banner = document.getElementById("banner");
  if (banner && (state === "forbidden" || state === "no-board")) {
    banner.textContent = (state === "forbidden" ? "This board is not allowed for your role."
      : "The server has no such board.") + (detail ? ` (${detail})` : "");
    banner.hidden = false;
  }
}

// -- header -------------------------------------------------------------------------------

/** Fill `#me` from GET /api/me and wire `#logout`. */
export async function initHeader() {
  const me = document.getElementById("me");
  const logout = document.getElementById("logout");
  logout?.addEventListener("click", async () => {
    logout.disabled = true;
    try {
      await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
    } finally {
      location.href = "/login";
    }
  });
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === location.pathname) link.classList.add("current");
  }
  try {
    const response = await fetch("/api/me", { credentials: "same-origin" });
    if (response.status === 401) {
      location.href = loginUrl(location);
      return;
    }
    if (!response.ok) return;
    const who = await response.json();
    if (me) {
      me.textContent = `${who.name ?? "?"} (${who.role ?? "?"})`;
      me.dataset.role = who.role ?? "";
    }
  } catch (err) {
    console.warn("callboard: /api/me failed", err);
  }
}

/** "as of HH:MM:SS · position N" into `#as-of` and `#position`. */
export function showAsOf(data) {
  const asOf = document.getElementById("as-of");
  if (asOf) {
    asOf.textContent = fmtClock(data?.as_of);
    asOf.dataset.value = data?.as_of ?? "";
  }
  const position = document.getElementById("position");
  if (position) {
    position.textContent = fmtInt(data?.position);
    position.dataset.value = data?.position ?? "";
  }
}

// -- local ticking ------------------------------------------------------------------------

/**
 * Every second, advance each `[data-tick]` element under `root`: it shows
 * fmtDur(data-tick + seconds since the last reset()). `data-value` stays the server's
 * figure. Call reset() right after each render.
 */
export function startTicker(root) {
  let since = performance.now();
  const tick = () => {
    const elapsed = (performance.now() - since) / 1000;
    for (const el of root.querySelectorAll("[data-tick]")) {
      el.textContent = fmtDur(parseFloat(el.dataset.tick) + elapsed);
    }
  };
  const timer = setInterval(tick, 1000);
  return {
    tick,
    reset() { since = performance.now(); },
    stop() { clearInterval(timer); },
  };
}

/**
 * Common page start: header, ticker, socket. `render(data, message)` returns the HTML of
 * `#board`; `after(data, message)` runs after each render (optional). Returns
 * `{ rerender() }` to redraw the last snapshot (e.g. when a page control changes).
 */
export function startPage(board, render, after = () => {}) {
  const root = document.getElementById("board");
  const ticker = startTicker(root);
  let last = null;
  const draw = (fresh) => {
    if (!last) return;
    root.innerHTML = render(last.data, last.message);
    if (fresh) ticker.reset(); else ticker.tick(); // a redraw keeps the local clock
    showAsOf(last.data);
    after(last.data, last.message);
  };
  initHeader();
  connectBoard(board, (data, message) => {
    last = { data, message };
    draw(true);
  }, showStatus);
  return { rerender: () => draw(false) };
}

// -- JSON requests and messages (for the pages that send commands, e.g. QA) ---------------

/**
 * fetch() a JSON endpoint with the session cookie. A 401 sends the browser to the login
 * page; any other non-2xx throws an Error whose message is the server's `detail` (and
 * whose `status` is the HTTP status).
 */
export async function requestJson(method, url, body = undefined) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    location.href = loginUrl(location);
    throw new Error("not logged in");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok) {
    const error = new Error(typeof data?.detail === "string" ? data.detail
      : `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

/** Show `text` in `#banner` (an empty text hides it). */
export function showBanner(text) {
  const banner = document.getElementById("banner");
  if (!banner) return;
  banner.textContent = text ?? "";
  banner.hidden = !text;
}

/** Epoch seconds -> "YYYY-MM-DD HH:MM" in the browser's local time; "–" for null. */
export function fmtDateTime(epoch) {
  if (!isNum(epoch)) return "–";
  const d = new Date(epoch * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}
