// The QA analyst's page: my work queue (evaluations assigned to me, not yet submitted)
// and the scoring form of one call, with its recording playing in the page from
// /api/recordings/{name}/audio (served with HTTP Range, so the browser can seek).
// renderQueue, renderQuestions and renderResult are pure (they return HTML).

import {
  esc, field, fmtDateTime, fmtDur, initHeader, requestJson, showBanner,
} from "./app.js";

export const NA = "n/a";

export function audioUrl(name) {
  return `/api/recordings/${encodeURIComponent(name)}/audio`;
}

export function renderQueue(rows) {
  if (!rows?.length) {
    return `<p class="muted" data-field="queue_empty">Nothing is assigned to you.</p>`;
  }
  const head = "<tr><th>Call</th><th>Agent</th><th>Queue</th><th>Length</th><th>Form</th>" +
    "<th>Status</th><th></th></tr>";
  const body = rows.map((r) => {
    const call = r.call ?? {};
    return `<tr data-evaluation="${esc(r.id)}" data-status="${esc(r.status)}">` +
      `<td>${field("started_at", call.started_at, fmtDateTime(call.started_at))}</td>` +
      `<td>${field("agent", r.agent, r.agent_name || r.agent)}</td>` +
      `<td>${field("queue", call.queue ?? "", call.queue ?? call.direction ?? "–")}</td>` +
      `<td>${field("duration", call.duration_s, fmtDur(call.duration_s))}</td>` +
      `<td>${field("form", r.form, `${r.form} v${r.form_version}`)}</td>` +
      `<td>${field("status", r.status, r.status)}</td>` +
      `<td><button type="button" data-action="open" data-evaluation-id="${esc(r.id)}">` +
      `Score</button></td></tr>`;
  }).join("");
  return `<table class="board"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function flags(q) {
  return (q.fatal ? `<span class="badge flag fatal" title="the lowest answer fails the ` +
    `call (score 0)">fatal</span>` : "") +
    (q.mandatory ? `<span class="badge flag script" title="a point the agent must always ` +
      `say">script point</span>` : "");
}

/** The questions of a form version as radio groups, `answers` checked. */
export function renderQuestions(definition, answers = {}) {
  return (definition?.sections ?? []).map((s) =>
    `<section data-section="${esc(s.key)}"><h3>${esc(s.title)}</h3>` +
    s.questions.map((q) => {
      const options = [...q.scale, ...(q.na_allowed ? [NA] : [])];
      const radios = options.map((o) =>
        `<label><input type="radio" name="q-${esc(q.key)}" value="${esc(o)}" ` +
        `data-question="${esc(q.key)}"${answers?.[q.key] === o ? " checked" : ""}> ` +
        `${esc(o)}</label>`).join("");
      return `<fieldset class="question" data-question="${esc(q.key)}"><legend>` +
        `${esc(q.text)} <span class="weight">(weight ${esc(q.weight)})</span>${flags(q)}` +
        `</legend>${radios}</fieldset>`;
    }).join("") + "</section>").join("");
}

export function renderResult(evaluation) {
  const fatal = evaluation.fatal?.length
    ? ` · fatal: ${field("fatal", evaluation.fatal.join(" "), evaluation.fatal.join(", "))}`
    : "";
  return `Submitted. Score ${field("score", evaluation.score, evaluation.score)}` +
    `${fatal} · ${field("status", evaluation.status, evaluation.status)}`;
}

function renderFacts(ev) {
  const call = ev.call ?? {};
  return `<p>${field("agent", ev.agent, ev.agent_name || ev.agent)} · ` +
    `${field("direction", call.direction, call.direction)} ` +
    `${field("queue", call.queue ?? "", call.queue ?? "")} · ` +
    `${field("number", call.number ?? "", call.number ?? "")} · ` +
    `${field("duration", call.duration_s, fmtDur(call.duration_s))} · form ` +
    `${field("form", ev.form, `${ev.form} v${ev.form_version}`)}</p>`;
}

function main() {
  const queue = document.getElementById("queue");
  const count = document.getElementById("queue-count");
  const panel = document.getElementById("scoring");
  const form = document.getElementById("score-form");
  const player = document.getElementById("player");
  const recording = document.getElementById("recording");
  const result = document.getElementById("result");
  const note = document.getElementById("note");
  const buttons = ["save", "submit"].map((id) => document.getElementById(id));
  let current = null;

  const fail = (err) => showBanner(err?.message ?? String(err));

  async function loadQueue() {
    try {
      const rows = (await requestJson("GET", "/api/qa/work")).evaluations;
      queue.innerHTML = renderQueue(rows);
      count.textContent = `(${rows.length})`;
      count.dataset.value = rows.length;
    } catch (err) {
      fail(err);
    }
  }

  function answers() {
    const out = {};
    for (const input of form.querySelectorAll("input[type=radio]:checked")) {
      out[input.dataset.question] = input.value;
    }
    return out;
  }

  async function open(id) {
    showBanner("");
    try {
      let ev = await requestJson("GET", `/api/qa/evaluations/${encodeURIComponent(id)}`);
      if (ev.status === "assigned") {
        ev = await requestJson("POST", `/api/qa/evaluations/${encodeURIComponent(id)}/start`);
      }
      current = ev;
      panel.hidden = false;
      panel.dataset.evaluation = ev.id;
      document.getElementById("call-title").textContent =
        `Call of ${fmtDateTime(ev.call?.started_at)}`;
      document.getElementById("call-facts").innerHTML = renderFacts(ev);
      const names = ev.call?.recordings ?? [];
      recording.innerHTML = names.map((n) => `<option value="${esc(n)}">${esc(n)}</option>`)
        .join("");
      player.src = names.length ? audioUrl(names[0]) : "";
      form.innerHTML = renderQuestions(ev.definition, ev.answers);
      note.value = "";
      result.innerHTML = "";
      for (const b of buttons) b.disabled = false;
    } catch (err) {
      fail(err);
    }
  }

  queue.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action=open]");
    if (button) open(button.dataset.evaluationId);
  });
  recording.addEventListener("change", () => { player.src = audioUrl(recording.value); });
  document.getElementById("play").addEventListener("click", () => {
    player.play().catch((err) => console.warn("callboard: cannot play", err));
  });
  document.getElementById("save").addEventListener("click", async () => {
    if (!current) return;
    try {
      current = await requestJson("PUT",
        `/api/qa/evaluations/${encodeURIComponent(current.id)}/answers`, { answers: answers() });
      result.textContent = "Draft saved.";
      showBanner("");
    } catch (err) {
      fail(err);
    }
  });
  document.getElementById("submit").addEventListener("click", async () => {
    if (!current) return;
    try {
      current = await requestJson("POST",
        `/api/qa/evaluations/${encodeURIComponent(current.id)}/submit`,
        { answers: answers(), note: note.value });
      result.innerHTML = renderResult(current);
      for (const b of buttons) b.disabled = true;
      showBanner("");
      await loadQueue();
    } catch (err) {
      fail(err);
    }
  });

  initHeader();
  loadQueue();
}

if (typeof document !== "undefined") main();
