import {
  defaultRunName,
  memberColour,
  MODEL_LABELS,
  nextRunColour,
  RunConfig,
  type EpochMetrics,
  type ModelFamily,
  type RunStatus,
  type RunSummary,
} from '../../../shared/contract';
import { seedGroups } from '../../../shared/run-groups';
import type { Db } from './database';
import { ConflictError, NotFoundError } from '../errors';
import { DEFAULT_OWNERSHIP_TIMING, RunOwnership } from './run-owners';

interface RunRow {
  id: number;
  name: string;
  colour: string;
  dataset_id: number;
  dataset_hash: string;
  model: ModelFamily;
  config: string;
  parent_id: number | null;
  status: RunStatus;
  error: string | null;
  backend: string | null;
  params: number | null;
  epochs_done: number;
  best_epoch: number | null;
  best_val_loss: number | null;
  train_seconds: number;
  images_per_second: number | null;
  test_loss: number | null;
  test_accuracy: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  agent: string | null;
}

/** A saved model: tfjs model artifacts plus the training loop's own state, as plain data. */
export interface Checkpoint {
  epoch: number;
  topology: unknown;
  weightSpecs: unknown;
  weights: Uint8Array;
  trainingConfig: unknown;
  state: unknown;
}

export type CheckpointKind = 'best' | 'last';

/** A stored checkpoint with its kind and when it was saved (a bundle carries them). */
export interface StoredCheckpoint extends Checkpoint {
  kind: CheckpointKind;
  savedAt: string;
}

/** A run as a bundle carries it: its stored state and times, written back as they were. */
export interface RestoredRun {
  datasetId: number;
  datasetHash: string;
  model: ModelFamily;
  /** The configuration as the bundle holds it (checked by the importer). */
  config: unknown;
  parentId: number | null;
  status: RunStatus;
  error: string | null;
  backend: string | null;
  params: number | null;
  epochsDone: number;
  bestEpoch: number | null;
  bestValLoss: number | null;
  trainSeconds: number;
  imagesPerSecond: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/**
 * Runs, their epochs and their checkpoints. A store `fenced` by a lease is a trainer's: each of its
 * training writes (start, status, epoch, checkpoint, scores) first checks, in the same transaction,
 * that the lease is still the run's current claim, and throws a LeaseLostError, writing nothing,
 * when it is not.
 */
export class RunStore {
  /** Which process trains each run (see run-owners.ts). */
  readonly owners: RunOwnership;

  constructor(
    private readonly db: Db,
    private readonly staleMs: number = DEFAULT_OWNERSHIP_TIMING.staleMs,
    /** The generation of the claim this store's writes need (null: unfenced). */
    private readonly lease: number | null = null,
  ) {
    this.owners = new RunOwnership(db, staleMs);
  }

  /** The same store, its training writes fenced by the claim generation `lease`. */
  fenced(lease: number): RunStore {
    return new RunStore(this.db, this.staleMs, lease);
  }

  /** Throws a LeaseLostError when this store is fenced and its claim on the run was taken (a trainer checks before each batch). */
  assertLease(id: number): void {
    if (this.lease !== null) this.owners.assertHolds(id, this.lease);
  }

  /** A training write of run `id`, in one write transaction with the check of the lease (if any). */
  private write<T>(id: number, change: () => T): T {
    const lease = this.lease;
    return this.db
      .transaction(() => {
        if (lease !== null) this.owners.assertHolds(id, lease);
        return change();
      })
      .immediate();
  }

  /**
   * Creates a queued run with its default name ("CNN #3") and the next colour of the palette (an
   * ensemble's member: "CNN #7 (member 2 of #5)", coloured after its ensemble).
   */
  create(input: { datasetId: number; datasetHash: string; config: RunConfig; parentId?: number }): RunSummary {
    return this.db
      .transaction(() => {
        const id = Number(
          this.db
            .prepare(
              "INSERT INTO runs (dataset_id, dataset_hash, model, config, parent_id, status) VALUES (?, ?, ?, ?, ?, 'queued')",
            )
            .run(
              input.datasetId,
              input.datasetHash,
              input.config.model,
              JSON.stringify(input.config),
              input.parentId ?? null,
            ).lastInsertRowid,
        );
        const identity = defaultIdentity(this.db, id, input.config.model, input.parentId ?? null);
        this.db.prepare('UPDATE runs SET name = ?, colour = ? WHERE id = ?').run(identity.name, identity.colour, id);
        return this.get(id);
      })
      .immediate();
  }

