import { AnnotateRequest, type Annotation } from '../../../shared/contract';
import { Split, describeZodError } from '../../../shared/contract';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { openCases } from '../cases';
import { printUsage, type Command } from '../command';
import { DB_HELP, databasePath } from '../lab';

export const annotateCommand: Command = {
  name: 'annotate',
  summary: 'tag an image, write its note, or undo the last change',
  usage: `Usage: casebook annotate --dataset <id> --image <split>/<index> [options]

Changes an image's annotation: its tags and note belong to the image (kept across re-runs,
deleted runs and a re-import of the same data). Saved at once. Without a change, prints it.

  --dataset <id>         the dataset
  --image <split/i>      the image, e.g. test/17
  --tag <tag>            add a tag (repeatable): interesting, mislabelled?, background bias,
                         ambiguous, or any other
  --untag <tag>          remove a tag (repeatable)
  --note <text>          replace the note ("" clears it; at most 10,000 characters)
  --run <id>             the run the note is about
  --clear                remove every tag and the note
  --undo                 undo the image's last change
${DB_HELP}
  --json                 print {dataset, split, index, tags, note, runId, updatedAt} on stdout
  -h, --help             show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    dataset: { type: 'string' },
    image: { type: 'string' },
    tag: { type: 'string', multiple: true },
    untag: { type: 'string', multiple: true },
    note: { type: 'string' },
    run: { type: 'string' },
    clear: { type: 'boolean', default: false },
    undo: { type: 'boolean', default: false },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, annotateCommand);
  const datasetId = intOption(values.dataset, 'dataset', { min: 1 });
  if (datasetId === undefined) throw new UsageError('--dataset <id> is required');
  const image = /^(train|test)\/(\d+)$/.exec(values.image ?? '');
  if (!image) throw new UsageError('--image <split>/<index> is required, e.g. --image test/17');
  const key = { datasetId, split: Split.parse(image[1]), index: Number(image[2]) };
  const changes =
    (values.tag?.length ?? 0) +
    (values.untag?.length ?? 0) +
    (values.note !== undefined ? 1 : 0) +
    (values.run !== undefined ? 1 : 0);
  if ((values.clear || values.undo) && changes > 0) throw new UsageError('--clear and --undo go alone');
  if (values.clear && values.undo) throw new UsageError('give --clear or --undo, not both');
  const runId = intOption(values.run, 'run', { min: 1 });
  const request = AnnotateRequest.safeParse({
    ...key,
    addTags: values.tag ?? [],
    removeTags: values.untag ?? [],
    ...(values.note !== undefined ? { note: values.note } : {}),
    ...(runId !== undefined ? { runId } : {}),
  });
  if (!request.success) throw new UsageError(describeZodError(request.error));
  const { cases, close } = openCases(databasePath(values.db));
  try {
    let annotation: Annotation | null;
    if (values.undo) {
      annotation = cases.undo(key);
      if (annotation === null)
        throw new Error(`${key.split}/${key.index} of dataset ${datasetId} has no change to undo`);
    } else if (values.clear) annotation = cases.clear(key);
    else annotation = cases.annotate(request.data);
    const line = {
      dataset: annotation.datasetId,
      split: annotation.split,
      index: annotation.index,
      tags: annotation.tags,
      note: annotation.note,
      runId: annotation.runId,
      updatedAt: annotation.updatedAt,
    };
    if (values.json) io.stdout(`${JSON.stringify(line)}\n`);
    else
      io.stdout(
        `${line.split}/${line.index} of dataset ${line.dataset}: ${line.tags.length > 0 ? `[${line.tags.join(', ')}]` : 'no tags'}${line.note ? ` — ${line.note}` : ''}\n`,
      );
    return 0;
  } finally {
    close();
  }
}
