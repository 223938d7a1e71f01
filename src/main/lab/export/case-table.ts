/**
 * Per-image tables of a case list: CSV (one column per value, RFC 4180) or JSON lines (one object
 * per image, runs nested). Pages through the case query, so no more than one page of rows is
 * held at once, and writes atomically (see ./atomic.ts).
 */
import type { CaseSummary } from '../../../shared/contract';
import type { CaseService } from '../cases/cases';
import type { ListArgs } from '../store/cases/query';
import type { Db } from '../store/database';
import { writeAtomically, type ChunkWriter } from './atomic';
import { csvRecord, type CsvValue } from './csv';

export type TableFormat = 'csv' | 'jsonl';

/** The format a file name asks for (.csv, .jsonl or .ndjson), or null. */
export function tableFormatOf(file: string): TableFormat | null {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return null;
}

/** Rows read per query. */
export const PAGE_SIZE = 500;

export interface CaseTableOptions {
  /** The list: runs, filter, sort and order (offset and limit are the pager's). */
  list: Omit<ListArgs, 'offset' | 'limit'>;
  /** The runs' class names, in label order. */
  classes: readonly string[];
  format: TableFormat;
  /** Read every page inside one read transaction (a consistent snapshot). */
  db?: Db;
  pageSize?: number;
}

/** The CSV header: index, true class, each run's columns, tags, note. */
export function csvHeader(runIds: readonly number[], classes: readonly string[]): string[] {
  return [
    'index',
    'true_class',
    ...runIds.flatMap((id) => [
      `run${id}_predicted`,
      ...classes.map((name) => `run${id}_p_${name}`),
      `run${id}_confidence`,
      `run${id}_entropy`,
      `run${id}_mutual_information`,
      `run${id}_background`,
    ]),
    'tags',
    'note',
  ];
}

/** One image as a CSV record's values; a run that did not evaluate the image leaves its cells empty. */
export function csvValues(item: CaseSummary, runIds: readonly number[], classes: readonly string[]): CsvValue[] {
  return [
    item.index,
    item.trueClass,
    ...runIds.flatMap((id) => {
      const r = item.runs.find((result) => result.runId === id);
      if (!r) return new Array<CsvValue>(classes.length + 5).fill(null);
      return [
        r.predictedClass,
        ...classes.map((_, k) => r.probabilities[k] ?? null),
        r.confidence,
        r.entropy,
        r.mutualInformation,
        r.background,
      ];
    }),
    item.tags.join('; '),
    item.note,
  ];
}

/** One image as a JSON line's object. */
export function jsonLine(item: CaseSummary, classes: readonly string[]) {
  return {
    index: item.index,
    split: item.split,
    trueClass: item.trueClass,
    runs: item.runs.map((r) => ({
      runId: r.runId,
      model: r.model,
      predicted: r.predictedClass,
      probabilities: Object.fromEntries(classes.map((name, k) => [name, r.probabilities[k] ?? null])),
      confidence: r.confidence,
      entropy: r.entropy,
      mutualInformation: r.mutualInformation,
      background: r.background,
    })),
    tags: item.tags,
    note: item.note,
  };
}

/** Writes the table to `file` (atomically); returns how many images it holds. */
export function exportCaseTable(cases: CaseService, file: string, options: CaseTableOptions): { rows: number } {
  const write = (out: ChunkWriter) => writeRows(cases, out, options);
  return writeAtomically(file, (out) => (options.db ? options.db.transaction(() => write(out))() : write(out)));
}

function writeRows(cases: CaseService, out: ChunkWriter, options: CaseTableOptions): { rows: number } {
  const { list, classes, format } = options;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  if (format === 'csv') out(csvRecord(csvHeader(list.runs, classes)));
  let rows = 0;
  for (let offset = 0; ; offset += pageSize) {
    const page = cases.list({ ...list, offset, limit: pageSize });
    let text = '';
    for (const item of page.items)
      text +=
        format === 'csv'
          ? csvRecord(csvValues(item, list.runs, classes))
          : `${JSON.stringify(jsonLine(item, classes))}\n`;
    out(text);
    rows += page.items.length;
    if (page.items.length < pageSize || rows >= page.total) break;
  }
  return { rows };
}
