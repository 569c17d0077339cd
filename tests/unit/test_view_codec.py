"""A saved view's state is tagged JSON that cannot run code: every fold of the catalogue
goes through it and comes back the same (shared records still shared); anything the
folds do not name (another class, a defaultdict of another factory, a malformed document)
is refused; and a signed view with one byte changed is refused before it is read."""

from __future__ import annotations

import ast
import math
import pickle
import zlib
from collections import Counter, defaultdict, deque
from datetime import time
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest

from adapters.projection_runner.allowlist import state_classes
from adapters.projection_runner.codec import StateCodec, ViewRefused
from adapters.projection_runner.envelope import open_state, seal_state, view_key
from api.runtime import FOLDS, Hooks
from projections.business_day import BoardPolicy
from projections.floor.live_state import SupervisorNow
from projections.floor.visits import AgentFacts, Visit
from projections.floor.wallboard import WallboardProjection
from tests.support.scene import Scene
from tests.unit.test_fold_checkpoints import T0, Tape, first_half, second_half

POLICY = BoardPolicy(timezone="Europe/Paris", day_start=time(6, 30), windows_min=(15, 60),
                     service_level_s={"sales": 30})
KEY = view_key(b"the audit key")


@pytest.fixture(scope="module")
def events() -> list[Any]:
    """A morning: calls, a dial, a complaint, QA, pauses, and a supervisor listening in."""
    tape = Tape()
    scene = Scene(tape)
    second_half(scene, tape, first_half(scene, tape))
    call = scene.caller("L4", T0 + 2100, "5550004", "Di Fay", "sales")
    scene.answer(call, T0 + 2110, "sales", "1001")
    scene.spy("S1", T0 + 2120, call, "qB")
    return tape.events


def folded(name: str, events: list[Any]) -> Any:
    fold = FOLDS[name](POLICY, Hooks())
    for event in events:
        fold.apply(event)
    return fold


def canonical(data: bytes) -> Any:
    """The document with the items of its sets sorted (a set rebuilt may iterate in
    another order)."""
    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            out = {key: walk(value) for key, value in node.items()}
            for tag in ("s", "S"):
                if tag in out:
                    out[tag] = sorted(out[tag], key=orjson.dumps)
            return out
        return node
    return walk(orjson.loads(data))


def document(state: bytes, classes: bytes = b"[]") -> bytes:
    """A saved state as someone who can write the view could write it."""
    return b'{"classes": ' + classes + b', "state": ' + state + b"}"


def codec_of(fold: Any) -> StateCodec:
    return StateCodec(state_classes(type(fold)))


@pytest.mark.parametrize("name", sorted(FOLDS))
def test_every_fold_of_the_catalogue_comes_back_from_the_codec_with_the_same_view(
        name: str, events: list[Any]) -> None:
    fold = folded(name, events)
    codec = codec_of(fold)
    data = codec.encode(fold)
    back = codec.decode(data)
    assert type(back) is type(fold)
    assert back.view(T0 + 2200) == fold.view(T0 + 2200)
    assert canonical(codec.encode(back)) == canonical(data)  # nothing lost, nothing added
    for event in events[-3:]:  # the handler tables work again
        back.apply(event)


def test_records_shared_between_places_in_a_fold_stay_one_record(events: list[Any]) -> None:
    fold = folded("wallboard", events)
    back = codec_of(fold).decode(codec_of(fold).encode(fold))
    open_visits = list(back.stats._open_visits.values())
    assert open_visits and all(any(v is w for w in back.stats.visits) for v in open_visits)
    for extension, agent in back.floor.agents.items():
        assert back.floor._by_interface[agent.interface] is back.floor.agents[extension]
    assert any(isinstance(s, SupervisorNow) for c in back.floor.calls.values()
               for s in c.supervisors.values())


def test_plain_values_come_back_as_they_were() -> None:
    shared = [1.5, None]
    value = {
        "text": "é\u2603", "int": -(2**63), "big": 2**80, "floats": [math.inf, -math.inf, 0.1],
        "tuple_keys": {("a", 1): {"x"}, (UUID(int=7), "q"): frozenset({1, 2})},
        "counter": Counter({"sales": 3, 7: 1}), "lists": defaultdict(list, {"a": [1]}),
        "ints": defaultdict(int), "counters": defaultdict(Counter, {"x": Counter(a=1)}),
        "recent": deque([1, 2], maxlen=5), "bytes": b"\x00\xff", "at": time(6, 30, 1, 5),
        "empty": {}, "shared": shared, "again": shared, "nested": ((), [[]], {1: {2: 3}}),
        "bools": [True, False, 1, 0],
    }
    back = StateCodec(()).decode(StateCodec(()).encode(value))
    nan = StateCodec(()).decode(StateCodec(()).encode(math.nan))
    assert back == value and math.isnan(nan)
    assert back["again"] is back["shared"] and back["recent"].maxlen == 5
    assert [type(x) for x in back["bools"]] == [bool, bool, int, int]
    assert type(back["lists"]) is defaultdict and back["lists"].default_factory is list
    assert type(back["nested"][0]) is tuple and type(back["counter"]) is Counter


def test_a_cycle_comes_back_as_a_cycle() -> None:
    facts = AgentFacts("Alice", "Local/1001@agents/n")
    facts.logins["sales"].append([1.0, math.inf])
    loop: list[Any] = [facts]
    loop.append(loop)
    codec = StateCodec([AgentFacts])
    back = codec.decode(codec.encode(loop))
    assert back[1] is back and back[0] == facts


