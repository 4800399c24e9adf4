import '../src/register.js';
import { fromTypedArray, relu, type Tensor, where } from '@metagrad/core';
import { describe, expect, it } from 'vitest';

// relu and where run on the int32 words of the values. These tests check the exact bits,
// including signed zeros and NaNs of both signs.

// NaN payloads do not survive a trip through a JavaScript number, so the special NaNs are
// written into the arrays as words.
/** The bits of a float32 NaN with the sign bit set, as x86 produces for 0 * -Infinity. */
const NEGATIVE_NAN_32 = -4194304;
/** The words of a float64 NaN whose high word equals -Infinity's, so only the low word differs. */
const LOW_WORD_NAN_64 = [1, -1048576];

/** Returns `values` as a float32 array followed by a negative NaN. */
function float32WithNegativeNan(values: number[]): Float32Array {
  const array = new Float32Array(values.length + 1);
  array.set(values);
  new Int32Array(array.buffer)[values.length] = NEGATIVE_NAN_32;
  return array;
}

/** Returns `values` as a float64 array followed by the low-word NaN. */
function float64WithLowWordNan(values: number[]): Float64Array {
  const array = new Float64Array(values.length + 1);
  array.set(values);
  new Int32Array(array.buffer).set(LOW_WORD_NAN_64, 2 * values.length);
  return array;
}

const specials = [-2.5, -0, 0, 1e-40, -1e-40, 3, Infinity, -Infinity, Number.NaN, -1e30];

function bitsOf(t: Tensor): number[] {
  const values = t.dataSync();
  return Array.from(new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2));
}

describe('relu on the bits of the values', () => {
  it('float32 signed zeros and NaNs', () => {
    const input = float32WithNegativeNan(specials);
    const out = relu(fromTypedArray(input, [input.length], 'float32')).dataSync();
    input.forEach((v, i) => {
      if (Number.isNaN(v)) expect(out[i]).toBeNaN();
      else expect(Object.is(out[i], Math.max(v, 0))).toBe(true);
    });
  });

  it('float64 low-word NaN', () => {
    const input = float64WithLowWordNan(specials);
    const out = relu(fromTypedArray(input, [input.length], 'float64')).dataSync();
    input.forEach((v, i) => {
      if (Number.isNaN(v)) expect(out[i]).toBeNaN();
      else expect(Object.is(out[i], Math.max(v, 0))).toBe(true);
    });
  });

  it('int32 extremes', () => {
    const input = Int32Array.from([-2147483648, -1, 0, 1, 2147483647]);
    const out = relu(fromTypedArray(input, [5], 'int32'));
    expect(Array.from(out.dataSync())).toEqual([0, 0, 0, 1, 2147483647]);
  });
});

describe('where on the bits of the values', () => {
  const condition = fromTypedArray(Uint8Array.from([1, 0, 1, 0, 1, 0]), [2, 3], 'bool');

  it('float64 bits with broadcasting', () => {
    const a = fromTypedArray(float64WithLowWordNan([-0, 1 / 3]), [1, 3], 'float64');
    const b = fromTypedArray(Float64Array.from([-7]), [1], 'float64');
    const out = where(condition, a, b);
    expect(out.shape).toEqual([2, 3]);
    const expected = Float64Array.from([-0, -7, 0, -7, 1 / 3, -7]);
    new Int32Array(expected.buffer).set(LOW_WORD_NAN_64, 4);
    expect(bitsOf(out)).toEqual(Array.from(new Int32Array(expected.buffer)));
  });

  it('float32, int32 and bool values', () => {
    const a32 = fromTypedArray(
      Float32Array.from([NEGATIVE_NAN_32, -0, 2, 3, 4, 5]),
      [2, 3],
      'float32',
    );
    const b32 = fromTypedArray(Float32Array.from([9]), [], 'float32');
    expect(bitsOf(where(condition, a32, b32))).toEqual(
      bitsOf(fromTypedArray(Float32Array.from([NEGATIVE_NAN_32, 9, 2, 9, 4, 9]), [6], 'float32')),
    );
    const ai = fromTypedArray(Int32Array.from([-1, -2, -3]), [3], 'int32');
    const bi = fromTypedArray(Int32Array.from([7, 8, 9]), [3], 'int32');
    expect(Array.from(where(condition, ai, bi).dataSync())).toEqual([-1, 8, -3, 7, -2, 9]);
    const ab = fromTypedArray(Uint8Array.from([0, 1, 1]), [3], 'bool');
    const bb = fromTypedArray(Uint8Array.from([1, 1, 0]), [3], 'bool');
    expect(Array.from(where(condition, ab, bb).dataSync())).toEqual([0, 1, 1, 1, 1, 0]);
  });
});
