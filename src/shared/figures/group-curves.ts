/**
 * A seed group's learning curves as one: per epoch, the mean over the seeds that recorded it, with
 * the min–max over them as a band (`intervals.epochs`), the legend saying so ("CNN #1 (3 seeds: mean,
 * min–max band)"). Runs alone, and groups with one run among those given, stay as they are.
 */
import type { EpochMetrics, RunSummary } from '../contract';
import type { CurveRun } from './curves';
import type { EpochIntervals, Interval } from './intervals';

export interface GroupableCurve extends CurveRun {
  group: RunSummary['group'];
}

const SERIES = ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const;

function summary(values: readonly (number | null)[]): { mean: number | null; band: Interval | null } {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { mean: null, band: null };
  return {
    mean: xs.reduce((s, v) => s + v, 0) / xs.length,
    band: xs.length < 2 ? null : { lo: Math.min(...xs), hi: Math.max(...xs) },
  };
}

/** One curve per seed group (mean, min–max band) in the place of its first run; other runs as given. */
export function groupCurves(runs: readonly GroupableCurve[]): CurveRun[] {
  const byGroup = new Map<number, GroupableCurve[]>();
  for (const run of runs) {
    if (run.group === null) continue;
    byGroup.set(run.group, [...(byGroup.get(run.group) ?? []), run]);
  }
  const done = new Set<number>();
  return runs.flatMap((run): CurveRun[] => {
    const members = run.group === null ? undefined : byGroup.get(run.group);
    if (run.group === null || members === undefined || members.length < 2) {
      const { group: _group, ...curve } = run;
      return [curve];
    }
    if (done.has(run.group)) return [];
    done.add(run.group);
    const epochs = [...new Set(members.flatMap((m) => m.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
    const at = (m: GroupableCurve, epoch: number): EpochMetrics | undefined => m.epochs.find((e) => e.epoch === epoch);
    const meanEpochs: EpochMetrics[] = [];
    const bands: EpochIntervals[] = [];
    for (const epoch of epochs) {
      const recorded = members.map((m) => at(m, epoch)).filter((e): e is EpochMetrics => e !== undefined);
      const s = Object.fromEntries(SERIES.map((key) => [key, summary(recorded.map((e) => e[key]))])) as Record<
        (typeof SERIES)[number],
        ReturnType<typeof summary>
      >;
      meanEpochs.push({
        epoch,
        loss: s.loss.mean ?? Number.NaN,
        accuracy: s.accuracy.mean ?? Number.NaN,
        valLoss: s.valLoss.mean,
        valAccuracy: s.valAccuracy.mean,
        seconds: summary(recorded.map((e) => e.seconds)).mean ?? 0,
        imagesPerSecond: summary(recorded.map((e) => e.imagesPerSecond)).mean ?? 0,
      });
      bands.push({
        loss: s.loss.band,
        accuracy: s.accuracy.band,
        valLoss: s.valLoss.band,
        valAccuracy: s.valAccuracy.band,
      });
    }
    return [
      {
        runId: run.group,
        label: `${members.find((m) => m.runId === run.group)?.label ?? run.label ?? `#${run.group}`} (${members.length} seeds: mean, min–max band)`,
        colour: (members.find((m) => m.runId === run.group) ?? run).colour,
        epochs: meanEpochs,
        intervals: { method: `min–max over ${members.length} seeds`, epochs: bands },
      },
    ];
  });
}
