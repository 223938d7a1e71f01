import { resolve } from 'node:path';
import { ImportRequest, describeZodError, type ImportResult } from '../../../shared/contract';
import { importDataset } from '../../lab/datasets/import';
import { openDatabase } from '../../lab/store/database';
import { openStores } from '../../lab/store/index';
import { UsageError, listOption, localOrUrl, numberOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { printUsage, type Command } from '../command';
import { DB_HELP, databasePath as resolveDatabase } from '../lab';
import { progressPrinter } from '../progress';

export const importCommand: Command = {
  name: 'import',
  summary: 'import a CIFAR-10 binary archive or an image folder into a study database',
  usage: `Usage: casebook import (--archive <path|url> | --folder <path>) [options]

Imports images into the study database. A dataset whose content is already stored is reused.

  --archive <path|url>  a cifar-10-binary.tar.gz (local file or URL; "official" = the official URL)
  --classes <list>      comma-separated CIFAR-10 class names (default: deer,frog,truck)
  --md5 <hex>           expected md5 of the archive (always checked for the official URL)
  --folder <path>       an image folder: one sub-folder per class (PNG or JPEG), optionally
                        under train/ and test/
  --test-fraction <x>   share of each class used as test when the folder has no test/ (default 0.2)
  --name <text>         the dataset's name
${DB_HELP}
  --json                print one JSON object on stdout; progress goes to stderr
  -h, --help            show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    archive: { type: 'string' },
    folder: { type: 'string' },
    classes: { type: 'string' },
    md5: { type: 'string' },
    name: { type: 'string' },
    'test-fraction': { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, importCommand);
  if ((values.archive === undefined) === (values.folder === undefined)) {
    throw new UsageError('give exactly one of --archive <path|url> or --folder <path>');
  }
  if (values.folder !== undefined && (values.classes !== undefined || values.md5 !== undefined)) {
    throw new UsageError('--classes and --md5 go with --archive; a folder takes its classes from its sub-folders');
  }
  const raw =
    values.folder !== undefined
      ? {
          kind: 'folder',
          path: resolve(values.folder),
          testFraction: numberOption(values['test-fraction'], 'test-fraction'),
          name: values.name,
        }
      : {
          kind: 'archive',
          source: values.archive === 'official' ? undefined : localOrUrl(values.archive ?? ''),
          classes: listOption(values.classes),
          md5: values.md5,
          name: values.name,
        };
  const parsed = ImportRequest.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeZodError(parsed.error));

  const databasePath = resolveDatabase(values.db);
  const db = openDatabase(databasePath);
  const progress = progressPrinter(io);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  let result: ImportResult;
  try {
    result = await importDataset(openStores(db).datasets, parsed.data, {
      onProgress: progress.update,
      signal: controller.signal,
    });
  } finally {
    progress.done();
    process.off('SIGINT', stop);
    db.close();
  }
  const { dataset } = result;
  for (const skipped of result.skipped) io.stderr(`skipped ${skipped.file}: ${skipped.reason}\n`);
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        datasetId: dataset.id,
        name: dataset.name,
        classes: dataset.classes,
        counts: dataset.counts,
        reused: result.reused,
        contentHash: dataset.contentHash,
        sourceSha256: dataset.sourceSha256,
        skipped: result.skipped,
        database: databasePath,
      })}\n`,
    );
  } else {
    io.stdout(
      `${result.reused ? 'Already stored as' : 'Imported'} dataset ${dataset.id} "${dataset.name}" into ${databasePath}\n`,
    );
    for (const name of dataset.classes) {
      io.stdout(
        `  ${name.padEnd(12)} train ${String(dataset.counts.train[name] ?? 0).padStart(6)}  test ${String(dataset.counts.test[name] ?? 0).padStart(6)}\n`,
      );
    }
    if (result.skipped.length > 0) io.stdout(`  ${result.skipped.length} file(s) skipped (listed above)\n`);
  }
  return 0;
}
