"""A POT metric that keeps what each update() receives, for tests that check what reaches it."""
import pot


class RecordingMetric(pot.Metric):
    """`seen` holds (output, target) of every update since reset(); its value is their count."""

    def __init__(self):
        self.seen = []

    @property
    def value(self):
        return {"seen": 1.0}

    @property
    def avg_value(self):
        return {"seen": float(len(self.seen))}

    def update(self, output, target):
        self.seen.append((output, target))

    def reset(self):
        self.seen = []

    def get_attributes(self):
        return {"seen": {"direction": "higher-better", "type": "count"}}
