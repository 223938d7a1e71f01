/**
 * SQL over the per-image rows of a run set: one LEFT JOIN of `predictions` (the run's current
 * evaluation) and of `explanation_images` per run onto the dataset's test images, and the
 * expressions every filter, sort and finder list is written in. Values are bound, never spliced;
 * only aliases built from run positions enter the text.
 */
import type { RunSet } from './run-set';

export type Params = Record<string, number | string>;

/** A run set's FROM clause and per-run expression helpers. */
export class CaseSql {
  readonly params: Params;
  readonly n: number;

  constructor(readonly set: RunSet) {
    this.n = set.runs.length;
    this.params = { dataset: set.dataset.id, hash: set.dataset.contentHash };
    set.runs.forEach((run, j) => {
      this.params[`e${j}`] = run.evaluationId;
      if (run.explanationId !== null) this.params[`x${j}`] = run.explanationId;
      if (run.backgroundTestId !== null) this.params[`b${j}`] = run.backgroundTestId;
    });
  }

  /** The images, each run's prediction and map row, and the image's annotation. */
  get from(): string {
    return `FROM images i\n ${this.joins}`;
  }

  /** The LEFT JOINs of every run's rows and of the annotation onto images `i`. */
  get joins(): string {
    return `${this.runJoins}
 LEFT JOIN annotations a ON a.dataset_hash = @hash AND a.split = i.split AND a.idx = i.idx`;
  }

  /** The LEFT JOINs of every run's prediction (p{j}), map row (x{j}) and background test (b{j}) onto images `i`. */
  get runJoins(): string {
    const joins = this.set.runs.map((run, j) => {
      const p = `LEFT JOIN predictions p${j} INDEXED BY predictions_for_cases ON p${j}.evaluation_id = @e${j} AND p${j}.idx = i.idx`;
      const x =
        run.explanationId === null
          ? ''
          : `\n LEFT JOIN explanation_images x${j} INDEXED BY explanation_images_for_cases ON x${j}.explanation_id = @x${j} AND x${j}.idx = i.idx`;
      const b =
        run.backgroundTestId === null
          ? ''
          : `\n LEFT JOIN background_images b${j} INDEXED BY background_images_for_cases ON b${j}.test_id = @b${j} AND b${j}.idx = i.idx`;
      return p + x + b;
    });
    return joins.join('\n ');
  }

  /** Test images that at least one run evaluated. */
  get base(): string {
    return `i.dataset_id = @dataset AND i.split = 'test' AND (${this.each((j) => `p${j}.idx IS NOT NULL`).join(' OR ')})`;
  }

  each(fn: (j: number) => string): string[] {
    return this.set.runs.map((_, j) => fn(j));
  }

  /**
   * A run's column: `predicted`, `confidence`, … of p{j}, `background` of x{j} (NULL without an
   * explanation), the background test's of b{j} (NULL without one).
   */
  column(j: number, name: RunColumn): string {
    if (name === 'background') return this.set.runs[j]?.explanationId === null ? 'NULL' : `x${j}.background`;
    const tested = BACKGROUND_TEST_COLUMNS[name as keyof typeof BACKGROUND_TEST_COLUMNS];
    if (tested !== undefined) return this.set.runs[j]?.backgroundTestId === null ? 'NULL' : `b${j}.${tested}`;
    return `p${j}.${name}`;
  }

  /** The mean over the runs that have a value. */
  mean(name: RunColumn): string {
    const sum = this.each((j) => `coalesce(${this.column(j, name)}, 0)`).join(' + ');
    const count = this.each((j) => `(${this.column(j, name)} IS NOT NULL)`).join(' + ');
    return `((${sum}) * 1.0 / nullif(${count}, 0))`;
  }

  /** The largest of non-negative expressions (NULL when all are NULL). */
  max(expressions: readonly string[]): string {
    if (expressions.length === 1) return expressions[0] ?? 'NULL';
    return `nullif(max(${expressions.map((e) => `coalesce(${e}, -1)`).join(', ')}), -1)`;
  }

  /** The smallest of non-negative expressions (NULL when all are NULL). */
  min(expressions: readonly string[]): string {
    if (expressions.length === 1) return expressions[0] ?? 'NULL';
    return `nullif(min(${expressions.map((e) => `coalesce(${e}, 2e308)`).join(', ')}), 2e308)`;
  }

  any(fn: (j: number) => string): string {
    return `coalesce(${this.each((j) => `(${fn(j)})`).join(' OR ')}, 0)`;
  }

  wrong(j: number): string {
    return `p${j}.predicted <> i.label`;
  }

  right(j: number): string {
    return `p${j}.predicted = i.label`;
  }

