import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import sharp from 'sharp';
import type { Progress, SkippedFile, Split } from '../../../shared/contract';
import { checkPath, ImportError, type DatasetContent, type SplitData } from './types';

/**
 * Reads a folder of images, one sub-folder per class:
 *
 *     root/deer/*.png, root/frog/*.jpg, …             split here, see `assignSplits`
 *     root/train/deer/…, root/test/deer/…, …           split given by the folders
 *
 * Class names are the sub-folder names, sorted by code point (the same on every machine and
 * locale). Only the files directly inside a class folder are read. PNG and JPEG files (by
 * extension, case-insensitive: .png, .jpg, .jpeg) are decoded with sharp: EXIF orientation
 * applied, transparency flattened onto white, grey and CMYK converted to sRGB, and the whole
 * picture resized to size × size with `fit: 'fill'` — stretched, never cropped or padded, so
 * nothing in the picture is lost and no border is invented (CIFAR images are whole pictures
 * too). Every other file is skipped and reported with the reason.
 */

const DEFAULT_SIZE = 32;
const CHANNELS = 3;
const DECODE_CONCURRENCY = 4;
const PROGRESS_STEPS = 200;
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const BACKGROUND = { r: 255, g: 255, b: 255 };

export interface ReadFolderOptions {
  /** Share of each class put in the test split when the folder has no train/ and test/. */
  testFraction: number;
  /** Side of the square images produced (default 32). */
  size?: number;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface FolderImport {
  content: DatasetContent;
  skipped: SkippedFile[];
}

export async function readImageFolder(root: string, options: ReadFolderOptions): Promise<FolderImport> {
  const size = options.size ?? DEFAULT_SIZE;
  if (!(options.testFraction > 0 && options.testFraction < 1)) {
    throw new ImportError(`testFraction must be between 0 and 1 (exclusive), not ${options.testFraction}`);
  }
  await checkPath(root, 'folder');
  const plan = await planFolder(root);
  const decoded = await decodeAll(plan.images, { ...options, size });
  const { usable, skipped } = sortDecoded(plan, decoded);
  plan.folders.forEach((folder, i) => {
    if ((usable[i]?.length ?? 0) === 0) throw emptyClassError(folder, join(root, ...folder.relative.split('/')));
  });
  const assigned =
    plan.layout === 'split' ? usable.flat() : usable.flatMap((images) => assignSplits(images, options.testFraction));
  const content: DatasetContent = {
    classes: plan.classes,
    shape: [size, size, CHANNELS],
    train: buildSplit(assigned, 'train', size),
    test: buildSplit(assigned, 'test', size),
  };
  return { content, skipped };
}

/** The decoded images, by class folder, and every skipped file (sorted by path) with its reason. */
function sortDecoded(
  plan: FolderPlan,
  decoded: readonly (Uint8Array | string)[],
): { usable: DecodedImage[][]; skipped: SkippedFile[] } {
  const skipped = [...plan.skipped];
  const usable: DecodedImage[][] = plan.folders.map(() => []);
  plan.images.forEach((image, i) => {
    const result = decoded[i];
    if (result === undefined || typeof result === 'string') {
      skipped.push({ file: image.relative, reason: `failed to decode: ${result ?? 'not decoded'}` });
    } else {
      usable[image.folder]?.push({ ...image, pixels: result });
    }
  });
  return { usable, skipped: skipped.sort((a, b) => compare(a.file, b.file)) };
}

/** One image file to decode. */
interface Candidate {
  /** Path relative to the root, with '/' separators (also the image's recorded origin). */
  relative: string;
  absolute: string;
  label: number;
  /** Index into the plan's folders. */
  folder: number;
  /** Fixed by a train/ and test/ layout; assigned by hash otherwise. */
  split: Split | null;
}

interface DecodedImage extends Candidate {
  /** size × size × 3, HWC. */
  pixels: Uint8Array;
}

/** A class folder: `deer` or `train/deer`. */
interface ClassFolder {
  className: string;
  relative: string;
}

interface FolderPlan {
  layout: 'split' | 'classes';
  classes: string[];
  folders: ClassFolder[];
  images: Candidate[];
  skipped: SkippedFile[];
}

interface Listing {
  folders: string[];
  files: string[];
}

/** A folder's entries, sorted by name, split into sub-folders and everything else (symlinks followed). */
async function list(dir: string): Promise<Listing> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new ImportError(`cannot read the folder ${dir}: ${(error as Error).message}`);
  }
  const listing: Listing = { folders: [], files: [] };
  for (const entry of entries) {
    const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && (await isFolderTarget(join(dir, entry.name))));
    (isFolder ? listing.folders : listing.files).push(entry.name);
  }
  listing.folders.sort(compare);
  listing.files.sort(compare);
  return listing;
}

