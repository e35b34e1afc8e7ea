"""OpenVINO POT's Python API (openvino.tools.pot) on this toolkit's plugins.

A script written for POT runs with its import changed to ``from pot import ...``: DataLoader and
Metric are subclassed as in POT, IEEngine runs the engine plugins, create_pipeline the algorithm
plugins named in the algorithms list, all through the same core as pot-host. docs/PYTHON.md says
what each function does and where it differs from POT.
"""
import contextlib
import difflib
import os
import sys

from . import _native
from ._location import PLUGIN_DIR_FROM_PACKAGE
from ._native import Error, Model

__version__ = _native.__version__
__all__ = [
    "DataLoader", "Metric", "IEEngine", "Pipeline", "Model", "Error", "load_model", "save_model",
    "compress_model_weights", "create_pipeline", "default_plugin_dir",
]


class DataLoader:
    """POT's data loader: subclasses define ``__len__`` and ``__getitem__``.

    ``__getitem__(index)`` returns ``(data, annotation)`` or ``(data, annotation, metadata)``.
    ``data`` is a numpy array with the batch dimension (NCHW for images) when the model has one
    input, else a dict input name -> array. An int annotation is a class index, a str a text,
    None no annotation, anything else JSON can write a JSON annotation. Raise IndexError past the
    end. Samples are read from several threads, one call at a time (each call holds the GIL).
    """

    def __init__(self, config=None):
        self.config = config

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class Metric:
    """POT's metric: subclasses define ``value``, ``avg_value`` (properties: dict name -> value of
    the last update / average since reset), ``update(output, target)``, ``reset()`` and
    ``get_attributes()`` (dict name -> {"direction": "higher-better" | "higher-worse", "type": ...}).

    ``output`` is what the engine's ``postprocess_output`` returns (by default the list of the
    model's outputs, each a numpy array with a batch dimension of 1); ``target`` is the list of
    the batch's annotations (one).
    """

    @property
    def value(self):
        raise NotImplementedError(f"{type(self).__name__} must define the value property")

    @property
    def avg_value(self):
        raise NotImplementedError(f"{type(self).__name__} must define the avg_value property")

    def reset(self):
        raise NotImplementedError(f"{type(self).__name__} must define reset()")

    def update(self, output, target):
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    def get_attributes(self):
        return {}


def default_plugin_dir():
    """Where IEEngine loads plugins from when it is given no folder: $POT_PLUGIN_DIR when set,
    else the plugin folder installed (or built) with this package."""
    from_env = os.environ.get("POT_PLUGIN_DIR")
    if from_env:
        return from_env
    return os.path.normpath(os.path.join(os.path.dirname(__file__), PLUGIN_DIR_FROM_PACKAGE))


# How often a thread waiting for the GIL asks its holder to let go, while the engines run: Python's
# default, 5 ms, makes the sample-reading threads wait whole intervals for each other when OpenMP's
# spinning threads crowd the cores (calibration of the bundled CNN, OMP_WAIT_POLICY unset, on a
# loaded 2-core machine: 2.3 s at 5 ms, 0.05 s at 0.1 ms).
_SWITCH_INTERVAL_S = 1e-4


@contextlib.contextmanager
def _short_switch_interval():
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, _SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _check_keys(given, known, where):
    for key in given:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(sorted(known))})"
            raise Error(f"{where}: unknown key '{key}'{hint}")


# POT's engine keys that mean nothing here: the engines use threads, not inference requests.
_IGNORED_ENGINE_KEYS = ("type", "stat_requests_number", "eval_requests_number")


def _engine_settings(config):
    _check_keys(config, ("device", "backend", "engine", "threads") + _IGNORED_ENGINE_KEYS, "IEEngine config")
    device = config.get("device", "CPU")
    if device != "CPU":
        raise Error(f"IEEngine config 'device': '{device}': the engines here run on the CPU only; "
                    "give \"CPU\" or leave it out")
    if "backend" in config and "engine" in config and config["backend"] != config["engine"]:
        raise Error("IEEngine config: 'backend' and 'engine' name different engines; give one")
    backend = config.get("backend", config.get("engine", "cpu"))
    threads = config.get("threads", 0)
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0:
        raise Error(f"IEEngine config 'threads': expected a count >= 0 (0: all cores), got {threads!r}")
    return str(backend), threads


