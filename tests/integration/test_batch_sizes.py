"""What a capture means does not depend on how ingestion batches it: the domain events of
every recorded scenario are the same with batches of 7 frames and of 1,000 (a frame with
no time of its own is dated by the next parsed ``Timestamp`` in the stream, never by where
a batch happens to end)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from adapters.ami.capture import capture_items
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import open_app, read_events
from tests.conftest import SCENARIOS

Domain = dict[Any, list[tuple[str, dict[str, Any]]]]
NOT_DOMAIN = ("domain.telephony.feed", "domain.audit")  # frames, high-water marks, seals


def domain_of(scenario: str, batch_size: int) -> Domain:
    app = open_app("memory://")
    logging.getLogger("callboard.ingest").disabled = True  # the scenarios' own refusals
    try:
        Ingestor(app, batch_size=batch_size).ingest(capture_items(SCENARIOS[scenario]))
        domain: Domain = {}
        for event in read_events(app):
            if type(event).__module__ in NOT_DOMAIN:
                continue
            state = {k: v for k, v in vars(event).items() if k != "timestamp"}
            domain.setdefault(event.originator_id, []).append(
                (type(event).__qualname__, state))
        return domain
    finally:
        logging.getLogger("callboard.ingest").disabled = False
        app.close()


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_capture_means_the_same_whatever_the_batch_size(scenario: str) -> None:
    assert domain_of(scenario, 7) == domain_of(scenario, 1000)
