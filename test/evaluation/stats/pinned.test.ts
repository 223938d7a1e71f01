/**
 * The bootstrap's numbers pinned bit for bit: the optimisations of the weighted metrics (trust
 * bench, issue 18) must not change a single resampled value. The digests were taken with the code
 * before those optimisations (commit 8a9e93c); weighted-metrics.test.ts checks the values themselves
 * against the metrics' definitions.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { simulatedPredictions } from '../../../bench/trust';
import { bootstrapRuns, compareRunStats, prepareRun, type StatRun } from '../../../src/main/lab/evaluation/stats';
import { seededRandom } from '../../../src/main/lab/training/random';

const K = 10;
const N = 600;

/**
 * 5 simulated runs: the fourth with its probabilities rounded to 0.05 (ties in every score and in
 * confidence), the fifth mixed with noise so that the classes overlap in every score's order.
 */
function runs(): StatRun[] {
  const { labels, probs } = simulatedPredictions(5, N, K, 11);
  const noise = seededRandom(99);
  return probs.map((p, r) => {
    let q = r === 3 ? p.map((v) => Math.round(v * 20) / 20) : p;
    if (r === 4) {
      q = p.map((v) => 0.3 * v + noise());
      for (let i = 0; i < N; i++) {
        let sum = 0;
        for (let c = 0; c < K; c++) sum += q[i * K + c] as number;
        for (let c = 0; c < K; c++) q[i * K + c] = (q[i * K + c] as number) / sum;
      }
    }
    const predicted = labels.map((_, i) => {
      const row = Array.from(q.subarray(i * K, (i + 1) * K));
      return row.indexOf(Math.max(...row));
    });
    return {
      runId: r + 1,
      label: `run ${r + 1}`,
      testSet: 'pinned',
      testSetDescription: 'pinned',
      prepared: prepareRun({
        labels,
        predicted,
        confidence: predicted.map((c, i) => q[i * K + c] as number),
        probabilities: q,
        classes: K,
      }),
    };
  });
}

const digest = (arrays: readonly Float64Array[]): string => {
  const hash = createHash('sha256');
  for (const a of arrays) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest('hex').slice(0, 16);
};

describe('the bootstrap, pinned', () => {
  it('draws the same resamples and computes the same values, bit for bit', () => {
    // 203 resamples: blocks of 8 and a partial one
    const boot = bootstrapRuns(
      runs().map((r) => r.prepared),
      { resamples: 203, seed: 5 },
    );
    expect(digest(boot.runs.flatMap((r) => [r.value, r.resampled]))).toBe('351e1eb9b5af1efa');
    const stats = compareRunStats(runs(), { resamples: 203, seed: 5 });
    expect(createHash('sha256').update(JSON.stringify(stats)).digest('hex').slice(0, 16)).toBe('98ce1625e9a3a753');
  });
});
