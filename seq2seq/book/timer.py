"""``Timer``: wall-clock times of repeated runs, as the book records them."""
import time

import numpy


class Timer:
    """Start and stop a clock; each ``stop()`` records one run's seconds in ``times``."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start (or restart) the clock."""
        self.tik = time.perf_counter()

    def stop(self):
        """Record the seconds since ``start()`` and return them."""
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self):
        """The mean of the recorded times (0 when none)."""
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self):
        """The total of the recorded times."""
        return sum(self.times)

    def cumsum(self):
        """The running totals of the recorded times, as a list."""
        return numpy.cumsum(self.times).tolist()
