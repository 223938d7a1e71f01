// Decompression bombs for the import limits (test/datasets/bomb.test.ts, bench/imports.ts): a
// .tar.gz written as a chain of gzip members (gunzip reads concatenated members as one stream),
// where one small compressed member stands for a whole batch and is written again and again. A
// 6 GB tar costs about 8.5 MB of file, a few hundred milliseconds and a few MB of memory to build.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';

export const RECORD_BYTES = 3073;
export const BATCH_RECORDS = 10_000;
const BLOCK = 512;

export interface BombEntry {
  /** The path inside the tar. */
  name: string;
  /** One gzip member's content, as a list of buffers (usually one record, repeated by reference). */
  unit: readonly Buffer[];
  /** How many times the member is written: the entry holds the unit's bytes × repeats. Default 1. */
  repeats?: number;
  /** The size the header announces, when it should lie (default: the real size). */
  announcedSize?: number;
}

/** A CIFAR record: the label byte, then 3,072 zero pixel bytes (they compress best). */
export function flatRecord(label: number): Buffer {
  const record = Buffer.alloc(RECORD_BYTES);
  record[0] = label;
  return record;
}

/** The content of one batch of `BATCH_RECORDS` records, each `record` (by reference, not copied). */
export function batchUnit(record: Buffer, records = BATCH_RECORDS): Buffer[] {
  return new Array<Buffer>(records).fill(record);
}

/** `count` data batches of identical records of `label`: the bomb is 196 (6 GB). */
export function recordBomb(count: number, label: number): BombEntry[] {
  const unit = batchUnit(flatRecord(label));
  return Array.from({ length: count }, (_, i) => ({ name: `cifar-10-batches-bin/data_batch_${i + 1}.bin`, unit }));
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar header (what tar-stream and GNU tar read). */
export function tarHeader(name: string, size: number, type: 'file' | 'directory' = 'file'): Buffer {
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(type === 'file' ? 0o644 : 0o755, 8), 100, 'latin1');
  header.write(octal(0, 8), 108, 'latin1');
  header.write(octal(0, 8), 116, 'latin1');
  header.write(octal(size, 12), 124, 'latin1');
  header.write(octal(0, 12), 136, 'latin1');
  header.write(' '.repeat(8), 148, 'latin1');
  header.write(type === 'file' ? '0' : '5', 156, 'latin1');
  header.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

async function gzipMember(unit: readonly Buffer[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from(unit), createGzip({ level: 9 }), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

function unitBytes(unit: readonly Buffer[]): number {
  return unit.reduce((sum, chunk) => sum + chunk.length, 0);
}

/** The gzip members of the whole tar, in order; members of equal units are compressed once. */
async function* members(entries: readonly BombEntry[], sizes: { inflated: number }): AsyncGenerator<Buffer> {
  const compressed = new Map<readonly Buffer[], Buffer>();
  const emit = (bytes: Buffer): Buffer => {
    sizes.inflated += bytes.length;
    return gzipSync(bytes);
  };
  yield emit(tarHeader('cifar-10-batches-bin/', 0, 'directory'));
  for (const entry of entries) {
    const repeats = entry.repeats ?? 1;
    const size = unitBytes(entry.unit) * repeats;
    yield emit(tarHeader(entry.name, entry.announcedSize ?? size));
    let member = compressed.get(entry.unit);
    if (!member) {
      member = await gzipMember(entry.unit);
      compressed.set(entry.unit, member);
    }
    for (let i = 0; i < repeats; i++) {
      sizes.inflated += size / repeats;
      yield member;
    }
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) yield emit(Buffer.alloc(padding));
  }
  yield emit(Buffer.alloc(2 * BLOCK));
}

/** Writes the entries as a .tar.gz at `file`; returns the bytes the tar inflates to. */
export async function writeGzipTar(file: string, entries: readonly BombEntry[]): Promise<{ inflatedBytes: number }> {
  const sizes = { inflated: 0 };
  await pipeline(Readable.from(members(entries, sizes)), createWriteStream(file));
  return { inflatedBytes: sizes.inflated };
}
