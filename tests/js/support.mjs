// What the render tests share: hostile values and the checks that they came out escaped.
import assert from "node:assert/strict";

// Every character the html template must escape, in text and in attribute values.
export const EVIL = `<script>alert("x")</script>' onmouseover='y`;
export const EVIL_ESCAPED =
  "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y";

/** `out` (an html result) shows EVIL only escaped, and at least `times` times. */
export function assertEscaped(out, times = 1) {
  const text = String(out);
  assert.ok(!text.includes("<script"), `unescaped markup in:\n${text}`);
  assert.ok(!text.includes("' onmouseover='"), `unescaped quote in:\n${text}`);
  const seen = text.split(EVIL_ESCAPED).length - 1;
  assert.ok(seen >= times, `expected EVIL escaped ${times} time(s), saw ${seen} in:\n${text}`);
}

/** The `[data-field=name]` element's data-value and text, read from the markup. */
export function fieldOf(out, name) {
  const text = String(out);
  const at = text.indexOf(`data-field="${name}"`);
  assert.ok(at >= 0, `no data-field="${name}" in:\n${text}`);
  const value = /data-value="([^"]*)"/.exec(text.slice(at))?.[1];
  const start = text.indexOf(">", at) + 1;
  return { value, text: text.slice(start, text.indexOf("<", start)) };
}
