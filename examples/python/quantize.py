# OpenVINO POT's Python API walkthrough, run on the bundled Fashion-MNIST CNN. Changed from POT's
# documentation: the import (`pot`, not `openvino.tools.pot`), the paths, and the preprocessing
# lines (the bundled models take [N,1,28,28] grayscale input x = pixel / 255).
import os

import cv2 as cv
import numpy as np

from pot import DataLoader, IEEngine, load_model, save_model, compress_model_weights, create_pipeline

fmnist = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fmnist")
path_to_model = os.path.join(fmnist, "fmnist_cnn.onnx")
path_to_images = os.path.join(fmnist, "data", "calibration")


class ImageLoader(DataLoader):
    def __init__(self, dataset_path):
        self._files = [os.path.join(dataset_path, n) for n in os.listdir(dataset_path) if cv.haveImageReader(os.path.join(dataset_path, n))]
        self._shape = (28, 28)

    def __len__(self):
        return len(self._files)

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError("Index out of dataset size")
        image = cv.imread(self._files[index], cv.IMREAD_GRAYSCALE)
        image = cv.resize(image, self._shape)
        image = np.expand_dims(image, (0, 1)).astype(np.float32) / 255
        return image, None  # annotation None


model_config = {"model_name": "model", "model": path_to_model}
engine_config = {"device": "CPU"}
algorithms = [{"name": "DefaultQuantization", "params": {"target_device": "ANY", "stat_subset_size": 300}}]
data_loader = ImageLoader(path_to_images)
model = load_model(model_config=model_config)
engine = IEEngine(config=engine_config, data_loader=data_loader)
pipeline = create_pipeline(algorithms, engine)
compressed_model = pipeline.run(model=model)
compress_model_weights(compressed_model)
compressed_model_paths = save_model(model=compressed_model, save_path="optimized_model", model_name="optimized_model")
print(compressed_model_paths)
