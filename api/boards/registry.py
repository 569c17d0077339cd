"""The projection catalogue moved to ``api.runtime`` (shared by every feature); these
names stay importable from here for tests/integration/test_feed_faults.py until it
imports ``api.runtime``."""

from __future__ import annotations

from api.runtime import BOARDS, NAMES, VERSION, board_policy, fold_factory, open_projection

__all__ = ["BOARDS", "NAMES", "VERSION", "board_policy", "fold_factory", "open_projection"]
