"""The one masking rule (issue 12, finding 2): customer numbers and names masked by value
wherever they stand; the known customers folded from the log; log lines redacted."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from api.system.masking import KnownCustomers
from api.system.redaction import Redacting, install, redact_urls, uninstall
from domain.access.masking import Masker, mask_name, mask_number
from domain.complaints.complaint import Complaint
from domain.complaints.deadlines import DeadlinePolicy
from domain.outbound.dnd import DndRegistry
from domain.telephony.call import Call
from projections.customers.known import KnownCustomersFold
from tests.support.scene import Scene

T0 = 1_795_424_400.0
KNOWN = Masker(["7185555713", "+1 (305) 555-9108", "1001"], ["Donna Perez", "SALES"])


def test_a_known_number_is_masked_inside_a_channel_name() -> None:
    assert KNOWN.text("Local/7185555713@callers-00000000;1") == \
        "Local/718***5713@callers-00000000;1"
    assert KNOWN.text("SIP/trunk7185555713x") == "SIP/trunk718***5713x"


def test_a_known_number_is_masked_in_free_text_every_time_it_stands_there() -> None:
    text = "called 7185555713 twice (7185555713), then from 13055559108."
    assert KNOWN.text(text) == "called 718***5713 twice (718***5713), then from 130****9108."


def test_overlapping_known_numbers_mask_the_longest_and_leave_nothing_readable() -> None:
    masker = Masker(["7185555713", "17185555713", "5555713"])
    assert masker.text("+17185555713") == "+171****5713"
    assert masker.text("71855557137185555713") == "718***5713718***5713"
    assert masker.text("x5555713y") == "x*****13y"


def test_a_known_name_is_masked_whole_word_whatever_its_case() -> None:
    assert KNOWN.text("CallerIDName: DONNA PEREZ\r\n") == "CallerIDName: D. P.\r\n"
    assert KNOWN.text("Donna Perezz, Donna Perez.") == "Donna Perezz, D. P.."


def test_extensions_and_one_word_caller_ids_are_not_matched_by_value() -> None:
    assert KNOWN.text("agent 1001 in queue SALES") == "agent 1001 in queue SALES"


def test_an_unknown_standalone_run_of_seven_digits_is_masked_but_ids_and_dates_are_not(
) -> None:
    assert KNOWN.text("new caller 4155550000") == "new caller 415***0000"
    kept = ("1795425541.20 sales-20261123-091901-1795425541.20.wav "
            "12345678-1234-1234-1234-123456789012 C-A1234567B2 Local/1@x-00000000;1 "
            "20261123091901")
    assert KNOWN.text(kept) == kept


def test_a_view_is_masked_in_its_keys_values_and_by_the_key_rule() -> None:
    view: dict[str, Any] = {"7185555713": {"number": "1001", "customer_name": "Bob",
                                           "complained_numbers": ["12345"],
                                           "data": {"channel": "Local/7185555713@c"},
                                           "count": 7185555713}}
    assert KNOWN.value(view) == {"718***5713": {
        "number": "**01", "customer_name": "B.", "complained_numbers": ["***45"],
        "data": {"channel": "Local/718***5713@c"}, "count": 7185555713}}


def test_masked_forms() -> None:
    assert mask_number("13812345678") == "138****5678"
    assert mask_name("Nancy Taylor") == "N. T."


def test_the_fold_knows_callers_dialled_complaint_and_dnd_numbers_but_not_agents() -> None:
    fold = KnownCustomersFold()
    scene = Scene(fold)
    scene.caller("L1", T0, "3055556069", "Donna Perez", "sales")
    scene.agent("1003", "Carol Nguyen", T0, "sales")
    scene.dial("L2", T0 + 1, "1003", "6175557826")
    outbound = Call("L3", T0 + 2, "Local/1003@agents-out-1;1", "1003", "Carol Nguyen")
    scene.feed(outbound)
    complaint = Complaint.open(
        "C-1", T0, "c1", channel="phone", customer_name="Nancy Taylor",
        customer_number="+1 202 555 1910", customer_contact="2025554007", matter="m",
        category="billing", severity="normal", major_reason="", policy=DeadlinePolicy())
    registry = DndRegistry("default", T0)
    registry.add(T0, "admin", "2025556246", "admin")
    for event in [*complaint.collect_events(), *registry.collect_events()]:
        fold.apply(event)
    assert fold.numbers == {"3055556069", "6175557826", "12025551910", "2025554007",
                            "2025556246"}
    assert fold.names == {"Donna Perez", "Nancy Taylor"}
    assert fold.view(T0) == {"numbers": 5, "names": 2, "version": 7}


class Projection:
    def __init__(self, fold: KnownCustomersFold) -> None:
        self.fold, self.lock = fold, threading.RLock()


class FakeRuntime:
    def __init__(self, fold: KnownCustomersFold) -> None:
        self.projections = {"customers": Projection(fold)}

    def read(self, name: str, read: Any) -> Any:
        return read(self.projections[name].fold)


def test_the_masker_is_rebuilt_only_when_the_known_set_grew() -> None:
    fold = KnownCustomersFold()
    known = KnownCustomers(FakeRuntime(fold))  # type: ignore[arg-type]
    first = known.masker()
    assert known.masker() is first
    Scene(fold).caller("L1", T0, "3055556069", "Donna Perez", "sales")
    second = known.masker(wait=True)
    assert second is not first and known.masker() is second
    assert known.view({"channel": "Local/3055556069@c"}, "qa") == {
        "channel": "Local/305***6069@c"}
    assert known.view({"channel": "Local/3055556069@c"}, "supervisor") == {
        "channel": "Local/3055556069@c"}


def test_a_url_in_a_log_line_keeps_no_query_value_and_no_long_digit_run() -> None:
    assert redact_urls("GET /api/dnd?number=9195550115&limit=5 done") == \
        "GET /api/dnd?number=…&limit=… done"
    assert redact_urls("denied /api/customers/9195550115 to qa1") == \
        "denied /api/customers/******0115 to qa1"
    assert redact_urls("/api/calls/12345678-1234-1234-1234-123456789012/timeline") == \
        "/api/calls/12345678-1234-1234-1234-123456789012/timeline"


def record(name: str, msg: str, *args: Any, exc: Any = None) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, exc)


def test_the_log_filter_masks_messages_arguments_access_lines_and_tracebacks() -> None:
    redacting = Redacting(KNOWN.text)
    access = record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET",
                    "/api/dnd?number=7185555713", "1.1", 422)
    assert redacting.filter(access)
    assert access.getMessage() == '127.0.0.1:5 - "GET /api/dnd?number=… HTTP/1.1" 422'
    plain = record("callboard.api", "customer 7185555713 called Donna Perez")
    redacting.filter(plain)
    assert plain.getMessage() == "customer 718***5713 called D. P."
    try:
        raise ValueError("no call from 7185555713")
    except ValueError:
        failed = record("callboard.runtime", "failed", exc=sys.exc_info())
    redacting.filter(failed)
    text = logging.Formatter().format(failed)
    assert "718***5713" in text and "7185555713" not in text


def test_installing_twice_leaves_one_filter_per_logger_with_the_new_mask() -> None:
    child = logging.getLogger("callboard.test_masking_child")
    install(KNOWN.text)
    second = install(str.upper)
    filters = [f for f in child.filters if isinstance(f, Redacting)]
    assert filters == [second] and second.mask is str.upper
    assert second in logging.getLogger("uvicorn.access").filters
    uninstall(second)
    assert not [f for f in child.filters if isinstance(f, Redacting)]
