/**
 * All SQL lives under src/main/lab/store/ (docs/decisions.md, "One owner for the schema"): no
 * module elsewhere prepares a statement, runs SQL or sets a pragma, so a table's statements are
 * found (and changed with a migration) in the one store that owns them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const STORE = join('src', 'main', 'lab', 'store') + sep;

/** A statement being prepared or run, a pragma, or SQL text in a string. */
const SQL = [
  /\.(prepare|pragma)\s*[<(]/,
  /\bdb\.exec\s*\(/,
  /\bSELECT\s+[\w*(]/,
  /\bINSERT\s+(OR\s+\w+\s+)?INTO\b/,
  /\bUPDATE\s+\w+\s+SET\b/,
  /\bDELETE\s+FROM\b/,
  /\b(CREATE|DROP)\s+(TEMP\s+)?(TABLE|INDEX)\b/,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|svelte)$/.test(entry.name) ? [path] : [];
  });
}

/** `file:line: text` of every line outside store/ that looks like SQL. */
export function sqlOutsideStore(files: readonly string[]): string[] {
  return files.flatMap((file) => {
    const path = relative(ROOT, file);
    if (path.startsWith(STORE)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, n) => (SQL.some((re) => re.test(line)) ? [`${path}:${n + 1}: ${line.trim()}`] : []));
  });
}

describe('one owner for the schema', () => {
  it('finds no SQL outside src/main/lab/store/', () => {
    expect(sqlOutsideStore(sources(join(ROOT, 'src')))).toEqual([]);
  });

  it('would find a statement prepared elsewhere', () => {
    // the check itself: the store's own files, read as if they lived outside it, are caught
    const inside = sources(join(ROOT, STORE));
    const caught = inside.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => SQL.some((re) => re.test(line))),
    );
    expect(caught.length).toBeGreaterThan(50);
    expect(SQL.some((re) => re.test("db.prepare('SELECT 1 FROM runs')"))).toBe(true);
    expect(SQL.some((re) => re.test("['INPUT', 'TEXTAREA', 'SELECT'].includes(tag)"))).toBe(false);
  });
});
