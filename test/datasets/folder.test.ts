import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFolder } from '../../src/main/lab/datasets/folder';
import type { SplitData } from '../../src/main/lab/datasets/types';
import type { Progress } from '../../src/shared/contract';
import { tempDir } from './helpers';

type Rgb = [number, number, number];

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('folder'));
});
afterAll(() => cleanup());

/** Writes a solid-colour image; the format follows the extension. */
async function solid(file: string, size: { width: number; height: number }, colour: Rgb): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const image = sharp({ create: { ...size, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } } });
  await (/\.jpe?g$/i.test(file) ? image.jpeg({ quality: 95 }) : image.png()).toFile(file);
}

/** Writes a raw image (HWC, `channels` 1 to 4) as a PNG. */
async function rawPng(
  file: string,
  pixels: Uint8Array,
  shape: { width: number; height: number; channels: 1 | 2 | 3 | 4 },
): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await sharp(pixels, { raw: shape }).png().toFile(file);
}

async function write(file: string, content: string | Buffer): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, content);
}

/** The pixel (row, col) of image i of a 32×32 split. */
function pixel(split: SplitData, i: number, row: number, col: number): Rgb {
  const at = i * 32 * 32 * 3 + (row * 32 + col) * 3;
  return [split.pixels[at] ?? -1, split.pixels[at + 1] ?? -1, split.pixels[at + 2] ?? -1];
}

function imageIndex(split: SplitData, origin: string): number {
  const index = split.origins?.indexOf(origin) ?? -1;
  if (index < 0) throw new Error(`no image from ${origin}`);
  return index;
}

function expectClose(actual: Rgb, expected: Rgb, tolerance: number): void {
  actual.forEach((value, c) => expect(Math.abs(value - (expected[c] ?? 0))).toBeLessThanOrEqual(tolerance));
}

