"""A fold restored from its checkpoint keeps the configuration and hooks its factory gives
in this process (policies, the complaints hook of the monitoring board), not what the
saved state held."""

from __future__ import annotations

from pathlib import Path

from adapters.projection_runner.runner import TrackedProjection
from adapters.projection_runner.store import open_view_recorder
from adapters.store.application import open_app
from projections.floor.monitoring import MonitoringProjection
from projections.workforce.kpis import KpiFold, KpiPolicy


def test_a_restored_fold_takes_its_hooks_and_policy_from_the_factory_not_the_saved_state(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    app = open_app(url)
    recorder = open_view_recorder(url, "kpis")
    policy = KpiPolicy(target_sales=7)
    first = TrackedProjection(app, recorder, lambda: KpiFold(policy=KpiPolicy()), "1")
    first.position = 1  # pretend it folded something, so the checkpoint is written
    first.checkpoint()

    numbers = {"5550001"}
    restored = TrackedProjection(app, recorder, lambda: KpiFold(policy=policy), "1")
    assert restored.saved_position == 1  # really restored, not rebuilt
    assert restored.fold.policy is policy  # type: ignore[attr-defined]

    monitoring_recorder = open_view_recorder(url, "monitoring")
    saved = TrackedProjection(app, monitoring_recorder, MonitoringProjection, "1")
    saved.position = 1
    saved.checkpoint()
    again = TrackedProjection(app, monitoring_recorder,
                              lambda: MonitoringProjection(open_numbers=lambda: numbers), "1")
    assert again.saved_position == 1
    assert again.fold.open_numbers() == numbers  # type: ignore[attr-defined]
