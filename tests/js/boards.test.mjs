// The live boards' render functions (wallboard, agents, calls): they show the figures of
// the server's view, escape every value that comes from it, and keep masked numbers.
import assert from "node:assert/strict";
import { test } from "node:test";

import { renderAgents } from "../../api/static/agents.js";
import { renderCalls } from "../../api/static/calls.js";
import { renderWallboard } from "../../api/static/wallboard.js";
import { EVIL, assertEscaped, fieldOf } from "./support.mjs";

const MASKED = "312*****0000";

function wallboardView(queue = "sales") {
  const figures = { offered: 12, answered: 10, abandoned: 1, timed_out: 1, asa_s: 14,
    aht_s: 185, abandon_rate: 8.3, service_level: { answered: 90, offered: 75 },
    service_level_s: 20 };
  return {
    as_of: 1795425600, position: 42,
    now: { queues: { [queue]: { waiting_now: 2, longest_wait_s: 31, agents: { available: 3 },
      logged_in: 4, paused_by_reason: { [queue]: 1 } } }, totals: { waiting_now: 2 } },
    day: { queues: { [queue]: figures }, totals: figures },
    windows: {}, definitions: { asa: EVIL },
  };
}

test("the wallboard shows a tile per queue with the period's figures", () => {
  const out = renderWallboard(wallboardView(), { variant: "answered" });
  assert.match(String(out), /<section class="tile" data-queue="sales">/);
  assert.deepEqual(fieldOf(out, "offered"), { value: "12", text: "12" });
  assert.deepEqual(fieldOf(out, "waiting_now"), { value: "2", text: "2" });
  assert.deepEqual(fieldOf(out, "longest_wait"), { value: "31", text: "0:31" });
  assert.match(String(out), /data-field="service_level" data-value="90"[^>]*data-variant="answered" data-level="green">90%</);
  assert.match(String(out), /data-queue="__totals__"/);
});

test("the wallboard escapes a queue name, a pause reason and a definition", () => {
  const out = renderWallboard(wallboardView(EVIL));
  assertEscaped(out, 4); // the tile's data-queue and title, the pause reason, the ASA title
});

test("the agent board shows one row per agent with its figures", () => {
  const out = renderAgents({
    agents: [{ name: "Alice Martin", agent_id: "a1", extension: "1001", state: "on-call",
      in_state_s: 65, queues: [{ queue: "sales", paused: false, state: "on-call" }],
      day: { calls_handled: 7, talk_total_s: 600 },
      current_call: { call_id: "c1", number: MASKED, queue: "sales", duration_s: 65 } }],
    totals: { agents: { "on-call": 1 }, logged_in: 1 },
  });
  assert.match(String(out), /<tr data-agent="Alice Martin" data-agent-id="a1"\s+data-state="on-call">/);
  assert.deepEqual(fieldOf(out, "calls_handled"), { value: "7", text: "7" });
  assert.deepEqual(fieldOf(out, "talk_total"), { value: "600", text: "10:00" });
  assert.deepEqual(fieldOf(out, "agents.on-call"), { value: "1", text: "1" });
  assert.deepEqual(fieldOf(out, "call_number"), { value: MASKED, text: MASKED });
  assert.match(String(out), /<span class="chip" data-queue="sales"\s+data-paused="false"/);
});

test("the agent board escapes names, reasons, queues and the caller's name", () => {
  const out = renderAgents({
    agents: [{ name: EVIL, agent_id: EVIL, extension: EVIL, state: "paused", reason: EVIL,
      queues: [{ queue: EVIL, paused: true, pause_reason: EVIL }],
      day: { paused_s_by_reason: { [EVIL]: 60 } },
      current_call: { call_id: EVIL, number: EVIL, customer_name: EVIL, queue: EVIL } }],
    totals: { paused_by_reason: { [EVIL]: 1 } }, definitions: { calls_handled: EVIL },
  });
  assertEscaped(out, 15);
});

