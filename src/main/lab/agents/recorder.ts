/**
 * The app's side of an agent's results: each one checked, then replayed on the app's own store,
 * fenced by the job's claim (a result of a claim that moved on is refused) and idempotent (BullMQ
 * delivers at least once): an epoch already recorded is skipped, an epoch after a gap is refused,
 * and every other write sets values rather than adding to them.
 */
import {
  AgentResult,
  describeZodError,
  MAX_AGENT_RESULT_BYTES,
  type AgentWrite,
  type RunSummary,
} from '../../../shared/contract';
import type { RemoteTarget } from '../jobs/remote';
import { recordTotals } from '../training/ensemble';
import { floats32, fromWire, jsonBytes } from './wire';

export class RefusedResultError extends Error {
  override name = 'RefusedResultError';
}

/** Checks a result as it came off the queue: its size, then its shape. Throws a RefusedResultError naming the problem. */
export function checkResult(raw: unknown, id: string, maxBytes = MAX_AGENT_RESULT_BYTES): AgentResult {
  const bytes = jsonBytes(raw);
  if (bytes > maxBytes)
    throw new RefusedResultError(
      `result ${id} refused: ${bytes} bytes is over the limit of ${maxBytes} bytes; nothing recorded`,
    );
  const parsed = AgentResult.safeParse(raw);
  if (!parsed.success)
    throw new RefusedResultError(`result ${id} refused: ${describeZodError(parsed.error)}; nothing recorded`);
  return parsed.data;
}

/** The run and claim a job key names (`train-<run>-<lease>`). */
export function parseKey(key: string): { kind: string; runId: number; lease: number } {
  const [kind = '', run = '', lease = ''] = key.split('-');
  return { kind, runId: Number(run), lease: Number(lease) };
}

export type Recorded = { kind: 'recorded'; run: RunSummary; epoch: number | null } | { kind: 'skipped'; why: string };

/**
 * Records one write (or the agent's name) of the job `key` on the app's store, fenced by `lease`.
 * Throws a LeaseLostError when the claim moved on, a RefusedResultError for an epoch after a gap.
 */
export function recordWrite(target: RemoteTarget, key: string, lease: number, write: AgentWrite): Recorded {
  const runs = target.runs.fenced(lease);
  const emit = (run: RunSummary, epoch: (AgentWrite & { op: 'epoch' }) | null): Recorded => {
    target.emit('runUpdated', { run, epoch: epoch?.metrics ?? null });
    return { kind: 'recorded', run, epoch: epoch?.metrics.epoch ?? null };
  };
  switch (write.op) {
    case 'started':
      return emit(runs.markStarted(write.runId, { backend: write.backend, params: write.params }), null);
    case 'epoch': {
      const done = target.runs.get(write.runId).epochsDone;
      const epoch = write.metrics.epoch;
      if (epoch <= done) return { kind: 'skipped', why: `run ${write.runId}'s epoch ${epoch} is already recorded` };
      if (epoch > done + 1)
        throw new RefusedResultError(
          `run ${write.runId}: epoch ${epoch} refused, the app has recorded ${done} epochs (it would leave a gap)`,
        );
      const checkpoints = Object.fromEntries(
        Object.entries(write.checkpoints).map(([kind, checkpoint]) => [kind, fromWire(checkpoint)]),
      );
      return emit(runs.recordEpoch(write.runId, write.metrics, { best: write.best, checkpoints }), write);
    }
    case 'test':
      return emit(runs.recordTest(write.runId, { loss: write.loss, accuracy: write.accuracy }), null);
    case 'ensemble':
      // from the app's own member rows: the agent's scratch study holds only the epochs it trained
      return emit(recordTotals(runs, write.runId), null);
    case 'status':
      return emit(runs.setStatus(write.runId, write.status), null);
    case 'evaluation': {
      const images = write.images.map((image) => ({ ...image, boxplots: image.boxplots }));
      const samples = write.samples === null ? undefined : floats32(write.samples);
      const wrote = target.receipts.once(key, write.runId, () => {
        target.evaluations.add(write.runId, write.metrics, images, samples);
      });
      if (!wrote) return { kind: 'skipped', why: `the evaluation of ${key} is already recorded` };
      target.emit('runEvaluated', { runId: write.runId, metrics: write.metrics });
      return { kind: 'recorded', run: target.runs.get(write.runId), epoch: null };
    }
    case 'explanation': {
      const images = write.images.map((image) => ({
        ...image,
        map: floats32(image.map),
        std: image.std === null ? null : floats32(image.std),
        trueMap: image.trueMap === null ? null : floats32(image.trueMap),
        trueStd: image.trueStd === null ? null : floats32(image.trueStd),
      }));
      const wrote = target.receipts.once(key, write.runId, () => {
        target.explanations.add(write.runId, write.summary, images);
      });
      if (!wrote) return { kind: 'skipped', why: `the explanation of ${key} is already recorded` };
      target.emit('runExplained', { runId: write.runId, summary: write.summary });
      return { kind: 'recorded', run: target.runs.get(write.runId), epoch: null };
    }
  }
}
