#!/usr/bin/python3
"""Runs OpenVINO POT's configuration files with pot-host, paths replaced and nothing else changed,
and writes a table of the results per file (docs/POT_COMPATIBILITY.md).

The files are POT's, not this project's, so they are not in the tree: give a folder holding them
(--configs) and, optionally, a file of "<path in the openvino repository> <commit>" lines naming
where each came from (--origins; a file's name there is its path with '/' replaced by '__').

Every string value of a "model" key becomes the bundled Fashion-MNIST CNN, every "weights" is
dropped from the text's meaning (it stays, and is ignored for ONNX), every "data_source" becomes
the bundled calibration images (a folder of random .npy arrays of the model's input shape where the
dataset's reader is numpy_reader) and every "annotation" (or Accuracy Checker "annotation_file")
their labels; the Accuracy Checker YAML file a config names (engine.config) is taken by file name
from --yaml and its paths replaced alike; where its data are made from annotations (BERT's SQuAD
features, NCF's MovieLens pairs) their files are ours (substitutes.py: a small SQuAD file and
vocabulary, MovieLens ratings and negatives, and the converted annotation file Accuracy Checker
makes of the SQuAD file, for a file naming only that), and the substitute models those configs
need are written by substitutes.py --out DIR (give them with --model-for). A run is "ran" when pot-host
exits 0 and writes the INT8 model, or exits 3 having written it (it finished, but an accuracy or
tuning target was not met on data that are not the model's own); otherwise the table shows the exit
code and the messages.

    /usr/bin/python3 bench/pot_configs/run.py --configs DIR [--origins FILE] [--build build-tests]
        [--only TEXT]...   (re-run some files, keeping the other rows of the existing page)
"""
import argparse
import pathlib
import re
import subprocess
import tempfile
import time

import substitutes

REPO = pathlib.Path(__file__).resolve().parents[2]
FMNIST = REPO / "examples" / "fmnist"


DATA = FMNIST / "data" / "calibration"
LABELS = DATA / "labels.txt"


MODEL = FMNIST / "fmnist_cnn.onnx"
TEMPLATE_YAML = pathlib.Path(__file__).resolve().parent / "classification.yml"


def substitute(text, yaml_dir, work, model):
    """POT's config text with its paths pointing at the bundled model and data. An Accuracy Checker
    YAML file the config names (by file name, from `yaml_dir`) is copied into `work` with its paths
    replaced the same way."""
    def value(key, new):
        nonlocal text
        text = re.sub(r'("%s"\s*:\s*)"[^"]*"' % key, lambda m: m.group(1) + '"%s"' % new, text)
    value("model", model)
    # A data-free engine writes its generated images to data_source: a folder of the run's own.
    data_free = re.search(r'"type"\s*:\s*"data_free"', text)
    arrays = re.search(r'"numpy_reader"', text)
    data = work / "synthetic" if data_free else numpy_arrays(model, work / "arrays") if arrays else DATA
    value("data_source", data)
    value("annotation", LABELS)
    value("annotation_file", LABELS)
    match = re.search(r'"config"\s*:\s*"([^"]*)"', text)
    if match:
        # POT's templates leave the Accuracy Checker file as the placeholder <CONFIG_PATH>: a path
        # like any other, replaced by a classification file of this folder.
        placeholder = re.fullmatch(r"<[A-Z_]+>", match.group(1))
        source = TEMPLATE_YAML if placeholder else yaml_dir / pathlib.Path(match.group(1)).name if yaml_dir else None
        if source and source.exists():
            yaml = source.read_text()
            yaml_data = numpy_arrays(model, work / "arrays") if re.search(r"\bnumpy_reader\b", yaml) else DATA
            yaml = re.sub(r"(\bdata_source:\s*).*", lambda m: m.group(1) + str(yaml_data), yaml)
            yaml = re.sub(r"(\bannotation_file:\s*).*", lambda m: m.group(1) + str(LABELS), yaml)
            yaml = annotation_sources(yaml, work)
            copy = work / source.name
            copy.write_text(yaml)
            value("config", copy)
    return text


