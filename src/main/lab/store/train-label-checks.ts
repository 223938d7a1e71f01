import type { Db } from './database';

/** One training image's neighbourhood in one run: how many of its k neighbours carry another label. */
export interface LabelCheck {
  index: number;
  label: number;
  k: number;
  /** Neighbours whose label differs from the image's. */
  other: number;
  /** The label most of those carry (null when `other` is 0), and how many carry it. */
  majority: number | null;
  majorityCount: number;
  /** Cosine distance to the nearest neighbour with another label (null when none): 0 for a duplicate labelled otherwise. */
  nearestOther: number | null;
}

/** A training image flagged over a set of runs, with each run's check. */
export interface Suspect {
  index: number;
  label: number;
  /** The mean over the runs of other / k. */
  score: number;
  checks: (LabelCheck & { runId: number })[];
}

interface Row {
  run_id: number;
  idx: number;
  label: number;
  k: number;
  other: number;
  majority: number | null;
  majority_count: number;
  nearest_other: number | null;
}

const toCheck = (row: Row): LabelCheck & { runId: number } => ({
  runId: row.run_id,
  index: row.idx,
  label: row.label,
  k: row.k,
  other: row.other,
  majority: row.majority,
  majorityCount: row.majority_count,
  nearestOther: row.nearest_other,
});

/** The `train_label_checks` table (migration 012), written by the features job. */
export class TrainLabelCheckStore {
  constructor(private readonly db: Db) {}

  /** Replaces a run's checks with these, in one transaction. */
  replace(runId: number, checks: readonly LabelCheck[]): void {
    const insert = this.db.prepare(
      `INSERT INTO train_label_checks (run_id, idx, label, k, other, majority, majority_count, nearest_other)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM train_label_checks WHERE run_id = ?').run(runId);
        for (const c of checks)
          insert.run(runId, c.index, c.label, c.k, c.other, c.majority, c.majorityCount, c.nearestOther);
      })
      .immediate();
  }

  /** Which of these runs have checks stored. */
  runsWithChecks(runIds: readonly number[]): number[] {
    if (runIds.length === 0) return [];
    return this.db
      .prepare<number[], number>(
        `SELECT DISTINCT run_id FROM train_label_checks WHERE run_id IN (${runIds.map(() => '?').join(', ')})`,
      )
      .pluck()
      .all(...runIds);
  }

  /** One image's check in each of these runs that has one. */
  checks(runIds: readonly number[], index: number): (LabelCheck & { runId: number })[] {
    if (runIds.length === 0) return [];
    return this.db
      .prepare<number[], Row>(
        `SELECT * FROM train_label_checks WHERE idx = ? AND run_id IN (${runIds.map(() => '?').join(', ')})`,
      )
      .all(index, ...runIds)
      .map(toCheck)
      .sort((a, b) => runIds.indexOf(a.runId) - runIds.indexOf(b.runId));
  }

  /**
   * The training images whose neighbours carry another label in at least `share` of cases in
   * every one of `runIds` (each must have checks), most suspicious first (the largest share, then
   * the nearest neighbour with another label: a duplicate labelled otherwise comes first), the
   * top `limit` and how many qualify.
   */
  suspects(runIds: readonly number[], share: number, limit: number): { total: number; items: Suspect[] } {
    if (runIds.length === 0) return { total: 0, items: [] };
    const marks = runIds.map(() => '?').join(', ');
    const qualifying = `SELECT idx, avg(other * 1.0 / k) AS score, avg(nearest_other) AS near
        FROM train_label_checks WHERE run_id IN (${marks})
        GROUP BY idx HAVING count(*) = ? AND min(other * 1.0 / k) >= ?`;
    const params = [...runIds, runIds.length, share - 1e-9];
    const total = this.db
      .prepare<unknown[], number>(`SELECT count(*) FROM (${qualifying})`)
      .pluck()
      .get(...params);
    const top = this.db
      .prepare<unknown[], { idx: number; score: number }>(`${qualifying} ORDER BY score DESC, near, idx LIMIT ?`)
      .all(...params, limit);
    if (top.length === 0) return { total: total ?? 0, items: [] };
    const rows = this.db
      .prepare<number[], Row>(
        `SELECT * FROM train_label_checks WHERE run_id IN (${marks}) AND idx IN (${top.map(() => '?').join(', ')})`,
      )
      .all(...runIds, ...top.map((t) => t.idx))
      .map(toCheck);
    return {
      total: total ?? 0,
      items: top.map(({ idx, score }) => {
        const checks = rows
          .filter((r) => r.index === idx)
          .sort((a, b) => runIds.indexOf(a.runId) - runIds.indexOf(b.runId));
        return { index: idx, label: checks[0]?.label ?? 0, score, checks };
      }),
    };
  }
}
