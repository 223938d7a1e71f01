// The compute thread (issue 18): compareRuns and the report run off the main process's event loop,
// so another request is answered while a compare of many runs is computing. The thread runs the
// TypeScript sources through Vite's module runner (scripts/dev-compute-thread.mjs), as the built
// app runs out/main/compute-thread.js.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTrustStudy } from '../../bench/trust';
import type { Lab } from '../../src/main/lab/lab';
import { openDatabase } from '../../src/main/lab/store/database';
import type { CompareStats, MadeReport } from '../../src/shared/contract';
import { tempDir } from '../helpers/lab';
import { labOn } from '../helpers/runs';

const ENTRY = new URL('../../scripts/dev-compute-thread.mjs', import.meta.url);
/** The trust bench's compare: about a second on a quiet 2-core machine, several on a loaded one. */
const RUNS = 6;

let dir: string;
let ids: number[];

beforeAll(() => {
  dir = tempDir('casebook-compute-');
  const db = openDatabase(join(dir, 'study.db'));
  ids = writeTrustStudy(db, { runs: RUNS, images: 3000, classes: 10 }).ids;
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Measured {
  computeMs: number;
  /** Event-loop delay while the compare ran (perf_hooks, 10 ms resolution). */
  maxDelayMs: number;
  p99DelayMs: number;
  /** listRuns requests answered before the compare's answer. */
  answeredMeanwhile: number;
  stats: CompareStats;
}

/** A compare of every run, with listRuns asked every 20 ms meanwhile, and the event loop's delay. */
async function measure(lab: Lab): Promise<Measured> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // the histogram's first sample is its baseline: let it take a few before the compare starts
  await new Promise<void>((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  let done = false;
  let answeredMeanwhile = 0;
  const compare = lab.dispatch('compareRuns', { runIds: ids, bootstrap: 2000, seed: 3 }).finally(() => {
    done = true;
  });
  const poll = (async () => {
    while (!done) {
      const listed = await lab.dispatch('listRuns', {});
      if (!done && listed.ok) answeredMeanwhile += 1;
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
    }
  })();
  const result = await compare;
  const computeMs = performance.now() - started;
  await poll;
  histogram.disable();
  if (!result.ok) throw new Error(result.error.message);
  return {
    computeMs,
    maxDelayMs: histogram.max / 1e6,
    p99DelayMs: histogram.percentile(99) / 1e6,
    answeredMeanwhile,
    stats: result.value,
  };
}

describe('the compute thread', () => {
  let inThread: Lab;
  let inline: Lab;
  beforeAll(async () => {
    inThread = labOn(dir, { computeEntry: ENTRY }).lab;
    inline = labOn(dir, { computeEntry: null }).lab;
    // the thread starts (and loads the sources) on its first request
    const warm = await inThread.dispatch('compareRuns', { runIds: ids.slice(0, 2), bootstrap: 100 });
    if (!warm.ok) throw new Error(warm.error.message);
  }, 120_000);
  afterAll(() => {
    inThread.close();
    inline.close();
  });

  it('answers other requests while a compare of many runs computes, with the same numbers', async () => {
    const before = await measure(inline);
    const after = await measure(inThread);
    console.log(
      `compare of ${RUNS} runs × 3,000 images × 10 classes, B = 2,000 — on the main thread: ${before.computeMs.toFixed(0)} ms, ` +
        `event-loop delay max ${before.maxDelayMs.toFixed(0)} ms (p99 ${before.p99DelayMs.toFixed(0)}), ` +
        `${before.answeredMeanwhile} listRuns answered meanwhile; in the compute thread: ${after.computeMs.toFixed(0)} ms, ` +
        `max ${after.maxDelayMs.toFixed(0)} ms (p99 ${after.p99DelayMs.toFixed(0)}), ${after.answeredMeanwhile} answered meanwhile`,
    );
    // on the main thread, the loop stands still for the whole compare; in the thread it does not
    expect(before.answeredMeanwhile).toBe(0);
    expect(before.maxDelayMs).toBeGreaterThan(0.5 * before.computeMs);
    expect(after.answeredMeanwhile).toBeGreaterThanOrEqual(3);
    expect(after.maxDelayMs).toBeLessThan(Math.max(150, 0.25 * after.computeMs));
    // the same resamples, the same numbers (the time it took aside)
    expect({ ...after.stats, ms: 0 }).toEqual({ ...before.stats, ms: 0 });
  }, 120_000);

  it('keeps the contract’s error codes, exports figures and makes the report with its progress', async () => {
    const missing = await inThread.dispatch('compareRuns', { runIds: [ids[0], 9999] });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    // a figure too (a metrics figure bootstraps its error bars): the same file as computed here
    const request = { kind: 'metrics', runIds: ids.slice(0, 2), format: 'svg' } as const;
    const [there, here] = await Promise.all([
      inThread.dispatch('exportFigure', request),
      inline.dispatch('exportFigure', request),
    ]);
    if (!there.ok || !here.ok) throw new Error('the metrics figure was refused');
    expect(there.value.caption).toContain('error bars: 95 % confidence intervals');
    expect(there.value.base64).toBe(here.value.base64);
    const progress: unknown[] = [];
    const { lab, events } = labOn(dir, { computeEntry: ENTRY });
    try {
      const made = await lab.dispatch('makeReport', {
        runIds: ids.slice(0, 2),
        cases: 'none',
        format: 'html',
        reportId: 'r1',
      });
      if (!made.ok) throw new Error(made.error.message);
      const report: MadeReport = made.value;
      expect(report.fileName).toBe(`casebook-report-runs-${ids[0]}-${ids[1]}.html`);
      expect(Buffer.from(report.base64, 'base64').toString('utf8')).toContain('<html');
      progress.push(...events.filter((e) => e.name === 'reportProgress'));
      expect(progress.length).toBeGreaterThan(0);
      expect(progress[0]).toMatchObject({ payload: { reportId: 'r1' } });
    } finally {
      lab.close();
    }
  }, 120_000);
});