def annotation_sources(yaml, work):
    """An Accuracy Checker file whose data are its annotations (BERT's SQuAD features, NCF's user
    and item pairs) with the converters' files replaced by ours (substitutes.py, data/). Its
    `annotation` (Accuracy Checker's converted file) becomes one made from our SQuAD file when no
    annotation_conversion is given (then it is the file's only source), else a place in `work`,
    where Accuracy Checker would save the conversion."""
    for key, path in (("testing_file", substitutes.SQUAD), ("vocab_file", substitutes.VOCAB),
                      ("rating_file", substitutes.RATINGS), ("negative_file", substitutes.NEGATIVES)):
        yaml = re.sub(r"(\b%s:\s*).*" % key, lambda m: m.group(1) + str(path), yaml)
    if re.search(r"\b(annotation_features_extractor|ncf_data_reader)\b", yaml):
        converted = work / "annotation.pickle"
        if not re.search(r"\bannotation_conversion:", yaml):
            converted = substitutes.squad_pickle(work / "squad.pickle")
        yaml = re.sub(r"(\bannotation:\s*).*", lambda m: m.group(1) + str(converted), yaml)
    return yaml


def numpy_arrays(model, folder, count=16):
    """`count` .npy arrays (uniform in [-1, 1), fixed seed) of the shape of `model`'s first input
    without its batch dimension (symbolic dimensions: 224), for a dataset read by numpy_reader.
    Needs python3-onnx and python3-numpy."""
    import numpy as np
    import onnx
    dims = onnx.load(str(model)).graph.input[0].type.tensor_type.shape.dim
    shape = [d.dim_value if d.HasField("dim_value") else 224 for d in dims][1:]
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for k in range(count):
        np.save(folder / f"{k:03d}.npy", rng.uniform(-1, 1, shape).astype(np.float32))
    return folder


