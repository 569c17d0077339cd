// The QA pages' render functions: the analyst's work queue and scoring form, and the
// agent's own results with the dispute form.
import assert from "node:assert/strict";
import { test } from "node:test";

import { renderDisputeForm, renderMine } from "../../api/static/my-evaluations.js";
import {
  renderFacts, renderQueue, renderQuestions, renderRecordings, renderResult,
} from "../../api/static/qa.js";
import { EVIL, assertEscaped, fieldOf } from "./support.mjs";

const MASKED = "312*****0000";
const FORM = { sections: [{ key: "open", title: "Opening", questions: [
  { key: "greet", text: "Greets the caller", weight: 2, scale: ["yes", "no"], fatal: true },
  { key: "name", text: "Says their name", weight: 1, scale: ["yes", "no"], na_allowed: true,
    mandatory: true },
] }] };

test("the work queue shows one row per evaluation with a Score button", () => {
  const out = String(renderQueue([{ id: "e1", status: "assigned", agent: "a1",
    agent_name: "Alice Martin", form: "calls", form_version: 2,
    call: { queue: "sales", started_at: 1795425600, duration_s: 95 } }]));
  assert.match(out, /<tr data-evaluation="e1" data-status="assigned">/);
  assert.deepEqual(fieldOf(out, "agent"), { value: "a1", text: "Alice Martin" });
  assert.deepEqual(fieldOf(out, "duration"), { value: "95", text: "1:35" });
  assert.deepEqual(fieldOf(out, "form"), { value: "calls", text: "calls v2" });
  assert.match(out, /data-action="open" data-evaluation-id="e1"/);
});

test("an empty work queue says so", () => {
  assert.match(String(renderQueue([])), /data-field="queue_empty"/);
});

test("the work queue escapes the agent, the queue and the form", () => {
  assertEscaped(renderQueue([{ id: EVIL, status: EVIL, agent: EVIL, form: EVIL,
    call: { queue: EVIL } }]), 8);
});

test("the scoring form has a radio per answer, n/a where allowed, the saved answer checked", () => {
  const out = String(renderQuestions(FORM, { greet: "no" }));
  assert.match(out, /value="no" data-question="greet" checked>/);
  assert.doesNotMatch(out, /value="yes" data-question="greet" checked/);
  assert.match(out, /value="n\/a" data-question="name"/);
  assert.doesNotMatch(out, /value="n\/a" data-question="greet"/);
  assert.match(out, /flag fatal/);
  assert.match(out, /flag script/);
});

test("the scoring form escapes the form's texts, keys and scale", () => {
  assertEscaped(renderQuestions({ sections: [{ key: EVIL, title: EVIL, questions: [
    { key: EVIL, text: EVIL, weight: EVIL, scale: [EVIL] }] }] }), 7);
});

test("the call facts keep a masked number as given and escape the rest", () => {
  const call = { direction: "inbound", queue: "sales", number: MASKED, duration_s: 60 };
  const out = renderFacts({ agent: "a1", agent_name: "Alice", form: "calls", form_version: 1,
    call });
  assert.deepEqual(fieldOf(out, "number"), { value: MASKED, text: MASKED });
  assertEscaped(renderFacts({ agent: EVIL, agent_name: EVIL, form: EVIL,
    call: { direction: EVIL, queue: EVIL, number: EVIL } }), 10);
});

test("the recordings list and the submitted result escape their values", () => {
  assert.equal(String(renderRecordings(["a.wav"])), '<option value="a.wav">a.wav</option>');
  assertEscaped(renderRecordings([EVIL]), 2);
  const out = renderResult({ score: 22.22, status: "submitted", fatal: [] });
  assert.deepEqual(fieldOf(out, "score"), { value: "22.22", text: "22.22" });
  assertEscaped(renderResult({ score: EVIL, status: EVIL, fatal: [EVIL] }), 6);
});

test("my evaluations show the score, the versions and the buttons while disputable", () => {
  const out = String(renderMine([{ id: "e1", status: "submitted", final: false, score: 80,
    form: "calls", form_version: 1, analyst: "qa1", note: "well done",
    scorings: [{ version: 1, kind: "submitted", score: 70 },
      { version: 2, kind: "re-scored", score: 80 }], call: { queue: "sales" } }]));
  assert.match(out, /<tr data-evaluation="e1" data-status="submitted"\s+data-final="false">/);
  assert.deepEqual(fieldOf(out, "score"), { value: "80", text: "80" });
  assert.match(out, /v1 submitted 70 → v2 re-scored 80/);
  assert.match(out, /data-action="acknowledge"/);
  assert.match(out, /data-action="dispute"/);
  const final = String(renderMine([{ id: "e1", status: "acknowledged", final: true }]));
  assert.doesNotMatch(final, /data-action=/);
});

test("my evaluations escape the analyst's note and every other value", () => {
  assertEscaped(renderMine([{ id: EVIL, status: "submitted", final: false, score: EVIL,
    form: EVIL, analyst: EVIL, note: EVIL, fatal: [EVIL], call: { queue: EVIL },
    scorings: [{ version: EVIL, kind: EVIL, score: 1 }, { version: 2, kind: "k", score: 2 }] }]),
  12);
  assertEscaped(renderDisputeForm(EVIL), 2);
});
