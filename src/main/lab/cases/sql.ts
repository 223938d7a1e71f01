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
    });
  }

  get from(): string {
    const joins = this.set.runs.map((run, j) => {
      const p = `LEFT JOIN predictions p${j} INDEXED BY predictions_for_cases ON p${j}.evaluation_id = @e${j} AND p${j}.idx = i.idx`;
      const x =
        run.explanationId === null
          ? ''
          : `\n LEFT JOIN explanation_images x${j} INDEXED BY explanation_images_for_cases ON x${j}.explanation_id = @x${j} AND x${j}.idx = i.idx`;
      return p + x;
    });
    return `FROM images i
 ${joins.join('\n ')}
 LEFT JOIN annotations a ON a.dataset_hash = @hash AND a.split = i.split AND a.idx = i.idx`;
  }

  /** Test images that at least one run evaluated. */
  get base(): string {
    return `i.dataset_id = @dataset AND i.split = 'test' AND (${this.each((j) => `p${j}.idx IS NOT NULL`).join(' OR ')})`;
  }

  each(fn: (j: number) => string): string[] {
    return this.set.runs.map((_, j) => fn(j));
  }

  /** A run's column: `predicted`, `confidence`, … of p{j}, or `background` of x{j} (NULL without an explanation). */
  column(j: number, name: RunColumn): string {
    if (name === 'background') return this.set.runs[j]?.explanationId === null ? 'NULL' : `x${j}.background`;
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

  /** Runs that predict something other than the runs' most common prediction (0: all agree). */
  get disagreement(): string {
    if (this.n === 1) return '0';
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
}

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
] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];

/** A row selected with `CaseSql.columns`. */
export type CaseRow = { idx: number; label: number; note: string; tags: string | null } & Record<
  `p${number}_${RunColumn}`,
  number | string | null
>;
