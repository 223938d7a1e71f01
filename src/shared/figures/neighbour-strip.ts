/**
 * The neighbour strip: one image and, per run with features, its 8 nearest training images with
 * their labels and cosine distances ("what the model thinks this looks like"), for a report's
 * case. Not a chart: a row of image thumbnails, drawn by Node on the same 2D surfaces as the case
 * panel (PNG, SVG, PDF). Pure: the layout and the words.
 */
import { significant } from '../numbers';
import { sentence } from './caption';

export interface StripImage {
  /** HWC uint8 pixels and [height, width, channels]. */
  pixels: Uint8Array;
  shape: readonly [number, number, number];
}

export interface StripTile {
  /** "train/4512". */
  name: string;
  /** The image's label (class name). */
  className: string;
  /** The cosine distance as shown ("0.041"), or null for the case image. */
  distance: string | null;
  /** The label is the run's predicted class for the case (drawn bold). */
  predicted: boolean;
  image: StripImage;
}

export interface StripRow {
  /** "CNN #1 → truck (wrong)". */
  heading: string;
  /** The run got the case wrong (its heading is drawn in red, as on the case panel). */
  wrong: boolean;
  /** The neighbour sentence ("Looks like the trucks it was trained on (6 of its 8 …)"). */
  sentence: string;
  /** The case image first, then its nearest training images, nearest first. */
  tiles: StripTile[];
}

export interface NeighbourStrip {
  kind: 'neighbours';
  width: number;
  height: number;
  title: string;
  caption: string;
  alt: string;
  rows: StripRow[];
}

/** Where things go, in CSS pixels at scale 1: 9 tiles (the case and 8 neighbours) across 1000 px. */
export const STRIP_LAYOUT = {
  width: 1000,
  margin: 20,
  titleHeight: 30,
  headingHeight: 24,
  tile: 96,
  tileGap: 10,
  /** Below each tile: its class, then its name and distance. */
  labelHeight: 34,
  rowGap: 14,
  /** Tiles per row: the case and 8 neighbours. */
  perRow: 9,
} as const;

export function stripHeight(rows: number): number {
  const l = STRIP_LAYOUT;
  return (
    l.margin + l.titleHeight + rows * (l.headingHeight + l.tile + l.labelHeight) + (rows - 1) * l.rowGap + l.margin
  );
}

export interface StripRunInput {
  runLabel: string;
  /** The run's predicted class for the case (null: a training image, no prediction). */
  predictedClass: string | null;
  correct: boolean | null;
  sentence: string;
  /** Nearest first; the case image itself already left out. */
  neighbours: readonly { split: string; index: number; className: string; distance: number; image: StripImage }[];
}

export interface NeighbourStripInput {
  split: string;
  index: number;
  trueClass: string;
  datasetName: string;
  image: StripImage;
  runs: readonly StripRunInput[];
}

/** The strip of a case, one row per run given (those with features). */
export function neighbourStrip(input: NeighbourStripInput): NeighbourStrip {
  const name = `${input.split} image ${input.index}`;
  const rows = input.runs.map((run): StripRow => {
    const verdict =
      run.predictedClass === null ? '' : ` → ${run.predictedClass}${run.correct === false ? ' (wrong)' : ''}`;
    return {
      heading: `${run.runLabel}${verdict}`,
      wrong: run.correct === false,
      sentence: run.sentence,
      tiles: [
        {
          name: `${input.split}/${input.index}`,
          className: `true ${input.trueClass}`,
          distance: null,
          predicted: false,
          image: input.image,
        },
        ...run.neighbours.slice(0, STRIP_LAYOUT.perRow - 1).map((n) => ({
          name: `${n.split}/${n.index}`,
          className: n.className,
          distance: significant(n.distance, 2),
          predicted: n.className === run.predictedClass,
          image: n.image,
        })),
      ],
    };
  });
  const k = Math.max(0, ...rows.map((r) => r.tiles.length - 1));
  const caption = [
    sentence(
      `${name} of "${input.datasetName}" (true class ${input.trueClass}), first in each row, and its ${k} nearest training images in each run's features (the layer before the classifier head), nearest first, with their labels and cosine distances`,
    ),
    'Labels that are the run’s predicted class are bold.',
  ].join(' ');
  const alt = [
    sentence(`${name}, a ${input.trueClass}, beside its nearest training images`),
    ...rows.map((row) =>
      sentence(
        `${row.heading}: ${row.sentence.replace(/\.$/, '')}; nearest ${row.tiles
          .slice(1)
          .map((t) => `${t.className} ${t.distance ?? ''}`.trim())
          .join(', ')}`,
      ),
    ),
  ].join(' ');
  return {
    kind: 'neighbours',
    width: STRIP_LAYOUT.width,
    height: stripHeight(Math.max(1, rows.length)),
    title: `${name} of "${input.datasetName}" and its nearest training images`,
    caption,
    alt,
    rows,
  };
}
