import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { CIFAR10_CLASSES } from '../../src/shared/contract';

export const RECORD_BYTES = 3073;
export const IMAGE_BYTES = 3072;
const PLANE = 1024;

/**
 * A record's channel value at pixel p (row-major index 0..1023) for channel c (0 R, 1 G, 2 B):
 * a function of a unique record id, so the tests can tell records apart and check the CHW → HWC
 * conversion exactly.
 */
export function channelValue(id: number, p: number, c: number): number {
  return (id * 37 + p * (c + 1) * 3 + c * 85) & 0xff;
}

/** One CIFAR binary record: label byte, then R, G and B planes of `channelValue`. */
export function record(label: number, id: number): Buffer {
  const bytes = Buffer.alloc(RECORD_BYTES);
  bytes[0] = label;
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < PLANE; p++) bytes[1 + c * PLANE + p] = channelValue(id, p, c);
  }
  return bytes;
}

/** The HWC pixels `record(label, id)` should come out as. */
export function expectedHwc(id: number): Uint8Array {
  const pixels = new Uint8Array(IMAGE_BYTES);
  for (let p = 0; p < PLANE; p++) for (let c = 0; c < 3; c++) pixels[p * 3 + c] = channelValue(id, p, c);
  return pixels;
}

export interface RecordSpec {
  label: number;
  id: number;
}

export interface TarEntrySpec {
  name: string;
  data: Buffer;
}

/** Records with consecutive ids starting at `firstId`, one per label given. */
export function records(labels: readonly number[], firstId: number): RecordSpec[] {
  return labels.map((label, i) => ({ label, id: firstId + i }));
}

export function batchBytes(specs: readonly RecordSpec[]): Buffer {
  return Buffer.concat(specs.map((spec) => record(spec.label, spec.id)));
}

export const META_TXT = Buffer.from(`${CIFAR10_CLASSES.join('\n')}\n\n`);

export interface CifarLayout {
  /** data_batch_1, data_batch_2, … in that numeric order. */
  train: RecordSpec[][];
  test: RecordSpec[];
  /** Contents of batches.meta.txt, or null for none. */
  meta?: Buffer | null;
  /** Entry names (without the folder) in the order to write them; default meta, batches, test. */
  order?: string[];
}

export function cifarEntries(layout: CifarLayout): TarEntrySpec[] {
  const byName = new Map<string, Buffer>();
  const meta = layout.meta === undefined ? META_TXT : layout.meta;
  if (meta !== null) byName.set('batches.meta.txt', meta);
  layout.train.forEach((batch, i) => byName.set(`data_batch_${i + 1}.bin`, batchBytes(batch)));
  byName.set('test_batch.bin', batchBytes(layout.test));
  const order = layout.order ?? [...byName.keys()];
  return order.map((name) => {
    const data = byName.get(name);
    if (!data) throw new Error(`test layout has no entry ${name}`);
    return { name: `cifar-10-batches-bin/${name}`, data };
  });
}

/** A tar archive (gzipped unless `gzip: false`) of the given entries, with a folder entry first. */
export async function tarBytes(entries: readonly TarEntrySpec[], options: { gzip?: boolean } = {}): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name: 'cifar-10-batches-bin/', type: 'directory' });
  for (const entry of entries) archive.entry({ name: entry.name }, entry.data);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) {
    if (!Buffer.isBuffer(chunk)) throw new Error('tar-stream packed a non-Buffer chunk');
    chunks.push(chunk);
  }
  const tar = Buffer.concat(chunks);
  return options.gzip === false ? tar : gzipSync(tar);
}

export async function writeArchive(
  dir: string,
  name: string,
  entries: readonly TarEntrySpec[],
  options: { gzip?: boolean } = {},
): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, await tarBytes(entries, options));
  return file;
}

/** A temporary folder for one test file; `cleanup` removes it. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `casebook-test-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A small standard archive: labels 4 (deer), 6 (frog), 9 (truck) and 0 (airplane) in two train
 * batches and a test batch; ids are unique across the archive.
 */
export const SMALL: CifarLayout = {
  train: [records([4, 0, 6, 9, 4, 9], 0), records([9, 6, 0, 4, 6], 100)],
  test: records([6, 4, 9, 0, 9, 4], 200),
};
