"""Every kind of annotation a POT data loader returns reaches the Metric as it was given, with the
sample's metadata reaching postprocess_output."""
import unittest

import numpy as np

import pot
from fmnist import MODEL_FILE
from recording_metric import RecordingMetric

ANNOTATIONS = [
    3,                                   # class index
    np.int64(7),                         # numpy class index
    "a line of text",                    # text
    {"boxes": [[1, 2, 3, 4]], "label": "shirt"},  # JSON
    [0.5, 1.5],                          # JSON
    np.array([1, 2, 3]),                 # JSON, through tolist()
    True,                                # JSON: a bool is not class 1
    np.bool_(False),                     # JSON, numpy's bool too
    np.float32(0.5),                     # JSON number
    None,                                # no annotation
]
EXPECTED = [3, 7, "a line of text", {"boxes": [[1, 2, 3, 4]], "label": "shirt"}, [0.5, 1.5], [1, 2, 3], True, False,
            0.5, None]


class AnnotatedLoader(pot.DataLoader):
    def __len__(self):
        return len(ANNOTATIONS)

    def __getitem__(self, index):
        image = np.full((1, 1, 28, 28), index / 10, dtype=np.float32)
        if index % 2:
            return image, ANNOTATIONS[index], {"index": index}
        return image, ANNOTATIONS[index]


class MetadataEngine(pot.IEEngine):
    """Hands the metric each sample's metadata beside the model's first output."""

    def postprocess_output(self, outputs, metadata):
        return metadata, list(outputs.values())[0]


class Annotations(unittest.TestCase):
    def test_each_kind_reaches_the_metric_with_its_metadata(self):
        metric = RecordingMetric()
        engine = MetadataEngine({"device": "CPU"}, AnnotatedLoader(), metric)
        result = pot.create_pipeline([{"name": "MinMaxQuantization", "params": {}}], engine).evaluate(
            pot.load_model({"model": MODEL_FILE}))
        self.assertEqual(result, {"seen": float(len(EXPECTED))})
        self.assertEqual(len(metric.seen), len(EXPECTED))
        for index, ((metadata, logits), target) in enumerate(metric.seen):
            self.assertEqual(target, [EXPECTED[index]], f"sample {index}")
            self.assertEqual(metadata, [{"index": index} if index % 2 else None], f"sample {index}")
            self.assertEqual(logits.shape, (1, 10))
        self.assertIs(type(metric.seen[1][1][0]), int)
        self.assertIs(type(metric.seen[2][1][0]), str)
        self.assertIs(type(metric.seen[6][1][0]), bool)
        self.assertIs(type(metric.seen[7][1][0]), bool)


if __name__ == "__main__":
    unittest.main()
