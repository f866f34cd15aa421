"""A progress bar for the management commands (stderr, so stdout stays clean)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: int, label: str, stream=None, width: int = 30):
        self.total, self.label, self.width = max(total, 0), label, width
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._last_draw = 0.0

    def set(self, done: int) -> None:
        self.done = done
        self._draw()

    def advance(self, step: int = 1) -> None:
        self.set(self.done + step)

    def _draw(self, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last_draw < 0.2:
            return
        self._last_draw = now
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        filled = int(self.width * fraction)
        bar = "█" * filled + "·" * (self.width - filled)
        elapsed = now - self.started
        self.stream.write(
            f"\r{self.label} [{bar}] {self.done:,}/{self.total:,} "
            f"{fraction:4.0%} {elapsed:5.1f}s"
        )
        self.stream.flush()

    def close(self) -> None:
        self._draw(final=True)
        self.stream.write("\n")
        self.stream.flush()
