import { CpuBackend, type CpuData, cpuKernels } from '@metagrad/backend-cpu';
import { type KernelImpl, registerBackend } from '@metagrad/core';

/** The relative error that the broken backend adds to every product. */
export const MUL_ERROR = 1e-3;

/** The CPU kernels, except that `Binary` mul returns a * b * (1 + MUL_ERROR). */
const brokenBinary: KernelImpl<'Binary'> = (inputs, attrs, backend) => {
  const out = cpuKernels.Binary(inputs, attrs, backend);
  if (attrs.op !== 'mul') return out;
  const values = (out.dataId as CpuData).values.map((v) => v * (1 + MUL_ERROR));
  return { ...out, dataId: { values } satisfies CpuData };
};

/** A toy backend named 'broken' that a conformance run must fail on mul. */
export const brokenBackend = {
  name: 'broken',
  register(): void {
    registerBackend(new CpuBackend('broken'), { ...cpuKernels, Binary: brokenBinary });
  },
};