def run(build, original, yaml_dir, timeout, model):
    with tempfile.TemporaryDirectory() as tmp:
        config = pathlib.Path(tmp) / "config.json"
        config.write_text(substitute(original, yaml_dir, pathlib.Path(tmp), model))
        out = pathlib.Path(tmp) / "out"
        start = time.monotonic()
        try:
            proc = subprocess.run([str(build / "bin" / "pot-host"), "--plugins", str(build / "lib" / "pot" / "plugins"),
                                   "-c", str(config), "--output-dir", str(out), "-d", "--log-level", "WARNING"],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            # A tuning config runs its trials for as long as it asks; the table says it was cut short.
            return None, f"still running after {timeout} s (stopped)", False, timeout
        wrote = any(out.glob("*.onnx")) if out.exists() else False
        return proc.returncode, proc.stderr, wrote, time.monotonic() - start


def messages(stderr, config_path, model):
    """The error and warning lines, with the temporary file's path taken out."""
    lines = []
    for line in stderr.splitlines():
        line = line.replace(str(config_path), "config.json").strip()
        if not line or line.startswith(("[INFO]",)):
            continue
        line = re.sub(r"/tmp/tmp[^/ ]*/", "", line).replace(str(REPO) + "/", "")
        lines.append(line.replace(str(model), model.name))
    return lines


ANY_SIZE = "@any-size"


def any_size_copy(model, folder):
    """A copy of `model` in `folder` whose first input takes any height and width (its dimensions
    2 and 3 made symbolic): for configs whose preprocessing makes sizes a fixed-size model does not
    take (an SSD's 300x300, EAST's per-image multiples of 32). Needs python3-onnx."""
    import onnx
    m = onnx.load(str(model))
    dims = m.graph.input[0].type.tensor_type.shape.dim
    for i, name in ((2, "height"), (3, "width")):
        dims[i].ClearField("dim_value")
        dims[i].dim_param = name
    del m.graph.value_info[:]  # intermediate shapes followed the fixed size
    copy = folder / (model.stem + "_any_size.onnx")
    onnx.save(m, str(copy))
    return copy


def pot_yaml_verdict(stderr, yaml_dir):
    """For an Accuracy Checker file pot-host called invalid YAML: what PyYAML, POT's own reader,
    says of the same file ("" when PyYAML is not installed or reads it)."""
    match = re.search(r"([\w.-]+\.ya?ml): invalid YAML", stderr)
    if not match or not yaml_dir or not (yaml_dir / match.group(1)).exists():
        return ""
    try:
        import yaml
    except ImportError:
        return ""
    try:
        yaml.safe_load((yaml_dir / match.group(1)).read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return f" (PyYAML, which POT reads it with, rejects the file too{where}: {getattr(e, 'problem', e)})"
    return ""


def yaml_origins(yaml_dir):
    """The Accuracy Checker files' origins, from COMMITS.txt beside them."""
    listing = yaml_dir / "COMMITS.txt" if yaml_dir else None
    if not listing or not listing.exists():
        return ""
    lines = [f"- `{path}` at {commit[:10]}" for path, commit in
             (line.split()[:2] for line in listing.read_text().splitlines() if line.strip())]
    return "\nThe Accuracy Checker YAML files the configs name, from the same repository:\n\n" + "\n".join(lines) + "\n"


def main():
    global MODEL
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", required=True, type=pathlib.Path)
    parser.add_argument("--origins", type=pathlib.Path)
    parser.add_argument("--yaml", type=pathlib.Path, help="folder of the Accuracy Checker YAML files the configs name")
    parser.add_argument("--build", type=pathlib.Path, default=REPO / "build-tests")
    parser.add_argument("--output", type=pathlib.Path, default=REPO / "docs" / "POT_COMPATIBILITY.md")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--model", type=pathlib.Path, default=MODEL,
                        help="the ONNX model every config is pointed at (default: the bundled Fashion-MNIST CNN; "
                             "the Accuracy Checker reads images as 3-channel BGR, so its configs need a 3-channel model)")
    parser.add_argument("--model-for", action="append", default=[], metavar="TEXT=MODEL",
                        help="configs whose file name contains TEXT use MODEL instead (e.g. inceptionV3=inception_v3.onnx, "
                             "for a config whose preprocessing makes 299x299 inputs); MODEL" + ANY_SIZE + " uses a copy of "
                             "MODEL taking any input height and width; repeatable")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only the configs whose file name contains TEXT (repeatable) and keep the other "
                             "files' rows from the existing --output (re-running a few files, e.g. after a timeout)")
    args = parser.parse_args()
    MODEL = args.model.resolve()
    model_for = []  # (TEXT, model run, model as given)
    copies = tempfile.TemporaryDirectory()
    for item in args.model_for:
        text, sep, path = item.partition("=")
        if not sep or not text or not path:
            parser.error(f"--model-for expects TEXT=MODEL, got {item!r}")
        given = pathlib.Path(path.removesuffix(ANY_SIZE)).resolve()
        run_model = any_size_copy(given, pathlib.Path(copies.name)) if path.endswith(ANY_SIZE) else given
        model_for.append((text, run_model, given.name + (ANY_SIZE if path.endswith(ANY_SIZE) else "")))

    origins = {}
    if args.origins:
        for line in args.origins.read_text().splitlines():
            if line.strip():
                path, commit = line.split()[:2]
                origins[path.replace("/", "__")] = (path, commit)

    earlier = {}  # path column -> (row, ran) of the existing document, for --only
    if args.only:
        if not args.output.exists():
            parser.error(f"--only keeps the other rows of {args.output}, which does not exist")
        for line in args.output.read_text().splitlines():
            cells = line.split(" | ")
            if line.startswith("| `") and len(cells) >= 3:
                earlier[cells[0][2:].strip("`")] = (line, cells[2].startswith("ran"))

    rows, ran = [], 0
    files = sorted(args.configs.glob("*.json"))
    for f in files:
        path, commit = origins.get(f.name, (f.name, ""))
        if args.only and not any(text in f.name for text in args.only):
            if path not in earlier:
                parser.error(f"{args.output} has no row for {path}; run it (add it to --only)")
            row, earlier_ran = earlier[path]
            rows.append(row)
            ran += earlier_ran
            continue
        model, shown = next(((m, s) for text, m, s in model_for if text in f.name), (MODEL, MODEL.name))
        code, stderr, wrote, seconds = run(args.build.resolve(), f.read_text(), args.yaml, args.timeout, model)
        # Exit 3: the run finished and wrote its model, but an accuracy or tuning target was not met
        # (the substituted data are not the model's own).
        ok = code in (0, 3) and wrote
        ran += ok
        text = "; ".join(messages(stderr, f, model)) + ("" if ok else pot_yaml_verdict(stderr, args.yaml))
        text = text.replace("|", "\\|")
        if len(text) > 600:
            text = text[:600] + " ..."
        result = ("ran" if code == 0 else "ran, target not met (exit 3)") if ok else \
            "timeout" if code is None else "exit %d" % code
        if model != MODEL:
            result += f" (model `{shown}`)"
        if ok:
            result += f", {seconds:.0f} s"
        rows.append(f"| `{path}` | {commit[:10]} | {result} | {text} |")
        print(f"{'ran ' if ok else 'FAIL'} {f.name}: {text[:200]}", flush=True)

    command = ("/usr/bin/python3 bench/pot_configs/run.py --configs DIR --origins DIR/COMMITS.txt "
               f"--yaml DIR/ac --model {MODEL.name}"
               + "".join(f" --model-for {text}={shown}" for text, _, shown in model_for) + f" --timeout {args.timeout}")
    args.output.write_text(f"""# OpenVINO POT's configuration files

POT's own configuration files (from `tools/pot/configs/` of the openvinotoolkit/openvino
repository, at the commits shown), run with pot-host with their paths replaced and nothing else
changed: every `model` is `{MODEL.name}` (where the result names another model, that one: its
input size is what the config's preprocessing makes; `{ANY_SIZE}` is a copy taking any input height
and width), every `data_source` the bundled
calibration images, every `annotation` (and Accuracy Checker `annotation_file`) their labels,
in the config and in the Accuracy Checker YAML file it names (POT's template placeholder
`<CONFIG_PATH>` becomes `bench/pot_configs/classification.yml`; a data-free engine writes into a
folder of its own; the SQuAD and MovieLens files of the BERT and NCF configs are small ones of ours
in `bench/pot_configs/data/`, and where a file names only Accuracy Checker's converted annotation
file, that file is made from ours). **{ran} of {len(files)} ran**, counting runs that finished and wrote their model but
missed an accuracy or tuning target on these substitute data (exit 3). The others show what
pot-host said, every problem of a file in one run; a run still going after {args.timeout} s is
stopped and shown as a timeout. The time of each run that finished is its wall time on the machine
that made the table (2 cores; a tuning run evaluates its candidates on all 300 images); a row
without one was kept from an earlier run (`--only`) made before times were recorded. The BERT and
NCF models are small stand-ins with the YAML files' input and output names, written by
`/usr/bin/python3 bench/pot_configs/substitutes.py --out DIR`.

POT's Python API (scripts importing `openvino.tools.pot`) runs too, with the import changed to `pot`: see
docs/PYTHON.md.

Regenerate (the files are POT's and not in this tree; fetch them at the commits listed):

    {command}

| file | commit | result | messages |
| --- | --- | --- | --- |
""" + "\n".join(rows) + "\n" + yaml_origins(args.yaml))
    print(f"{ran}/{len(files)} ran; wrote {args.output}")


if __name__ == "__main__":
    main()
