import { describe, expect, it } from 'vitest';
import { main } from '../src/cli_main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe('metagrad-conformance CLI', () => {
  it('passes cpu filtered, as JSON', async () => {
    const { io, out } = capture();
    const code = await main(['--backend', 'cpu', '--filter', 'add,sum', '--json'], io);
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report.passed).toBe(true);
    expect(report.ops.map((o: { op: string }) => o.op).sort()).toEqual(['add', 'sum']);
  });

  it('fails a --module backend on mul', async () => {
    const { io, out, err } = capture();
    const code = await main(
      [
        '--backend',
        'broken',
        '--module',
        './test/broken_register.ts',
        '--filter',
        'mul',
        '--verbose',
      ],
      io,
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/^FAIL mul .*relative error/m);
    expect(err.join('\n')).toMatch(/^FAIL mul /m);
  });

  it('rejects invalid arguments with code 2', async () => {
    const missing = capture();
    expect(await main([], missing.io)).toBe(2);
    expect(missing.err.join('\n')).toContain('--backend is required');

    const unknown = capture();
    expect(await main(['--backend', 'cpu', '--filter', 'conv3d'], unknown.io)).toBe(2);
    expect(unknown.err.join('\n')).toContain("no cases for op(s) 'conv3d'");

    const kinds = capture();
    expect(await main(['--backend', 'cpu', '--kinds', 'speed'], kinds.io)).toBe(2);
    expect(kinds.err.join('\n')).toContain('unknown kind(s) speed');
  });
});
