import '@metagrad/backend-cpu/register';
import { Generator, randn, autograd, tidy } from '@metagrad/core';
const g = new Generator(0);
const T = Number(process.argv[2]);
const x = randn([T, 32, 512], { generator: g }).requiresGrad_();
function tree(x) { const parts = []; const visit = (p) => { const n = p.shape[0]; if (n === 1) { parts.push(p.select(0, 0)); return; } const h = Math.ceil(n / 2); visit(p.narrow(0, 0, h)); visit(p.narrow(0, h, n - h)); }; visit(x); return parts; }
function direct(x) { return Array.from({ length: x.shape[0] }, (_, t) => x.select(0, t)); }
const best = { tree: Infinity, select: Infinity };
for (let rep = 0; rep < 5; rep++) for (const [name, f] of [['tree', tree], ['select', direct]]) {
  const t0 = performance.now();
  tidy(() => { const parts = f(x); const loss = parts.map((p) => p.sum()).reduce((a, b) => a.add(b)); autograd.grad([loss], [x]); });
  best[name] = Math.min(best[name], performance.now() - t0);
}
console.log(`T=${T}`, Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', '));
