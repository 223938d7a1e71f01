/**
 * Who trains a run. A queued or running run belongs to the Lab process that queued it (its
 * worker is a child of that process and dies with it): owner_pid on owner_host, with a heartbeat
 * the owner refreshes while it holds the run. Another process may call the run interrupted only
 * when that owner is gone: on this host its pid no longer exists, or on any host its heartbeat is
 * older than the stale limit.
 *
 * The claim is also a lease with a fencing token: `owner_generation` grows by one each time the run
 * changes hands (claimed, given up, called interrupted). The trainer carries the generation it was
 * started with, and every write of its training checks it in the same transaction (`assertHolds`),
 * so a trainer whose owner went silent and whose run was taken over writes nothing more, even when
 * its owner wakes up. A deep ensemble's lease is its own run's generation; its members share it.
 */
import { hostname } from 'node:os';
import { ConflictError } from '../errors';
import type { Db } from './database';

export interface RunOwner {
  pid: number;
  host: string;
  /** ISO time of the owner's last heartbeat. */
  heartbeat: string;
}

export interface OwnerIdentity {
  pid: number;
  host: string;
}

/** How often an owner refreshes its heartbeat, and when a silent owner counts as gone. */
export interface OwnershipTiming {
  heartbeatMs: number;
  staleMs: number;
}

export const DEFAULT_OWNERSHIP_TIMING: OwnershipTiming = { heartbeatMs: 5_000, staleMs: 60_000 };

/**
 * The timing of this process: the default, or a stale limit of `CASEBOOK_OWNER_STALE_SECONDS`
 * (for tests of a silent owner) with a heartbeat four times as often (at most every 5 s).
 */
export function ownershipTiming(env: NodeJS.ProcessEnv = process.env): OwnershipTiming {
  const text = env.CASEBOOK_OWNER_STALE_SECONDS;
  if (text === undefined || text === '') return DEFAULT_OWNERSHIP_TIMING;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`CASEBOOK_OWNER_STALE_SECONDS must be a positive number of seconds, not "${text}"`);
  const staleMs = seconds * 1000;
  return { staleMs, heartbeatMs: Math.min(DEFAULT_OWNERSHIP_TIMING.heartbeatMs, staleMs / 4) };
}

/** A run's claim as held by its owner and its trainer: the run (an ensemble's own run) and its generation. */
export interface Lease {
  runId: number;
  generation: number;
}

