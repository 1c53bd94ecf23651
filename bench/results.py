"""The result format of issue 10: bench/results/latest.json and the table in docs/performance.md."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sysconfig
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
DOC = ROOT / "docs" / "performance.md"
BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"
NOT_MEASURED = "not measured: module missing"


@dataclass
class Metric:
    name: str
    value: float | str
    unit: str
    target: float | None
    better: str  # "lower" | "higher"
    note: str = ""

    @property
    def met(self) -> bool | None:
        if not isinstance(self.value, (int, float)) or self.target is None:
            return None
        if isinstance(self.value, float) and math.isnan(self.value):
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target


def machine() -> str:
    cpus = os.cpu_count() or 0
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) // 1024 // 1024 + 1} GB RAM"
    except OSError:
        pass
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = " (" + line.split(":", 1)[1].strip() + ")"
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {cpus} cores{model}{memory}, "
        f"Python {platform.python_version()} ({interpreter_build()})"
    )


def interpreter_build(config_args: str | None = None) -> str:
    """How the interpreter was configured, as far as it tells: on a build with profile-guided
    and link-time optimisation the same code takes 15-25 % less CPU in process and serves
    8-10 % more requests under load (docs/performance.md, sessions 30 and 47), so a result
    without this says little. A distribution's package may be optimised by its own rules
    without naming the flags; that reads as "configured without" here, which is what it says."""
    if config_args is None:
        config_args = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    flags = [flag for flag in ("--enable-optimizations", "--with-lto") if flag in config_args]
    if len(flags) == 2:
        return "PGO + LTO"
    if flags:
        return f"configured with {flags[0]} only"
    return "configured without --enable-optimizations and --with-lto"


def _fixed_python_work() -> int:
    """Dictionary, string and call work of a fixed size, the kind a request spends its Python
    time on (``host_speed_ms``)."""
    counts: dict[str, int] = {}
    total = 0
    for number in range(100_000):
        key = f"k{number % 512}"
        counts[key] = counts.get(key, 0) + number
        total += len(key.upper())
    return total + len(counts)


HOST_SPEED_RUNS = 9


def host_speed_ms(runs: int = HOST_SPEED_RUNS) -> float:
    """The median time of a fixed piece of Python work on one core, in ms: lower is faster.

    The hosts these benchmarks run on differ from session to session, and one host's speed
    drifts during a run (docs/performance.md: the same page at 37 and 59 ms half an hour
    apart). Taken before and after a run, it says how fast the host was, so that runs on
    different hosts can be compared and a host that slowed down during the run shows."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        _fixed_python_work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def write(
    metrics: list[Metric],
    *,
    database: str,
    scale: str,
    extra: dict[str, Any] | None = None,
    path: Path = RESULTS,
    doc: Path | None = DOC,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "machine": machine(),
        "database": database,
        "scale": scale,
        "metrics": [_json_metric(m) for m in metrics],
    }
    if extra:
        data.update(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    if doc is not None:
        update_doc(doc, data, metrics)
    return data


def _json_metric(metric: Metric) -> dict[str, Any]:
    """One metric as JSON: a value that could not be measured (NaN) becomes null."""
    data = {k: v for k, v in asdict(metric).items() if k != "note" or v}
    if isinstance(data["value"], float) and math.isnan(data["value"]):
        data["value"] = None
    return data


def _fmt(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if math.isnan(value):
        return "n/a"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:,.0f}"


def table(data: dict[str, Any], metrics: list[Metric]) -> str:
    lines = [
        f"Machine: {data['machine']}  ",
        f"Database: {data['database']}  ",
        f"Data size: {data['scale']}  ",
    ]
    if "load_average_1min" in data:
        load = data["load_average_1min"]
        lines.append(
            f"Host load average (1 min) before/after the run: {load['before']:.1f} / {load['after']:.1f}  "
        )
    if "host_speed_ms" in data:
        speed = data["host_speed_ms"]
        lines.append(
            f"Host speed (a fixed piece of Python work, median of {HOST_SPEED_RUNS}, lower is "
            f"faster) before/after the run: {speed['before']:.1f} / {speed['after']:.1f} ms"
        )
    lines += [
        "",
        "| metric | value | unit | target | met |",
        "|---|---|---|---|---|",
    ]
    for m in metrics:
        target = (
            "" if m.target is None else ("≤ " if m.better == "lower" else "≥ ") + _fmt(m.target)
        )
        met = {True: "yes", False: "**no**", None: ""}[m.met]
        value = _fmt(m.value) + (f" ({m.note})" if m.note else "")
        lines.append(f"| {m.name} | {value} | {m.unit} | {target} | {met} |")
    return "\n".join(lines)


def update_doc(doc: Path, data: dict[str, Any], metrics: list[Metric]) -> None:
    """Replaces the generated block of docs/performance.md (between the two markers)."""
    text = doc.read_text() if doc.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{table(data, metrics)}\n{END}{tail}")


def rerender(path: Path = RESULTS, doc: Path = DOC, **extra: Any) -> None:
    """Rewrites the table of docs/performance.md from a results file (no new measurement)."""
    data = json.loads(path.read_text())
    data.update(extra)
    metrics = [
        Metric(
            m["name"],
            math.nan if m["value"] is None else m["value"],
            m["unit"],
            m["target"],
            m["better"],
            m.get("note", ""),
        )
        for m in data["metrics"]
    ]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    update_doc(doc, data, metrics)
