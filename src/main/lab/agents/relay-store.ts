/**
 * The agent's run store: the scratch study's RunStore whose training writes, once done there,
 * are also handed to `relay` as AgentWrites for the app to record. Failures are not relayed as
 * statuses: they go through the job, which another agent may take up again.
 */
import type {
  AgentWrite,
  EpochMetrics,
  ExplanationSummary,
  ResumeState,
  RunMetrics,
  RunStatus,
  RunSummary,
} from '../../../shared/contract';
import type { ImagePrediction } from '../evaluation/report';
import type { Db } from '../store/database';
import { EvaluationStore, type StoredPrediction } from '../store/evaluations';
import { ExplanationStore, type StoredImageExplanation } from '../store/explanations';
import { RunStore, type Checkpoint, type CheckpointKind } from '../store/runs';
import { base64Floats, toWire } from './wire';

export class RelayRunStore extends RunStore {
  constructor(
    db: Db,
    private readonly relay: (write: AgentWrite) => void,
  ) {
    super(db);
  }

  override markStarted(id: number, details: { backend: string; params: number }): RunSummary {
    const run = super.markStarted(id, details);
    this.relay({ op: 'started', runId: id, ...details });
    return run;
  }

  override setStatus(id: number, status: RunStatus, error: string | null = null): RunSummary {
    const run = super.setStatus(id, status, error);
    if (status === 'running' || status === 'done') this.relay({ op: 'status', runId: id, status });
    return run;
  }

  override recordEpoch(
    id: number,
    metrics: EpochMetrics,
    update: {
      best: { epoch: number; valLoss: number } | null;
      checkpoints: Partial<Record<CheckpointKind, Checkpoint>>;
    },
  ): RunSummary {
    const run = super.recordEpoch(id, metrics, update);
    const checkpoints = Object.fromEntries(
      Object.entries(update.checkpoints).map(([kind, checkpoint]) => [kind, toWire(checkpoint)]),
    );
    this.relay({ op: 'epoch', runId: id, metrics, best: update.best, checkpoints });
    return run;
  }

  override recordEnsemble(
    id: number,
    totals: { backend: string | null; params: number; trainSeconds: number; epochs: number },
  ): RunSummary {
    const run = super.recordEnsemble(id, totals);
    this.relay({ op: 'ensemble', runId: id, ...totals });
    return run;
  }

  override recordTest(id: number, result: { loss: number; accuracy: number }): RunSummary {
    const run = super.recordTest(id, result);
    this.relay({ op: 'test', runId: id, ...result });
    return run;
  }
}

/**
 * The agent's evaluation store: an evaluation is relayed to the app (not kept); for an
 * explanation it answers with the run's current evaluation as the app sent it.
 */
export class RelayEvaluationStore extends EvaluationStore {
  constructor(
    db: Db,
    private readonly relay: (write: AgentWrite) => void,
    private readonly sent: ResumeState['evaluation'] = null,
  ) {
    super(db);
  }

  override add(runId: number, metrics: RunMetrics, images: readonly ImagePrediction[], samples?: Float32Array): number {
    const keep = samples !== undefined && metrics.samples > 1;
    this.relay({
      op: 'evaluation',
      runId,
      metrics,
      images: images.map((image) => ({ ...image })),
      samples: keep ? base64Floats(samples) : null,
    });
    return 0;
  }

  override current(runId: number): { id: number; samples: number; metrics: RunMetrics; createdAt: string } | null {
    void runId;
    return this.sent
      ? { id: 1, samples: this.sent.metrics.samples, metrics: this.sent.metrics, createdAt: new Date().toISOString() }
      : null;
  }

  override predictions(evaluationId: number): StoredPrediction[] {
    void evaluationId;
    return this.sent?.predictions ?? [];
  }
}

/** The agent's explanation store: an explanation is relayed to the app, maps as float32 base64. */
export class RelayExplanationStore extends ExplanationStore {
  constructor(
    db: Db,
    private readonly relay: (write: AgentWrite) => void,
  ) {
    super(db);
  }

  override add(runId: number, summary: ExplanationSummary, images: readonly StoredImageExplanation[]): number {
    const maybe = (values: Float32Array | null) => (values === null ? null : base64Floats(values));
    this.relay({
      op: 'explanation',
      runId,
      summary,
      images: images.map((image) => ({
        index: image.index,
        label: image.label,
        predicted: image.predicted,
        probability: image.probability,
        background: image.background,
        map: base64Floats(image.map),
        std: maybe(image.std),
        trueMap: maybe(image.trueMap),
        trueStd: maybe(image.trueStd),
      })),
    });
    return 0;
  }
}
