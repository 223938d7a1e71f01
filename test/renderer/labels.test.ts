import { describe, expect, it } from 'vitest';
import { defaultRunConfig, type JobInfo, type RunSummary } from '../../src/shared/contract';
import {
  backendLabel,
  backendShort,
  evaluationAccuracyLabel,
  jobRunId,
  queuedText,
  testAccuracyNote,
} from '../../src/renderer/src/lib/labels';

describe('backendLabel', () => {
  it('reads what main reports', () => {
    expect(backendLabel('wasm (SIMD, 1 thread(s)), 2 training threads')).toBe(
      'WebAssembly (SIMD) · 2 training threads',
    );
    expect(backendLabel('wasm (no SIMD, 4 thread(s)), 1 training thread')).toBe(
      'WebAssembly (no SIMD, 4 kernel threads) · 1 training thread',
    );
    expect(backendLabel('tensorflow (native libtensorflow), 2 training threads')).toBe(
      'TensorFlow (native) · 2 training threads',
    );
    expect(backendLabel('cpu (pure JavaScript, slow)')).toBe('JavaScript (CPU) (pure JavaScript, slow)');
    expect(backendLabel('something else')).toBe('something else');
    expect(backendLabel(null)).toBeNull();
    expect(backendShort('wasm (SIMD, 1 thread(s)), 2 training threads')).toBe('WebAssembly');
  });
});

const run = (id: number, status: RunSummary['status'], extra: Partial<RunSummary> = {}): RunSummary => ({
  id,
  name: `CNN #${id}`,
  colour: '#0072b2',
  group: null,
  datasetId: 1,
  datasetHash: 'abc',
  model: 'cnn',
  config: defaultRunConfig('cnn'),
  parentId: null,
  status,
  error: null,
  backend: null,
  params: null,
  epochsDone: 0,
  bestEpoch: null,
  bestValLoss: null,
  trainSeconds: 0,
  imagesPerSecond: null,
  testLoss: null,
  testAccuracy: null,
  createdAt: '2026-01-01T00:00:00Z',
  startedAt: null,
  finishedAt: null,
  agent: null,
  ...extra,
});

const job = (kind: JobInfo['kind'], title: string, status: JobInfo['status'] = 'running'): JobInfo => ({
  id: title,
  kind,
  title,
  status,
  error: null,
});

describe('queuedText', () => {
  it('names the runs ahead, and only those', () => {
    const runs = [run(1, 'done'), run(2, 'running'), run(3, 'queued'), run(4, 'queued')];
    expect(queuedText(runs[2]!, runs, [])).toBe('queued: waits for run #2 to finish');
    expect(queuedText(runs[3]!, runs, [])).toBe('queued: waits for 2 runs before it (#2, #3)');
  });
  it('says it waits for a training agent when jobs go to agents', () => {
    const runs = [run(1, 'running'), run(2, 'queued')];
    expect(queuedText(runs[1]!, runs, [], 'redis://:***@queue:6379')).toBe('queued: waits for a free training agent');
    // an agent has taken it: the run names it before its first epoch starts
    expect(queuedText({ ...runs[1]!, agent: 'gpu-box' }, runs, [], 'redis://:***@queue:6379')).toBe(
      'queued: taken by agent gpu-box, starting',
    );
  });
  it('says when nothing is before it', () => {
    const runs = [run(1, 'done'), run(5, 'queued')];
    expect(queuedText(runs[1]!, runs, [])).toBe('queued: starts next');
    expect(queuedText(runs[1]!, runs, [job('evaluate', 'Evaluate run 1')])).toBe('queued: waits for evaluate run 1');
  });
  it('does not count its own ensemble', () => {
    const runs = [
      run(7, 'running', { model: 'ensemble' }),
      run(8, 'running', { parentId: 7 }),
      run(9, 'queued', { parentId: 7 }),
    ];
    expect(queuedText(runs[2]!, runs, [])).toBe('queued: waits for run #8 to finish');
  });
});

describe('jobRunId', () => {
  it('reads the run from the title', () => {
    expect(jobRunId(job('evaluate', 'Evaluate run 3'))).toBe(3);
    expect(jobRunId(job('train', 'Train CNN (run 12)'))).toBe(12);
    expect(jobRunId(job('explain', 'Explain run 4 (Grad-CAM)'))).toBe(4);
    expect(jobRunId(job('import', 'Import CIFAR-10 run 3'))).toBeNull();
  });
});

describe('accuracy labels', () => {
  it('say which accuracy is which', () => {
    expect(testAccuracyNote('vnn')).toBe(' · one pass, one random draw per image');
    expect(testAccuracyNote('cnn')).toBe('');
    expect(evaluationAccuracyLabel('mcdropout', 1000)).toBe('Accuracy (mean of T = 1,000)');
    expect(evaluationAccuracyLabel('ensemble', 5)).toBe('Accuracy (mean of 5 members)');
    expect(evaluationAccuracyLabel('cnn', 1)).toBe('Accuracy');
  });
});