  /** Wrong in at least one run. */
  get wrongAny(): string {
    return this.any((j) => this.wrong(j));
  }

  /** Right in every run that evaluated the image. */
  get rightAll(): string {
    return `(${this.each((j) => `(p${j}.idx IS NULL OR ${this.right(j)})`).join(' AND ')})`;
  }

  /** At least two runs predict different classes. */
  get disagree(): string {
    const pairs: string[] = [];
    for (let j = 0; j < this.n; j++)
      for (let k = j + 1; k < this.n; k++) pairs.push(`(p${j}.predicted <> p${k}.predicted)`);
    return pairs.length === 0 ? '0' : `coalesce(${pairs.join(' OR ')}, 0)`;
  }

  /** The runs' positions by seed group, for each group with at least two runs in the set. */
  get seedGroups(): number[][] {
    const byGroup = new Map<number, number[]>();
    this.set.runs.forEach((r, j) => {
      if (r.run.group === null) return;
      const list = byGroup.get(r.run.group);
      if (list) list.push(j);
      else byGroup.set(r.run.group, [j]);
    });
    return [...byGroup.values()].filter((g) => g.length >= 2);
  }

  /**
   * Unstable across seeds: wrong in k of the n seeds of a group that evaluated the image, 0 < k < n.
   * The value is min(k, n − k) / n of the most unstable group (0: stable in every group; highest
   * when half the seeds are wrong), a value, never a bare literal (see `disagreement`).
   */
  get unstable(): string {
    const groups = this.seedGroups;
    if (groups.length === 0) return 'CAST(0 AS REAL)';
    const per = groups.map((g) => {
      const k = g.map((j) => `coalesce(${this.wrong(j)}, 0)`).join(' + ');
      const n = g.map((j) => `(p${j}.idx IS NOT NULL)`).join(' + ');
      return `coalesce(min((${k}), (${n}) - (${k})) * 1.0 / nullif(${n}, 0), 0)`;
    });
    return per.length === 1 ? (per[0] as string) : `max(${per.join(', ')})`;
  }

  /**
   * Runs that predict something other than the runs' most common prediction (0: all agree). A
   * value, never a bare literal: in an ORDER BY, SQLite reads a bare integer as a column number.
   */
  get disagreement(): string {
    if (this.n === 1) return 'CAST(0 AS INTEGER)';
    const present = this.each((j) => `(p${j}.idx IS NOT NULL)`).join(' + ');
    const agreeing = this.each((j) => this.each((k) => `coalesce(p${k}.predicted = p${j}.predicted, 0)`).join(' + '));
    return `((${present}) - max(${agreeing.join(', ')}))`;
  }

  /** The tags of the image, joined by U+001F. */
  get tags(): string {
    return `(SELECT group_concat(t.tag, char(31)) FROM annotation_tags t
              WHERE t.dataset_hash = @hash AND t.split = i.split AND t.idx = i.idx)`;
  }

  /** Every per-run value a case summary needs, aliased p{j}_<column>. */
  get columns(): string {
    const perRun = this.set.runs.flatMap((_, j) =>
      RUN_COLUMNS.map((name) => `${this.column(j, name)} AS p${j}_${name}`),
    );
    return ['i.idx AS idx', 'i.label AS label', `coalesce(a.note, '') AS note`, `${this.tags} AS tags`, ...perRun].join(
      ',\n       ',
    );
  }

  /**
   * The derived values of an image over the run set, one column each (see `CASE_ROW_COLUMNS`), then
   * each run's predicted class as p0, p1, …: what every filter, sort and finder list is written in.
   */
  get rowColumns(): { name: string; type: 'INTEGER' | 'REAL'; sql: string }[] {
    const derived: Record<CaseRowColumn, string> = {
      label: 'i.label',
      wrong: this.wrongAny,
      right: `coalesce(${this.rightAll}, 0)`,
      disagree: this.disagree,
      disagreement: this.disagreement,
      unstable: this.unstable,
      confidence: this.mean('confidence'),
      entropy: this.mean('entropy'),
      mi: this.mean('mutual_information'),
      variation: this.mean('variation_ratio'),
      background: this.mean('background'),
      dependence: this.mean('dependence'),
      background_flip: this.max(
        this.each((j) => `CASE WHEN ${this.column(j, 'flips')} = 1 THEN ${this.column(j, 'dependence')} END`),
      ),
      wrong_confidence: this.max(this.each((j) => `CASE WHEN ${this.wrong(j)} THEN p${j}.confidence END`)),
      right_background: this.max(
        this.each((j) => `CASE WHEN ${this.right(j)} THEN ${this.column(j, 'background')} END`),
      ),
      flipped: this.any((j) => `p${j}.majority IS NOT NULL AND p${j}.majority <> p${j}.predicted`),
      variation_max: this.max(this.each((j) => `p${j}.variation_ratio`)),
      agreed_wrong: `coalesce(${[
        ...this.each((j) => `p${j}.idx IS NOT NULL AND p${j}.predicted = p0.predicted`),
        'p0.predicted <> i.label',
      ].join(' AND ')}, 0)`,
      min_confidence: this.min(this.each((j) => `p${j}.confidence`)),
    };
    return [
      { name: 'idx', type: 'INTEGER', sql: 'i.idx' },
      ...CASE_ROW_COLUMNS.map(({ name, type }) => ({ name, type, sql: derived[name] })),
      ...this.set.runs.map((_, j) => ({ name: `p${j}`, type: 'INTEGER' as const, sql: `p${j}.predicted` })),
    ];
  }

