import { describe, expect, it } from 'vitest';
import {
  allocateTypedArray,
  bytesPerElement,
  dtypeOfTypedArray,
  isFloating,
  promoteTypes,
} from '../src/index.js';

describe('dtype helpers', () => {
  it('should order dtypes bool < int32 < float32 < float64', () => {
    expect(promoteTypes('bool', 'int32')).toBe('int32');
    expect(promoteTypes('int32', 'float32')).toBe('float32');
    expect(promoteTypes('float64', 'float32')).toBe('float64');
    expect(promoteTypes('bool', 'bool')).toBe('bool');
  });

  it('should tell floating dtypes apart', () => {
    expect(isFloating('float32')).toBe(true);
    expect(isFloating('float64')).toBe(true);
    expect(isFloating('int32')).toBe(false);
    expect(isFloating('bool')).toBe(false);
  });

  it('should give the storage size and type of each dtype', () => {
    expect(bytesPerElement('float64')).toBe(8);
    expect(bytesPerElement('float32')).toBe(4);
    expect(bytesPerElement('int32')).toBe(4);
    expect(bytesPerElement('bool')).toBe(1);
    expect(allocateTypedArray('bool', 3)).toBeInstanceOf(Uint8Array);
    expect(allocateTypedArray('float64', 2)).toEqual(new Float64Array(2));
  });

  it('should map typed arrays back to dtypes', () => {
    expect(dtypeOfTypedArray(new Float64Array(1))).toBe('float64');
    expect(dtypeOfTypedArray(new Float32Array(1))).toBe('float32');
    expect(dtypeOfTypedArray(new Int32Array(1))).toBe('int32');
    expect(dtypeOfTypedArray(new Uint8Array(1))).toBe('bool');
  });
});
