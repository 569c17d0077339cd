// The `html` tagged template: every page builds its markup with it, so a value that comes
// from the server (a customer's name, a note, a queue name) can never become markup.
// Escaping is the default and the only way around it is an explicit raw().
//
//   html`<td title="${note}">${name}</td>`   -> both values escaped (& < > " ')
//   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`  -> arrays joined, nested
//                                                               html passed through
//   raw("<br>")                              -> trusted markup, written as is
//
// An html result is a Html object, not a string: a string concatenated to it stops being
// trusted, and setHtml() (the one way the pages write innerHTML) refuses plain strings.
// Escaping makes text and quoted attribute values safe; it does not make a URL safe in
// href/src, so no page interpolates a URL that comes from data.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const ATTRIBUTE_NAME = /^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/;
const UNQUOTED_ATTRIBUTE = /=\s*$/;

/** Markup that is already safe: the result of html`…` or raw(). */
export class Html {
  constructor(text) {
    this.text = text;
    Object.freeze(this);
  }

  toString() {
    return this.text;
  }
}

/** Escape text for use inside HTML text or a quoted attribute value. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Trusted markup, written without escaping. Use only for markup the page itself wrote. */
export function raw(markup) {
  return new Html(String(markup ?? ""));
}

function part(value) {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(part).join("");
  return esc(value); // null and undefined become ""
}

/**
 * The tagged template. An interpolation right after `=` (an unquoted attribute value)
 * throws: escaping cannot make an unquoted value safe, so the markup must quote it.
 */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i += 1) {
    if (UNQUOTED_ATTRIBUTE.test(strings[i]) && !(values[i] instanceof Html)) {
      throw new Error(`html: quote the attribute value after ${JSON.stringify(
        strings[i].slice(-30))}`);
    }
    out += part(values[i]) + strings[i + 1];
  }
  return new Html(out);
}

/**
 * ` name="value"` for each entry of `attrs` whose value is not null/undefined/false
 * (true writes the bare attribute). Names are checked, values escaped.
 */
export function attrs(map) {
  const out = [];
  for (const [name, value] of Object.entries(map ?? {})) {
    if (!ATTRIBUTE_NAME.test(name)) throw new Error(`html: bad attribute name ${name}`);
    if (value === null || value === undefined || value === false) continue;
    out.push(value === true ? ` ${name}` : ` ${name}="${esc(value)}"`);
  }
  return new Html(out.join(""));
}

/** Join html fragments (or text, escaped) with a separator (text, escaped). */
export function join(items, separator = "") {
  return new Html((items ?? []).map(part).join(esc(separator)));
}

/**
 * Write `content` (an html result) into `element`. A plain string is refused: it would
 * be markup nobody escaped.
 */
export function setHtml(element, content) {
  if (!(content instanceof Html)) {
    throw new TypeError("setHtml takes the result of html`…` or raw(), not a string: " +
      "build the markup with html`…` so every value is escaped");
  }
  element.innerHTML = content.text;
}

/** Insert `content` (an html result) right after `element`; plain strings are refused. */
export function insertHtmlAfter(element, content) {
  if (!(content instanceof Html)) {
    throw new TypeError("insertHtmlAfter takes the result of html`…` or raw(), not a string");
  }
  element.insertAdjacentHTML("afterend", content.text);
}