async function isFolderTarget(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false; // a dangling link: treated as a file, and skipped as one
  }
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

async function planFolder(root: string): Promise<FolderPlan> {
  const top = await list(root);
  const skipped: SkippedFile[] = [];
  for (const name of top.files) skipped.push({ file: name, reason: 'not inside a class folder' });
  const visible = top.folders.filter((name) => {
    if (isHidden(name)) skipped.push({ file: `${name}/`, reason: 'hidden folder' });
    return !isHidden(name);
  });
  const split = visible.includes('train') && visible.includes('test');
  if (split) {
    for (const name of visible) {
      if (name !== 'train' && name !== 'test') {
        skipped.push({ file: `${name}/`, reason: 'not read: the folder has train/ and test/, so only those are' });
      }
    }
  }
  const plan: FolderPlan = { layout: split ? 'split' : 'classes', classes: [], folders: [], images: [], skipped };
  if (split) {
    const [train, test] = await Promise.all([
      classFolders(root, 'train', skipped),
      classFolders(root, 'test', skipped),
    ]);
    checkSameClasses(root, train, test);
    plan.classes = train;
    for (const splitName of ['train', 'test'] as const) {
      for (const className of plan.classes)
        await addClassFolder(plan, root, { className, relative: `${splitName}/${className}` }, splitName);
    }
  } else {
    if (visible.length === 0) {
      throw new ImportError(
        `${root} has no class sub-folders; put each class's images in a sub-folder named after the class`,
      );
    }
    plan.classes = visible;
    for (const className of plan.classes) await addClassFolder(plan, root, { className, relative: className }, null);
  }
  return plan;
}

/** The class folders inside root/train or root/test. */
async function classFolders(root: string, splitName: Split, skipped: SkippedFile[]): Promise<string[]> {
  const listing = await list(join(root, splitName));
  for (const name of listing.files) skipped.push({ file: `${splitName}/${name}`, reason: 'not inside a class folder' });
  const classes = listing.folders.filter((name) => {
    if (isHidden(name)) skipped.push({ file: `${splitName}/${name}/`, reason: 'hidden folder' });
    return !isHidden(name);
  });
  if (classes.length === 0) {
    throw new ImportError(
      `${join(root, splitName)} has no class sub-folders; put each class's images in a sub-folder named after the class`,
    );
  }
  return classes;
}

function checkSameClasses(root: string, train: readonly string[], test: readonly string[]): void {
  const onlyTrain = train.filter((name) => !test.includes(name));
  const onlyTest = test.filter((name) => !train.includes(name));
  if (onlyTrain.length === 0 && onlyTest.length === 0) return;
  const parts = [
    onlyTrain.length > 0 ? `only in train/: ${onlyTrain.join(', ')}` : '',
    onlyTest.length > 0 ? `only in test/: ${onlyTest.join(', ')}` : '',
  ].filter((part) => part.length > 0);
  throw new ImportError(`${root}: train/ and test/ must have the same class folders (${parts.join('; ')})`);
}