def test_the_codec_refuses_a_class_it_was_not_given() -> None:
    visit = Visit("sales", T0, "1.1")
    data = StateCodec([Visit]).encode({"v": visit})
    with pytest.raises(ViewRefused, match="not allowed"):
        StateCodec([AgentFacts]).decode(data)
    for name in ("os.system", "builtins.eval", "subprocess.Popen",
                 "projections.floor.visits.Visit "):
        with pytest.raises(ViewRefused, match="not allowed"):
            StateCodec([Visit]).decode(orjson.dumps({"classes": [[name, []]], "state": 1}))
    with pytest.raises(TypeError, match="state_classes"):
        StateCodec([]).encode(visit)  # the writer says what to do, too


def test_the_codec_refuses_a_defaultdict_of_a_factory_not_allowed() -> None:
    for factory in ("builtins.eval", "os.system", "tuple", "lambda"):
        with pytest.raises(ViewRefused, match="factory not allowed"):
            StateCodec(()).decode(document(orjson.dumps({"dd": [factory, ["a", 1]]})))
    with pytest.raises(TypeError, match="defaultdict"):
        StateCodec(()).encode(defaultdict(lambda: 0))


@pytest.mark.parametrize("state", [
    b'{"d": {}, "t": []}', b'{"zz": 1}', b'{"r": 0}', b'[{"r": -1}]', b'[{"r": 1}]',
    b'{"D": [1]}', b'{"D": [[], 1]}', b'{"o": [0]}', b'{"o": ["x", 1]}', b'{"f": "1e999"}',
    b'{"u": "not-a-uuid"}', b'{"b": "**"}', b'{"q": [-1, []]}', b'{"s": [[]]}',
    b'{"t": {"a": 1}}', b"[" * 900 + b"]" * 900, b'{"t": ' * 600 + b"[]" + b"}" * 600,
])
def test_a_malformed_state_is_refused_with_a_clear_error(state: bytes) -> None:
    with pytest.raises(ViewRefused, match="malformed"):
        StateCodec([Visit]).decode(document(state))


@pytest.mark.parametrize("data", [
    b"", b"not json", b"\x80\x04K\x01.", b"[]", b'{"state": 1}', b'{"classes": 1, "state": 1}',
    document(b"1", b'[["projections.floor.visits.Visit", [1]]]'),
    document(b'{"o": [0, "a"]}', b'[["projections.floor.visits.Visit", ["queue", "x"]]]'),
    document(b'{"o": [1]}', b'[["projections.floor.visits.Visit", []]]'),
])
def test_a_malformed_document_is_refused_with_a_clear_error(data: bytes) -> None:
    with pytest.raises(ViewRefused, match="malformed"):
        StateCodec([Visit]).decode(data)


def test_a_wallboard_state_is_refused_as_the_state_of_another_class() -> None:
    board = WallboardProjection()
    data = codec_of(board).encode(board)
    with pytest.raises(ViewRefused, match="not allowed"):
        StateCodec(state_classes(FOLDS["kpis"](POLICY, Hooks()).__class__)).decode(data)


def test_a_signed_state_with_any_one_byte_changed_is_refused() -> None:
    payload = StateCodec(()).encode({"calls": list(range(50))})
    sealed = seal_state(payload, KEY, "wallboard", "5:p", 42)
    assert open_state(sealed, KEY, "wallboard", "5:p", 42) == payload
    for i in range(len(sealed)):
        changed = bytearray(sealed)
        changed[i] ^= 0x01
        with pytest.raises(ViewRefused):
            open_state(bytes(changed), KEY, "wallboard", "5:p", 42)


@pytest.mark.parametrize("where", [("agents", "5:p", 42), ("wallboard", "4:p", 42),
                                   ("wallboard", "5:p", 41)])
def test_a_signed_state_is_refused_for_another_projection_version_or_position(
        where: tuple[str, str, int]) -> None:
    sealed = seal_state(b"{}", KEY, "wallboard", "5:p", 42)
    with pytest.raises(ViewRefused, match="signature"):
        open_state(sealed, KEY, *where)


def test_with_a_key_an_unsigned_state_or_one_signed_with_another_key_is_refused() -> None:
    with pytest.raises(ViewRefused, match="not signed"):
        open_state(seal_state(b"{}", None, "w", "5", 1), KEY, "w", "5", 1)
    with pytest.raises(ViewRefused, match="signature"):
        open_state(seal_state(b"{}", view_key(b"other"), "w", "5", 1), KEY, "w", "5", 1)
    assert open_state(seal_state(b"{}", None, "w", "5", 1), None, "w", "5", 1) == b"{}"


def test_an_old_pickled_state_is_refused_as_another_format_never_unpickled() -> None:
    old = zlib.compress(pickle.dumps({"a": 1}), 1)
    for key in (KEY, None):
        with pytest.raises(ViewRefused, match="not a saved view of this format"):
            open_state(old, key, "wallboard", "5", 1)


def test_a_state_that_inflates_beyond_the_limit_is_refused_not_inflated() -> None:
    sealed = seal_state(b"[" + b"0," * 100_000 + b"0]", None, "w", "5", 1)
    with pytest.raises(ViewRefused, match="larger than"):
        open_state(sealed, None, "w", "5", 1, limit=10_000)


def test_no_module_of_the_server_imports_a_loader_that_can_run_code() -> None:
    root = Path(__file__).parent.parent.parent
    loaders = {"pickle", "_pickle", "cPickle", "dill", "cloudpickle", "jsonpickle", "marshal",
               "shelve"}
    found = []
    for package in ("domain", "adapters", "projections", "api"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                found += [f"{path.relative_to(root)}: {n}" for n in names
                          if n.split(".")[0] in loaders]
    assert found == []
