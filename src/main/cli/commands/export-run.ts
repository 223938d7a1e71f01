import { resolve } from 'node:path';
import { exportRunBundle } from '../../lab/export/bundle-export';
import { BUNDLE_EXTENSION, BUNDLE_VERSION } from '../../lab/export/bundle-format';
import { writeFileAtomically } from '../../lab/export/atomic';
import { openDatabase } from '../../lab/store/database';
import { UsageError, parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { DB_HELP, databasePath } from '../lab';
import { VERSION } from '../version';

export const exportRunCommand: Command = {
  name: 'export-run',
  summary: 'write a run (with its ensemble members) to one .casebook-run bundle',
  usage: `Usage: casebook export-run --run <id> --out <file${BUNDLE_EXTENSION}>

Writes one file (a zip, format "casebook-run" version ${BUNDLE_VERSION}) holding the run: its configuration,
status and summary numbers, epochs, best and last checkpoints, its current evaluation (metrics,
predictions, stored samples), its explanations (summaries and per-image maps), an ensemble's
members the same way, and every annotation of its dataset's images. The dataset's images are not
included: "casebook import-run" needs the same dataset (by content hash) in the other database.
The file is replaced atomically.

  --run <id>         the run
  --out <file>       the bundle (${BUNDLE_EXTENSION} is added when the name has no extension)
${DB_HELP}
  --json             print {runId, file, bytes, runs, annotations} on stdout
  -h, --help         show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    out: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, exportRunCommand);
  const runId = requiredRunId(values.run);
  if (values.out === undefined) throw new UsageError(`--out <file${BUNDLE_EXTENSION}> is required`);
  const out = resolve(/\.[^/\\]+$/.test(values.out) ? values.out : `${values.out}${BUNDLE_EXTENSION}`);
  const db = openDatabase(databasePath(values.db));
  try {
    const { bytes, manifest } = exportRunBundle(db, runId, VERSION);
    writeFileAtomically(out, bytes);
    const runs = 1 + manifest.run.members.length;
    if (values.json)
      io.stdout(
        `${JSON.stringify({ runId, file: out, bytes: bytes.byteLength, runs, annotations: manifest.annotations })}\n`,
      );
    else
      io.stdout(
        `run ${runId}${runs > 1 ? ` and its ${runs - 1} members` : ''} with ${manifest.annotations} annotation(s) written to ${out} (${bytes.byteLength} bytes)\n`,
      );
    return 0;
  } finally {
    db.close();
  }
}
