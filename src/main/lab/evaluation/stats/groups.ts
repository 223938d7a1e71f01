/**
 * Groups of runs that differ only by seed, compared by the difference of their seed means.
 *
 * The interval is a two-stage bootstrap: each resample draws the seeds of each group with
 * replacement and, when each seed's per-image-resample values are given (the same image resamples
 * for every seed: same test set), takes resample b of each drawn seed, so the interval covers the
 * spread over seeds AND over test images; with point values only it covers the seeds alone.
 * With fewer than 5 seeds a group's spread is poorly known and the interval too narrow; the result
 * says how many seeds it rests on.
 */
import { seededRandom } from '../../training/random';
import { percentileInterval } from './bootstrap';

export interface SeedValues {
  /** Each seed's value of the metric on the test set. */
  readonly values: readonly number[];
  /** Optional: each seed's B bootstrap values, resample b over the same images for every seed. */
  readonly resampled?: readonly Float64Array[];
}

export interface GroupDifference {
  /** mean(a) − mean(b) over seeds. */
  difference: number;
  ci: [number, number];
  seeds: [number, number];
  over: 'seeds' | 'seeds and test images';
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

export function seedGroupDifference(
  a: SeedValues,
  b: SeedValues,
  options: { resamples?: number; seed?: number; level?: number } = {},
): GroupDifference {
  for (const [name, g] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (g.values.length === 0) throw new RangeError(`${name}: a group needs at least one seed`);
    if (g.resampled !== undefined && g.resampled.length !== g.values.length)
      throw new RangeError(`${name}.resampled: ${g.resampled.length} seeds, values has ${g.values.length}`);
  }
  const images = a.resampled !== undefined && b.resampled !== undefined;
  const B = images
    ? Math.min(...[...(a.resampled ?? []), ...(b.resampled ?? [])].map((r) => r.length))
    : (options.resamples ?? 2000);
  const random = seededRandom(options.seed ?? 0);
  const draw = (g: SeedValues, r: number): number => {
    let sum = 0;
    for (let s = 0; s < g.values.length; s++) {
      const pick = Math.floor(random() * g.values.length);
      sum += images ? ((g.resampled?.[pick] as Float64Array)[r] as number) : (g.values[pick] as number);
    }
    return sum / g.values.length;
  };
  const differences = new Float64Array(B);
  for (let r = 0; r < B; r++) differences[r] = draw(a, r) - draw(b, r);
  return {
    difference: mean(a.values) - mean(b.values),
    ci: percentileInterval(differences, options.level ?? 0.95),
    seeds: [a.values.length, b.values.length],
    over: images ? 'seeds and test images' : 'seeds',
  };
}