/** A trainer's claim was taken (its owner went silent and another process took the run over, or deleted it). */
export class LeaseLostError extends ConflictError {
  override name = 'LeaseLostError';
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

export function thisProcess(): OwnerIdentity {
  return { pid: process.pid, host: hostname() };
}

/** True when a process with this pid exists on this host (EPERM: it exists, owned by another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An owner is alive while its heartbeat is fresh and, on this host, its process exists. */
export function ownerAlive(owner: RunOwner, staleMs: number, now = Date.now()): boolean {
  const beat = Date.parse(owner.heartbeat);
  if (!Number.isFinite(beat) || now - beat > staleMs) return false;
  return owner.host !== hostname() || pidAlive(owner.pid);
}

export function describeOwner(owner: RunOwner): string {
  return owner.host === hostname() ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.host}`;
}

interface OwnerRow {
  id: number;
  status: string;
  owner_pid: number | null;
  owner_host: string | null;
  owner_heartbeat: string | null;
  parent_id: number | null;
}

/** The generation of the lease that covers run `?` (an ensemble member's is its ensemble's), from two `?`. */
const LEASE_GENERATION = `(SELECT lease.owner_generation FROM runs lease
  WHERE lease.id = coalesce((SELECT member.parent_id FROM runs member WHERE member.id = ?), ?))`;

function ownerOf(row: OwnerRow): RunOwner | null {
  return row.owner_pid === null
    ? null
    : { pid: row.owner_pid, host: row.owner_host ?? '', heartbeat: row.owner_heartbeat ?? '' };
}

/** The ownership columns of the runs table. A run and its ensemble members are owned together. */
export class RunOwnership {
  constructor(
    private readonly db: Db,
    private readonly staleMs: number = DEFAULT_OWNERSHIP_TIMING.staleMs,
  ) {}

  owner(id: number): RunOwner | null {
    const row = this.db
      .prepare<[number], OwnerRow>(
        'SELECT id, status, owner_pid, owner_host, owner_heartbeat, parent_id FROM runs WHERE id = ?',
      )
      .get(id);
    return row ? ownerOf(row) : null;
  }

  /** The run's owner when it is a live process, else null. */
  liveOwner(id: number): RunOwner | null {
    const owner = this.owner(id);
    return owner && ownerAlive(owner, this.staleMs) ? owner : null;
  }

  /** Throws a ConflictError naming the owner when a live process holds the run. */
  assertNotOwned(id: number, doing: string): void {
    const owner = this.liveOwner(id);
    if (owner) throw new ConflictError(`cannot ${doing} run ${id}: ${describeOwner(owner)} is training it`);
  }

  /**
   * Makes `me` the owner of the run and its members, in one write transaction so that two
   * processes cannot both claim it; throws a ConflictError when a live process already owns it.
   * Clears any pending cancel request. Returns the lease: the run's new generation.
   */
  claim(id: number, me: OwnerIdentity): Lease {
    return this.db
      .transaction(() => {
        this.assertNotOwned(id, 'train');
        this.db
          .prepare(
            `UPDATE runs SET owner_pid = ?, owner_host = ?, owner_heartbeat = ${NOW}, cancel_requested = 0,
                    owner_generation = owner_generation + 1
             WHERE id = ? OR parent_id = ?`,
          )
          .run(me.pid, me.host, id, id);
        return { runId: id, generation: this.generation(id) ?? 0 };
      })
      .immediate();
  }

  /**
   * Makes `me` the owner of a queued or running run (and its members) whose claim is still
   * `lease`, keeping the generation: a Casebook that starts again adopts the runs its agents still
   * train for it, so that their results (fenced by that generation) are recorded. Returns whether it did.
   */
  adopt(lease: Lease, me: OwnerIdentity): boolean {
    const changed = this.db
      .prepare(
        `UPDATE runs SET owner_pid = ?, owner_host = ?, owner_heartbeat = ${NOW}
         WHERE (id = ? OR parent_id = ?) AND ${LEASE_GENERATION} = ?
           AND (SELECT status FROM runs root WHERE root.id = ?) IN ('queued', 'running')`,
      )
      .run(me.pid, me.host, lease.runId, lease.runId, lease.runId, lease.runId, lease.generation, lease.runId);
    return changed.changes > 0;
  }

  /** The generation of the lease covering the run (its ensemble's for a member); null when the run is gone. */
  generation(id: number): number | null {
    return (
      this.db.prepare<[number, number], { g: number | null }>(`SELECT ${LEASE_GENERATION} AS g`).get(id, id)?.g ?? null
    );
  }

  /** True while `generation` is the current lease of the run (or of its ensemble). */
  holds(id: number, generation: number): boolean {
    return this.generation(id) === generation;
  }

  /**
   * Throws a LeaseLostError unless `generation` is still the run's current lease. Called inside
   * each write transaction of a training, it makes the write and the check one.
   */
  assertHolds(id: number, generation: number): void {
    const current = this.generation(id);
    if (current === generation) return;
    throw new LeaseLostError(
      current === null
        ? `run ${id} was deleted while this process trained it; its trainer stopped without writing`
        : `run ${id} was taken over by another process (its claim ${generation} is now ${current}); ` +
            'this trainer stopped without writing',
    );
  }

  /** Refreshes the heartbeat of the runs (and members) whose lease `me` still holds. */
  heartbeat(leases: readonly Lease[], me: OwnerIdentity): void {
    const statement = this.db.prepare(
      `UPDATE runs SET owner_heartbeat = ${NOW}
       WHERE (id = ? OR parent_id = ?) AND owner_pid = ? AND owner_host = ? AND ${LEASE_GENERATION} = ?`,
    );
    this.db.transaction(() => {
      for (const lease of leases)
        statement.run(lease.runId, lease.runId, me.pid, me.host, lease.runId, lease.runId, lease.generation);
    })();
  }

  /** Gives up the run and its members (when its job has settled), unless its lease has moved on. */
  release(lease: Lease): void {
    this.db
      .prepare(
        `UPDATE runs SET owner_pid = NULL, owner_host = NULL, owner_heartbeat = NULL, cancel_requested = 0,
                owner_generation = owner_generation + 1
         WHERE (id = ? OR parent_id = ?) AND ${LEASE_GENERATION} = ?`,
      )
      .run(lease.runId, lease.runId, lease.runId, lease.runId, lease.generation);
  }

  /** Asks the run's owner, whichever process it is, to stop training it. */
  requestCancel(id: number): void {
    this.db.prepare('UPDATE runs SET cancel_requested = 1 WHERE id = ?').run(id);
  }

  /** True when a cancel was asked for the run or for its ensemble. */
  cancelRequested(id: number): boolean {
    const row = this.db
      .prepare<[number, number], { requested: number | null }>(
        `SELECT max(cancel_requested) AS requested FROM runs
         WHERE id = ? OR id = (SELECT parent_id FROM runs WHERE id = ?)`,
      )
      .get(id, id);
    return (row?.requested ?? 0) === 1;
  }

  /**
   * Runs left queued or running by an owner that is gone (or by a Casebook that recorded no
   * owner): now interrupted and unowned. Runs of a live owner are left alone. Returns their ids.
   */
  markInterrupted(): number[] {
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare<[], OwnerRow>(
            "SELECT id, status, owner_pid, owner_host, owner_heartbeat, parent_id FROM runs WHERE status IN ('queued', 'running')",
          )
          .all();
        const orphans = rows.filter((row) => {
          const owner = ownerOf(row);
          return owner === null || !ownerAlive(owner, this.staleMs);
        });
        const update = this.db.prepare(
          `UPDATE runs SET status = 'interrupted', error = 'the process training this run stopped',
                  finished_at = ${NOW}, owner_pid = NULL, owner_host = NULL, owner_heartbeat = NULL,
                  cancel_requested = 0
           WHERE id = ?`,
        );
        // the claim moves on: a trainer of the silent owner still at work writes nothing more
        const revoke = this.db.prepare(
          'UPDATE runs SET owner_generation = owner_generation + 1 WHERE id = ? OR parent_id = ?',
        );
        for (const row of orphans) update.run(row.id);
        for (const root of new Set(orphans.map((row) => row.parent_id ?? row.id))) revoke.run(root, root);
        return orphans.map((row) => row.id);
      })
      .immediate();
  }
}
