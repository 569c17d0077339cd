// After login the page goes to ?next=: only a path of this site may be that target
// (issue 12, finding 4: "/%09/127.0.0.1:9/pwned" sent the browser to another host).
import assert from "node:assert/strict";
import { test } from "node:test";

import { safeNext } from "../../api/static/app.js";

const ORIGIN = "http://127.0.0.1:8000";
const next = (value) => safeNext(value, "/wallboard", ORIGIN);
// What the browser does with the target: resolve it against the page's address.
const landsOn = (value) => new URL(next(value), `${ORIGIN}/login`).origin;

test("a path of this site is kept, with its query and fragment", () => {
  for (const path of ["/calls", "/calls?a=1&b=%2F%2Fx", "/qa#form", "/", "/..//evil"]) {
    assert.equal(next(path), path);
    assert.equal(landsOn(path), ORIGIN);
  }
});

test("a tab, CR or LF after the slash does not smuggle in another host", () => {
  const query = new URLSearchParams("next=/%09/127.0.0.1:9/pwned&a=/%0a/evil&b=/%0d/evil");
  for (const value of [query.get("next"), query.get("a"), query.get("b")]) {
    assert.equal(next(value), "/wallboard", JSON.stringify(value));
  }
  for (const value of ["/\t/evil", "/\n/evil", "/\r/evil", "/\u0000/evil", "/ok\u007f",
    "/x\ty", "/\u0085/evil"]) {
    assert.equal(next(value), "/wallboard", JSON.stringify(value));
  }
});

test("another host, a scheme or a backslash is refused", () => {
  for (const value of ["//evil.example/", "/\\evil.example", "\\\\evil.example",
    "/x\\..\\..\\evil", "https://evil.example/", "http://127.0.0.1:9/pwned",
    "javascript:alert(1)", "data:text/html,x", "evil.example/path", " /calls", "",
    "///evil.example"]) {
    assert.equal(next(value), "/wallboard", JSON.stringify(value));
  }
});

test("no next, or a next that is not text, goes to the fallback", () => {
  assert.equal(next(null), "/wallboard");
  assert.equal(next(undefined), "/wallboard");
  assert.equal(safeNext(["/calls"], "/home", ORIGIN), "/home");
});

test("every target kept stays on the origin it was checked against", () => {
  const tries = ["/a", "/%2F%2Fevil", "/@evil.example", "/.evil.example", "/:@evil/",
    "/%5Cevil", "/;//evil"];
  for (const value of tries) assert.equal(landsOn(value), ORIGIN, value);
});

test("without a page origin (node) the check still holds", () => {
  assert.equal(safeNext("/calls"), "/calls");
  assert.equal(safeNext("/\t/evil"), "/wallboard");
});
