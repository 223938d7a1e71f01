import { resolve } from 'node:path';
import { exportModel } from '../../lab/export/model-export';
import { openDatabase } from '../../lab/store/database';
import { UsageError, parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { DB_HELP, databasePath } from '../lab';

export const exportModelCommand: Command = {
  name: 'export-model',
  summary: "write a run's best model in the TensorFlow.js layers format",
  usage: `Usage: casebook export-model --run <id> --out <dir>

Writes the run's best checkpoint as model.json + group1-shard1of1.bin into <dir>, loadable with
tf.loadLayersModel, and a README.md (input, classes, how to load). A VNN or MC-dropout model
uses Casebook's custom layers (Sampling, McDropout): casebook-layers.mjs registers them with any
TensorFlow.js. A deep ensemble gets one folder per member (member-1, …) and the README says how
to average them. Each file is replaced atomically.

  --run <id>         the run
  --out <dir>        the folder (created if missing)
${DB_HELP}
  --json             print {runId, dir, files, members, customLayers} on stdout
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
  if (values.help) return printUsage(io, exportModelCommand);
  const runId = requiredRunId(values.run);
  if (values.out === undefined) throw new UsageError('--out <dir> is required');
  const db = openDatabase(databasePath(values.db));
  try {
    const result = exportModel(db, runId, resolve(values.out));
    if (values.json) io.stdout(`${JSON.stringify({ runId, ...result })}\n`);
    else io.stdout(`run ${runId}'s model written to ${result.dir}: ${result.files.join(', ')}\n`);
    return 0;
  } finally {
    db.close();
  }
}