  /** The SELECT of `rowColumns` over the run set's images (`only`: one more condition, e.g. one image). */
  rowsSelect(only = ''): string {
    return `SELECT ${this.rowColumns.map((c) => `${c.sql} AS ${c.name}`).join(',\n       ')}
 FROM images i
 ${this.runJoins}
 WHERE ${this.base}${only === '' ? '' : ` AND ${only}`}`;
  }
}

/**
 * An image's values over a run set. Means are over the runs that have a value (NULL when none
 * has); wrong: wrong in any run; right: right in every run that evaluated it; disagree: two runs
 * predict different classes; disagreement: runs off the most common prediction; unstable: how
 * unstable across the seeds of a seed group (see `CaseSql.unstable`; > 0: wrong in some seeds, not all);
 * wrong_confidence: the highest confidence of a wrong run; right_background: the largest
 * background share of a right run; flipped: a run's samples' majority is not its mean's class;
 * variation_max: the largest variation ratio; agreed_wrong: every run evaluated it and all predict
 * the same class, not the label; min_confidence: the lowest confidence; dependence: the background
 * test's dependence (mean over the tested runs); background_flip: the largest dependence of a run
 * whose class flips when only the background changes (NULL when none flips).
 */
export const CASE_ROW_COLUMNS = [
  { name: 'label', type: 'INTEGER' },
  { name: 'wrong', type: 'INTEGER' },
  { name: 'right', type: 'INTEGER' },
  { name: 'disagree', type: 'INTEGER' },
  { name: 'disagreement', type: 'INTEGER' },
  { name: 'unstable', type: 'REAL' },
  { name: 'confidence', type: 'REAL' },
  { name: 'entropy', type: 'REAL' },
  { name: 'mi', type: 'REAL' },
  { name: 'variation', type: 'REAL' },
  { name: 'background', type: 'REAL' },
  { name: 'dependence', type: 'REAL' },
  { name: 'background_flip', type: 'REAL' },
  { name: 'wrong_confidence', type: 'REAL' },
  { name: 'right_background', type: 'REAL' },
  { name: 'flipped', type: 'INTEGER' },
  { name: 'variation_max', type: 'REAL' },
  { name: 'agreed_wrong', type: 'INTEGER' },
  { name: 'min_confidence', type: 'REAL' },
] as const;
export type CaseRowColumn = (typeof CASE_ROW_COLUMNS)[number]['name'];

export const RUN_COLUMNS = [
  'idx',
  'predicted',
  'confidence',
  'entropy',
  'mutual_information',
  'variation_ratio',
  'majority',
  'probabilities',
  'background',
  'dependence',
  'centre_dependence',
  'flips',
  'flipped_to',
  'test_probabilities',
] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];

/** The run columns read from the background test's row b{j}, by their column there. */
const BACKGROUND_TEST_COLUMNS = {
  dependence: 'dependence',
  centre_dependence: 'centre_dependence',
  flips: 'flips',
  flipped_to: 'flipped_to',
  test_probabilities: 'probabilities',
} as const;

/**
 * A row selected with `CaseSql.columns`, read raw (an array: building an object of 4 + 9 × runs
 * named fields per row cost more than the query): idx, label, note, tags, then each run's
 * `RUN_COLUMNS` in turn.
 */
export type CaseRow = readonly (number | string | null)[];

const RUN_POSITION = Object.fromEntries(RUN_COLUMNS.map((name, k) => [name, k])) as Record<RunColumn, number>;

/** Run `j`'s value `name` in a raw row. */
export function runValue(row: CaseRow, j: number, name: RunColumn): number | string | null {
  return row[4 + j * RUN_COLUMNS.length + RUN_POSITION[name]] ?? null;
}
