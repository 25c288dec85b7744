// The median latency of an ONNX model under ONNX Runtime (onnxruntime-node), on THREADS intra-op threads (default
// 1), for benchmarks/vs_onnxruntime.sh. Usage: node ort_latency.js MODEL INPUT DIMS(AxBx..) WARMUP REPEAT [THREADS]
const ort = require('onnxruntime-node');

(async () => {
  const [model, input, dims, warmup, repeat, threads = '1'] = process.argv.slice(2);
  const shape = dims.split('x').map(Number);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; ++i) data[i] = Math.sin(i);
  const feeds = {[input]: new ort.Tensor('float32', data, shape)};
  for (let i = 0; i < Number(warmup); ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(repeat); ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`median ${times[times.length >> 1].toFixed(4)} ms`);
})().catch((e) => {
  console.error(`ort_latency: ${e.message}`);
  process.exit(1);
});
