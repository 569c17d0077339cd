// The wallboard: one tile per queue and a totals row, for a wall screen.
// renderWallboard(data, opts) is pure (returns html) so it can be tested under node.

import {
  AGENT_STATES, STATE_LABELS, attrs, field, fmtDur, fmtInt, fmtPct, html, setHtml, startPage,
} from "./app.js";
import { renderFeedBanner, showFeed } from "./header.js";

// Service level colours: >= SL_GREEN green, >= SL_AMBER amber, below red, null grey.
export const SL_GREEN = 80;
export const SL_AMBER = 60;
export const SL_VARIANTS = ["answered", "offered", "offered_minus_short"];
export const SPARK_SPAN_S = 3600; // the sparkline shows the last hour
export const TOTALS = "__totals__";

export function slLevel(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "none";
  return value >= SL_GREEN ? "green" : value >= SL_AMBER ? "amber" : "red";
}

/** "day" or a key of data.windows ("15m") -> { key, label, period }. */
export function periodOf(data, key) {
  const period = key !== "day" ? data?.windows?.[key] : undefined;
  if (period) return { key, label: `last ${key.replace(/m$/, " min")}`, period };
  return { key: "day", label: "today", period: data?.day ?? {} };
}

export function queueNames(data) {
  const names = new Set([...Object.keys(data?.now?.queues ?? {}),
    ...Object.keys(data?.day?.queues ?? {})]);
  return [...names].sort();
}

function variantLabel(variant, shortS) {
  if (variant === "offered_minus_short") {
    return `offered − short abandons${typeof shortS === "number" ? ` (<${shortS} s)` : ""}`;
  }
  return variant;
}

function stat(label, content, title = "") {
  return html`<div class="stat"${attrs({ title: title || null })}><span class="label">${label
  }</span>${content}</div>`;
}

function agentCounts(now) {
  const agents = now?.agents ?? {};
  const reasons = Object.entries(now?.paused_by_reason ?? {})
    .map(([why, n]) => `${why} ${n}`).join(", ");
  const items = AGENT_STATES.map((state) => {
    const extra = state === "paused" && reasons ? html` <span class="reason">(${reasons})</span>`
      : "";
    const n = agents[state] ?? 0;
    return html`<li class="count st-${state}${n ? "" : " zero"}">${
      field(`agents.${state}`, agents[state] ?? null, fmtInt(agents[state] ?? null))
    } <span class="label">${STATE_LABELS[state]}</span>${extra}</li>`;
  });
  return html`<ul class="agents">${items}</ul><div class="logged-in">${
    field("logged_in", now?.logged_in ?? null, fmtInt(now?.logged_in ?? null))} logged in</div>`;
}

/** One tile: `now` is data.now.queues[q] (or totals), `fig` the period's figures. */
export function renderTile(name, now, fig, { periodLabel, variant, definitions = {} }) {
  const isTotals = name === TOTALS;
  const f = fig ?? {};
  const sl = f.service_level?.[variant] ?? null;
  const level = slLevel(sl);
  const slS = f.service_level_s ?? now?.service_level_s ?? null;
  const slNote = [variantLabel(variant, f.short_abandon_s),
    typeof slS === "number" ? `≤ ${slS} s` : isTotals ? "each queue's T" : "",
    periodLabel].filter(Boolean).join(" · ");
  const waiting = now?.waiting_now ?? null;
  const longest = now?.longest_wait_s ?? null;
  const otherExits = (f.exit_empty ?? 0) + (f.exit_with_key ?? 0);
  const title = isTotals ? "All queues" : name;
  return html`<section class="tile${isTotals ? " totals" : ""}" data-queue="${name}">
  <h2>${title}</h2>
  <div class="headline">
    <div class="big"><span class="label">waiting now</span>${
      field("waiting_now", waiting, fmtInt(waiting),
        { cls: `huge${waiting ? " hot" : ""}` })}</div>
    <div class="big"><span class="label">longest wait</span>${
      field("longest_wait", longest, fmtDur(longest), { cls: "large", tick: true,
        title: "the oldest call still waiting (mm:ss)" })}</div>
    <div class="big sl sl-${level}"><span class="label">service level</span>${
      field("service_level", sl, fmtPct(sl), { cls: "large",
        title: definitions[`service_level.${variant}`] ?? "",
        attrs: { "data-variant": variant, "data-level": level } })}
      <span class="variant" data-field="service_level_variant">${slNote}</span></div>
  </div>
  <div class="period-label">${periodLabel}</div>
  <div class="stats">
    ${stat("offered", field("offered", f.offered ?? null, fmtInt(f.offered ?? null)))}
    ${stat("answered", field("answered", f.answered ?? null, fmtInt(f.answered ?? null)))}
    ${stat("abandoned", field("abandoned", f.abandoned ?? null, fmtInt(f.abandoned ?? null)))}
    ${stat("timed out", html`${field("timed_out", f.timed_out ?? null,
      fmtInt(f.timed_out ?? null))}${otherExits ? html` <small data-field="other_exits"
      data-value="${otherExits}">+${otherExits} other exits</small>` : ""}`)}
    ${stat("ASA", field("asa", f.asa_s ?? null, fmtDur(f.asa_s ?? null)), definitions.asa)}
    ${stat("AHT", field("aht", f.aht_s ?? null, fmtDur(f.aht_s ?? null)), definitions.aht)}
    ${stat("abandon rate", html`${field("abandon_rate", f.abandon_rate ?? null,
      fmtPct(f.abandon_rate ?? null))} <small>excl. short ${field("abandon_rate_minus_short",
      f.abandon_rate_minus_short ?? null, fmtPct(f.abandon_rate_minus_short ?? null))}</small>`,
      definitions.abandon_rate)}
    ${stat("occupancy", field("occupancy", f.occupancy ?? null, fmtPct(f.occupancy ?? null)),
      definitions.occupancy)}
  </div>
  ${agentCounts(now)}
</section>`;
}