class IEEngine:
    """POT's IEEngine on an engine plugin: ``config["device"]`` "CPU" runs the "cpu" engine;
    ``config["backend"]`` (or ``"engine"``) names another plugin ("reference"), and
    ``config["threads"]`` its thread count. Plugins come from ``plugin_dir``, else
    default_plugin_dir(). Subclasses may override ``postprocess_output(outputs, metadata)``.
    """

    def __init__(self, config, data_loader=None, metric=None, plugin_dir=None):
        self.config = dict(config)
        self.data_loader = data_loader
        self.metric = metric
        self._model = None
        backend, threads = _engine_settings(self.config)
        folder = plugin_dir if plugin_dir is not None else default_plugin_dir()
        if not os.path.isdir(folder):
            raise Error(f"plugin folder '{folder}' does not exist; pass IEEngine(..., plugin_dir=...) or set "
                        "POT_PLUGIN_DIR to the folder holding libpot_cpu_engine.so")
        self._handle = _native.Engine(folder, backend, threads)

    @property
    def name(self):
        """The engine plugin's name."""
        return self._handle.name

    def postprocess_output(self, outputs, metadata):
        """Turns the model's outputs (dict output name -> numpy array) into what the metric's
        update() receives; ``metadata`` holds each sample's metadata (None where it has none)."""
        return list(outputs.values())

    def set_model(self, model):
        """The model predict() evaluates."""
        self._model = model

    def predict(self, stats_layout=None, sampler=None, stat_aliases=None, metric_per_sample=False,
                print_progress=False):
        """Evaluates the model of set_model() on the data loader with the metric: returns
        (metric averages, None). Statistics are collected by the pipeline, not here."""
        if stats_layout is not None or sampler is not None or stat_aliases is not None or metric_per_sample:
            raise Error("IEEngine.predict: statistics layouts, samplers and per-sample metrics are not "
                        "offered from Python; call it with no arguments")
        if self._model is None:
            raise Error("IEEngine.predict: no model; call set_model(model) first")
        with _short_switch_interval():
            return _native.evaluate(self._handle, self._model, self), None


def load_model(model_config, target_device="ANY"):
    """Loads the ONNX file ``model_config["model"]`` (graph cleaned up as pot-host does). The
    model's name is ``model_config["model_name"]``, else the file name without its extension.
    POT's "weights" key is accepted and unused: an ONNX file holds its weights."""
    _check_keys(model_config, ("model_name", "model", "weights"), "model_config")
    if "model" not in model_config:
        raise Error("model_config: 'model' (the path of an ONNX file) is required")
    path = os.fspath(model_config["model"])
    name = model_config.get("model_name") or os.path.splitext(os.path.basename(path))[0]
    return _native.load_model(path, name)


def save_model(model, save_path, model_name=None, for_stat_collection=False):
    """Writes ``model`` as ``<save_path>/<model_name>.onnx`` (QDQ ONNX; the folder is created)
    and returns POT's list of one dict: name, model path and weights path (the same file: ONNX
    keeps the weights inside)."""
    if for_stat_collection:
        raise Error("save_model: for_stat_collection is not offered; the engines here collect statistics "
                    "from the model itself")
    name = model_name or model.name
    os.makedirs(save_path, exist_ok=True)
    path = os.path.join(os.fspath(save_path), name + ".onnx")
    _native.save_model(model, path)
    return [{"name": name, "model": path, "weights": path}]


def compress_model_weights(model):
    """POT's compress_model_weights stores quantized weights as int8 instead of float. Here the
    ONNX export always does that: save_model writes every weight a FakeQuantize reads as 8-bit
    codes with a DequantizeLinear. This function changes nothing in ``model``; it returns what
    save_model will store: {"quantized_weights": count, "float_bytes": their size in float,
    "stored_bytes": their size as codes}."""
    return _native.weight_storage(model)


class Pipeline:
    """The algorithms of create_pipeline() on an engine."""

    def __init__(self, algorithms, engine):
        if not isinstance(engine, IEEngine):
            raise Error(f"create_pipeline: expected an IEEngine, got {type(engine).__name__}")
        self._engine = engine
        self._algorithms, self._target_device = _algorithm_entries(algorithms)
        self.algorithm_names = engine._handle.algorithm_names(self._algorithms)

    def run(self, model):
        """Runs the algorithms on a copy of ``model``, calibrating on the engine's data loader;
        returns the quantized model."""
        with _short_switch_interval():
            return _native.run_pipeline(self._engine._handle, self._algorithms, self._target_device, model,
                                        self._engine)

    def evaluate(self, model):
        """``model`` on the engine's data loader with its metric: dict metric name -> average
        (the default metric when the engine has none)."""
        with _short_switch_interval():
            return _native.evaluate(self._engine._handle, model, self._engine)


def _algorithm_entries(algorithms):
    import json

    if isinstance(algorithms, dict):
        algorithms = [algorithms]
    entries, devices = [], []
    for i, algorithm in enumerate(algorithms):
        where = f"algorithms[{i}]"
        if not isinstance(algorithm, dict) or "name" not in algorithm:
            raise Error(f"{where}: expected a dict with 'name' and 'params', got {algorithm!r}")
        _check_keys(algorithm, ("name", "params"), where)
        params = algorithm.get("params", {})
        if "target_device" in params:
            devices.append(params["target_device"])
        entries.append((algorithm["name"], json.dumps(params), where))
    if not entries:
        raise Error("create_pipeline: the algorithms list is empty")
    # POT repeats target_device in each algorithm's params; one device decides the hardware rules.
    device = devices[0] if devices else "ANY"
    # The targets pot-host's /compression/target_device accepts, checked by the same code.
    _native.checked_target_device(str(device), "target_device")
    if any(d != device for d in devices):
        raise Error(f"the algorithms name different target devices ({', '.join(devices)}); give one")
    return entries, device


def create_pipeline(algo_config, engine):
    """POT's create_pipeline: the algorithms of ``algo_config`` (dicts with "name" and "params",
    the params passed to the plugin as JSON) run on ``engine``. Unknown names and bad params raise
    pot.Error here, with the registry's message."""
    return Pipeline(algo_config, engine)
