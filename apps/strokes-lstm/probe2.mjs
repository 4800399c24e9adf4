import '@metagrad/backend-cpu/register';
import { Generator, grad, valueAndGrad, concat, tidy, randn, tensor, fromTypedArray, memory } from '@metagrad/core';
import { lstm, initLstm, linear, initLinear, crossEntropy } from '@metagrad/nn-functional';
import { sgdStep } from '@metagrad/optim';
const [T, H, B, Q] = process.argv.slice(2).map(Number);
const gen = new Generator(0);
const params = { lstm: initLstm({ inputSize: 3, hiddenSize: H, bidirectional: true }, gen), head: initLinear(2*H, 5, gen) };
const loss = (p, x, y) => {
  const [, [hN]] = lstm(x, undefined, p.lstm, { bidirectional: true });
  const last = concat([hN.select(0, 0), hN.select(0, 1)], -1);
  return crossEntropy(linear(last, p.head.weight, p.head.bias), y);
};
const xs = randn([T, B, 3], { generator: gen }); const ys = fromTypedArray(Int32Array.from({length:B},(_, i)=>i%5), [B], 'int32');
const xq = randn([T, Q, 3], { generator: gen }); const yq = fromTypedArray(Int32Array.from({length:Q},(_, i)=>i%5), [Q], 'int32');
for (const fo of [false, true]) for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  tidy(() => {
    const [v, g] = valueAndGrad((p) => {
      let fast = p;
      const g1 = grad((q) => loss(q, xs, ys))(fo ? structuredCloneDetach(p) : p);
      fast = sgdStep(p, g1, 0.4);
      return loss(fast, xq, yq);
    })(params);
    return v.item();
  });
  console.log(fo ? 'first' : 'second', (performance.now() - t0).toFixed(0), 'ms', memory().numTensors);
}
function structuredCloneDetach(p) { return { lstm: Object.fromEntries(Object.entries(p.lstm).map(([k, v]) => [k, v.detach()])), head: { weight: p.head.weight.detach(), bias: p.head.bias.detach() } }; }