describe('readImageFolder with one sub-folder per class', () => {
  let root: string;

  beforeAll(async () => {
    root = join(dir, 'classes');
    // cat: eight images of assorted sizes and formats, some with upper-case extensions
    await solid(join(root, 'cat/red.png'), { width: 50, height: 20 }, [255, 0, 0]);
    await solid(join(root, 'cat/big.JPG'), { width: 300, height: 200 }, [40, 200, 90]);
    await solid(join(root, 'cat/photo.jpeg'), { width: 33, height: 64 }, [10, 20, 250]);
    for (let i = 0; i < 5; i++) await solid(join(root, `cat/c${i}.PNG`), { width: 8 + i, height: 8 }, [i * 10, 0, 0]);
    // dog: a transparent PNG, a grey PNG, a three-band PNG (red | green | blue thirds)
    await rawPng(join(root, 'dog/clear.png'), new Uint8Array(10 * 10 * 4), { width: 10, height: 10, channels: 4 });
    await rawPng(join(root, 'dog/grey.png'), new Uint8Array(16 * 16).fill(128), { width: 16, height: 16, channels: 1 });
    const bands = new Uint8Array(96 * 32 * 3);
    for (let p = 0; p < 96 * 32; p++) bands[p * 3 + Math.floor((p % 96) / 32)] = 255;
    await rawPng(join(root, 'dog/bands.png'), bands, { width: 96, height: 32, channels: 3 });
    // files that are skipped
    await write(join(root, 'dog/notes.txt'), 'not an image');
    await write(
      join(root, 'dog/broken.png'),
      Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(100, 7)]),
    );
    await write(join(root, 'cat/.DS_Store'), 'mac');
    await write(join(root, 'README.md'), 'about these images');
  });

  it('reads every PNG and JPEG as 32×32 RGB, class names from the sorted folder names', async () => {
    const { content } = await readImageFolder(root, { testFraction: 0.25 });
    expect(content.classes).toEqual(['cat', 'dog']);
    expect(content.shape).toEqual([32, 32, 3]);
    const total = content.train.labels.length + content.test.labels.length;
    expect(total).toBe(11);
    for (const split of [content.train, content.test]) {
      expect(split.pixels.length).toBe(split.labels.length * 32 * 32 * 3);
      expect(split.origins).toHaveLength(split.labels.length);
    }
  });

  it('reports every skipped file with its reason, sharp’s message for a broken image', async () => {
    const { skipped } = await readImageFolder(root, { testFraction: 0.25 });
    const reasons = Object.fromEntries(skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['README.md', 'cat/.DS_Store', 'dog/broken.png', 'dog/notes.txt']);
    expect(reasons['dog/notes.txt']).toBe('not a PNG or JPEG file (by its extension)');
    expect(reasons['cat/.DS_Store']).toBe('hidden file');
    expect(reasons['README.md']).toBe('not inside a class folder');
    expect(reasons['dog/broken.png']).toMatch(/^failed to decode: .+/);
  });

  it('converts colours, transparency and grey as documented, stretching to fill', async () => {
    const { content } = await readImageFolder(root, { testFraction: 0.25 });
    const find = (origin: string): { split: SplitData; i: number } => {
      const split = content.train.origins?.includes(origin) ? content.train : content.test;
      return { split, i: imageIndex(split, origin) };
    };
    const red = find('cat/red.png');
    expect(pixel(red.split, red.i, 0, 0)).toEqual([255, 0, 0]);
    expect(pixel(red.split, red.i, 31, 31)).toEqual([255, 0, 0]);
    const clear = find('dog/clear.png');
    expect(pixel(clear.split, clear.i, 5, 5)).toEqual([255, 255, 255]);
    const grey = find('dog/grey.png');
    expect(pixel(grey.split, grey.i, 7, 9)).toEqual([128, 128, 128]);
    const jpeg = find('cat/big.JPG');
    expectClose(pixel(jpeg.split, jpeg.i, 16, 16), [40, 200, 90], 4);
    // fit 'fill': the whole 96×32 picture is squeezed in, so the left edge is red and the right blue
    const bands = find('dog/bands.png');
    expect(pixel(bands.split, bands.i, 16, 0)).toEqual([255, 0, 0]);
    expect(pixel(bands.split, bands.i, 16, 16)).toEqual([0, 255, 0]);
    expect(pixel(bands.split, bands.i, 16, 31)).toEqual([0, 0, 255]);
  });

  it('splits each class reproducibly, near testFraction, with at least one train and one test image', async () => {
    const first = await readImageFolder(root, { testFraction: 0.25 });
    const again = await readImageFolder(root, { testFraction: 0.25 });
    expect(again.content.train.origins).toEqual(first.content.train.origins);
    expect(again.content.test.origins).toEqual(first.content.test.origins);
    const { train, test } = first.content;
    const count = (split: SplitData, label: number): number => split.labels.filter((l) => l === label).length;
    expect([count(train, 0), count(test, 0)]).toEqual([6, 2]); // cat: 8 images, round(8 × 0.25) = 2
    expect([count(train, 1), count(test, 1)]).toEqual([2, 1]); // dog: 3 images, round(0.75) = 1
    // within a split: class by class, file names in order
    expect(train.origins?.filter((o) => o.startsWith('cat/'))).toEqual(
      [...(train.origins ?? [])].filter((o) => o.startsWith('cat/')).sort(),
    );
    expect(Array.from(train.labels)).toEqual([...train.labels].sort());
    // a tiny fraction still leaves one test image per class; a large one still leaves one for training
    const tiny = await readImageFolder(root, { testFraction: 0.01 });
    expect([count(tiny.content.test, 0), count(tiny.content.test, 1)]).toEqual([1, 1]);
    const large = await readImageFolder(root, { testFraction: 0.99 });
    expect([count(large.content.train, 0), count(large.content.train, 1)]).toEqual([1, 1]);
  });

  it('resizes to another size on request', async () => {
    const { content } = await readImageFolder(root, { testFraction: 0.25, size: 8 });
    expect(content.shape).toEqual([8, 8, 3]);
    expect(content.train.pixels.length).toBe(content.train.labels.length * 8 * 8 * 3);
  });

  it('reports progress in files', async () => {
    const seen: Progress[] = [];
    await readImageFolder(root, { testFraction: 0.25, onProgress: (p) => seen.push(p) });
    expect(seen.every((p) => p.unit === 'files' && p.total === 12)).toBe(true); // 11 images + broken.png
    expect(seen.at(-1)?.done).toBe(12);
  });

  it('stops with an AbortError when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(readImageFolder(root, { testFraction: 0.25, signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('readImageFolder with train/ and test/', () => {
  it('takes the split from the folders', async () => {
    const root = join(dir, 'split');
    await solid(join(root, 'train/ant/a.png'), { width: 40, height: 40 }, [1, 2, 3]);
    await solid(join(root, 'train/ant/b.jpg'), { width: 12, height: 30 }, [200, 200, 200]);
    await solid(join(root, 'train/bee/a.png'), { width: 40, height: 40 }, [9, 9, 9]);
    await solid(join(root, 'test/ant/c.png'), { width: 40, height: 40 }, [4, 5, 6]);
    await solid(join(root, 'test/bee/d.png'), { width: 40, height: 40 }, [7, 8, 9]);
    await write(join(root, 'LICENSE'), 'cc-by');
    const { content, skipped } = await readImageFolder(root, { testFraction: 0.5 });
    expect(content.classes).toEqual(['ant', 'bee']);
    expect(content.train.origins).toEqual(['train/ant/a.png', 'train/ant/b.jpg', 'train/bee/a.png']);
    expect(Array.from(content.train.labels)).toEqual([0, 0, 1]);
    expect(content.test.origins).toEqual(['test/ant/c.png', 'test/bee/d.png']);
    expect(Array.from(content.test.labels)).toEqual([0, 1]);
    expect(pixel(content.test, 1, 3, 3)).toEqual([7, 8, 9]);
    expect(skipped).toEqual([{ file: 'LICENSE', reason: 'not inside a class folder' }]);
  });

  it('requires the same classes in both', async () => {
    const root = join(dir, 'mismatch');
    await solid(join(root, 'train/ant/a.png'), { width: 4, height: 4 }, [0, 0, 0]);
    await solid(join(root, 'train/bee/a.png'), { width: 4, height: 4 }, [0, 0, 0]);
    await solid(join(root, 'test/ant/a.png'), { width: 4, height: 4 }, [0, 0, 0]);
    await solid(join(root, 'test/wasp/a.png'), { width: 4, height: 4 }, [0, 0, 0]);
    await expect(readImageFolder(root, { testFraction: 0.2 })).rejects.toThrow(
      `${root}: train/ and test/ must have the same class folders (only in train/: bee; only in test/: wasp)`,
    );
  });
});

