"""Quantizes the bundled CNN from Python as POT's walkthrough does, and checks the result."""
import os
import tempfile
import unittest

import numpy as np

import pot
from fmnist import MODEL_FILE, Accuracy, CalibrationLoader, EvaluationLoader

ALGORITHMS = [{"name": "DefaultQuantization",
               "params": {"target_device": "CPU", "preset": "performance", "stat_subset_size": 300,
                          "weights": {"bits": 7}}}]


class QuantizeFashionMnist(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fp32 = pot.load_model({"model_name": "fmnist_cnn", "model": MODEL_FILE})
        calibration = pot.IEEngine({"device": "CPU"}, data_loader=CalibrationLoader())
        cls.int8 = pot.create_pipeline(ALGORITHMS, calibration).run(cls.fp32)
        cls.evaluation = pot.IEEngine({"device": "CPU"}, EvaluationLoader(), Accuracy())
        cls.evaluator = pot.create_pipeline(ALGORITHMS, cls.evaluation)
        cls.fp32_accuracy = cls.evaluator.evaluate(cls.fp32)["accuracy@top1"]
        cls.int8_accuracy = cls.evaluator.evaluate(cls.int8)["accuracy@top1"]
        print(f"FP32 accuracy {cls.fp32_accuracy:.2f}, INT8 accuracy {cls.int8_accuracy:.2f}")

    def test_float_model_is_the_trained_one(self):
        self.assertGreater(self.fp32_accuracy, 85.0)

    def test_int8_accuracy_is_within_one_point_of_fp32(self):
        self.assertLess(abs(self.fp32_accuracy - self.int8_accuracy), 1.0)

    def test_quantized_model_has_more_nodes_and_the_input_model_is_unchanged(self):
        self.assertGreater(self.int8.node_count, self.fp32.node_count)
        reloaded = pot.load_model({"model": MODEL_FILE})
        self.assertEqual(reloaded.node_count, self.fp32.node_count)
        self.assertEqual(reloaded.name, "fmnist_cnn")

    def test_saved_model_loads_back_and_scores_the_same(self):
        with tempfile.TemporaryDirectory() as folder:
            paths = pot.save_model(self.int8, save_path=os.path.join(folder, "out"), model_name="optimized")
            file = os.path.join(folder, "out", "optimized.onnx")
            self.assertEqual(paths, [{"name": "optimized", "model": file, "weights": file}])
            self.assertLess(os.path.getsize(file), os.path.getsize(MODEL_FILE) / 2)
            loaded = pot.load_model({"model": file})
            self.assertEqual(self.evaluator.evaluate(loaded)["accuracy@top1"], self.int8_accuracy)

    def test_compress_model_weights_reports_the_int8_storage_of_every_quantized_weight(self):
        summary = pot.compress_model_weights(self.int8)
        self.assertGreaterEqual(summary["quantized_weights"], 3)
        self.assertEqual(summary["float_bytes"], 4 * summary["stored_bytes"])
        self.assertEqual(pot.compress_model_weights(self.fp32)["quantized_weights"], 0)

    def test_engine_predict_gives_the_metric_averages(self):
        self.evaluation.set_model(self.fp32)
        metrics, _ = self.evaluation.predict()
        self.assertEqual(metrics, {"accuracy@top1": self.fp32_accuracy})

    def test_reference_engine_reads_the_same_python_data(self):
        engine = pot.IEEngine({"device": "CPU", "backend": "reference"}, EvaluationLoader(200), Accuracy())
        self.assertEqual(engine.name, "reference")
        cpu = pot.IEEngine({"device": "CPU", "threads": 1}, EvaluationLoader(200), Accuracy())
        accuracy = [pot.create_pipeline(ALGORITHMS, e).evaluate(self.fp32)["accuracy@top1"] for e in (engine, cpu)]
        self.assertAlmostEqual(accuracy[0], accuracy[1], delta=0.5)

    def test_default_metric_without_a_python_metric(self):
        engine = pot.IEEngine({"device": "CPU"}, EvaluationLoader(100))
        result = pot.create_pipeline(ALGORITHMS, engine).evaluate(self.fp32)
        self.assertEqual(len(result), 1)
        self.assertGreater(next(iter(result.values())), 80.0)

    def test_uint8_and_strided_arrays_are_converted_to_the_float_input(self):
        class Uint8Loader(pot.DataLoader):
            def __len__(self):
                return 4

            def __getitem__(self, index):
                image = np.full((28, 28, 1), index * 60, dtype=np.uint8)
                return np.expand_dims(image, 0).transpose(0, 3, 1, 2), index

        class Collect(Accuracy):
            seen = []

            def update(self, output, target):
                Collect.seen.append(output[0].copy())
                super().update(output, target)

        engine = pot.IEEngine({"device": "CPU"}, Uint8Loader(), Collect())
        pot.create_pipeline(ALGORITHMS, engine).evaluate(self.fp32)

        class FloatLoader(Uint8Loader):
            def __getitem__(self, index):
                return np.full((1, 1, 28, 28), index * 60.0, dtype=np.float32), index

        uint8_sums = list(Collect.seen)
        Collect.seen.clear()
        pot.create_pipeline(ALGORITHMS, pot.IEEngine({}, FloatLoader(), Collect())).evaluate(self.fp32)
        self.assertEqual(len(uint8_sums), 4)
        for from_uint8, from_float in zip(uint8_sums, Collect.seen):
            np.testing.assert_array_equal(from_uint8, from_float)


if __name__ == "__main__":
    unittest.main()
