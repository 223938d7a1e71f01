/**
 * What an image's nearest training images say, in words: "looks like the trucks it was trained
 * on" when most of them carry the predicted class. Pure, for the case view, the CLI and reports.
 */

const SAME_PLURAL = new Set(['deer', 'sheep', 'fish', 'moose', 'bison', 'aircraft', 'series', 'species']);

/** "truck" → "trucks", "deer" → "deer", "bus" → "buses", "butterfly" → "butterflies". */
export function pluralClass(name: string): string {
  const lower = name.toLowerCase();
  if (SAME_PLURAL.has(lower)) return name;
  if (/(s|sh|ch|x|z)$/.test(lower)) return `${name}es`;
  if (/[^aeiou]y$/.test(lower)) return `${name.slice(0, -1)}ies`;
  return `${name}s`;
}

export interface NeighbourVerdictInput {
  classes: readonly string[];
  /** The image's own label. */
  label: number;
  /** The run's predicted class for the image (test images), or null (training images). */
  predicted: number | null;
  /** The neighbours' labels, nearest first (the image itself left out). */
  labels: readonly number[];
}

export interface NeighbourVerdict {
  /** The label most neighbours carry (ties: the nearer one first), and how many carry it. */
  majority: number | null;
  count: number;
  /** Whether more than half the neighbours carry the predicted class. */
  likePredicted: boolean;
  sentence: string;
}

/** The most common label of `labels` (ties: the one that appears first, i.e. the nearer). */
function majorityOf(labels: readonly number[]): { majority: number | null; count: number } {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let majority: number | null = null;
  let count = 0;
  for (const l of labels) {
    const c = counts.get(l) ?? 0;
    if (c > count) [majority, count] = [l, c];
  }
  return { majority, count };
}

/** One sentence about what an image's nearest training images carry (see the module comment). */
export function neighbourVerdict(input: NeighbourVerdictInput): NeighbourVerdict {
  const { classes, label, predicted, labels } = input;
  const name = (k: number): string => classes[k] ?? `class ${k}`;
  const k = labels.length;
  const { majority, count } = majorityOf(labels);
  const of = `${count} of its ${k} nearest training images`;
  if (majority === null || k === 0)
    return { majority: null, count: 0, likePredicted: false, sentence: 'No training images to compare with.' };
  const most = count * 2 > k;
  const likePredicted = predicted !== null && most && majority === predicted;
  let sentence: string;
  if (predicted === null) {
    // a training image: its own label against its neighbours'
    const own = labels.filter((l) => l === label).length;
    sentence =
      most && majority !== label
        ? `Labelled ${name(label)}, but looks like the ${pluralClass(name(majority))} around it: ${of} are ${pluralClass(name(majority))}.`
        : `${own} of its ${k} nearest training images are ${pluralClass(name(label))}, like its label.`;
  } else if (likePredicted) {
    sentence =
      predicted === label
        ? `Looks like the ${pluralClass(name(predicted))} it was trained on (${of}).`
        : `Looks like the ${pluralClass(name(predicted))} it was trained on (${of}), though it is a ${name(label)}.`;
  } else if (most) {
    sentence =
      majority === label
        ? `Looks like the ${pluralClass(name(label))} it was trained on (${of}), yet called ${name(predicted)}.`
        : `Looks like the ${pluralClass(name(majority))} it was trained on (${of}), though called ${name(predicted)}.`;
  } else {
    const mix = [...new Set(labels)].map((l) => `${labels.filter((x) => x === l).length} ${name(l)}`).join(', ');
    sentence = `Its nearest training images are mixed (${mix}): no class has most of them.`;
  }
  return { majority, count, likePredicted, sentence };
}
