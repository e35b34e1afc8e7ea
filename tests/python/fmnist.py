"""The bundled Fashion-MNIST data and a top-1 accuracy metric, written as a POT user writes them."""
import os

import cv2
import numpy as np

import pot

SOURCE_DIR = os.environ.get("POT_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
FMNIST_DIR = os.path.join(SOURCE_DIR, "examples", "fmnist")
MODEL_FILE = os.path.join(FMNIST_DIR, "fmnist_cnn.onnx")
CALIBRATION_DIR = os.path.join(FMNIST_DIR, "data", "calibration")
EVALUATION_DIR = os.path.join(FMNIST_DIR, "data", "evaluation")


class CalibrationLoader(pot.DataLoader):
    """The calibration PNGs and their labels.txt classes, as [1,1,28,28] floats pixel / 255."""

    def __init__(self, folder=CALIBRATION_DIR):
        super().__init__()
        with open(os.path.join(folder, "labels.txt")) as f:
            entries = [line.split() for line in f if line.strip()]
        self._items = [(os.path.join(folder, name), int(label)) for name, label in entries]

    def __len__(self):
        return len(self._items)

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError("Index out of dataset size")
        path, label = self._items[index]
        image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        return image[np.newaxis, np.newaxis].astype(np.float32) / 255.0, label


def read_idx(path, header_bytes):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


class EvaluationLoader(pot.DataLoader):
    """The first `count` images of the bundled evaluation idx files, annotated with their class."""

    def __init__(self, count=None, folder=EVALUATION_DIR):
        super().__init__()
        self._images = read_idx(os.path.join(folder, "images-idx3-ubyte"), 16).reshape(-1, 1, 1, 28, 28)
        self._labels = read_idx(os.path.join(folder, "labels-idx1-ubyte"), 8)
        self._count = len(self._labels) if count is None else count

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError("Index out of dataset size")
        return self._images[index].astype(np.float32) / 255.0, int(self._labels[index])


class Accuracy(pot.Metric):
    """POT's sample top-1 accuracy metric, in percent."""

    def __init__(self):
        super().__init__()
        self._name = "accuracy@top1"
        self._matches = []

    @property
    def value(self):
        return {self._name: self._matches[-1]}

    @property
    def avg_value(self):
        return {self._name: float(np.ravel(self._matches).mean()) * 100}

    def update(self, output, target):
        predictions = np.argmax(output[0], axis=1)
        self._matches.append([float(p == t) for p, t in zip(predictions, target)])

    def reset(self):
        self._matches = []

    def get_attributes(self):
        return {self._name: {"direction": "higher-better", "type": "accuracy"}}
