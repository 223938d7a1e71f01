import { resolve } from 'node:path';
import { writeReport, type ReportFormat } from '../../lab/figures/report';
import type { ReportCases } from '../../lab/figures/report-model';
import { UsageError, listOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { runIdsOption } from '../cases';
import { printUsage, type Command } from '../command';
import { imageOption, openFigures } from '../figures';
import { DB_HELP, databasePath } from '../lab';

export const reportCommand: Command = {
  name: 'report',
  summary: 'write a report of runs: dataset, runs, metrics, curves, calibration, explanations, cases',
  usage: `Usage: casebook report --runs <ids> --out <dir> [options]

Writes a report of the runs (all on one dataset): the dataset summary, a table of the runs, the
metrics compared, learning curves, calibration, the explanation checks (deletion, background
share) and each chosen case with its panel, tags and note.

  --runs <ids>       comma-separated run ids, e.g. 1,2,3
  --cases <which>    annotated (default: every image with a tag or a note), none, or a list
                     such as test/1,test/7
  --format <f>       html (default): one self-contained report.html (figures inlined, no
                     script, opens offline); md: report.md and figures/ (PNG, SVG, PDF each)
  --out <dir>        the folder to write into (created; files replaced atomically)
${DB_HELP}
  --json             print {file, format, runs, figures, cases, skipped}
  -h, --help         show this help
`,
  run,
};

function casesOption(value: string | undefined): ReportCases {
  if (value === undefined || value === 'annotated') return 'annotated';
  if (value === 'none') return 'none';
  const list = listOption(value) ?? [];
  if (list.length === 0) throw new UsageError('--cases: annotated, none, or images such as test/1,test/7');
  return list.map((item) => imageOption(item) ?? { split: 'test', index: 0 });
}

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    runs: { type: 'string' },
    cases: { type: 'string' },
    format: { type: 'string', default: 'html' },
    out: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, reportCommand);
  const runIds = runIdsOption(values.runs);
  if (!values.out) throw new UsageError('--out <dir> is required');
  if (values.format !== 'html' && values.format !== 'md')
    throw new UsageError(`--format: html or md, not "${values.format}"`);
  const format: ReportFormat = values.format;
  const cases = casesOption(values.cases);
  const sources = openFigures(databasePath(values.db));
  try {
    const result = await writeReport(sources, { runIds, cases, dir: resolve(values.out), format });
    for (const reason of result.skipped) io.stderr(`left out ${reason}\n`);
    io.stdout(
      values.json
        ? `${JSON.stringify({ file: result.file, format, runs: runIds, figures: result.figures, cases: result.cases, skipped: result.skipped })}\n`
        : `${result.file}\n`,
    );
    return 0;
  } finally {
    sources.close();
  }
}
