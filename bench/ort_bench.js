#!/usr/bin/env node
// Times one ONNX model in ONNX Runtime (CPU), batch 1, the way `pot-host benchmark` times ours:
// random U(-1, 1) input, warm-up runs, then one timed session.run() after another.
//
//   node ort_bench.js MODEL --shape 1,3,224,224 [--threads N] [--warmup N] [--niter N | --seconds S]
//   node ort_bench.js MODEL --data [NAME=]FILE.npy ... [--threads N] [--warmup N] [--niter N | --seconds S]
//   node ort_bench.js MODEL --each DIR [--threads N] [--warmup N]
//
// --shape feeds a one-input float model with random data; --data (repeatable, like pot-host
// benchmark's) feeds inputs from .npy files of any type tests/ort/run_model.js reads, by input
// name (NAME=FILE.npy) or, without names, by position. With --data every input needs a file.
// --each runs a one-input model once on every .npy file of DIR (in name order, after warm-up runs
// on the first), as a calibration pass would; duration_ms is then the sum of those runs.
// Prints one JSON line: model, engine, threads, count, latency_median_ms, latency_avg_ms,
// latency_min_ms, latency_max_ms. All graph optimizations are on (so QDQ models run on ORT's
// fused integer kernels), one inter-op thread, sequential execution, intra-op threads as asked.
// Each latency is the wall time of an awaited session.run(), so it includes the (small) cost of
// the Node.js binding and promise, just as ours includes copying the output out of the engine.
//
// Exit codes: 0 success, 2 bad usage, 3 onnxruntime-node missing, 1 anything else.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(code, message) {
  process.stderr.write(`ort_bench.js: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = {threads: 2, warmup: 10, niter: 0, seconds: 3, shape: null, data: [], each: null, model: null};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(2, `${a} needs a value`);
      return argv[++i];
    };
    if (a === '--threads') opts.threads = Number(value());
    else if (a === '--warmup') opts.warmup = Number(value());
    else if (a === '--niter') opts.niter = Number(value());
    else if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--shape') opts.shape = value().split(',').map(Number);
    else if (a === '--data') opts.data.push(value());
    else if (a === '--each') opts.each = value();
    else if (a.startsWith('-')) fail(2, `unknown option ${a}`);
    else if (opts.model === null) opts.model = a;
    else fail(2, `unexpected argument ${a}`);
  }
  if (!opts.model) fail(2, 'usage: node ort_bench.js MODEL (--shape D0,D1,... | --data [NAME=]FILE.npy ...) [--threads N] [--warmup N] [--niter N | --seconds S]');
  if (opts.each !== null) {
    if (opts.shape || opts.data.length > 0) fail(2, '--each excludes --shape and --data');
  } else if (opts.data.length > 0) {
    if (opts.shape) fail(2, '--shape and --data exclude each other');
  } else if (!opts.shape || opts.shape.some((d) => !Number.isInteger(d) || d < 1)) {
    fail(2, '--shape must be positive integers, e.g. 1,3,224,224');
  }
  if (!Number.isInteger(opts.threads) || opts.threads < 1) fail(2, '--threads must be >= 1');
  return opts;
}

const HARNESS = path.join(__dirname, '..', 'tests', 'ort', 'node_modules', 'onnxruntime-node');

function loadOrt() {
  try {
    return require(HARNESS);
  } catch (e) {
    fail(3, `cannot load onnxruntime-node from ${HARNESS} (run scripts/setup-npm.sh): ${e.message}`);
  }
  return null;
}

function randomFeeds(ort, session, shape) {
  // Same generator family as pot's benchmark (uniform in [-1, 1)), fixed seed.
  let state = 42;
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; ++i) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2147483648 - 1;
  }
  return {[session.inputNames[0]]: new ort.Tensor('float32', data, shape)};
}

function feedsFromFiles(ort, session, items) {
  const {parseNpy} = require(path.join(__dirname, '..', 'tests', 'ort', 'run_model.js'));
  const feeds = {};
  items.forEach((item, i) => {
    const eq = item.indexOf('=');
    const name = eq < 0 ? session.inputNames[i] : item.slice(0, eq);
    const file = eq < 0 ? item : item.slice(eq + 1);
    if (!session.inputNames.includes(name)) fail(2, `--data ${item}: the model has no input ${name === undefined ? i : name} (inputs: ${session.inputNames.join(', ')})`);
    if (name in feeds) fail(2, `--data: input ${name} given twice`);
    const npy = parseNpy(fs.readFileSync(file), file);
    feeds[name] = new ort.Tensor(npy.type, npy.data, npy.dims);
  });
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length > 0) fail(2, `--data: no file for input(s) ${missing.join(', ')}`);
  return feeds;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(opts.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
  });
  if (opts.each !== null) {
    let files;
    try {
      files = fs.readdirSync(opts.each).filter((f) => f.endsWith('.npy')).sort().map((f) => path.join(opts.each, f));
    } catch (e) {
      fail(2, `--each ${opts.each}: ${e.message}`);
    }
    if (files.length === 0) fail(2, `--each ${opts.each}: no .npy file`);
    opts.data = [files[0]];
    const first = feedsFromFiles(ort, session, opts.data);
    for (let i = 0; i < opts.warmup; ++i) await session.run(first);
    const latencies = [];
    for (const file of files) {
      const feeds = feedsFromFiles(ort, session, [file]);
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return report(opts, latencies);
  }
  const feeds = opts.data.length > 0 ? feedsFromFiles(ort, session, opts.data) : randomFeeds(ort, session, opts.shape);

  for (let i = 0; i < opts.warmup; ++i) await session.run(feeds);
  const latencies = [];
  const start = process.hrtime.bigint();
  for (;;) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    const t1 = process.hrtime.bigint();
    latencies.push(Number(t1 - t0) / 1e6);
    const elapsed = Number(t1 - start) / 1e9;
    if (opts.niter > 0 ? latencies.length >= opts.niter : elapsed >= opts.seconds) break;
  }
  return report(opts, latencies);
}

function report(opts, latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const total = latencies.reduce((a, b) => a + b, 0);
  process.stdout.write(JSON.stringify({
    model: opts.model, engine: 'onnxruntime', version: require(path.join(HARNESS, 'package.json')).version,
    threads: opts.threads, count: n, duration_ms: total, latency_median_ms: median,
    latency_avg_ms: total / n, latency_min_ms: sorted[0], latency_max_ms: sorted[n - 1],
  }) + '\n');
}

main().catch((e) => fail(1, e && e.stack ? e.stack : String(e)));
