"""Failures reach Python as pot.Error with the toolkit's message, naming the sample at fault."""
import os
import unittest

import numpy as np

import pot
from fmnist import MODEL_FILE, Accuracy, EvaluationLoader

MINMAX = [{"name": "MinMaxQuantization", "params": {"stat_subset_size": 8}}]


class FailingLoader(EvaluationLoader):
    """Sample `bad` is whatever `make_bad` returns (or raises)."""

    def __init__(self, bad, make_bad):
        super().__init__(16)
        self._bad, self._make_bad = bad, make_bad

    def __getitem__(self, index):
        if index == self._bad:
            return self._make_bad()
        return super().__getitem__(index)


def quantize(loader, algorithms=MINMAX, metric=None):
    engine = pot.IEEngine({"device": "CPU"}, data_loader=loader, metric=metric)
    return pot.create_pipeline(algorithms, engine).run(pot.load_model({"model": MODEL_FILE}))


class PythonErrors(unittest.TestCase):
    def test_exception_in_getitem_propagates_with_its_message_and_the_sample_index(self):
        def fail():
            raise ValueError("corrupt image file")

        with self.assertRaises(pot.Error) as raised:
            quantize(FailingLoader(5, fail))
        message = str(raised.exception)
        self.assertIn("sample 5", message)
        self.assertIn("ValueError: corrupt image file", message)
        self.assertIsInstance(raised.exception.__cause__, ValueError)
        self.assertEqual(str(raised.exception.__cause__), "corrupt image file")
        self.assertIsInstance(raised.exception, RuntimeError)

    def test_exception_in_metric_update_propagates_from_evaluate(self):
        class BrokenMetric(Accuracy):
            def update(self, output, target):
                raise KeyError("no such class")

        engine = pot.IEEngine({"device": "CPU"}, EvaluationLoader(8), BrokenMetric())
        with self.assertRaises(pot.Error) as raised:
            pot.create_pipeline(MINMAX, engine).evaluate(pot.load_model({"model": MODEL_FILE}))
        self.assertIn("Metric.update raised KeyError: 'no such class'", str(raised.exception))
        self.assertIn("sample 0", str(raised.exception))
        self.assertIsInstance(raised.exception.__cause__, KeyError)

    def test_metric_value_that_is_no_number(self):
        class TextMetric(Accuracy):
            @property
            def value(self):
                return {"accuracy@top1": "high"}

        engine = pot.IEEngine({"device": "CPU"}, EvaluationLoader(4), TextMetric())
        with self.assertRaisesRegex(pot.Error, "sample 0: Metric.value"):
            pot.create_pipeline(MINMAX, engine).evaluate(pot.load_model({"model": MODEL_FILE}))

    def test_exception_in_postprocess_output_propagates(self):
        class Engine(pot.IEEngine):
            def postprocess_output(self, outputs, metadata):
                raise ArithmeticError("bad decoding")

        engine = Engine({"device": "CPU"}, EvaluationLoader(8), Accuracy())
        with self.assertRaisesRegex(pot.Error, "IEEngine.postprocess_output raised ArithmeticError: bad decoding"):
            pot.create_pipeline(MINMAX, engine).evaluate(pot.load_model({"model": MODEL_FILE}))


class BadSamples(unittest.TestCase):
    def check(self, bad_value, *expected):
        with self.assertRaises(pot.Error) as raised:
            quantize(FailingLoader(3, lambda: bad_value))
        for text in ("sample 3",) + expected:
            self.assertIn(text, str(raised.exception))
        self.assertEqual(raised.exception.kind, "input")

    def test_wrong_shape_names_the_expected_one(self):
        self.check((np.zeros((1, 28, 28), np.float32), 1), "expected an array of shape [-1,1,28,28]", "got [1,28,28]")

    def test_a_list_instead_of_an_array(self):
        self.check(([[0.0] * 28] * 28, 1), "expected a numpy array, got list")

    def test_none_data(self):
        self.check((None, 1), "expected a numpy array, got None")

    def test_not_a_tuple(self):
        self.check(np.zeros((1, 1, 28, 28), np.float32), "returned ndarray",
                   "expected (data, annotation) or (data, annotation, metadata)")

    def test_float16_data(self):
        self.check((np.zeros((1, 1, 28, 28), np.float16), 1), "float16 cannot be read")

    def test_dict_without_the_input_name(self):
        self.check(({"image": np.zeros((1, 1, 28, 28), np.float32)}, 1), "no array for the model input")

    def test_annotation_json_cannot_write(self):
        self.check((np.zeros((1, 1, 28, 28), np.float32), object()), "is not an int, a str, None or a JSON")


class Configuration(unittest.TestCase):
    def test_bad_algorithm_name_gives_the_registry_message(self):
        engine = pot.IEEngine({"device": "CPU"})
        with self.assertRaises(pot.Error) as raised:
            pot.create_pipeline([{"name": "MinMaxQuantisation", "params": {}}], engine)
        self.assertIn("algorithms[0]: unknown algorithm 'MinMaxQuantisation'", str(raised.exception))
        self.assertIn("MinMaxQuantization", str(raised.exception))
        self.assertEqual(raised.exception.kind, "config")

    def test_bad_algorithm_parameter(self):
        engine = pot.IEEngine({"device": "CPU"})
        with self.assertRaisesRegex(pot.Error, "stat_subset"):
            pot.create_pipeline([{"name": "MinMaxQuantization", "params": {"stat_subset": 3}}], engine)

    def test_target_device_other_than_pot_host_accepts(self):
        engine = pot.IEEngine({"device": "CPU"})
        with self.assertRaisesRegex(pot.Error, "GNA quantizes activations to 16 bits"):
            pot.create_pipeline([{"name": "MinMaxQuantization", "params": {"target_device": "GNA"}}], engine)

    def test_unknown_engine_key(self):
        with self.assertRaisesRegex(pot.Error, "unknown key 'devices'; did you mean 'device'"):
            pot.IEEngine({"devices": "CPU"})

    def test_other_device(self):
        with self.assertRaisesRegex(pot.Error, "run on the CPU only"):
            pot.IEEngine({"device": "GPU"})

    def test_unknown_engine_plugin(self):
        with self.assertRaisesRegex(pot.Error, "unknown engine 'gpu'"):
            pot.IEEngine({"backend": "gpu"})

    def test_missing_plugin_folder(self):
        with self.assertRaisesRegex(pot.Error, "plugin folder '/nonexistent' does not exist"):
            pot.IEEngine({}, plugin_dir="/nonexistent")

    def test_missing_model_file(self):
        with self.assertRaises(pot.Error) as raised:
            pot.load_model({"model": "/nonexistent/model.onnx"})
        self.assertIn("/nonexistent/model.onnx", str(raised.exception))

    def test_pipeline_without_data_loader(self):
        engine = pot.IEEngine({"device": "CPU"})
        with self.assertRaisesRegex(pot.Error, "no data_loader"):
            pot.create_pipeline(MINMAX, engine).run(pot.load_model({"model": MODEL_FILE}))

    def test_default_plugin_dir_is_the_one_built_or_installed_with_the_package(self):
        saved = os.environ.pop("POT_PLUGIN_DIR", None)
        try:
            self.assertTrue(os.path.isfile(os.path.join(pot.default_plugin_dir(), "libpot_cpu_engine.so")))
        finally:
            if saved is not None:
                os.environ["POT_PLUGIN_DIR"] = saved


if __name__ == "__main__":
    unittest.main()
