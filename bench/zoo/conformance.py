#!/usr/bin/python3
"""Conformance of pot on the model zoo of bench/zoo/export.py; writes docs/ZOO.md (called by run.sh).

    conformance.py --zoo DIR --build DIR --work DIR --output docs/ZOO.md [--models a,b] [--small]
                   [--threads 1] [--seconds 3] [--timeout 1800] [--keep] [--command "..."]
    conformance.py --work DIR --output docs/ZOO.md --document-only     # rewrite from results.json

For every model of DIR/manifest.json (or the selected ones) it draws random inputs of the
manifest's calibration shapes (float inputs uniform in [-1, 1); integer token ids in [0, 1000);
an input whose name holds "mask": ones with 0-8 trailing zeros), 32 calibration and 8 evaluation
samples, and runs the steps COLUMNS describes (conform(); PyTorch FX in a child process,
fx_worker). Every step's failure is recorded as one error line and the run goes on. Raw results:
WORK/results.json (rewritten after every model); samples, outputs and models in WORK/<model>/.
"""

import argparse
import datetime
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import traceback

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FP32_TOL = 1e-3
INT8_TOL = 0.05
FX_CHECK_TOL = 1e-3
CALIBRATION, EVALUATION = 32, 8
TINY_OUTPUT = 1e-6  # outputs this small are noted under the table
FLAT_OUTPUT = 1e-3  # so are outputs that change this little from one input to another
NOTES_BEGIN, NOTES_END = "<!-- notes:begin -->", "<!-- notes:end -->"  # kept when the document is rewritten
COLUMNS = [  # what each column of the document means; {seconds} is filled in when it is written
    "loads: `pot-zoo-run` runs the FP32 model with the cpu and the reference engine",
    "FP32 max rel err: max\\|ours - ORT\\| / max\\|ORT\\|, worst output, evaluation sample 0, cpu / "
    f"reference engine; passes at <= {FP32_TOL:g}; where it does not, ONNX Runtime also runs the file with "
    "its graph optimizations disabled (the graph as written, op by op), and a value marked † is ours "
    "against that run (the run with optimizations departs from it; see Failures and the notes below the "
    "table)",
    f"DQ: `pot-host` DefaultQuantization (preset performance, {CALIBRATION} calibration samples, cpu "
    "engine) writes the QDQ model",
    "QDQ in ORT: ONNX Runtime loads and runs that QDQ model",
    "INT8 ours vs ORT: the same error measure, our cpu engine on the QDQ model against ONNX Runtime on "
    f"it; passes at <= {INT8_TOL:g}; where it does not, the same against ONNX Runtime's unoptimized run of "
    "the file (its fused integer kernels against the QDQ graph as written), marked † when that one "
    f"passes, or marked ‡ when ours is no farther from ONNX Runtime than its optimized run is from its own "
    "unoptimized one (the spread of ONNX Runtime itself on that file: through a deep network one-code "
    "rounding ties grow into differences this measure cannot tell from disagreement)",
    f"SQNR (dB): our INT8 vs our FP32 (cpu engine), per output over {EVALUATION} evaluation samples (not "
    "the calibration ones), worst output; FX: PyTorch FX static PTQ (`prepare_fx`/`convert_fx`, default "
    "onednn qconfig mapping, per-tensor weights for ConvTranspose; the tracer's tuple unpacking fixed for "
    "Python 3.11) of the same module, calibrated on the same samples, vs the torch FP32 module (n/a when "
    f"the module differs from the ONNX export by more than {FX_CHECK_TOL:g} or FX fails; reasons below)",
    "mixed: the same model quantized as PyTorch FX's default onednn configuration quantizes: preset mixed "
    "(asymmetric activations with zero points, as FX's affine ones) and activation ranges minimizing the "
    "mean squared quantization error (`range_estimator` `mse`, the criterion of FX's HistogramObserver): "
    "INT8 ours vs ORT on that QDQ model (the same measure and tolerance) / its SQNR",
    "off oneDNN: the steps of one `pot-host benchmark --pc` run of the FP32 / QDQ model that do not run "
    "on an optimized oneDNN primitive: op types on the engine's reference kernels, and (bold, a failure) "
    "oneDNN's own scalar `ref` implementations",
    "Latency: median ms at batch 1, {seconds:g} s per run, evaluation sample 0 as input: `pot-host "
    "benchmark` (cpu engine) and `bench/ort_bench.js`, FP32 model / QDQ model",
]


def load_module(name, relpath):
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


short_error = load_module("accuracy_measure", "bench/accuracy/measure.py").short_error


class StepError(Exception):
    """A failed step; its message is the one line the table shows."""


class Skipped(Exception):
    """A step that cannot run because an earlier one failed (not counted as a failure)."""


def log(*args):
    print("[zoo]", *args, file=sys.stderr, flush=True)


def run(cmd, timeout, env=None):
    """Runs cmd (with `env` added to the environment); returns its stdout, or raises StepError
    with the error line."""
    try:
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, **env) if env else None)
    except subprocess.TimeoutExpired:
        raise StepError(f"{os.path.basename(str(cmd[0]))}: timed out after {timeout} s") from None
    if proc.returncode != 0:
        raise StepError(short_error(proc.stderr or proc.stdout or f"exit code {proc.returncode}"))
    return proc.stdout


def last_json(text):
    return json.loads([l for l in text.splitlines() if l.startswith("{")][-1])


# ----------------------------------------------------------------------------- data and metrics