function callView(fields = {}) {
  return {
    calls: [{ call_id: "c1", direction: "inbound", queue: "sales", number: MASKED,
      state: "on-call", talk_s: 42, agent_name: "Bob Keller", agent_extension: "1002",
      attention: ["long-talk"], recordings: ["r1.wav"],
      supervisors: [{ extension: "9001", mode: "listen", since: 1795425600 }], ...fields }],
    departed: [{ call_id: "d1", at: 1795425000, number: MASKED, queue: "support",
      reason: "lost-by-restart" }],
    thresholds: { long_talk_s: 600, long_hold_s: 120 },
  };
}

test("the call list shows each live call, its actions and the departed calls", () => {
  const out = String(renderCalls(callView()));
  assert.match(out, /<tr data-call="c1" data-state="on-call"\s+data-attention="long-talk">/);
  assert.deepEqual(fieldOf(out, "talk"), { value: "42", text: "0:42" });
  assert.deepEqual(fieldOf(out, "agent"), { value: "Bob Keller", text: "Bob Keller" });
  assert.match(out, /data-flag="long-talk"/);
  assert.match(out, /data-extension="9001" data-mode="listen"/);
  for (const action of ["listen", "whisper", "barge"]) {
    assert.match(out, new RegExp(`data-action="${action}"\\s+data-call-id="c1" title=`));
  }
  assert.ok(!out.includes("disabled"), "a call with an agent has its actions enabled");
  assert.match(out, /<tr data-departed="d1"\s+data-reason="lost-by-restart">/);
});

test("the actions of a call not yet answered are disabled", () => {
  const out = String(renderCalls(callView({ state: "waiting", talk_s: null, waiting_s: 5 })));
  assert.equal(out.split(" disabled ").length - 1, 3);
});

test("the call list keeps a masked number exactly as the server sent it", () => {
  const out = renderCalls(callView());
  assert.deepEqual(fieldOf(out, "number"), { value: MASKED, text: MASKED });
  assert.equal(String(out).split(`>${MASKED}<`).length - 1, 2); // live and departed
});

test("the call list escapes every value that comes from the server", () => {
  const out = renderCalls({
    calls: [{ call_id: EVIL, direction: EVIL, queue: EVIL, number: EVIL, customer_name: EVIL,
      state: EVIL, agent: EVIL, attention: [EVIL], recordings: [EVIL],
      supervisors: [{ extension: EVIL, mode: EVIL }] }],
    departed: [{ call_id: EVIL, number: EVIL, queue: EVIL, reason: EVIL, linkedid: EVIL }],
  });
  assertEscaped(out, 20);
});

// The feed behind a live board (issue 13): figures greyed under a banner while it is down.
const DOWN = { live: true, connected: false, since: 1795425600, last_frame_at: 1795425599,
  stale: true };
const UP = { live: true, connected: true, since: 1795425000, last_frame_at: 1795425600,
  stale: false };
const NO_FEED = { live: false, connected: null, since: null, last_frame_at: null,
  stale: false };

test("every live board shows a feed-down banner over its figures while the feed is down", () => {
  const views = [
    renderWallboard({ ...wallboardView(), feed: DOWN }),
    renderAgents({ agents: [], totals: {}, feed: DOWN }),
    renderCalls({ ...callView(), feed: DOWN }),
  ];
  for (const out of views) {
    const text = String(out);
    assert.match(text, /^<div class="feed-banner" role="alert" data-stale="true">Feed down since \d\d:\d\d:\d\d: the figures below are as they stood then/);
  }
});

test("a board whose feed is up, absent or not live shows no banner", () => {
  for (const feed of [UP, NO_FEED, undefined]) {
    for (const out of [renderWallboard({ ...wallboardView(), feed }),
      renderAgents({ agents: [], totals: {}, feed }), renderCalls({ ...callView(), feed })]) {
      assert.ok(!String(out).includes("feed-banner"), String(out));
    }
  }
});