  /**
   * Writes back a run a bundle carries (its state and times as they were) with its epochs and
   * checkpoints; `identity` gives its name and colour from the defaults of its new id. Returns the id.
   */
  restore(
    run: RestoredRun,
    parts: { epochs: readonly EpochMetrics[]; checkpoints: readonly StoredCheckpoint[] },
    identity: (fresh: { id: number; name: string; colour: string }) => { name: string; colour: string },
  ): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO runs (dataset_id, dataset_hash, model, config, parent_id, status, error, backend, params,
                               epochs_done, best_epoch, best_val_loss, train_seconds, images_per_second, test_loss,
                               test_accuracy, created_at, started_at, finished_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            run.datasetId,
            run.datasetHash,
            run.model,
            JSON.stringify(run.config),
            run.parentId,
            run.status,
            run.error,
            run.backend,
            run.params,
            run.epochsDone,
            run.bestEpoch,
            run.bestValLoss,
            run.trainSeconds,
            run.imagesPerSecond,
            run.testLoss,
            run.testAccuracy,
            run.createdAt,
            run.startedAt,
            run.finishedAt,
          ).lastInsertRowid,
      );
      const given = identity({ id, ...defaultIdentity(this.db, id, run.model, run.parentId) });
      this.db.prepare('UPDATE runs SET name = ?, colour = ? WHERE id = ?').run(given.name, given.colour, id);
      for (const e of parts.epochs) this.storeEpoch(id, e);
      for (const c of parts.checkpoints) this.storeCheckpoint(id, c.kind, c, c.savedAt);
      return id;
    })();
  }

  /** Renames a run (the name is validated by the contract's RunName). */
  rename(id: number, name: string): RunSummary {
    this.get(id);
    this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(name, id);
    return this.get(id);
  }

  /** Sets a run's colour (`#rrggbb`, validated by the contract's RunColour). */
  setColour(id: number, colour: string): RunSummary {
    this.get(id);
    this.db.prepare('UPDATE runs SET colour = ? WHERE id = ?').run(colour, id);
    return this.get(id);
  }

  /**
   * A deep-ensemble run and its member CNN runs (seeds seed, seed + 1, …), in one transaction.
   * The members share every other hyperparameter of the ensemble.
   */
  createEnsemble(input: { datasetId: number; datasetHash: string; config: RunConfig }): RunSummary {
    return this.db
      .transaction(() => {
        const ensemble = this.create(input);
        for (let m = 0; m < input.config.members; m++) {
          const config = { ...input.config, model: 'cnn' as const, seed: (input.config.seed + m) % 2 ** 31 };
          this.create({ ...input, config, parentId: ensemble.id });
        }
        return ensemble;
      })
      .immediate();
  }

  /** The member runs of a deep ensemble, in seed order. */
  members(id: number): RunSummary[] {
    return this.db
      .prepare<[number], RunRow>('SELECT * FROM runs WHERE parent_id = ? ORDER BY id')
      .all(id)
      .map((row) => toSummary(row, null));
  }

  get(id: number): RunSummary {
    const row = this.db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
    if (!row) throw new NotFoundError(`no run with id ${id}`);
    if (row.parent_id !== null) return toSummary(row, null);
    const candidates = this.db
      .prepare<[string, string], RunRow>(
        'SELECT * FROM runs WHERE dataset_hash = ? AND model = ? AND parent_id IS NULL ORDER BY id',
      )
      .all(row.dataset_hash, row.model);
    return toSummary(row, seedGroups(candidates.map((r) => toSummary(r, null))).get(id) ?? null);
  }

  /** The runs of a seed group (any of its runs' id or the group's id), in id order; [run] when alone. */
  groupRuns(id: number): RunSummary[] {
    const run = this.get(id);
    if (run.group === null) return [run];
    return this.list()
      .filter((r) => r.group === run.group)
      .sort((a, b) => a.id - b.id);
  }

  /** Whether a run with this id exists (a link may name a deleted one). */
  /** The finished, evaluated top-level runs of a dataset's content (ensemble members left out), oldest first. */
  evaluatedRunIds(datasetHash: string): number[] {
    return this.db
      .prepare<[string], number>(
        `SELECT r.id FROM runs r
          WHERE r.dataset_hash = ? AND r.parent_id IS NULL AND r.status = 'done'
            AND EXISTS (SELECT 1 FROM evaluations e WHERE e.run_id = r.id)
          ORDER BY r.id`,
      )
      .pluck()
      .all(datasetHash);
  }

  exists(id: number): boolean {
    return this.db.prepare<[number], number>('SELECT 1 FROM runs WHERE id = ?').pluck().get(id) !== undefined;
  }

  list(): RunSummary[] {
    const runs = this.db
      .prepare<[], RunRow>('SELECT * FROM runs ORDER BY id DESC')
      .all()
      .map((row) => toSummary(row, null));
    const groups = seedGroups(runs);
    return runs.map((run) => ({ ...run, group: groups.get(run.id) ?? null }));
  }

  epochs(runId: number): EpochMetrics[] {
    return this.db
      .prepare<[number], EpochMetrics>(
        `SELECT epoch, loss, accuracy, val_loss AS valLoss, val_accuracy AS valAccuracy, seconds,
                images_per_second AS imagesPerSecond
         FROM run_epochs WHERE run_id = ? ORDER BY epoch`,
      )
      .all(runId);
  }

  markStarted(id: number, details: { backend: string; params: number }): RunSummary {
    this.write(id, () =>
      this.db
        .prepare(
          `UPDATE runs SET status = 'running', error = NULL, backend = ?, params = ?,
                started_at = coalesce(started_at, ${NOW}), finished_at = NULL WHERE id = ?`,
        )
        .run(details.backend, details.params, id),
    );
    return this.get(id);
  }

  setStatus(id: number, status: RunStatus, error: string | null = null): RunSummary {
    const finished = status === 'queued' || status === 'running' ? 'NULL' : NOW;
    this.write(id, () =>
      this.db
        .prepare(`UPDATE runs SET status = ?, error = ?, finished_at = ${finished} WHERE id = ?`)
        .run(status, error, id),
    );
    return this.get(id);
  }

  /** Records a finished epoch and, in the same transaction, the checkpoints it produced. */
  recordEpoch(
    id: number,
    metrics: EpochMetrics,
    update: {
      best: { epoch: number; valLoss: number } | null;
      checkpoints: Partial<Record<CheckpointKind, Checkpoint>>;
    },
  ): RunSummary {
    this.write(id, () => {
      this.storeEpoch(id, metrics);
      const totals = this.db
        .prepare<[number], { seconds: number; images: number }>(
          'SELECT sum(seconds) AS seconds, sum(seconds * images_per_second) AS images FROM run_epochs WHERE run_id = ?',
        )
        .get(id);
      const seconds = totals?.seconds ?? 0;
      this.db
        .prepare(
          `UPDATE runs SET epochs_done = ?, train_seconds = ?, images_per_second = ?,
                    best_epoch = coalesce(?, best_epoch), best_val_loss = coalesce(?, best_val_loss) WHERE id = ?`,
        )
        .run(
          metrics.epoch,
          seconds,
          seconds > 0 ? (totals?.images ?? 0) / seconds : null,
          update.best?.epoch ?? null,
          update.best?.valLoss ?? null,
          id,
        );
      for (const [kind, checkpoint] of Object.entries(update.checkpoints))
        this.storeCheckpoint(id, kind as CheckpointKind, checkpoint);
    });
    return this.get(id);
  }

  /** Names the agent training the run and its members (null: the local worker), fenced like any training write. */
  setAgent(id: number, agent: string | null): RunSummary {
    this.write(id, () => this.db.prepare('UPDATE runs SET agent = ? WHERE id = ? OR parent_id = ?').run(agent, id, id));
    return this.get(id);
  }

  /** A deep ensemble's totals over its members: parameters, training time, backend. */
  recordEnsemble(
    id: number,
    totals: { backend: string | null; params: number; trainSeconds: number; epochs: number },
  ): RunSummary {
    this.write(id, () =>
      this.db
        .prepare('UPDATE runs SET backend = ?, params = ?, train_seconds = ?, epochs_done = ? WHERE id = ?')
        .run(totals.backend, totals.params, totals.trainSeconds, totals.epochs, id),
    );
    return this.get(id);
  }

  recordTest(id: number, result: { loss: number; accuracy: number }): RunSummary {
    this.write(id, () =>
      this.db
        .prepare('UPDATE runs SET test_loss = ?, test_accuracy = ? WHERE id = ?')
        .run(result.loss, result.accuracy, id),
    );
    return this.get(id);
  }

  saveCheckpoint(id: number, kind: CheckpointKind, checkpoint: Checkpoint): void {
    this.write(id, () => this.storeCheckpoint(id, kind, checkpoint));
  }

  private storeEpoch(id: number, metrics: EpochMetrics): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO run_epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds, images_per_second)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        metrics.epoch,
        metrics.loss,
        metrics.accuracy,
        metrics.valLoss,
        metrics.valAccuracy,
        metrics.seconds,
        metrics.imagesPerSecond,
      );
  }

  /** Saves a checkpoint (now, or at `savedAt` when a bundle restores it). */
  private storeCheckpoint(
    id: number,
    kind: CheckpointKind,
    checkpoint: Checkpoint,
    savedAt: string | null = null,
  ): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO checkpoints (run_id, kind, epoch, topology, weight_specs, weights, training_config, state, saved_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, ${NOW}))`,
      )
      .run(
        id,
        kind,
        checkpoint.epoch,
        JSON.stringify(checkpoint.topology),
        JSON.stringify(checkpoint.weightSpecs),
        checkpoint.weights,
        checkpoint.trainingConfig === null ? null : JSON.stringify(checkpoint.trainingConfig),
        checkpoint.state === null ? null : JSON.stringify(checkpoint.state),
        savedAt,
      );
  }

  /** Every checkpoint of a run, best before last, with when it was saved. */
  checkpoints(id: number): StoredCheckpoint[] {
    return this.db
      .prepare<
        [number],
        {
          kind: CheckpointKind;
          epoch: number;
          topology: string;
          weight_specs: string;
          weights: Buffer;
          training_config: string | null;
          state: string | null;
          saved_at: string;
        }
      >('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY kind')
      .all(id)
      .map((row) => ({
        kind: row.kind,
        epoch: row.epoch,
        topology: JSON.parse(row.topology) as unknown,
        weightSpecs: JSON.parse(row.weight_specs) as unknown,
        weights: row.weights,
        trainingConfig: row.training_config === null ? null : (JSON.parse(row.training_config) as unknown),
        state: row.state === null ? null : (JSON.parse(row.state) as unknown),
        savedAt: row.saved_at,
      }));
  }

  /** A run's configuration as stored (before the contract's defaults fill it in), or null. */
  storedConfig(id: number): unknown {
    const text = this.db.prepare<[number], string>('SELECT config FROM runs WHERE id = ?').pluck().get(id);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }

  checkpoint(id: number, kind: CheckpointKind): Checkpoint | null {
    const row = this.db
      .prepare<
        [number, string],
        {
          epoch: number;
          topology: string;
          weight_specs: string;
          weights: Buffer;
          training_config: string | null;
          state: string | null;
        }
      >(
        'SELECT epoch, topology, weight_specs, weights, training_config, state FROM checkpoints WHERE run_id = ? AND kind = ?',
      )
      .get(id, kind);
    if (!row) return null;
    return {
      epoch: row.epoch,
      topology: JSON.parse(row.topology) as unknown,
      weightSpecs: JSON.parse(row.weight_specs) as unknown,
      weights: new Uint8Array(row.weights.buffer, row.weights.byteOffset, row.weights.byteLength),
      trainingConfig: row.training_config === null ? null : (JSON.parse(row.training_config) as unknown),
      state: row.state === null ? null : (JSON.parse(row.state) as unknown),
    };
  }

  /** Runs left queued or running by a process that is gone: now interrupted. Returns how many. */
  markInterrupted(): number {
    return this.owners.markInterrupted().length;
  }

  /** True when some process asked for this run (or its ensemble) to stop. */
  cancelRequested(id: number): boolean {
    return this.owners.cancelRequested(id);
  }

  /**
   * Deletes a run with everything hanging off it (epochs, checkpoints, evaluations,
   * explanations; an ensemble's members), unless it is queued or running, or a member of an
   * ensemble (delete the ensemble). Returns the ids deleted.
   */
  delete(id: number): number[] {
    return this.db
      .transaction(() => {
        const run = this.get(id);
        if (run.parentId !== null)
          throw new ConflictError(`run ${id} is a member of ensemble run ${run.parentId}; delete the ensemble instead`);
        this.owners.assertNotOwned(id, 'delete');
        const runs = [run, ...this.members(id)];
        const busy = runs.find((r) => r.status === 'queued' || r.status === 'running');
        if (busy) throw new ConflictError(`cannot delete run ${id}: run ${busy.id} is ${busy.status}`);
        this.db.prepare('DELETE FROM runs WHERE id = ? OR parent_id = ?').run(id, id);
        return runs.map((r) => r.id);
      })
      .immediate();
  }
}

/** How many earlier runs' colours decide a new run's turn in the palette (see nextRunColour). */
const PALETTE_LOOKBACK = 60;

/**
 * The name and colour a new run `id` gets: "CNN #3" and the palette colour after the newest
 * earlier top-level run's; an ensemble's member "CNN #7 (member 2 of #5)", coloured after its ensemble.
 */
export function defaultIdentity(
  db: Db,
  id: number,
  model: ModelFamily,
  parentId: number | null,
): { name: string; colour: string } {
  const label = MODEL_LABELS[model];
  if (parentId !== null) {
    const parentColour = db.prepare<[number], string>('SELECT colour FROM runs WHERE id = ?').pluck().get(parentId);
    const index =
      db
        .prepare<[number, number], number>('SELECT count(*) FROM runs WHERE parent_id = ? AND id <= ?')
        .pluck()
        .get(parentId, id) ?? 1;
    return {
      name: defaultRunName(label, id, { index, ensembleId: parentId }),
      colour: memberColour(parentColour ?? '', index),
    };
  }
  const previous = db
    .prepare<[number], string>(
      `SELECT colour FROM runs WHERE parent_id IS NULL AND id < ? ORDER BY id DESC LIMIT ${PALETTE_LOOKBACK}`,
    )
    .pluck()
    .all(id);
  return { name: defaultRunName(label, id), colour: nextRunColour(previous) };
}

function toSummary(row: RunRow, group: number | null): RunSummary {
  return {
    id: row.id,
    name: row.name,
    colour: row.colour,
    group,
    datasetId: row.dataset_id,
    datasetHash: row.dataset_hash,
    model: row.model,
    config: RunConfig.parse(JSON.parse(row.config)),
    parentId: row.parent_id,
    status: row.status,
    error: row.error,
    backend: row.backend,
    params: row.params,
    epochsDone: row.epochs_done,
    bestEpoch: row.best_epoch,
    bestValLoss: row.best_val_loss,
    trainSeconds: row.train_seconds,
    imagesPerSecond: row.images_per_second,
    testLoss: row.test_loss,
    testAccuracy: row.test_accuracy,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    agent: row.agent,
  };
}