def make_samples(entry, folder, count, seed):
    """count samples per input as folder/<input>/NNN.npy; returns the list of per-sample file lists."""
    rng = np.random.default_rng(seed)
    files = [[] for _ in range(count)]
    for inp in entry["inputs"]:
        shape, sub = inp["calibration_shape"], os.path.join(folder, inp["name"])
        os.makedirs(sub, exist_ok=True)
        for k in range(count):
            if inp["dtype"].startswith("float"):
                x = rng.uniform(-1, 1, shape).astype(inp["dtype"])
            elif "mask" in inp["name"]:
                x = np.ones(shape, inp["dtype"])
                x[..., shape[-1] - int(rng.integers(0, 9)):] = 0
            else:
                x = rng.integers(0, 1000, shape).astype(inp["dtype"])
            path = os.path.join(sub, f"{k:03d}.npy")
            np.save(path, x)
            files[k].append(path)
    return files


def read_outputs(folder):
    names = sorted((f for f in os.listdir(folder) if f.endswith(".npy")), key=lambda f: int(f[:-4]))
    return [np.load(os.path.join(folder, f)).astype(np.float64) for f in names]


def max_rel_err(ours, ref):
    """max|ours - ref| / max|ref|, worst over outputs (inf when not finite)."""
    if len(ours) != len(ref):
        raise StepError(f"{len(ours)} outputs, ONNX Runtime has {len(ref)}")
    worst = 0.0
    for i, (a, b) in enumerate(zip(ours, ref)):
        if a.shape != b.shape:
            raise StepError(f"output {i}: shape {list(a.shape)}, ONNX Runtime's {list(b.shape)}")
        err = float(np.max(np.abs(a - b), initial=0.0)) / max(float(np.max(np.abs(b), initial=0.0)), 1e-30)
        worst = max(worst, err if math.isfinite(err) else math.inf)
    return worst


def sqnr_db(fp32_runs, int8_runs):
    """10 log10(sum fp^2 / sum (fp - q)^2) per output over all samples; the worst output."""
    worst = math.inf
    for j in range(len(fp32_runs[0])):
        fp = np.concatenate([r[j].ravel() for r in fp32_runs]).astype(np.float64)
        q = np.concatenate([r[j].ravel() for r in int8_runs]).astype(np.float64)
        noise = float(np.sum((fp - q) ** 2))
        db = math.inf if noise == 0 else 10 * math.log10(float(np.sum(fp ** 2)) / noise)
        worst = min(worst, db if math.isfinite(noise) else -math.inf)
    return worst


def input_spread(runs):
    """How much the outputs depend on the input: max over samples of max|y_k - y_0| / max|y_0|,
    smallest over outputs (a random-weight model whose features died outputs its last bias)."""
    return min(max(float(np.max(np.abs(r[j] - runs[0][j]))) for r in runs)
               / max(float(np.max(np.abs(runs[0][j]))), 1e-30) for j in range(len(runs[0])))


# ----------------------------------------------------------------------------- one model

class Runner:
    def __init__(self, opts):
        self.o = opts
        self.bin = os.path.join(opts.build, "bin")
        self.plugins = os.path.join(opts.build, "lib", "pot", "plugins")

    def ours(self, engine, model, inputs, out):
        run([os.path.join(self.bin, "pot-zoo-run"), "--plugins", self.plugins, "--engine", engine,
             "--threads", self.o.threads, "-m", model, "--out", out] + inputs, self.o.timeout)
        return read_outputs(out)

    def ort(self, model, inputs, out, optimization=None):
        """ONNX Runtime's outputs; `optimization` overrides its graph optimization level."""
        run(["node", os.path.join(REPO, "tests", "ort", "run_model.js"), model, out] + inputs, self.o.timeout,
            {"POT_ORT_OPTIMIZATION": optimization} if optimization else None)
        return read_outputs(out)

    def quantize(self, entry, model, calib, out, preset="performance", activations=None):
        names = [i["name"] for i in entry["inputs"]]
        config = {
            "model": {"model_name": entry["name"], "model": model},
            "engine": {"type": "simplified", "backend": "cpu", "threads": self.o.threads,
                       "data_source": os.path.join(calib, names[0]) if len(names) == 1 else calib},
            "compression": {"target_device": "CPU", "algorithms": [{
                "name": "DefaultQuantization",
                "params": {"preset": preset, "stat_subset_size": CALIBRATION,
                           **({"activations": activations} if activations else {})}}]},
        }
        path = out + ".json"  # beside the QDQ folder, one per preset
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        run([os.path.join(self.bin, "pot-host"), "--plugins", self.plugins, "-c", path, "--output-dir", out,
             "-d", "--log-level", "WARNING"], self.o.timeout)
        qdq = os.path.join(out, entry["name"] + ".onnx")
        if not os.path.exists(qdq):
            raise StepError(f"pot-host wrote no {os.path.basename(qdq)}")
        return qdq

    def fx(self, name, work):
        """The PyTorch FX peer on the samples and outputs kept in `work` (see fx_worker)."""
        text = run([sys.executable, os.path.abspath(__file__), "--fx-worker", name, "--work", work,
                    "--zoo", self.o.zoo, "--threads", self.o.threads], self.o.timeout)
        result = last_json(text)
        if "na" in result:
            raise StepError(result["na"])
        return result

    def steps(self, model, data):
        """The steps of one profiled run: (op types on the reference kernels, oneDNN ref primitives)."""
        cmd = [os.path.join(self.bin, "pot-host"), "benchmark", "-m", model, "--plugins", self.plugins,
               "--engine", "cpu", "--nthreads", self.o.threads, "--niter", "1", "--pc", "--json"]
        cmd += [a for d in data for a in ("--data", d)]
        steps = last_json(run(cmd, self.o.timeout))["per_node"]["steps"]
        fallback = sorted({s["op"] for s in steps if s["implementation"].startswith("reference")})
        onednn_ref = sorted({f"{s['op']} ({s['implementation']})" for s in steps
                             if re.search(r"\[ref[:\]]", s["implementation"])})
        return fallback, onednn_ref

    def latency(self, tool, model, data):
        if tool == "ours":
            cmd = [os.path.join(self.bin, "pot-host"), "benchmark", "-m", model, "--plugins", self.plugins,
                   "--engine", "cpu", "--nthreads", self.o.threads, "-t", self.o.seconds, "--json"]
        else:
            cmd = ["node", os.path.join(REPO, "bench", "ort_bench.js"), model, "--threads", self.o.threads,
                   "--seconds", self.o.seconds, "--warmup", "2"]
        cmd += [a for d in data for a in ("--data", d)]
        return last_json(run(cmd, self.o.timeout))["latency_median_ms"]


