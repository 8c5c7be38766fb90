"""``make bench``: reply latency, time to ready, peak memory, training time. Figures are printed,
not asserted. Targets on the 2-core machine: p95 ≤ 150 ms, ready ≤ 30 s, Rasa ≤ 1.5 GB,
training ≤ 5 min.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from bot import paths
from bot.knowledge.loader import load
from bot.launcher import Assistant, base_env

SMALLTALK = ["你好", "谢谢", "你能做什么", "再见", "你是机器人吗", "有用", "找人帮忙", "今天天气咋样"]


def sample_messages(n: int) -> list[str]:
    """A varied mix: knowledge questions (every style), small talk, out-of-scope."""
    pool = [q for entry in load() for q in entry.questions.all()] + SMALLTALK * 5
    return [pool[(i * 7919) % len(pool)] for i in range(n)]


class PeakMemory(threading.Thread):
    """Samples the resident memory of each process tree until stopped."""

    def __init__(self, pids: dict[str, int], interval: float = 0.2):
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak = dict.fromkeys(pids, 0)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for name, pid in self.pids.items():
                try:
                    root = psutil.Process(pid)
                    rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                    self.peak[name] = max(self.peak[name], rss)
                except psutil.Error:
                    pass
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure_training() -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--force", "--out", out],
            cwd=paths.ROOT,
            env=base_env(),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.monotonic() - started


def main(messages: int = 500, senders: int = 8, train: bool = True) -> int:
    count = messages
    texts = sample_messages(count)
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(
            rasa_port=15205,
            action_port=15255,
            log_dir=Path(tmp) / "logs",
            env={"QUERY_LOG_DB": str(Path(tmp) / "bench.db")},
        )
        assistant.start()
        sampler = PeakMemory({name: p.pid for name, p in assistant.processes.items()})
        sampler.start()
        try:
            assistant.ask("你好", sender="warm-up")
            latencies: list[float] = []
            lock = threading.Lock()

            def worker(index: int) -> None:
                for i in range(index, count, senders):
                    started = time.perf_counter()
                    assistant.ask(texts[i], sender=f"bench-{index}")
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)

            wall = time.perf_counter()
            with ThreadPoolExecutor(max_workers=senders) as pool:
                list(pool.map(worker, range(senders)))
            wall = time.perf_counter() - wall
        finally:
            sampler.stop()
            assistant.stop()

    print(f"messages: {len(latencies)} from {senders} concurrent senders in {wall:.1f} s")
    print(f"reply latency p50: {percentile(latencies, 50):.0f} ms   (target p95 <= 150 ms)")
    print(f"reply latency p95: {percentile(latencies, 95):.0f} ms")
    print(f"time from start to ready: {assistant.ready_seconds:.1f} s   (target <= 30 s)")
    for name, peak in sampler.peak.items():
        print(
            f"peak memory, {name} server: {peak / 2**20:.0f} MB"
            + ("   (target <= 1536 MB)" if name == "rasa" else "")
        )
    if train:
        print("training (full, forced) …", flush=True)
        print(f"training time: {measure_training():.0f} s   (target <= 300 s)")
    return 0
