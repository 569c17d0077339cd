// /calls after a Listen click: the PBX only queues the Originate; the banner says so, then
// the outcome the PBX reported (connected, or failed with its reason).
import assert from "node:assert/strict";
import { test } from "node:test";

import { outcomeText } from "../../api/static/calls.js";

const fields = { Channel: "Local/9001@supervisor" };

test("a queued listen is shown as queued, not as done", () => {
  const text = outcomeText("listen", { state: "queued", fields,
    message: "Originate successfully queued" });
  assert.equal(text, "listen: Originate successfully queued, waiting for the PBX's " +
    "outcome (from Local/9001@supervisor)");
});

test("a listen the PBX could not connect is shown failed with the PBX's reason", () => {
  const text = outcomeText("listen", { state: "failed", fields,
    detail: "Failure (Reason 0: the channel could not be created)" });
  assert.equal(text, "listen failed on the PBX: Failure (Reason 0: the channel could not " +
    "be created) (from Local/9001@supervisor)");
});

test("a connected whisper is shown connected", () => {
  assert.equal(outcomeText("whisper", { state: "connected", fields }),
    "whisper: connected (from Local/9001@supervisor)");
});