def int8_agreement(runner, qdq, inputs, ours, ort, plain_out):
    """Our INT8 outputs against ONNX Runtime's on the same QDQ file; out of tolerance, also how far
    ONNX Runtime is from itself: its fused integer kernels against the QDQ graph run as written (no
    graph optimizations), and ours against that run."""
    result = {"max_rel_err": max_rel_err(ours, ort)}
    if result["max_rel_err"] > INT8_TOL:
        plain = runner.ort(qdq, inputs, plain_out, "disabled")
        result["ort_vs_unoptimized"] = max_rel_err(ort, plain)
        result["ours_vs_unoptimized"] = max_rel_err(ours, plain)
    return result


def attempt(record, step, fn):
    """Runs one step; stores {"ok": True, ...its values} or {"ok": False, "error": line}."""
    start = time.perf_counter()
    try:
        values = fn()
        record[step] = {"ok": True, **(values or {})}
    except Skipped as e:
        record[step] = {"ok": False, "skipped": str(e)}
    except Exception as e:  # any failure of a step is a result, never the end of the run
        line = str(e) if isinstance(e, StepError) else short_error(f"{type(e).__name__}: {e}")
        record[step] = {"ok": False, "error": line}
        log(f"  {step}: {line}")
    record[step]["seconds"] = round(time.perf_counter() - start, 2)
    return record[step]["ok"]


def conform(runner, entry):
    """All steps for one manifest entry; returns its record."""
    o, name = runner.o, entry["name"]
    rec = {"name": name, "opset": entry.get("opset")}
    if entry.get("export_error"):
        rec["export"] = {"ok": False, "error": entry["export_error"]}
        return rec
    model = os.path.join(o.zoo, entry["file"])
    work = os.path.join(o.work, name)
    shutil.rmtree(work, ignore_errors=True)
    calib_dir = os.path.join(work, "calibration")
    make_samples(entry, calib_dir, CALIBRATION, seed=1)
    evals = make_samples(entry, os.path.join(work, "evaluation"), EVALUATION, seed=2)
    out = lambda *parts: os.path.join(work, "out", *map(str, parts))
    got = {}  # outputs per variant: list over evaluation samples

    def fp32_ort():
        got["ort_fp32"] = runner.ort(model, evals[0], out("ort_fp32"))
    attempt(rec, "ort_fp32", fp32_ort)

    def loads():
        errors = []
        for engine in ("cpu", "reference"):
            try:
                got[engine] = [runner.ours(engine, model, evals[0], out(engine, 0))]
            except StepError as e:
                errors.append(f"{engine}: {e}")
        if errors:
            raise StepError("; ".join(errors))
    attempt(rec, "loads", loads)

    def fp32():
        if "ort_fp32" not in got:
            raise Skipped("no ONNX Runtime FP32 output")
        errors = {engine: max_rel_err(got[engine][0], got["ort_fp32"]) if engine in got else None
                  for engine in ("cpu", "reference")}
        result = {**errors, "ort_absmax": max(float(np.max(np.abs(y), initial=0.0)) for y in got["ort_fp32"])}
        if any(e is not None and e > FP32_TOL for e in errors.values()):
            # ONNX Runtime's graph optimizations can change results (a fusion bug); its run of the
            # graph as written tells whether the difference is ours or theirs.
            plain = runner.ort(model, evals[0], out("ort_fp32_unoptimized"), "disabled")
            result["ort_vs_unoptimized"] = max_rel_err(got["ort_fp32"], plain)
            for engine in ("cpu", "reference"):
                if engine in got:
                    result[f"{engine}_vs_unoptimized"] = max_rel_err(got[engine][0], plain)
        return result
    attempt(rec, "fp32", fp32)

    def dq():
        got["qdq"] = runner.quantize(entry, model, calib_dir, os.path.join(work, "int8"))
    if attempt(rec, "dq", dq):
        def qdq_ort():
            got["ort_int8"] = runner.ort(got["qdq"], evals[0], out("ort_int8"))
        attempt(rec, "qdq_ort", qdq_ort)

        def int8():
            got["int8"] = [runner.ours("cpu", got["qdq"], evals[k], out("int8", k)) for k in range(EVALUATION)]
            if "ort_int8" not in got:
                raise Skipped("no ONNX Runtime output on the QDQ file")
            return int8_agreement(runner, got["qdq"], evals[0], got["int8"][0], got["ort_int8"],
                                  out("ort_int8_unoptimized"))
        attempt(rec, "int8", int8)

    def sqnr():
        if "cpu" not in got or "int8" not in got:
            raise Skipped("needs our FP32 and INT8 outputs")
        fp = got["cpu"] + [runner.ours("cpu", model, evals[k], out("cpu", k)) for k in range(1, EVALUATION)]
        got["fp32_all"] = fp
        return {"db": sqnr_db(fp, got["int8"]), "input_spread": input_spread(fp)}
    attempt(rec, "sqnr", sqnr)

    def mixed():
        # Zero points exercise kernels and conversions that the symmetric codes above never reach;
        # with MSE ranges this is also the configuration closest to FX's, for the SQNR comparison.
        qdq = runner.quantize(entry, model, calib_dir, os.path.join(work, "int8_mixed"), preset="mixed",
                              activations={"range_estimator": {"method": "mse"}})
        ours = [runner.ours("cpu", qdq, evals[k], out("int8_mixed", k)) for k in range(EVALUATION)]
        result = int8_agreement(runner, qdq, evals[0], ours[0], runner.ort(qdq, evals[0], out("ort_int8_mixed")),
                                out("ort_int8_mixed_unoptimized"))
        if "fp32_all" in got:
            result["db"] = sqnr_db(got["fp32_all"], ours)
        return result
    attempt(rec, "mixed", mixed)

    if o.check:
        rec["fx"] = {"ok": False, "skipped": "not run by --check"}
    else:
        attempt(rec, "fx", lambda: runner.fx(name, work))

    data = [f"{inp['name']}={path}" for inp, path in zip(entry["inputs"], evals[0])]

    def primitives():
        # Kept beside the step, which fails (and so lists them under Failures) on oneDNN refs.
        rec["off_onednn"] = found = {}
        for variant, key in (("fp32", None), ("int8", "qdq")):
            if key and key not in got:
                continue
            fallback, onednn_ref = runner.steps(got[key] if key else model, data)
            found[variant] = {"fallback": fallback, "onednn_ref": onednn_ref}
        refs = sorted({r for v in found.values() for r in v["onednn_ref"]})
        if refs:
            raise StepError("oneDNN reference primitives: " + ", ".join(refs))
    attempt(rec, "primitives", primitives)

    rec["latency"] = {}
    for variant, tool, key in () if o.check else (("ours_fp32", "ours", None), ("ours_int8", "ours", "qdq"),
                               ("ort_fp32", "ort", None), ("ort_int8", "ort", "qdq")):
        def time_it():
            if key and key not in got:
                raise Skipped("no QDQ model")
            return {"ms": runner.latency(tool, got[key] if key else model, data)}
        attempt(rec["latency"], variant, time_it)
    return rec


