import type { KernelTable, TensorInfo } from '@metagrad/core';
import { BackendError } from '@metagrad/core';
import type { GpujsBackend } from './backend.js';

interface Check {
  name: string;
  run: () => TensorInfo;
  expected: number[];
}

/**
 * Runs a few kernels on fixed inputs and compares them with values computed here in
 * JavaScript: a broadcast add, a matrix product and index mapping (a transpose and a gather).
 * Some GPUs and drivers compute wrong results in gpu.js, so a backend that fails refuses to
 * start. Raises a BackendError naming the first kernel that disagrees.
 */
export function runSelfTest(backend: GpujsBackend, kernels: KernelTable): void {
  const made: TensorInfo[] = [];
  const upload = (values: number[], shape: number[], dtype: 'float32' | 'int32' = 'float32') => {
    const data = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
    const info = { dataId: backend.write(data, shape), shape, dtype };
    made.push(info);
    return info;
  };
  const a = upload([1, 2, 3, 4, 5, 6], [2, 3]);
  const row = upload([10, 20, 30], [3]);
  const bValues = [1, 0, -1, 2, 0.5, 3, 1, 1, -2, 4, 0, 1];
  const b = upload(bValues, [3, 4]);
  const product = Array.from({ length: 8 }, (_, e) => {
    const [i, j] = [Math.floor(e / 4), e % 4];
    return [0, 1, 2].reduce((acc, p) => acc + (i * 3 + p + 1) * bValues[p * 4 + j], 0);
  });
  const index = upload([2, 0, 1, 1, 2, 0], [2, 3], 'int32');
  const checks: Check[] = [
    {
      name: 'Binary add with broadcasting',
      run: () => kernels.Binary!([a, row], { op: 'add' }, backend),
      expected: [11, 22, 33, 14, 25, 36],
    },
    {
      name: 'MatMul',
      run: () => kernels.MatMul!([a, b], { transposeA: false, transposeB: false }, backend),
      expected: product,
    },
    {
      name: 'Transpose',
      run: () => kernels.Transpose!([a], { perm: [1, 0] }, backend),
      expected: [1, 4, 2, 5, 3, 6],
    },
    {
      name: 'Gather',
      run: () => kernels.Gather!([a, index], { axis: 1 }, backend),
      expected: [3, 1, 2, 5, 6, 4],
    },
  ];
  try {
    for (const check of checks) {
      const out = check.run();
      made.push(out);
      const got = Array.from(backend.readSync(out.dataId, 'float32'));
      const wrong = got.findIndex((v, i) => Math.abs(v - check.expected[i]) > 1e-5);
      if (wrong >= 0 || got.length !== check.expected.length) {
        throw new BackendError(
          `registerGpujsBackend: the start-up self-test failed in gpu.js mode '${backend.mode}': ` +
            `${check.name} gave [${got.join(', ')}], expected [${check.expected.join(', ')}]. ` +
            'This GPU or driver computes wrong results in gpu.js; use another mode, e.g. webasm',
        );
      }
    }
  } finally {
    for (const info of made) backend.disposeData(info.dataId);
    backend.resetTransferCounts();
  }
}
