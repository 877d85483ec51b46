"""Flood mode with hysteresis (``aggregate.flood_episode``) and the gate trend the wall
draws (``aggregate.trend_points``): pure, no database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dashboard.wall.aggregate import FLOOD_CALM, WallInputs, flood_episode, gate_rows, trend_points

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
S3, S2, S1 = 750, 850, 950


def gate(code: str, name: str, url: str | None = None) -> dict:
    return {"code": code, "name": name, "river": "Ciliwung", "snapshot_url": url,
            "siaga3_cm": S3, "siaga2_cm": S2, "siaga1_cm": S1}


def siaga(level: float) -> int:
    return 1 if level >= S1 else 2 if level >= S2 else 3 if level >= S3 else 4


def inputs(series: dict[str, list[float]], step_minutes: int = 5) -> WallInputs:
    """Each gate's levels, one every ``step_minutes``, the last one at NOW."""
    trends, levels = {}, {}
    for code, values in series.items():
        times = [NOW - timedelta(minutes=step_minutes * (len(values) - 1 - i)) for i in range(len(values))]
        trends[code] = list(zip(times, values))
        levels[code] = {"observed_at": times[-1], "level_cm": values[-1], "siaga": siaga(values[-1])}
    return WallInputs(version=1, gates=[gate(c, f"PA {c}") for c in series], levels=levels, trends=trends)


def test_enters_at_siaga_2_and_names_the_worst_gate_since_its_first_alarm():
    ep = flood_episode(inputs({"a": [700, 860, 870], "b": [800, 900, 960]}), NOW)
    assert ep == {"gate": "b", "name": "PA b", "siaga": 1, "since": "2026-11-27T02:55:00Z", "calm_since": None}
    assert flood_episode(inputs({"a": [700, 800, 849], "b": [100, 100, 100]}), NOW) is None  # Siaga 3 is not a flood


def test_a_level_hovering_at_the_threshold_does_not_flap():
    hovering = [849, 851] * 12  # crosses Siaga 2 every 5 minutes for two hours
    for n in range(2, len(hovering) + 1):  # the wall's answer after each new reading
        ep = flood_episode(inputs({"a": hovering[:n]}), NOW)
        first_alarm = NOW - timedelta(minutes=5 * (n - 2))  # hovering[1]
        assert ep is not None and ep["since"] == first_alarm.isoformat().replace("+00:00", "Z")


def test_leaves_only_after_every_gate_stayed_below_for_the_calm_time():
    calm_minutes = int(FLOOD_CALM.total_seconds() // 60)
    below = [800] * (calm_minutes // 5)  # below Siaga 2 for calm - 5 min
    ep = flood_episode(inputs({"a": [860, 870] + below, "b": [700] * (len(below) + 2)}), NOW)
    assert ep is not None and ep["gate"] == "a" and ep["calm_since"] == "2026-11-27T02:35:00Z"
    assert flood_episode(inputs({"a": [860, 870] + below + [800], "b": [700] * (len(below) + 3)}), NOW) is None
    # a second gate in alarm before the calm time is over keeps the episode (and is the one named)
    ep = flood_episode(inputs({"a": [860, 870] + below + [800], "b": [700] * len(below) + [855, 856, 857]}), NOW)
    assert ep["gate"] == "b" and ep["since"] == "2026-11-27T02:20:00Z" and ep["calm_since"] is None


def test_an_episode_continues_across_gates_and_keeps_its_first_start():
    # a goes below at 02:30, b rises at 02:50 (within the calm time): one episode from a's start
    a = [860] * 3 + [800] * 7  # 02:15..02:25 alarm, calm from 02:30
    b = [700] * 7 + [860] * 3  # alarm from 02:50
    ep = flood_episode(inputs({"a": a, "b": b}), NOW)
    assert ep["since"] == "2026-11-27T02:15:00Z" and ep["gate"] == "b"


def test_a_dead_sensor_in_alarm_does_not_hold_flood_mode():
    stale = inputs({"a": [900, 900]})
    for r in (stale.levels["a"],):
        r["observed_at"] = NOW - timedelta(hours=4)
    stale.trends["a"] = [(NOW - timedelta(hours=4, minutes=5), 900.0), (NOW - timedelta(hours=4), 900.0)]
    assert flood_episode(stale, NOW) is None


def test_trend_keeps_six_hours_one_peak_per_step():
    readings = [(NOW - timedelta(minutes=m), float(1000 - m)) for m in range(0, 8 * 60)]
    points = trend_points(readings, NOW)
    assert len(points) <= 37 and points[-1] == ["2026-11-27T03:00:00Z", 1000.0]
    first = datetime.fromisoformat(points[0][0].replace("Z", "+00:00"))
    assert NOW - first <= timedelta(hours=6)
    spike = readings + [(NOW - timedelta(minutes=90, seconds=30), 5000.0)]
    assert max(v for _, v in trend_points(spike, NOW)) == 5000.0  # a peak is never thinned away


def test_gate_rows_carry_thresholds_and_say_when_a_still_is_simulated():
    data = inputs({"a": [700, 710]})
    data.gates = [gate("a", "PA a"), gate("b", "PA b", url="http://cam.example/b.jpg")]
    data.levels["b"], data.trends["b"] = dict(data.levels["a"]), list(data.trends["a"])
    data.cameras = {"a": {"ok": True}, "b": {"ok": True}}
    rows = {r["code"]: r for r in gate_rows(data, NOW)}
    assert rows["a"]["thresholds"] == {"3": S3, "2": S2, "1": S1}
    assert rows["a"]["camera"]["simulated"] is True and rows["b"]["camera"]["simulated"] is False