// -- sparkline of calls waiting (totals) ------------------------------------------------

/**
 * Add a (t, waiting) sample, keeping the last SPARK_SPAN_S seconds. Runs of equal values
 * are collapsed (the last sample is moved forward). Time going back resets the history.
 * Returns the (possibly new) array.
 */
export function addSample(samples, t, waiting) {
  if (typeof t !== "number" || typeof waiting !== "number") return samples;
  let list = samples;
  const last = list[list.length - 1];
  if (last && t < last.t) list = [];
  else if (last && t === last.t) list = list.slice(0, -1);
  const n = list.length;
  if (n >= 2 && list[n - 1].v === waiting && list[n - 2].v === waiting) {
    list = list.slice(0, -1);
  }
  list = [...list, { t, v: waiting }];
  const cutoff = t - SPARK_SPAN_S;
  let first = 0;
  while (first < list.length - 1 && list[first + 1].t <= cutoff) first += 1;
  return list.slice(first); // keeps one sample at/before the cutoff for the left edge
}

/** Inline SVG step line of `samples` over [until - SPARK_SPAN_S, until] (html). */
export function sparkline(samples, until, { width = 600, height = 90 } = {}) {
  const pad = 4;
  const from = until - SPARK_SPAN_S;
  const shown = samples.filter((s) => s.t <= until);
  const max = Math.max(1, ...shown.map((s) => s.v));
  const x = (t) => (pad + (Math.max(t, from) - from) / SPARK_SPAN_S * (width - 2 * pad))
    .toFixed(1);
  const y = (v) => (height - pad - v / max * (height - 2 * pad)).toFixed(1);
  const points = [];
  shown.forEach((s, i) => {
    const next = shown[i + 1]?.t ?? until;
    points.push(`${x(s.t)},${y(s.v)}`, `${x(next)},${y(s.v)}`);
  });
  const current = shown.length ? shown[shown.length - 1].v : null;
  return html`<svg class="spark" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none"
  role="img" aria-label="calls waiting over the last hour" data-field="sparkline"
  data-samples="${shown.length}" data-max="${max}">
  <line class="axis" x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}"/>
  <polyline points="${points.join(" ")}"/>
</svg>
<div class="spark-legend"><span>−60 min</span><span>max ${max} · now ${fmtInt(current)}</span><span>now</span></div>`;
}

// -- the board ------------------------------------------------------------------------------

/** opts: { window: "day" | "15m" | ..., variant: "answered" | ..., samples: [{t, v}] } */
export function renderWallboard(data, { window = "day", variant = "answered",
  samples = [] } = {}) {
  const { label, period } = periodOf(data, window);
  const definitions = data?.definitions ?? {};
  const options = { periodLabel: label, variant, definitions };
  const tiles = queueNames(data).map((q) => renderTile(q, data?.now?.queues?.[q],
    period?.queues?.[q], options));
  const totals = renderTile(TOTALS, data?.now?.totals, period?.totals, options);
  return html`${renderFeedBanner(data?.feed)}<div class="tiles">${tiles}</div>
<div class="totals-row">${totals}
  <section class="trend"><h2>Calls waiting, last hour</h2>${
    sparkline(samples, data?.as_of ?? 0)}</section>
</div>`;
}

// -- the page ----------------------------------------------------------------------------

function setting(name, allowed, fallback) {
  const fromUrl = new URLSearchParams(location.search).get(name);
  const stored = localStorage.getItem(`callboard.wallboard.${name}`);
  for (const value of [fromUrl, stored]) if (value && allowed(value)) return value;
  return fallback;
}

function remember(name, value) {
  localStorage.setItem(`callboard.wallboard.${name}`, value);
  const params = new URLSearchParams(location.search);
  params.set(name, value);
  history.replaceState(null, "", `${location.pathname}?${params}`);
}

function syncWindowOptions(select, data, chosen) {
  const keys = ["day", ...Object.keys(data?.windows ?? {})];
  const have = [...select.options].map((o) => o.value);
  if (keys.join() === have.join()) return;
  setHtml(select, html`${keys.map((k) => html`<option value="${k}">${
    k === "day" ? "today" : `last ${k.replace(/m$/, " min")}`}</option>`)}`);
  select.value = keys.includes(chosen) ? chosen : "day";
}

function main() {
  const windowSelect = document.getElementById("window");
  const variantSelect = document.getElementById("sl-variant");
  const opts = {
    window: setting("window", (v) => /^(day|\d+m)$/.test(v), "day"),
    variant: setting("sl", (v) => SL_VARIANTS.includes(v), "answered"),
    samples: [],
  };
  variantSelect.value = opts.variant;
  const page = startPage("wallboard", (data, message) => {
    const t = data?.as_of ?? message?.sent_at;
    opts.samples = addSample(opts.samples, t, data?.now?.totals?.waiting_now);
    return renderWallboard(data, opts);
  }, (data) => {
    syncWindowOptions(windowSelect, data, opts.window);
    showFeed(data?.feed);
  });
  windowSelect.addEventListener("change", () => {
    opts.window = windowSelect.value;
    remember("window", opts.window);
    page.rerender();
  });
  variantSelect.addEventListener("change", () => {
    opts.variant = variantSelect.value;
    remember("sl", opts.variant);
    page.rerender();
  });
}

if (typeof document !== "undefined") main();
