"""A busy-hour-sized synthetic AMI capture built from the recorded scenarios.

The shared captures (basic-day, supervision, outbound-telesales and the three restart
segments, in recording order) are concatenated as one connection, then the whole set is
repeated until the workload holds at least ``min_frames`` frames. Copy ``k`` is shifted by
``k * period`` seconds, where ``period`` is ``GAP_S`` longer than the span of all the
epochs in one copy (timestamps and Uniqueids alike), so:

* copies follow one another in time (``Timestamp`` and the agents' ``LoginTime``,
  ``LastCall``, ``LastPause`` epochs move by the offset);
* call identifiers never collide between copies: the epoch part of every header whose
  name ends in ``Uniqueid`` or ``Linkedid`` (any case: ``UniqueID`` in ``Cdr``,
  ``SpyeeLinkedid``, ``TransfereeLinkedid``, ...) moves by the same offset, and the
  bridge UUIDs (``BridgeUniqueid``) get ``k`` added to their first 32 bits.

Only the first file of the first copy keeps its banner and login response; every later
file loses both, so the result reads as one long AMI session. Channel names and other
values (``EventTV``, recording file names, ``Uptime``) are left as recorded.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from adapters.ami.frames import BANNER_PREFIX

__all__ = [
    "DEFAULT_FRAMES",
    "SCENARIO_FILES",
    "build_workload",
    "count_frames",
    "fixtures_dir",
    "write_workload",
]

DEFAULT_FRAMES = 200_000
SCENARIO_FILES = (
    "basic-day/basic-day.ami",
    "supervision/supervision.ami",
    "outbound-telesales/outbound-telesales.ami",
    "restart/restart.seg1.ami",
    "restart/restart.seg2.ami",
    "restart/restart.seg3.ami",
)
# Quiet time between the end of one copy and the start of the next. Keep it short:
# ``FullyBooted`` carries no Timestamp, and in the middle of a connection ingestion dates it
# by the last event seen, so a long silence before a copy's first ``FullyBooted`` would
# make the copy's later ones (at its reconnects) look like a fresh boot of the PBX that
# loses the calls in flight.
GAP_S = 1

# Header values to shift: an epoch (ten digits or so, then "." or end of line) or a UUID.
_SHIFTED = re.compile(
    rb"\n((?i:[A-Za-z]*(?:uniqueid|linkedid))|Timestamp|LoginTime|LastCall|LastPause): "
    rb"(?:(\d{9,})(?=[.\r])|([0-9a-f]{8})(?=-[0-9a-f]{4}-))"
)
_LOGIN = re.compile(rb"Response: Success\r\n(?:[^\r\n]*\r\n)*?ActionID: rec-login\r\n")
_END = b"\r\n\r\n"


def fixtures_dir() -> Path:
    """``tests/fixtures`` of this checkout."""
    return Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def count_frames(data: bytes) -> int:
    """Frames as ``adapters.ami.frames.parse_buffer`` splits them (the banner is one)."""
    return data.count(_END) + (1 if data.startswith(BANNER_PREFIX) else 0)


def _strip_session_start(data: bytes) -> bytes:
    """Drop the banner line and the login response that follows it."""
    if data.startswith(BANNER_PREFIX):
        data = data[data.index(b"\r\n") + 2:]
    end = data.find(_END)
    if end >= 0 and _LOGIN.match(data, 0, end + 2):
        data = data[end + 4:]
    return data


class _Template:
    """A file cut at every value to shift: ``literals[0] value[0] literals[1] ...``.
    A value is an epoch (nine digits or more) or a UUID's first eight hex digits."""

    def __init__(self, data: bytes) -> None:
        self.literals: list[bytes] = []
        self.values: list[bytes] = []
        pos = 0
        for match in _SHIFTED.finditer(data):
            start, end = match.span(2) if match.group(2) is not None else match.span(3)
            self.literals.append(data[pos:start])
            self.values.append(data[start:end])
            pos = end
        self.literals.append(data[pos:])

    def render(self, mapping: dict[bytes, bytes]) -> bytes:
        parts: list[bytes] = [b""] * (2 * len(self.values) + 1)
        parts[0::2] = self.literals
        parts[1::2] = [mapping[value] for value in self.values]
        return b"".join(parts)


def _shift(value: bytes, offset: int, copy: int) -> bytes:
    if len(value) > 8:  # an epoch
        return b"%d" % (int(value) + offset)
    return b"%08x" % ((int(value, 16) + copy) & 0xFFFFFFFF)  # a UUID's first field


def build_workload(min_frames: int = DEFAULT_FRAMES, *, root: Path | None = None) -> bytes:
    """One synthetic capture of at least ``min_frames`` frames (whole copies only)."""
    base = root or fixtures_dir()
    files = [(base / name).read_bytes() for name in SCENARIO_FILES]
    rest = [_strip_session_start(data) for data in files]
    templates = [_Template(data) for data in rest]
    distinct = {value for template in templates for value in template.values}
    epochs = [int(value) for value in distinct if len(value) > 8]
    if not epochs:
        raise ValueError("no Timestamp or Uniqueid values in the captures")
    period = max(epochs) - min(epochs) + GAP_S
    per_copy = sum(count_frames(data) for data in rest)
    copies = max(1, math.ceil((min_frames - 2) / per_copy))  # 2: banner and login
    parts: list[bytes] = [files[0], *rest[1:]]  # copy 0 as recorded, one session start
    for copy in range(1, copies):
        mapping = {value: _shift(value, copy * period, copy) for value in distinct}
        parts.extend(template.render(mapping) for template in templates)
    return b"".join(parts)


def write_workload(path: Path, min_frames: int = DEFAULT_FRAMES) -> tuple[Path, int]:
    """Build the workload, write it to ``path``; returns the path and its frame count."""
    data = build_workload(min_frames)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, count_frames(data)


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Write the synthetic AMI workload.")
    parser.add_argument("output", type=Path)
    parser.add_argument("--frames", type=int, default=DEFAULT_FRAMES)
    args = parser.parse_args()
    started = time.perf_counter()
    path, frames = write_workload(args.output, args.frames)
    print(f"{path}: {frames} frames, {path.stat().st_size / 1e6:.1f} MB "
          f"in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
