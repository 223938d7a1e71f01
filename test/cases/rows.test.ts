/**
 * A run set's rows kept per connection (src/main/lab/cases/rows.ts): pages walk an index, the rows
 * follow a run's newest evaluation, survive nothing they should not, and building them takes no
 * lock on the study.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CaseSort, ListCasesRequest, defaultRunConfig } from '../../src/shared/contract';
import { CaseService } from '../../src/main/lab/cases/cases';
import { pageSql } from '../../src/main/lab/store/cases/query';
import { caseRows } from '../../src/main/lab/store/cases/rows';
import { resolveRunSet } from '../../src/main/lab/store/cases/run-set';
import { CaseSql } from '../../src/main/lab/store/cases/sql';
import type { ImagePrediction } from '../../src/main/lab/evaluation/report';
import { openStores } from '../../src/main/lab/store/index';
import { openDatabase } from '../../src/main/lab/store/database';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { emptyMetrics } from '../helpers/summaries';
import { tempDir } from '../helpers/lab';
import { LABELS, caseStudy, type CaseStudy } from './fixture';

let study: CaseStudy;
afterEach(() => study.db.close());

const list = (cases: CaseService, runs: number[], input: Partial<ListCasesRequest> = {}) =>
  cases.list(ListCasesRequest.parse({ runs, ...input }));

/** Every image predicted `predicted` with confidence 0.6. */
function sameAnswer(predicted: number): ImagePrediction[] {
  return LABELS.map((label, index) => ({
    index,
    label,
    predicted,
    confidence: 0.6,
    probabilities: [0, 1, 2].map((k) => (k === predicted ? 0.6 : 0.2)),
    entropy: 0.9,
    mutualInformation: null,
    variationRatio: null,
    majority: null,
    boxplots: null,
  }));
}

const tempTables = () =>
  study.db.prepare("SELECT name FROM temp.sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();

describe('a run set’s rows', () => {
  it('give every sorted page by walking an index, never sorting the rows', () => {
    study = caseStudy();
    const set = resolveRunSet(study, study.runIds);
    const sql = new CaseSql(set);
    const rows = caseRows(study.db, sql);
    for (const sort of CaseSort.options)
      for (const order of ['asc', 'desc'] as const)
        for (const outcome of ['any', 'wrong', 'disagree'] as const) {
          const args = ListCasesRequest.parse({ runs: study.runIds, sort, order, filter: { outcome, trueClass: 1 } });
          const plan = study.db
            .prepare(`EXPLAIN QUERY PLAN ${pageSql(study.db, sql, rows, args)}`)
            .all({ ...sql.params, trueClass: 1, limit: 10, offset: 0 })
            .map((row) => (row as { detail: string }).detail)
            .join('\n');
          expect(plan, `${sort} ${order} ${outcome}`).not.toContain('TEMP B-TREE');
          if (sort !== 'index')
            expect(plan, `${sort} ${order}`).toContain(`COVERING INDEX case_rows_1_by_${sort}_${order}`);
        }
  });

  it('follow a run’s newest evaluation', () => {
    study = caseStudy();
    const cases = new CaseService(study);
    const cnn = study.runIds[0];
    expect(list(cases, [cnn]).items.map((c) => c.runs[0]?.predicted)).toEqual([2, 1, 2, 0, 1, 0]);
    new EvaluationStore(study.db).add(cnn, emptyMetrics({ images: 6, samples: 1 }), sameAnswer(1));
    const page = list(cases, [cnn], { filter: { outcome: 'wrong' } });
    expect(page.items.map((c) => c.runs[0]?.predicted)).toEqual([1, 1, 1, 1]);
    expect(page.counts.wrong).toBe(4);
  });

  it('are not taken for those of a deleted run whose ids a new run was given', () => {
    study = caseStudy();
    const cases = new CaseService(study);
    const evaluations = new EvaluationStore(study.db);
    const make = (predicted: number) => {
      const run = study.runs.create({
        datasetId: study.datasetId,
        datasetHash: study.datasetHash,
        config: defaultRunConfig('cnn'),
      });
      study.runs.setStatus(run.id, 'done');
      return {
        run: run.id,
        evaluation: evaluations.add(run.id, emptyMetrics({ images: 6, samples: 1 }), sameAnswer(predicted)),
      };
    };
    const first = make(0);
    expect(list(cases, [first.run], { filter: { outcome: 'wrong' } }).total).toBe(4);
    study.runs.delete(first.run);
    const second = make(2);
    // SQLite gave the new run and its evaluation the ids of the deleted ones; made later
    expect(second).toEqual(first);
    study.db
      .prepare("UPDATE evaluations SET created_at = '2999-01-01T00:00:00.000Z' WHERE id = ?")
      .run(second.evaluation);
    const page = list(cases, [second.run], { filter: { outcome: 'wrong' } });
    expect(page.items.map((c) => c.runs[0]?.predicted)).toEqual([2, 2, 2, 2]);
    expect(page.items.map((c) => c.index)).toEqual([0, 1, 3, 4]);
  });

  it('are built again when a rolled-back transaction took them away', () => {
    study = caseStudy();
    const cases = new CaseService(study);
    const expected = list(cases, study.runIds, { sort: 'mi' });
    study.db.exec('DROP TABLE temp.case_rows_1');
    expect(() =>
      study.db.transaction(() => {
        list(cases, study.runIds, { sort: 'confidence' });
        throw new Error('the export failed');
      })(),
    ).toThrow('the export failed');
    expect(tempTables()).toEqual([]);
    expect(list(cases, study.runIds, { sort: 'mi' })).toEqual(expected);
  });

  it('are kept for the four run sets used last', () => {
    study = caseStudy();
    const cases = new CaseService(study);
    const [a, b, c] = study.runIds;
    for (const runs of [[a], [b], [c], [a, b], [a, c]]) list(cases, runs);
    // the first set's rows were dropped; using it again builds them anew
    expect(tempTables()).toEqual(['case_rows_2', 'case_rows_3', 'case_rows_4', 'case_rows_5']);
    list(cases, [b]);
    list(cases, [a]);
    expect(tempTables()).toEqual(['case_rows_2', 'case_rows_4', 'case_rows_5', 'case_rows_6']);
  });

  it('are built while another process holds the study’s write lock', () => {
    const file = join(tempDir(), 'study.db');
    const made = caseStudy(file);
    made.db.close();
    // a reader that would give up after 50 ms if it needed the lock
    const db = openDatabase(file, { busyTimeoutMs: 50 });
    study = { ...made, db };
    const writer = new Database(file);
    writer.exec('BEGIN IMMEDIATE');
    try {
      const cases = new CaseService(openStores(db));
      const page = list(cases, made.runIds, { sort: 'mi', filter: { outcome: 'wrong' } });
      expect(page.items.map((c) => c.index)).toEqual([1, 3, 5, 0]);
      expect(tempTables()).toEqual(['case_rows_1']);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });
});
