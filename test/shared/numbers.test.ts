import { describe, expect, it } from 'vitest';
import { floorPercent, significant } from '../../src/shared/numbers';

describe('significant', () => {
  it('keeps three significant digits without trailing zeros or exponents', () => {
    expect(significant(0.08123)).toBe('0.0812');
    expect(significant(0.0809)).toBe('0.0809');
    expect(significant(0.35)).toBe('0.35');
    expect(significant(0.98333)).toBe('0.983');
    expect(significant(1.2345)).toBe('1.23');
    expect(significant(123.45)).toBe('123');
    expect(significant(0)).toBe('0');
    expect(significant(1.234e-7)).toBe('0.000000123');
    expect(significant(-0.04567)).toBe('-0.0457');
  });
});

describe('floorPercent', () => {
  it('rounds a lower bound down', () => {
    expect(floorPercent(0.96893)).toBe('96 %');
    expect(floorPercent(0.97)).toBe('97 %');
    expect(floorPercent(0.29)).toBe('29 %');
    expect(floorPercent(1)).toBe('100 %');
  });
});
