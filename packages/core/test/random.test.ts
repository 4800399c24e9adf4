import { describe, expect, it } from 'vitest';
import { Generator, InvalidArgumentError } from '../src/index.js';

const draw = (gen: Generator, n: number) => Array.from({ length: n }, () => gen.nextUint32());

describe('Generator', () => {
  it('should repeat the stream of a seed', () => {
    expect(draw(new Generator(123), 8)).toEqual(draw(new Generator(123), 8));
  });

  it('should give different streams for seeds 0 and 1', () => {
    const a = draw(new Generator(0), 4);
    const b = draw(new Generator(1), 4);
    a.forEach((v, i) => expect(v).not.toBe(b[i]));
  });

  it('should restart the stream on manualSeed', () => {
    const gen = new Generator(5);
    const first = draw(gen, 4);
    gen.manualSeed(5);
    expect(draw(gen, 4)).toEqual(first);
  });

  it('should reject a non-integer seed', () => {
    expect(() => new Generator(1.5)).toThrow(InvalidArgumentError);
  });

  it('should continue the stream after a state round trip', () => {
    const gen = new Generator(77);
    draw(gen, 3);
    const state = gen.getState();
    expect(state.algorithm).toBe('xoshiro128**');
    const next = draw(gen, 5);
    const copy = new Generator(0).setState(JSON.parse(JSON.stringify(state)));
    expect(draw(copy, 5)).toEqual(next);
  });

  it('should reject a malformed state', () => {
    expect(() =>
      new Generator(0).setState({ algorithm: 'mt19937', s: [1, 2, 3, 4] } as never),
    ).toThrow(/expected a state from Generator.getState/);
  });

  it('random should stay in [0, 1) and uniform in [low, high)', () => {
    const gen = new Generator(3);
    const us = Array.from({ length: 10000 }, () => gen.random());
    const vs = Array.from({ length: 10000 }, () => gen.uniform(-2, 5));
    expect(Math.min(...us)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...us)).toBeLessThan(1);
    expect(Math.min(...vs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...vs)).toBeLessThan(5);
  });

  it('randint should reach every value of [low, high) and nothing else', () => {
    const gen = new Generator(4);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(gen.randint(-3, 4));
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(() => gen.randint(2, 2)).toThrow(/low < high/);
  });

  it('normal should have mean 0 and standard deviation 1', () => {
    const gen = new Generator(8);
    const xs = Array.from({ length: 20000 }, () => gen.normal());
    const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((p, q) => p + (q - mean) ** 2, 0) / xs.length);
    // Standard errors: about 0.007 for the mean and 0.005 for the standard deviation.
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
  });

  it('permutation should contain each index once', () => {
    const p = new Generator(6).permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
