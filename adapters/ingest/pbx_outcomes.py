"""Ingestion's route for ``OriginateResponse``: the outcome of an Async Originate goes to
the ``PbxAction`` that sent it (found by its ActionID), written in the same transaction
as the batch whose frame told it, so a restart between the request and the outcome loses
nothing (the frame and the event are stored together).

The telephony handler never sees these: ``domain.telephony`` does not know PBX actions
(the domain features stay independent), so the route lives here, on the adapters side.
The outcome can be read before the service has saved the PBX's answer to the same action
(one socket, two threads): it then waits, in memory, for the next batch (the watchdog's
pings bring one every second) so the two writers never race for the aggregate's next
version; after ``wait_s`` it is written anyway (the service died in between).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from eventsourcing.application import AggregateNotFoundError

from adapters.ami.frames import Message
from adapters.ami.translation import originate_outcome
from adapters.store.application import CallCenter
from domain.errors import CallboardError
from domain.pbx_actions.action import OriginateOutcome, PbxAction, pbx_action_id

__all__ = ["PbxOutcomes"]

log = logging.getLogger("callboard.ingest")


class PbxOutcomes:
    """Outcomes read from the feed, waiting to be folded into their ``PbxAction``."""

    def __init__(self, app: CallCenter, *, wait_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.wait_s, self.clock = app, wait_s, clock
        self._pending: dict[str, tuple[OriginateOutcome, float]] = {}

    def read(self, message: Message, at: float) -> None:
        """Keep the frame's outcome if it is an ``OriginateResponse``."""
        if message.event == "OriginateResponse" and (
                outcome := originate_outcome(message, at)) is not None:
            self._pending.setdefault(outcome.action_id, (outcome, self.clock()))

    def ready(self) -> list[PbxAction]:
        """The actions concluded now, to be saved with the batch. Outcomes for ActionIDs
        Callboard did not send (another AMI client's, a capture's) are dropped."""
        concluded: list[PbxAction] = []
        for action_id, (outcome, noted) in list(self._pending.items()):
            try:
                action: object = self.app.repository.get(pbx_action_id(action_id))
            except AggregateNotFoundError:
                del self._pending[action_id]
                continue
            if not isinstance(action, PbxAction):
                del self._pending[action_id]
                continue
            if action.outcome is None and self.clock() - noted < self.wait_s:
                continue  # the service has not saved the PBX's answer yet
            del self._pending[action_id]
            try:
                action.conclude(outcome)
            except CallboardError as error:
                log.warning("OriginateResponse for PBX action %s not recorded: %s",
                            action_id, error)
                continue
            concluded.append(action)
        return concluded
