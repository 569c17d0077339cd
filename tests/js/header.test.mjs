// The shared header: the links each role may open, who is logged in, the board status.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  PAGES, feedState, linksFor, loginUrl, renderFeedBadge, renderHeader,
} from "../../api/static/header.js";
import { EVIL, assertEscaped } from "./support.mjs";

const links = (role) => linksFor({ name: "x", role }).map((p) => p.path);

test("each role is offered the pages the server lets it open", () => {
  assert.deepEqual(links("supervisor"), ["/wallboard", "/agents", "/calls"]);
  assert.deepEqual(links("qa"), ["/wallboard", "/agents", "/calls", "/qa"]);
  assert.deepEqual(links("agent"), ["/wallboard", "/my-evaluations"]);
  assert.deepEqual(links("complaints"), ["/wallboard", "/calls", "/complaints"]);
  assert.deepEqual(links("auditor"), ["/wallboard", "/agents", "/calls"]);
});

test("before the server says who is logged in only the pages open to all are offered", () => {
  assert.deepEqual(linksFor(null).map((p) => p.path), ["/wallboard"]);
});

test("a list of pages from the server wins over the built-in table", () => {
  assert.deepEqual(linksFor({ role: "agent", pages: ["/calls", "/nowhere"] })
    .map((p) => p.path), ["/calls"]);
});

test("the header shows the name and role, marks the current page and has log out", () => {
  const out = String(renderHeader({ name: "Sam Super", role: "supervisor" },
    { path: "/agents" }));
  assert.match(out, /<span id="me" data-role="supervisor">Sam Super \(supervisor\)<\/span>/);
  assert.match(out, /<a href="\/agents" class="current" aria-current="page">Agents<\/a>/);
  assert.match(out, /<a href="\/wallboard">Wallboard<\/a>/);
  assert.doesNotMatch(out, /href="\/qa"/);
  assert.match(out, /<button type="button" id="logout">Log out<\/button>/);
  assert.doesNotMatch(out, /id="conn"/);
});

test("the board pages' header has the as-of, the log position and the connection badge", () => {
  const out = String(renderHeader(null, { path: "/wallboard", live: true }));
  assert.match(out, /id="as-of" data-value=""/);
  assert.match(out, /id="position" data-value=""/);
  assert.match(out, /id="conn" class="badge conn" data-state="connecting"/);
  assert.match(out, /<span id="me" data-role=""><\/span>/);
});

test("the user's phone is shown when the server knows it", () => {
  const out = String(renderHeader({ name: "s", role: "supervisor", extension: "9001" }));
  assert.match(out, /id="my-extension"[^>]*data-value="9001"[^>]*>ext 9001</);
  assert.doesNotMatch(String(renderHeader({ name: "s", role: "qa" })), /my-extension/);
});

test("the header escapes the name, the role and the extension", () => {
  assertEscaped(renderHeader({ name: EVIL, role: EVIL, extension: EVIL }), 5);
});

test("every page of the table is a same-origin path and the login link comes back", () => {
  for (const page of PAGES) assert.match(page.path, /^\/[a-z-]+$/);
  assert.equal(loginUrl({ pathname: "/calls", search: "?a=1" }), "/login?next=%2Fcalls%3Fa%3D1");
});

test("the login page shows the server's reason for a refused token", async () => {
  const { failureMessage } = await import("../../api/static/login.js");
  const refused = { status: 401, json: async () => ({ detail: "unknown token" }) };
  assert.equal(await failureMessage(refused), "unknown token");
  const broken = { status: 502, json: async () => { throw new Error("not JSON"); } };
  assert.equal(await failureMessage(broken), "Login failed (HTTP 502).");
});

test("the feed badge says up, down since hh:mm:ss, or no live feed (never down)", () => {
  const base = { since: 1795425600, last_frame_at: 1795425599 };
  assert.equal(feedState({ ...base, live: true, connected: true, stale: false }).state, "up");
  const down = feedState({ ...base, live: true, connected: false, stale: true });
  assert.equal(down.state, "down");
  assert.match(down.text, /^feed down since \d\d:\d\d:\d\d$/);
  assert.equal(feedState({ live: true, connected: false, since: null, stale: true }).text,
    "feed not connected yet");
  const none = feedState({ live: false, connected: null, since: null, stale: false });
  assert.deepEqual(none, { state: "none", text: "no live feed" });
  assert.equal(feedState(undefined).state, "unknown");
  assert.match(String(renderFeedBadge({ live: false })),
    /<span id="feed" class="badge feed" data-state="none"[^>]*>no live feed<\/span>/);
  assert.match(String(renderFeedBadge({ ...base, live: true, connected: false, stale: true })),
    /data-state="down"\s+title="last frame from the PBX at \d\d:\d\d:\d\d">feed down since/);
  assert.equal(renderFeedBadge(undefined), "");
});
