/**
 * Who trains a run. A queued or running run belongs to the Lab process that queued it (its
 * worker is a child of that process and dies with it): owner_pid on owner_host, with a heartbeat
 * the owner refreshes while it holds the run. Another process may call the run interrupted only
 * when that owner is gone: on this host its pid no longer exists, or on any host its heartbeat is
 * older than the stale limit.
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
}

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
      .prepare<[number], OwnerRow>('SELECT id, status, owner_pid, owner_host, owner_heartbeat FROM runs WHERE id = ?')
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
   * Clears any pending cancel request.
   */
  claim(id: number, me: OwnerIdentity): void {
    this.db
      .transaction(() => {
        this.assertNotOwned(id, 'train');
        this.db
          .prepare(
            `UPDATE runs SET owner_pid = ?, owner_host = ?, owner_heartbeat = ${NOW}, cancel_requested = 0
             WHERE id = ? OR parent_id = ?`,
          )
          .run(me.pid, me.host, id, id);
      })
      .immediate();
  }

  /** Refreshes the heartbeat of the runs (and members) that `me` owns among `ids`. */
  heartbeat(ids: readonly number[], me: OwnerIdentity): void {
    const statement = this.db.prepare(
      `UPDATE runs SET owner_heartbeat = ${NOW} WHERE (id = ? OR parent_id = ?) AND owner_pid = ? AND owner_host = ?`,
    );
    this.db.transaction(() => {
      for (const id of ids) statement.run(id, id, me.pid, me.host);
    })();
  }

  /** Gives up the run and its members (when its job has settled). */
  release(id: number, me: OwnerIdentity): void {
    this.db
      .prepare(
        `UPDATE runs SET owner_pid = NULL, owner_host = NULL, owner_heartbeat = NULL, cancel_requested = 0
         WHERE (id = ? OR parent_id = ?) AND owner_pid = ? AND owner_host = ?`,
      )
      .run(id, id, me.pid, me.host);
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
            "SELECT id, status, owner_pid, owner_host, owner_heartbeat FROM runs WHERE status IN ('queued', 'running')",
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
        for (const row of orphans) update.run(row.id);
        return orphans.map((row) => row.id);
      })
      .immediate();
  }
}