# ----------------------------------------------------------------------------- PyTorch FX peer

def patch_fx_unpacking():
    """torch 1.13's FX tracer finds `a, b = proxy` by indexing the caller's instructions with
    f_lasti // 2, which Python 3.11's inline caches broke (shufflenet, ViT, SSD, LSTM unpacking fail
    to trace); look the instruction up by its offset instead, as later torch versions do."""
    import dis
    import inspect
    import torch.fx.proxy
    if sys.version_info < (3, 11) or not torch.__version__.startswith("1."):
        return

    def proxy_iter(self):
        frame = inspect.currentframe().f_back
        inst = next((i for i in dis.get_instructions(frame.f_code) if i.offset == frame.f_lasti), None)
        if inst is not None and inst.opname == "UNPACK_SEQUENCE":
            return (self[i] for i in range(inst.argval))
        return self.tracer.iter(self)
    torch.fx.proxy.Proxy.__iter__ = proxy_iter


def fx_worker(opts):
    """Rebuilds the module with export.py's constructor and seed, checks it against ONNX Runtime's
    FP32 outputs, quantizes it with FX (default onednn qconfig mapping; per-tensor weights for
    ConvTranspose, which FX cannot quantize per channel) on the calibration samples and prints
    {"db": SQNR vs the torch FP32 module on the evaluation samples} or {"na": reason}."""
    import torch
    patch_fx_unpacking()
    from torch.ao.quantization import QConfig, default_weight_observer, get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    def flat(y):
        if isinstance(y, torch.Tensor):
            return [y.detach().double().numpy()]
        items = y.values() if isinstance(y, dict) else y
        return [a for item in items for a in flat(item)]

    def samples(kind, count):
        return [tuple(torch.from_numpy(np.load(os.path.join(opts.work, kind, inp["name"], f"{k:03d}.npy")))
                      for inp in entry["inputs"]) for k in range(count)]

    def answer(**result):
        print(json.dumps(result))
        return 0

    torch.set_num_threads(opts.threads)
    export = load_module("zoo_export", "bench/zoo/export.py")
    with open(os.path.join(opts.zoo, "manifest.json")) as f:
        entry = next(e for e in json.load(f)["models"] if e["name"] == opts.fx_worker)
    model, _ = export.build(export.BY_NAME[opts.fx_worker])
    calib, evals = samples("calibration", CALIBRATION), samples("evaluation", EVALUATION)
    with torch.no_grad():
        fp32 = [flat(model(*x)) for x in evals]
    ort_dir = os.path.join(opts.work, "out", "ort_fp32")
    if not os.path.isdir(ort_dir):
        return answer(na="no ONNX Runtime FP32 output to check the torch module against")
    check = max_rel_err(fp32[0], read_outputs(ort_dir))
    ours_dir = os.path.join(opts.work, "out", "cpu", "0")  # tells an ORT outlier from an export problem
    vs_ours = max_rel_err(fp32[0], read_outputs(ours_dir)) if os.path.isdir(ours_dir) else None
    if not check <= FX_CHECK_TOL:
        return answer(na=f"torch module differs from the ONNX export: max rel err {check:.2g} against "
                      f"ONNX Runtime" + (f", {vs_ours:.2g} against our cpu engine" if vs_ours is not None else ""),
                      torch_vs_onnx=check, torch_vs_ours=vs_ours)
    engine = "onednn" if "onednn" in torch.backends.quantized.supported_engines else "fbgemm"
    torch.backends.quantized.engine = engine
    stage = "prepare_fx"
    try:
        mapping = get_default_qconfig_mapping(engine)
        per_tensor = QConfig(activation=mapping.global_qconfig.activation, weight=default_weight_observer)
        for module in (torch.nn.ConvTranspose1d, torch.nn.ConvTranspose2d, torch.nn.ConvTranspose3d):
            mapping.set_object_type(module, per_tensor)
        prepared = prepare_fx(model, mapping, example_inputs=calib[0])
        with torch.no_grad():
            stage = "calibration"
            for x in calib:
                prepared(*x)
            stage = "convert_fx"
            quantized = convert_fx(prepared)
            stage = "quantized inference"
            int8 = [flat(quantized(*x)) for x in evals]
            float_layers = fx_float_layers(model, quantized)
    except Exception as e:  # tracing / conversion / quantized kernel failure: FX is n/a here
        # The innermost frame outside torch itself: the model line FX stumbled on.
        frames = [f for f in traceback.extract_tb(e.__traceback__) if "/torch/" not in f.filename]
        where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
        message = str(e).strip().splitlines()[0] if str(e).strip() else "(no message)"
        return answer(na=short_error(f"{stage}{where}: {type(e).__name__}: {message}"))
    return answer(db=sqnr_db(fp32, int8), engine=engine, torch_vs_onnx=check, torch_vs_ours=vs_ours,
                  float_layers=float_layers)