describe('readImageFolder on bad input', () => {
  it('rejects a class with no usable images, naming the class and its folder', async () => {
    const root = join(dir, 'empty-class');
    await solid(join(root, 'ant/a.png'), { width: 4, height: 4 }, [0, 0, 0]);
    await write(join(root, 'bee/notes.txt'), 'no images here');
    await expect(readImageFolder(root, { testFraction: 0.2 })).rejects.toThrow(
      `class 'bee' has no usable images in ${join(root, 'bee')}`,
    );
    await mkdir(join(root, 'cicada'));
    await write(join(root, 'bee/broken.jpg'), 'not a jpeg');
    await expect(readImageFolder(root, { testFraction: 0.2 })).rejects.toThrow(/class 'bee' has no usable images/);
  });

  it('rejects a missing root, a file as root and a root without class folders', async () => {
    const missing = join(dir, 'does-not-exist');
    await expect(readImageFolder(missing, { testFraction: 0.2 })).rejects.toThrow(`no such folder: ${missing}`);
    const file = join(dir, 'a-file.png');
    await solid(file, { width: 4, height: 4 }, [0, 0, 0]);
    await expect(readImageFolder(file, { testFraction: 0.2 })).rejects.toThrow(`${file} is not a folder`);
    const flat = join(dir, 'flat');
    await solid(join(flat, 'a.png'), { width: 4, height: 4 }, [0, 0, 0]);
    await expect(readImageFolder(flat, { testFraction: 0.2 })).rejects.toThrow(`${flat} has no class sub-folders`);
  });
});
