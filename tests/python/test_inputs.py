"""Models of several inputs and of integer inputs: data as a dict or a list, converted to each
input's element type, with the values checked to fit."""
import os
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper

import pot
from recording_metric import RecordingMetric

MINMAX = [{"name": "MinMaxQuantization", "params": {}}]


def two_input_model(folder):
    """y = x + float(ids): a float input [1,4] and an int64 input [1,4]."""
    graph = helper.make_graph(
        [helper.make_node("Cast", ["ids"], ["ids_f"], to=TensorProto.FLOAT),
         helper.make_node("Add", ["x", "ids_f"], ["y"])],
        "two_inputs",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4]),
         helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = os.path.join(folder, "two_inputs.onnx")
    onnx.save(model, path)
    return path


class Samples(pot.DataLoader):
    def __init__(self, make):
        self._make = make

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return self._make(index), index


class Inputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.model = pot.load_model({"model": two_input_model(cls.folder.name)})

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def outputs(self, make):
        metric = RecordingMetric()
        engine = pot.IEEngine({"device": "CPU"}, Samples(make), metric)
        pot.create_pipeline(MINMAX, engine).evaluate(self.model)
        return [output[0] for output, _ in metric.seen]

    def test_model_inputs_are_listed(self):
        self.assertEqual(self.model.inputs, [("x", "f32", [1, 4]), ("ids", "i64", [1, 4])])

    def test_dict_and_list_give_the_same_outputs(self):
        def x(i):
            return np.arange(4, dtype=np.float32).reshape(1, 4) * i

        def ids(i):
            return np.full((1, 4), i, dtype=np.int32)  # int32 data for the int64 input

        from_dict = self.outputs(lambda i: {"ids": ids(i), "x": x(i)})
        from_list = self.outputs(lambda i: [x(i), ids(i)])
        for i, (a, b) in enumerate(zip(from_dict, from_list)):
            np.testing.assert_array_equal(a, x(i) + i)
            np.testing.assert_array_equal(a, b)

    def test_float_data_for_an_integer_input_is_refused(self):
        with self.assertRaisesRegex(pot.Error, "sample 0, input 'ids': float data for an input of type i64"):
            self.outputs(lambda i: {"x": np.zeros((1, 4), np.float32), "ids": np.zeros((1, 4), np.float32)})

    def test_integer_values_must_fit(self):
        big = np.full((1, 4), 2**63, dtype=np.uint64)
        with self.assertRaisesRegex(pot.Error, "input 'ids': value 9223372036854775808 does not fit i64"):
            self.outputs(lambda i: {"x": np.zeros((1, 4), np.float32), "ids": big})

    def test_one_array_for_two_inputs_is_refused(self):
        with self.assertRaisesRegex(pot.Error, "the model has 2 inputs; give a dict input name -> numpy array"):
            self.outputs(lambda i: np.zeros((1, 4), np.float32))

    def test_dict_with_an_extra_entry_is_refused(self):
        extra = {"x": np.zeros((1, 4), np.float32), "ids": np.zeros((1, 4), np.int64),
                 "mask": np.zeros((1, 4), np.int64)}
        with self.assertRaisesRegex(pot.Error, "the data dict has 3 entries; the model has 2 inputs"):
            self.outputs(lambda i: extra)


if __name__ == "__main__":
    unittest.main()
