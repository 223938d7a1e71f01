import { resolve } from 'node:path';
import { ListCasesRequest, describeZodError } from '../../../shared/contract';
import { exportCaseTable, tableFormatOf } from '../../lab/export/case-table';
import { COMMON_OPTIONS, UsageError, parseOptions, type Io } from '../args';
import { caseFilterOption, openCases, runIdsOption } from '../cases';
import { printUsage, type Command } from '../command';
import { DB_HELP, databasePath } from '../lab';

export const exportCasesCommand: Command = {
  name: 'export-cases',
  summary: 'write the per-image table of one or several runs as CSV or JSON lines',
  usage: `Usage: casebook export-cases --runs <ids> --out <file.csv|file.jsonl> [options]

Writes one row per test image of the runs (all on one dataset): its index and true class, and
per run its predicted class, probabilities (one per class), confidence, entropy, mutual
information and background share; then the image's tags and note. The same filters and sorts as
"casebook cases"; every matching image (no limit). The file is replaced atomically: an existing
file is never left half-written.

  --runs <ids>       comma-separated run ids, e.g. 1,2,3
  --out <file>       .csv: RFC 4180, UTF-8, a header row (index, true_class, run3_predicted,
                     run3_p_deer, …, run3_confidence, run3_entropy, run3_mutual_information,
                     run3_background, …, tags, note); tags joined by "; "; empty cell = no value
                     .jsonl: one JSON object per line: {index, split, trueClass, runs: [{runId,
                     model, predicted, probabilities: {class: p}, confidence, entropy,
                     mutualInformation, background}], tags, note}
  --filter <f>       wrong, right, disagree, unstable (wrong in some seeds of a group, not all),
                     tag:<tag>, class:<name>, note; repeat to combine
  --sort <key>       index (default), confidence, entropy, mi, variation, background, disagreement
  --order <o>        asc or desc (default: desc, except index)
${DB_HELP}
  --json             print {file, format, rows, runs} on stdout
  -h, --help         show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    runs: { type: 'string' },
    out: { type: 'string' },
    filter: { type: 'string', multiple: true },
    sort: { type: 'string' },
    order: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, exportCasesCommand);
  const runs = runIdsOption(values.runs);
  if (values.out === undefined) throw new UsageError('--out <file.csv|file.jsonl> is required');
  const format = tableFormatOf(values.out);
  if (format === null) throw new UsageError(`--out ${values.out}: the file name must end in .csv or .jsonl`);
  const out = resolve(values.out);
  const { cases, db, close, classesOf } = openCases(databasePath(values.db));
  try {
    const classes = classesOf(runs);
    const request = ListCasesRequest.safeParse({
      runs,
      filter: caseFilterOption(values.filter, classes),
      sort: values.sort,
      order: values.order,
    });
    if (!request.success) throw new UsageError(describeZodError(request.error));
    const { offset: _offset, limit: _limit, ...list } = request.data;
    const { rows } = exportCaseTable(cases, out, { list, classes, format, db });
    if (values.json) io.stdout(`${JSON.stringify({ file: out, format, rows, runs })}\n`);
    else io.stderr(`${rows} image(s) written to ${out}\n`);
    return 0;
  } finally {
    close();
  }
}
