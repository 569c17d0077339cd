// The html tagged template: escaping by default, arrays, nesting, raw() and the sinks.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Html, attrs, html, insertHtmlAfter, join, raw, setHtml,
} from "../../api/static/html.js";
import { EVIL, EVIL_ESCAPED } from "./support.mjs";

test("every interpolation is escaped in text and in attribute values", () => {
  const out = html`<p title="${EVIL}">${EVIL}</p>`;
  assert.equal(String(out), `<p title="${EVIL_ESCAPED}">${EVIL_ESCAPED}</p>`);
});

test("the ampersand is escaped first, so entities are not double-decoded", () => {
  assert.equal(String(html`${"&lt;"}`), "&amp;lt;");
});

test("null and undefined render as nothing, numbers and booleans as text", () => {
  assert.equal(String(html`${null}|${undefined}|${0}|${false}|${2.5}`), "||0|false|2.5");
});

test("arrays are joined and nested html passes through unescaped", () => {
  const items = ["a<", "b"].map((x) => html`<li>${x}</li>`);
  assert.equal(String(html`<ul>${items}</ul>`), "<ul><li>a&lt;</li><li>b</li></ul>");
});

test("a plain string that looks like markup is still escaped", () => {
  assert.equal(String(html`${"<b>x</b>"}`), "&lt;b&gt;x&lt;/b&gt;");
});

test("raw markup is written as is and is the only way around escaping", () => {
  assert.equal(String(html`${raw("<br>")}`), "<br>");
  assert.ok(raw("x") instanceof Html);
});

test("an html result is a marker object, not a string", () => {
  const out = html`<b>${"x"}</b>`;
  assert.equal(typeof out, "object");
  assert.ok(out instanceof Html);
  assert.ok(Object.isFrozen(out));
});

test("an unquoted attribute value is refused", () => {
  assert.throws(() => html`<a title=${"x onclick=y"}>`, /quote the attribute value/);
});

test("attrs escapes values, skips null and false and writes true bare", () => {
  const out = attrs({ title: EVIL, hidden: true, "data-x": null, checked: false, n: 0 });
  assert.equal(String(out), ` title="${EVIL_ESCAPED}" hidden n="0"`);
});

test("attrs refuses an attribute name that could break out of the tag", () => {
  assert.throws(() => attrs({ "a onclick": "x" }), /bad attribute name/);
  assert.throws(() => attrs({ "a>": "x" }), /bad attribute name/);
});

test("join escapes text items and the separator but keeps html items", () => {
  assert.equal(String(join(["<a>", html`<b>`], " & ")), "&lt;a&gt; &amp; <b>");
});

test("setHtml writes an html result and refuses a plain string", () => {
  const element = { innerHTML: "" };
  setHtml(element, html`<i>${"<x>"}</i>`);
  assert.equal(element.innerHTML, "<i>&lt;x&gt;</i>");
  assert.throws(() => setHtml(element, "<i>x</i>"), /not a string/);
  assert.equal(element.innerHTML, "<i>&lt;x&gt;</i>");
});

test("insertHtmlAfter inserts an html result and refuses a plain string", () => {
  const calls = [];
  const element = { insertAdjacentHTML: (where, text) => calls.push([where, text]) };
  insertHtmlAfter(element, html`<tr>${"<x>"}</tr>`);
  assert.deepEqual(calls, [["afterend", "<tr>&lt;x&gt;</tr>"]]);
  assert.throws(() => insertHtmlAfter(element, "<tr></tr>"), /not a string/);
});
