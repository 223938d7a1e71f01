import { resolve } from 'node:path';
import { FigureRequest, describeZodError } from '../../../shared/contract';
import { FIGURE_KINDS } from '../../../shared/figures';
import { writeFileAtomically } from '../../lab/export/atomic';
import { PAPER_DPI, renderFigure } from '../../lab/figures/render';
import { UsageError, intOption, numberOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { COLORMAPS, DEFAULT_OVERLAY } from '../../../shared/heatmap';
import { runIdsOption } from '../cases';
import { printUsage, type Command } from '../command';
import { formatOf, imageOption, openFigures } from '../figures';
import { DB_HELP, databasePath } from '../lab';

export const figureCommand: Command = {
  name: 'figure',
  summary: 'export one figure of one or several runs as PNG, SVG or PDF',
  usage: `Usage: casebook figure --run <id> --kind <kind> --out <file.png|svg|pdf> [options]

Draws one figure from the study database, the same definition the app draws on screen, with a
caption and alt text generated from the runs (and the case) it shows.

  --run <id>         the run (or --runs 1,2,3 to overlay several; confusion shows the first)
  --runs <ids>       comma-separated run ids, in legend order
  --groups <ids>     curves: seed groups, each named by any of its runs' ids, each drawn after the
                     runs as one line per series (the mean over its seeds) with a min–max band
  --kind <kind>      ${FIGURE_KINDS.join(', ')}
  --image <img>      the image of boxplots and case, e.g. test/17
  --metric <m>       curves: loss (default) or accuracy
  --log              curves of the loss: a logarithmic y axis
  --colormap <name>  case: the Grad-CAM colormap, ${COLORMAPS.join(', ')} (default viridis)
  --opacity <0-1>    case: the overlay's opacity where the map is 1 (default 0.35, the seed's)
  --colour-by <f>    map: true (default), predicted, outcome (right/wrong), mi, background or tag
  --tag <tag>        map with --colour-by tag: the tag whose images stand out
  --caption <text>   replace the generated caption
  --alt <text>       replace the generated alt text
  --size <size>      screen (default), column (3.25 in wide, 8 pt text) or page (6.75 in, 9 pt):
                     a paper's size, the PDF and SVG exactly that wide, the PNG at 300 dpi
  --scale <n>        PNG pixels per figure pixel at the screen size: 1 (default), 2 or 3
  --out <file>       where to write it; the extension picks the format (written atomically)
${DB_HELP}
  --json             print {file, kind, format, width, height, scale, size, title, caption, alt}
                     (width and height: the drawing's pixels; at a paper size, printed in points)
  -h, --help         show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    runs: { type: 'string' },
    groups: { type: 'string' },
    kind: { type: 'string' },
    image: { type: 'string' },
    metric: { type: 'string' },
    log: { type: 'boolean', default: false },
    colormap: { type: 'string' },
    opacity: { type: 'string' },
    'colour-by': { type: 'string' },
    tag: { type: 'string' },
    caption: { type: 'string' },
    alt: { type: 'string' },
    scale: { type: 'string' },
    size: { type: 'string' },
    out: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, figureCommand);
  if (values.run !== undefined && values.runs !== undefined) throw new UsageError('give --run or --runs, not both');
  const named = values.run ?? values.runs;
  const runIds = named === undefined && values.groups !== undefined ? [] : runIdsOption(named);
  const groups = values.groups === undefined ? undefined : groupIdsOption(values.groups);
  if (!values.kind) throw new UsageError(`--kind is required: ${FIGURE_KINDS.join(', ')}`);
  if (!values.out) throw new UsageError('--out <file.png|svg|pdf> is required');
  const format = formatOf(values.out);
  const scale = intOption(values.scale, 'scale', { min: 1 }) ?? 1;
  if (scale > 3) throw new UsageError('--scale: 1, 2 or 3');
  if (scale !== 1 && format !== 'png') throw new UsageError('--scale goes with a .png output');
  if (scale !== 1 && values.size !== undefined && values.size !== 'screen')
    throw new UsageError(`--scale goes with the screen size; a --size ${values.size} PNG is ${PAPER_DPI} dpi`);
  const request = FigureRequest.safeParse({
    kind: values.kind,
    runIds,
    groups,
    image: imageOption(values.image),
    metric: values.metric,
    log: values.log,
    size: values.size,
    overlay: overlayOption(values.colormap, numberOption(values.opacity, 'opacity')),
    colourBy: values['colour-by'],
    tag: values.tag,
    caption: values.caption,
    alt: values.alt,
  });
  if (!request.success) throw new UsageError(describeZodError(request.error));
  const { figures, close } = openFigures(databasePath(values.db));
  try {
    const figure = figures.build(request.data);
    const file = resolve(values.out);
    writeFileAtomically(file, await renderFigure(figure, format, scale));
    const { kind, width, height, title, caption, alt } = figure;
    const printed = figure.kind === 'case' ? undefined : figure.printed;
    io.stdout(
      values.json
        ? `${JSON.stringify({ file, kind, format, width, height, scale, size: request.data.size ?? 'screen', ...(printed ? { printed } : {}), title, caption, alt })}\n`
        : `${file}\n${caption}\n`,
    );
    return 0;
  } finally {
    close();
  }
}

/** `--groups 1,4`: run ids, each naming its seed group. */
function groupIdsOption(value: string): number[] {
  try {
    return runIdsOption(value);
  } catch (error) {
    throw new UsageError(
      `--groups: ${error instanceof Error ? error.message.replace(/^--runs:? ?/, '') : String(error)}`,
    );
  }
}

/** `--colormap` and `--opacity` (either one; the other keeps the default), or none. */
function overlayOption(colormap: string | undefined, opacity: number | undefined) {
  if (colormap === undefined && opacity === undefined) return undefined;
  return { colormap: colormap ?? DEFAULT_OVERLAY.colormap, opacity: opacity ?? DEFAULT_OVERLAY.opacity };
}
