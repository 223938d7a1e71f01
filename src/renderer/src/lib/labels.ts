/** Readable labels for what main reports in its own terms. */
import type { JobInfo, ModelFamily, RunSummary } from '../../../shared/contract';

const BACKEND_NAMES: Record<string, string> = {
  wasm: 'WebAssembly',
  tensorflow: 'TensorFlow (native)',
  cpu: 'JavaScript (CPU)',
};

/**
 * "wasm (SIMD, 1 thread(s)), 2 training threads" → "WebAssembly (SIMD) · 2 training threads";
 * "tensorflow (native libtensorflow), 1 training thread" → "TensorFlow (native) · 1 training thread".
 * Text of another shape is returned as it is.
 */
export function backendLabel(backend: string | null): string | null {
  if (backend === null) return null;
  const match = /^(\w+) \((.*)\)(?:, (\d+) training threads?)?$/.exec(backend);
  if (!match) return backend;
  const [, name = '', how = '', training] = match;
  const notes = how
    .split(',')
    .map((part) => part.trim())
    .flatMap((part) => {
      if (part === 'native libtensorflow') return [];
      const threads = /^(\d+) thread\(s\)$/.exec(part);
      if (threads) return threads[1] === '1' ? [] : [`${threads[1]} kernel threads`];
      return [part];
    });
  const base = `${BACKEND_NAMES[name] ?? name}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
  if (training === undefined) return base;
  return `${base} · ${training} training thread${training === '1' ? '' : 's'}`;
}

/** The backend's name alone, for narrow table cells ("WebAssembly"). */
export function backendShort(backend: string | null): string | null {
  const label = backendLabel(backend);
  return label === null ? null : (label.split(/ \(| · /)[0] ?? label);
}

/**
 * What a queued run waits for: the runs queued or training before it (main trains one at a time, in
 * order), else the evaluation or explanation jobs in the same queue, else nothing (it starts next).
 * With training agents (`agents`: the queue) every job waits for an agent that is free, until one
 * takes it (the run then names its agent).
 */
export function queuedText(
  run: RunSummary,
  runs: readonly RunSummary[],
  jobs: readonly JobInfo[],
  agents: string | null = null,
): string {
  if (run.agent !== null) return `queued: taken by agent ${run.agent}, starting`;
  if (agents !== null) return 'queued: waits for a free training agent';
  const ahead = runs
    .filter((other) => other.id < run.id && (other.status === 'running' || other.status === 'queued'))
    // an ensemble's members train in its place: the ensemble itself holds no place in the queue
    .filter((other) => other.model !== 'ensemble' && other.id !== run.parentId)
    .sort((a, b) => a.id - b.id);
  if (ahead.length === 1) return `queued: waits for run #${ahead[0]?.id} to finish`;
  if (ahead.length > 1)
    return `queued: waits for ${ahead.length} runs before it (#${ahead.map((r) => r.id).join(', #')})`;
  const busy = jobs.filter((job) => job.kind !== 'import' && job.kind !== 'train' && job.status === 'running');
  if (busy.length > 0) return `queued: waits for ${busy.map((job) => job.title.toLowerCase()).join(', ')}`;
  return 'queued: starts next';
}

/** The run a job is about, read from its title ("Evaluate run 3", "Train CNN (run 3)"); null for imports. */
export function jobRunId(job: JobInfo): number | null {
  if (job.kind === 'import') return null;
  const match = /\brun (\d+)\b/.exec(job.title);
  return match ? Number(match[1]) : null;
}

/**
 * What the run's "test accuracy" (recorded when training ends, from the best-val_loss weights) is.
 * The VNN's sampling layer and MC dropout's dropout stay on at prediction, so for them it is one
 * pass with one random draw per image (as the seed's Keras `evaluate`); an ensemble's is the
 * accuracy of its members' mean probabilities.
 */
export function testAccuracyNote(model: ModelFamily): string {
  switch (model) {
    case 'vnn':
    case 'mcdropout':
      return ' · one pass, one random draw per image';
    case 'ensemble':
      return " · of the members' mean";
    case 'cnn':
      return '';
  }
}

/** What the evaluation's accuracy is: of the mean prediction over T samples (members), or of the one prediction. */
export function evaluationAccuracyLabel(model: ModelFamily, samples: number): string {
  if (model === 'ensemble') return `Accuracy (mean of ${samples} members)`;
  if (samples > 1) return `Accuracy (mean of T = ${samples.toLocaleString('en-US')})`;
  return 'Accuracy';
}