def fx_float_layers(model, quantized):
    """The layers with weights that FX left in float (its default mapping has no quantized form
    for them, e.g. nn.TransformerEncoder or nn.LSTM, which its tracer keeps as leaves): {type:
    [count, share of the model's weights]}. Embedding lookups are not counted (pot keeps Gather
    tables in float too)."""
    import torch
    total = sum(p.numel() for p in model.parameters()) or 1
    modules = dict(quantized.named_modules())
    found = {}
    for node in quantized.graph.nodes:
        if node.op != "call_module":
            continue
        module = modules[node.target]
        kind = type(module)
        if ".quantized" in kind.__module__ or isinstance(module, (torch.nn.Embedding, torch.nn.EmbeddingBag)):
            continue
        weights = sum(p.numel() for p in module.parameters())
        if weights:
            entry = found.setdefault(kind.__name__, [0, 0.0])
            entry[0] += 1
            entry[1] += weights / total
    return found


# ----------------------------------------------------------------------------- document

def ok(rec, step):
    return rec.get(step, {}).get("ok", False)


def comparable_fx(rec):
    """Both SQNRs exist and FX quantized every layer with weights (see fx_float_layers)."""
    return (ok(rec, "sqnr") and ok(rec, "fx") and rec["fx"].get("db") is not None
            and not rec["fx"].get("float_layers"))


def within(v, tol):
    return v is not None and v <= tol


def closer(err, plain):
    """(error, against the unoptimized ONNX Runtime run?): `err` against ONNX Runtime's default
    run, or `plain`, against its run without graph optimizations, where that one is closer."""
    if err is not None and plain is not None and plain < err:
        return plain, True
    return err, False


def fp32_err(rec, engine):
    fp = rec.get("fp32", {})
    return closer(fp.get(engine), fp.get(f"{engine}_vs_unoptimized"))


def int8_verdict(rec, step="int8"):
    """(error shown, mark, passes) of an INT8 agreement record: within INT8_TOL of ONNX Runtime's
    run; else within it of ONNX Runtime's unoptimized run (†); else no farther from ONNX Runtime
    than ONNX Runtime's two runs are from each other (‡). passes is None without a measurement."""
    i8 = rec.get(step, {})
    err, plain = closer(i8.get("max_rel_err"), i8.get("ours_vs_unoptimized"))
    if err is None:
        return None, "", None
    if err <= INT8_TOL:
        return err, "†" if plain else "", True
    own = i8.get("ort_vs_unoptimized")
    if own is not None and i8["max_rel_err"] <= own:
        return i8["max_rel_err"], "‡", True
    return err, "", False


def num(v, fmt):
    return "-" if v is None else ("inf" if v == math.inf else format(v, fmt))


def cells(rec):
    """The table cells of one model (failed steps: "no" / "-"; out-of-tolerance values in bold)."""
    if "export" in rec:
        return [rec["name"], str(rec["opset"]), "export failed"] + ["-"] * 8
    bold = lambda text, good: text if good else f"**{text}**"
    dagger = lambda plain: "†" if plain else ""
    errs = [bold(num(err, ".1e") + dagger(plain), err is None or err <= FP32_TOL)
            for err, plain in (fp32_err(rec, e) for e in ("cpu", "reference"))]
    load = rec["loads"]
    loads = "yes" if load["ok"] else "no (" + ", ".join(
        e for e in ("cpu", "reference") if e + ":" in load["error"]) + ")"
    i8, i8_mark, i8_pass = int8_verdict(rec)
    m8, m8_mark, m8_pass = int8_verdict(rec, "mixed")
    fx = rec.get("fx", {})
    mixed = rec.get("mixed", {})
    lat = lambda v: num(rec.get("latency", {}).get(v, {}).get("ms"), ".2f")
    return [rec["name"], str(rec["opset"]), loads, " / ".join(errs),
            "yes" if ok(rec, "dq") else "no", "yes" if ok(rec, "qdq_ort") else ("no" if ok(rec, "dq") else "-"),
            bold(num(i8, ".3f") + i8_mark, i8_pass is not False),
            f"{num(rec.get('sqnr', {}).get('db'), '.1f')} / "
            + (num(fx.get('db'), '.1f') + ("\\*" if fx.get("float_layers") else "") if fx.get('ok') else 'n/a'),
            bold(num(m8, ".3f") + m8_mark, m8_pass is not False) + f" / {num(mixed.get('db'), '.1f')}",
            f"{lat('ours_fp32')} / {lat('ours_int8')}", f"{lat('ort_fp32')} / {lat('ort_int8')}"]


