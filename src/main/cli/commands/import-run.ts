import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUNDLE_LIMIT, importRunBundle } from '../../lab/export/bundle-import';
import { openDatabase } from '../../lab/store/database';
import { UsageError, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { printUsage, type Command } from '../command';
import { DB_HELP, databasePath } from '../lab';

export const importRunCommand: Command = {
  name: 'import-run',
  summary: 'read a .casebook-run bundle into this database (its dataset must be here)',
  usage: `Usage: casebook import-run --file <bundle> [--db <file>]

Imports a run bundle written by "casebook export-run": the run (and an ensemble's members) gets
new ids, with its epochs, checkpoints, evaluation and explanations, all in one transaction. The
database must already hold the run's dataset (the same content hash; import it first).
Annotations are merged: an image without one here takes the bundle's; an image with one keeps
it, gains the bundle's tags, and takes the bundle's note only where its own note is empty — your
notes are never replaced. An unknown format or version, a damaged or truncated file or a missing
dataset is refused with nothing written.

  --file <bundle>    the .casebook-run file
${DB_HELP}
  --json             print {runId, runIds, datasetId, annotations: {added, merged, notesKept}}
  -h, --help         show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    file: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, importRunCommand);
  if (values.file === undefined) throw new UsageError('--file <bundle> is required');
  const file = resolve(values.file);
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${file} does not exist`);
  if (stat.isDirectory()) throw new Error(`${file} is a folder, not a run bundle (a .casebook-run file)`);
  if (stat.size > BUNDLE_LIMIT) throw new Error(`${file} is larger than a run bundle can be (${BUNDLE_LIMIT} bytes)`);
  const bytes = readFileSync(file);
  const db = openDatabase(databasePath(values.db));
  try {
    const result = importRunBundle(db, bytes, file);
    if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
    else {
      const members = Object.keys(result.runIds).length - 1;
      const a = result.annotations;
      io.stdout(
        `imported as run ${result.runId}${members > 0 ? ` with ${members} members` : ''} on dataset ${result.datasetId}; ` +
          `annotations: ${a.added} added, ${a.merged} merged${a.notesKept > 0 ? `, ${a.notesKept} note(s) here kept instead of the bundle's` : ''}\n`,
      );
    }
    return 0;
  } finally {
    db.close();
  }
}
