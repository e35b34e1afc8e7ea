#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime on the CPU and writes its outputs as .npy files.
//
//   node run_model.js model.onnx out_dir in0.npy [in1.npy ...]
//
// Inputs are matched to the model's inputs by position. Output i is written to <out_dir>/<i>.npy
// (format 1.0, little endian, C order). One intra-op thread, all graph optimizations enabled, so
// the integer kernels ONNX Runtime fuses QDQ models into are the ones exercised.
//
// POT_ORT_OPTIMIZATION=disabled|basic|extended|all overrides the optimization level (default all),
// e.g. to tell a fusion's rounding from an export error.
//
// Exit codes: 0 success, 2 bad usage, 3 onnxruntime-node missing, 1 anything else.
'use strict';

const fs = require('fs');
const path = require('path');

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);  // "\x93NUMPY"

// .npy descr -> [ONNX Runtime tensor type, TypedArray]
const NPY_TYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array],
  '<i4': ['int32', Int32Array],
  '<i8': ['int64', BigInt64Array],
  '|b1': ['bool', Uint8Array],
};
const NPY_DESCR = {};
for (const [descr, [type]] of Object.entries(NPY_TYPES)) NPY_DESCR[type] = descr;

function fail(code, message) {
  process.stderr.write(`run_model.js: ${message}\n`);
  process.exit(code);
}

function parseNpy(bytes, origin) {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(NPY_MAGIC)) throw new Error(`${origin}: not a .npy file`);
  const major = bytes[6];
  let headerLen, offset;
  if (major === 1) {
    headerLen = bytes.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = bytes.readUInt32LE(8);
    offset = 12;
  } else {
    throw new Error(`${origin}: unsupported .npy version ${major}`);
  }
  const header = bytes.subarray(offset, offset + headerLen).toString('latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape) throw new Error(`${origin}: malformed .npy header`);
  if (/'fortran_order'\s*:\s*True/.test(header)) throw new Error(`${origin}: Fortran order is not supported`);
  const kind = NPY_TYPES[descr[1]];
  if (!kind) throw new Error(`${origin}: unsupported dtype '${descr[1]}'`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const [type, ArrayType] = kind;
  const start = offset + headerLen;
  const byteLength = count * ArrayType.BYTES_PER_ELEMENT;
  if (bytes.length < start + byteLength) throw new Error(`${origin}: truncated data`);
  // Copy into an aligned buffer: typed arrays need offsets that are multiples of the element size.
  const data = new ArrayType(count);
  Buffer.from(data.buffer).set(bytes.subarray(start, start + byteLength));
  return { type: type === 'bool' ? 'bool' : type, data: type === 'bool' ? Uint8Array.from(data, (v) => (v ? 1 : 0)) : data, dims };
}

function npyBytes(type, dims, data) {
  const descr = NPY_DESCR[type];
  if (!descr) throw new Error(`cannot write outputs of type ${type}`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Version 1.0: magic(6) + version(2) + length(2) + header, padded with spaces to 64 bytes and
  // ended by a newline.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  NPY_MAGIC.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  let payload;
  if (type === 'bool') payload = Buffer.from(Uint8Array.from(data, (v) => (v ? 1 : 0)));
  else payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), payload]);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 2) fail(2, 'usage: node run_model.js model.onnx out_dir in0.npy [in1.npy ...]');
  const [modelPath, outDir, ...inputPaths] = args;

  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    fail(3, `onnxruntime-node is not installed (${e.message.split('\n')[0]}); run scripts/setup-npm.sh`);
  }

  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: process.env.POT_ORT_OPTIMIZATION || 'all',
  });
  if (inputPaths.length !== session.inputNames.length) {
    throw new Error(`the model has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}), got ${inputPaths.length} .npy files`);
  }
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const npy = parseNpy(fs.readFileSync(inputPaths[i]), inputPaths[i]);
    feeds[name] = new ort.Tensor(npy.type, npy.data, npy.dims);
  });
  const results = await session.run(feeds);
  fs.mkdirSync(outDir, { recursive: true });
  session.outputNames.forEach((name, i) => {
    const t = results[name];
    fs.writeFileSync(path.join(outDir, `${i}.npy`), npyBytes(t.type, t.dims, t.data));
  });
}

// bench/ort_bench.js reads its --data files with parseNpy.
module.exports = { parseNpy };

if (require.main === module) main().catch((e) => fail(1, e && e.message ? e.message : String(e)));