# The conformance checks of one exported model, by summary-table label: what --check requires.
CHECKS = {
    "loads (both engines)": lambda r: ok(r, "loads"),
    "FP32 cpu": lambda r: within(fp32_err(r, "cpu")[0], FP32_TOL),
    "FP32 reference": lambda r: within(fp32_err(r, "reference")[0], FP32_TOL),
    "DQ": lambda r: ok(r, "dq"),
    "QDQ in ORT": lambda r: ok(r, "qdq_ort"),
    "INT8 ours vs ORT": lambda r: int8_verdict(r)[2] is True,
    "no oneDNN reference primitive": lambda r: ok(r, "primitives"),
    "mixed: INT8 ours vs ORT": lambda r: int8_verdict(r, "mixed")[2] is True,
}


def failed_checks(rec):
    """The conformance checks a model fails (SQNR is compared, not checked)."""
    if "export" in rec:
        return ["export"]
    return [label for label, passes in CHECKS.items() if not passes(rec)]


def hand_written_notes(path):
    """The block between NOTES_BEGIN and NOTES_END of an existing document (analyses of results,
    written by hand), so that regenerating the document keeps it."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(re.escape(NOTES_BEGIN) + r".*?" + re.escape(NOTES_END), text, re.S)
    return m.group(0) if m else None


def write_document(opts, meta, records):
    cpu, flags, _ = load_module("bench_report", "bench/report.py").cpu_info()
    # The integer kernels both runtimes pick depend on these (AMX and VNNI above all).
    isa = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16")
           if f in flags]
    recs = [r for r in records if "export" not in r]
    notes = hand_written_notes(opts.output)
    w = ["# Model zoo conformance", ""] + ([notes, ""] if notes else [])
    w += [
          "Generated by `bench/zoo/run.sh` (`bench/zoo/conformance.py`; see their headers). Each model of",
          "`bench/zoo/export.py` (torchvision architectures and a few custom ones, random weights) is run",
          "on random inputs (float: uniform in [-1, 1); token ids in [0, 1000); attention mask: ones with",
          "0-8 trailing zeros) and checked step by step; a failing step is recorded and the run goes on.", "",
          f"- Machine: {cpu}, {os.cpu_count()} logical CPUs, flags: {' '.join(isa) or 'none of note'}; "
          f"{meta['threads']} thread(s) for every run",
          f"- ONNX Runtime (onnxruntime-node) {meta['ort']}; PyTorch {meta['torch']}"]
    runs = {}  # the runs the records come from (KEEP=1 merges several), in table order
    for r in records:
        info = r.get("run", meta)
        runs.setdefault(info["date"], (info, []))[1].append(r["name"])
    for info, names in runs.values():
        w += [f"- Command: `{info['command']}`; {info['date']}; load average (1/5/15 min) "
              f"{info['load_before']} at the start, {info.get('load_after')} at the end"
              + (f"; models: {', '.join(names)}" if len(runs) > 1 else "")]
    fx_runs = {}
    for r in records:
        info = r.get("fx", {}).get("run")
        if info:
            fx_runs.setdefault((info["command"], info["date"]), []).append(r["name"])
    for (command, date), names in fx_runs.items():
        w += [f"- PyTorch FX step re-run: `{command}`; {date}; models: {', '.join(names)}"]
    w += ["", "Columns:", ""] + ["- " + c.replace("{seconds:g}", f"{meta['seconds']:g}") for c in COLUMNS]
    w += ["", "| model | opset | loads | FP32 max rel err cpu / ref | DQ | QDQ in ORT | INT8 ours vs ORT | "
          "SQNR ours / FX (dB) | mixed, MSE ranges: INT8 vs ORT / SQNR | ours FP32 / INT8 (ms) | ORT FP32 / INT8 (ms) |",
          "| --- | ---: | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    w += ["| " + " | ".join(cells(r)) + " |" for r in records]
    tiny = [f"{r['name']} ({r['fp32']['ort_absmax']:.1e})" for r in recs
            if r.get("fp32", {}).get("ort_absmax", 1.0) < TINY_OUTPUT]
    if tiny:
        w += ["", f"FP32 outputs below {TINY_OUTPUT:g} in magnitude (random weights shrink the activations "
              "layer by layer; some constructors zero-initialize the last layer): " + ", ".join(tiny) + ". A quantizer whose scale has a floor rounds such tensors "
              "to zero (SQNR 0 dB); PyTorch's observers keep the scale at least float32 eps (1.2e-7)."]
    flat = [f"{r['name']} ({r['sqnr']['input_spread']:.1e})" for r in recs
            if r.get("sqnr", {}).get("input_spread", 1.0) < FLAT_OUTPUT]
    if flat:
        w += ["", f"Outputs that hardly depend on the input (max\\|y_k - y_0\\| / max\\|y_0\\| over the "
              f"evaluation samples below {FLAT_OUTPUT:g}; the features died and the output is mostly the last "
              "bias, so the SQNR says little): " + ", ".join(flat) + "."]
    partial = [f"{r['name']} (" + ", ".join(f"{kind} x{count}, {share:.0%} of the weights"
                                            for kind, (count, share) in r["fx"]["float_layers"].items()) + ")"
               for r in recs if ok(r, "fx") and r["fx"].get("float_layers")]
    if partial:
        w += ["", "\\* FX kept layers with weights in float (its default mapping has no quantized form for "
              "them), so its SQNR is that of a partly quantized model; pot quantizes them: " + ", ".join(partial) + "."]
    columns = [  # (label, passes, value for "worst", lower value is worse)
        ("loads (both engines)", CHECKS["loads (both engines)"], None, False),
        ("FP32 cpu", CHECKS["FP32 cpu"], lambda r: fp32_err(r, "cpu")[0], False),
        ("FP32 reference", CHECKS["FP32 reference"], lambda r: fp32_err(r, "reference")[0], False),
        ("DQ", CHECKS["DQ"], None, False),
        ("QDQ in ORT", CHECKS["QDQ in ORT"], None, False),
        ("INT8 ours vs ORT", CHECKS["INT8 ours vs ORT"], lambda r: int8_verdict(r)[0], False),
        ("no oneDNN reference primitive", CHECKS["no oneDNN reference primitive"], None, False),
        ("SQNR ours", None, lambda r: r.get("sqnr", {}).get("db"), True),
        ("SQNR FX", None, lambda r: r.get("fx", {}).get("db"), True),
        ("SQNR ours >= FX (FX quantizing every layer with weights)",
         lambda r: r["sqnr"]["db"] >= r["fx"]["db"] if comparable_fx(r) else None, None, False),
        ("mixed: INT8 ours vs ORT", CHECKS["mixed: INT8 ours vs ORT"],
         lambda r: int8_verdict(r, "mixed")[0], False),
        ("mixed: SQNR ours", None, lambda r: r.get("mixed", {}).get("db"), True),
        ("mixed: SQNR ours >= FX (FX quantizing every layer with weights)",
         lambda r: r["mixed"]["db"] >= r["fx"]["db"] if comparable_fx(r) and r.get("mixed", {}).get("db") is not None
         else None, None, False),
    ]
    w += ["", "## Summary", "", f"{len(records)} models; {len(records) - len(recs)} failed to export.", "",
          "| column | pass | worst model |", "| --- | ---: | --- |"]
    for label, passes, value, low_bad in columns:
        scored = [(value(r), r["name"]) for r in recs if value and value(r) is not None]
        worst = (min if low_bad else max)(scored) if scored else None
        verdicts = [passes(r) for r in recs] if passes else []
        applicable = [v for v in verdicts if v is not None]  # None: the check does not apply
        count = f"{sum(1 for v in applicable if v)}/{len(applicable)}" if passes else "-"
        w.append(f"| {label} | {count} | " + (f"{worst[1]} ({num(worst[0], '.1f' if low_bad else '.2g')})"
                                              if worst else "-") + " |")
    failures = [(r["name"], step, f"`{s['error']}`") for r in records
                for step, s in list(r.items()) + [("latency " + k, v) for k, v in r.get("latency", {}).items()]
                if isinstance(s, dict) and "error" in s and step != "fx"]
    ort_departs = []  # (model, what) passing only against ONNX Runtime's unoptimized run
    ort_spread = []  # (model, what) passing only within ONNX Runtime's own spread
    for r in recs:  # results out of tolerance
        fp = r.get("fp32", {})
        for e in ("cpu", "reference"):
            if fp.get(e) is None or fp[e] <= FP32_TOL:
                continue
            against = (f" (ONNX Runtime against its own unoptimized run: {fp['ort_vs_unoptimized']:.2g}; "
                       f"ours against that run: {fp[e + '_vs_unoptimized']:.2g})"
                       if e + "_vs_unoptimized" in fp else "")
            if within(fp32_err(r, e)[0], FP32_TOL):
                ort_departs.append((r["name"], f"FP32 {e}: max rel err {fp[e]:.2g} against the optimized run{against}"))
            else:
                failures.append((r["name"], f"FP32 {e}", f"max rel err {fp[e]:.2g} > {FP32_TOL:g}{against}"))
        for step, label in (("int8", "INT8 ours vs ORT"), ("mixed", "mixed: INT8 ours vs ORT")):
            i8rec = r.get(step, {})
            err = i8rec.get("max_rel_err")
            if err is None or err <= INT8_TOL:
                continue
            why = (f" (ONNX Runtime against its own unoptimized run of the same file: "
                   f"{i8rec['ort_vs_unoptimized']:.2g}; ours against that run: {i8rec['ours_vs_unoptimized']:.2g})"
                   if "ort_vs_unoptimized" in i8rec else "")
            _, mark, passes = int8_verdict(r, step)
            if passes:
                (ort_departs if mark == "†" else ort_spread).append(
                    (r["name"], f"{label}: max rel err {err:.2g} against the optimized run{why}"))
            else:
                failures.append((r["name"], label, f"max rel err {err:.2g} > {INT8_TOL:g}{why}"))
    w += ["", "## Failures", ""] + ([f"- {m}, {step}: {what}" for m, step, what in failures] or ["None."])
    if ort_departs:
        w += ["", "† Passed against ONNX Runtime's run of the file with its graph optimizations disabled (the "
              "graph as written), from which its optimized run departs:", ""]
        w += [f"- {m}, {what}" for m, what in ort_departs]
    if ort_spread:
        w += ["", f"‡ Over {INT8_TOL:g} against ONNX Runtime, and no farther from it than its optimized run is from "
              "its own unoptimized run of the same file (ONNX Runtime's fused integer kernels against the QDQ graph "
              "as written):", ""]
        w += [f"- {m}, {what}" for m, what in ort_spread]
    off = []
    for r in recs:
        found = r.get("off_onednn", {})
        parts = [f"{variant.upper()}: " + ", ".join([f"**{x}**" for x in v["onednn_ref"]] + v["fallback"])
                 for variant, v in found.items() if v["fallback"] or v["onednn_ref"]]
        if parts:
            off.append(f"- {r['name']}: " + "; ".join(parts))
    w += ["", "## Off oneDNN", "", "Op types that ran on the reference kernels, and oneDNN reference primitives "
          "(bold), in one profiled run of each model:", ""] + (off or ["None."])
    fx_na = [(r["name"], r["fx"].get("error", r["fx"].get("skipped"))) for r in recs if not ok(r, "fx")]
    w += ["", "## PyTorch FX n/a", ""] + ([f"- {m}: `{err}`" for m, err in fx_na] or ["None."])
    with open(opts.output, "w", encoding="utf-8") as f:
        f.write("\n".join(w) + "\n")


# ----------------------------------------------------------------------------- main

def ort_version():
    try:
        with open(os.path.join(REPO, "tests", "ort", "node_modules", "onnxruntime-node", "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def save(path, meta, records):
    with open(path + ".tmp", "w") as f:
        json.dump({"meta": meta, "models": records}, f, indent=1)
    os.replace(path + ".tmp", path)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--zoo", help="folder of manifest.json and the models")
    p.add_argument("--build", help="build folder with bin/pot-host, bin/pot-zoo-run, lib/pot/plugins")
    p.add_argument("--work", required=True, help="samples, outputs, quantized models, results.json")
    p.add_argument("--output", default=os.path.join(REPO, "docs", "ZOO.md"))
    p.add_argument("--models", default="", help="comma- or space-separated names (default: all)")
    p.add_argument("--small", action="store_true", help="only the models the manifest marks small")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=3.0, help="timed seconds per latency run")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per command")
    p.add_argument("--keep", action="store_true",
                   help="keep the results.json entries of the models not selected (resume, or re-run a few)")
    p.add_argument("--command", default="bench/zoo/run.sh", help="command line shown in the document")
    p.add_argument("--document-only", action="store_true", help="rewrite the document from results.json")
    p.add_argument("--fx-only", action="store_true",
                   help="re-run only the PyTorch FX step of the selected models, keeping everything else "
                        "of results.json (their samples and outputs must still be in --work)")
    p.add_argument("--check", action="store_true",
                   help="conformance only (no PyTorch FX, no timing); exit 1 when a model fails a check")
    p.add_argument("--fx-worker", help=argparse.SUPPRESS)
    opts = p.parse_args(argv)
    if opts.fx_worker:
        return fx_worker(opts)
    results_path = os.path.join(opts.work, "results.json")
    if opts.document_only:
        with open(results_path) as f:
            results = json.load(f)
        write_document(opts, results["meta"], results["models"])
        return 0
    if not opts.build or not opts.zoo:
        p.error("--zoo and --build are required")

    with open(os.path.join(opts.zoo, "manifest.json")) as f:
        manifest = json.load(f)
    entries = manifest["models"]
    wanted = opts.models.replace(",", " ").split()
    unknown = set(wanted) - {e["name"] for e in entries}
    if unknown:
        p.error(f"not in the manifest: {', '.join(sorted(unknown))}")
    order = [e["name"] for e in entries]
    entries = [e for e in entries if (not wanted or e["name"] in wanted) and (not opts.small or e.get("small"))]

    os.makedirs(opts.work, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    run_info = {"command": opts.command, "date": now, "load_before": load_average()}
    meta = {"threads": opts.threads, "seconds": opts.seconds, "ort": ort_version(),
            "torch": manifest.get("torch", "unknown"), "fp32_tol": FP32_TOL, "int8_tol": INT8_TOL}
    results = {}
    if opts.keep and os.path.exists(results_path):
        with open(results_path) as f:
            kept = json.load(f)
        results = {r["name"]: r for r in kept["models"] if r["name"] in order
                   and r["name"] not in {e["name"] for e in entries}}
        for r in results.values():  # records written before they carried their run: the file's run
            r.setdefault("run", {k: kept["meta"].get(k) for k in ("command", "date", "load_before", "load_after")})
    runner = Runner(opts)
    if opts.fx_only:
        with open(results_path) as f:
            kept = json.load(f)
        records = kept["models"]
        for rec in records:
            if rec["name"] in {e["name"] for e in entries} and "export" not in rec:
                log(f"{rec['name']}: FX")
                attempt(rec, "fx", lambda: runner.fx(rec["name"], os.path.join(opts.work, rec["name"])))
                rec["fx"]["run"] = {"command": opts.command, "date": now}
        save(results_path, kept["meta"], records)
        write_document(opts, kept["meta"], records)
        return 0
    for entry in entries + [None]:
        if entry:
            log(f"{entry['name']}")
            start = time.perf_counter()
            results[entry["name"]] = conform(runner, entry)
            results[entry["name"]].update(seconds=round(time.perf_counter() - start, 1), run=run_info)
            log(f"  done in {results[entry['name']]['seconds']} s")
        records = sorted(results.values(), key=lambda r: order.index(r["name"]))
        run_info["load_after"] = load_average()
        save(results_path, meta, records)
        write_document(opts, meta, records)
    log(f"wrote {opts.output} and {results_path}")
    if opts.check:
        failed = [f"{r['name']}: {step}" for r in records for step in failed_checks(r)]
        for line in failed:
            log(f"FAILED {line}")
        log(f"{len(records) - len({f.split(':')[0] for f in failed})} of {len(records)} models pass every check")
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