async function addClassFolder(plan: FolderPlan, root: string, folder: ClassFolder, split: Split | null): Promise<void> {
  const index = plan.folders.length;
  plan.folders.push(folder);
  const label = plan.classes.indexOf(folder.className);
  const listing = await list(join(root, ...folder.relative.split('/')));
  for (const name of listing.folders) {
    plan.skipped.push({ file: `${folder.relative}/${name}/`, reason: 'a folder inside a class folder (not searched)' });
  }
  for (const name of listing.files) {
    const relative = `${folder.relative}/${name}`;
    const reason = isHidden(name)
      ? 'hidden file'
      : IMAGE_EXTENSIONS.has(posix.extname(name).toLowerCase())
        ? null
        : 'not a PNG or JPEG file (by its extension)';
    if (reason !== null) plan.skipped.push({ file: relative, reason });
    else plan.images.push({ relative, absolute: join(root, ...relative.split('/')), label, folder: index, split });
  }
}

function emptyClassError(folder: ClassFolder, path: string): ImportError {
  const hint =
    folder.relative === 'train' || folder.relative === 'test'
      ? ' (a train/ and test/ layout needs both folders, each with one sub-folder per class)'
      : '';
  return new ImportError(`class '${folder.className}' has no usable images in ${path}${hint}`);
}

/** Decodes every candidate: pixels, or the reason it could not be decoded. Progress counts files. */
async function decodeAll(
  images: readonly Candidate[],
  options: { size: number; onProgress?: (progress: Progress) => void; signal?: AbortSignal },
): Promise<(Uint8Array | string)[]> {
  const total = images.length;
  // About PROGRESS_STEPS reports in all, however many files there are.
  const step = Math.max(1, Math.floor(total / PROGRESS_STEPS));
  let done = 0;
  const report = (): void => options.onProgress?.({ phase: 'reading images', done, total, unit: 'files' });
  report();
  return mapLimit(images, DECODE_CONCURRENCY, async (image) => {
    options.signal?.throwIfAborted();
    const result = await decodeImage(image.absolute, options.size);
    done++;
    if (done % step === 0 || done === total) report();
    return result;
  });
}

/** One image as size × size RGB, HWC uint8; a decoding failure is returned as sharp's message. */
async function decodeImage(file: string, size: number): Promise<Uint8Array | string> {
  try {
    const { data, info } = await sharp(file)
      .rotate()
      .flatten({ background: BACKGROUND })
      .toColourspace('srgb')
      .resize(size, size, { fit: 'fill' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== CHANNELS || data.length !== size * size * CHANNELS) {
      return `decoded to ${info.width}×${info.height}×${info.channels}, expected ${size}×${size}×${CHANNELS}`;
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (error) {
    return (error as Error).message;
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the items' order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  const queue = items.entries();
  const worker = async (): Promise<void> => {
    for (const [index, item] of queue) results[index] = await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The split rule for a folder without train/ and test/: of a class's n usable images,
 * round(n × testFraction) go to test — at least 1 and at most n − 1 when n ≥ 2, none when n = 1 —
 * namely those whose relative paths have the smallest sha256. The split is reproducible on any
 * machine, and adding or removing a file moves at most that file and one other.
 */
function assignSplits(images: readonly DecodedImage[], testFraction: number): DecodedImage[] {
  const n = images.length;
  const testCount = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
  const ranked = [...images].sort(
    (a, b) => compare(splitKey(a.relative), splitKey(b.relative)) || compare(a.relative, b.relative),
  );
  const test = new Set(ranked.slice(0, testCount));
  return images.map((image) => ({ ...image, split: test.has(image) ? 'test' : 'train' }));
}

function splitKey(relative: string): string {
  return createHash('sha256').update(relative).digest('hex');
}

/** A split's images, class by class, each class's files in name order (the plan's order). */
function buildSplit(images: readonly DecodedImage[], split: Split, size: number): SplitData {
  const chosen = images.filter((image) => image.split === split).sort((a, b) => a.label - b.label);
  const bytes = size * size * CHANNELS;
  const data: SplitData = {
    labels: new Uint8Array(chosen.length),
    pixels: new Uint8Array(chosen.length * bytes),
    origins: [],
  };
  chosen.forEach((image, i) => {
    data.labels[i] = image.label;
    data.pixels.set(image.pixels, i * bytes);
    data.origins?.push(image.relative);
  });
  return data;
}

/** Code-point order: the same on every machine, whatever the locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
