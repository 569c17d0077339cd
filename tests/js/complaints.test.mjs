// The complaints page's render functions: the list, the ticket's facts and its timeline.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  describeEntry, renderFacts, renderList, renderTimeline,
} from "../../api/static/complaints.js";
import { EVIL, assertEscaped, fieldOf } from "./support.mjs";

const MASKED = "312*****0000";

const TICKET = { reference: "C-1", status: "open", severity: "major",
  major_reason: "regulator", category: "billing", channel: "phone",
  customer_name: "Carla Caller", customer_number: MASKED, opened_at: 1795425600,
  opened_by: "h1", calls: ["call-1"], agents: ["Bob Keller"], matter: "charged twice",
  deadlines: { acknowledge: 1795429200 }, breached: ["acknowledge"], met: {} };

test("the list shows one row per complaint, the selected one marked", () => {
  const out = String(renderList({ complaints: [TICKET] }, "C-1"));
  assert.match(out, /<tr data-complaint="C-1" data-status="open"\s+data-severity="major" class="selected">/);
  assert.deepEqual(fieldOf(out, "calls"), { value: "1", text: "1" });
  assert.match(out, /data-action="open-ticket" data-reference="C-1"/);
  assert.match(String(renderList({ complaints: [] })), /data-field="list_empty"/);
});

test("the list escapes the reference, the customer and the category", () => {
  assertEscaped(renderList({ complaints: [{ reference: EVIL, status: EVIL, severity: EVIL,
    customer_name: EVIL, category: EVIL, calls: [EVIL] }] }), 12);
});

test("the ticket's facts show its state and keep the masked number as given", () => {
  const out = String(renderFacts(TICKET));
  assert.deepEqual(fieldOf(out, "customer_number"), { value: MASKED, text: MASKED });
  assert.deepEqual(fieldOf(out, "severity"), { value: "major", text: "major (regulator)" });
  assert.match(out, /data-linked-call="call-1">call-1</);
  assert.match(out, /data-deadline="acknowledge" data-value="1795429200"\s+data-breached="true"/);
  assert.match(out, /<dd data-field="matter">charged twice<\/dd>/);
});

test("the ticket's facts escape the matter, the customer and every other value", () => {
  const evil = Object.fromEntries(Object.keys(TICKET).map((k) => [k, EVIL]));
  assertEscaped(renderFacts({ ...evil, calls: [EVIL], agents: [EVIL], breached: [],
    deadlines: { [EVIL]: 1 }, met: {} }), 15);
});

test("the timeline has one entry per event in the given order, with its recording", () => {
  const out = String(renderTimeline([
    { source: "call", type: "Call.Started", at: 1795425600, call_id: "abcdef123456",
      data: { queue: "sales", caller_number: MASKED } },
    { source: "call", type: "Call.Ended", at: 1795425700, call_id: "abcdef123456",
      recording: "r1.wav", data: {} },
    { source: "complaint", type: "Complaint.Opened", at: 1795425800, data: { by: "h1" } },
  ]));
  const types = [...out.matchAll(/data-type="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(types, ["Call.Started", "Call.Ended", "Complaint.Opened"]);
  assert.match(out, /data-recording="r1.wav"/);
  assert.ok(out.includes(`caller_number: ${MASKED}`));
  assert.match(String(renderTimeline([])), /data-empty="true"/);
});

test("the timeline escapes the event's type, data and ids", () => {
  assertEscaped(renderTimeline([{ source: EVIL, type: EVIL, call_id: EVIL, linkedid: EVIL,
    recording: EVIL, data: { by: EVIL, text: EVIL } }]), 8);
});

test("an entry is described by its interesting fields, as text", () => {
  assert.equal(describeEntry({ source: "complaint", data: { by: "h1", text: "<b>" } }),
    "by: h1 · text: <b>");
});
