import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type ExtractEvents } from 'tar-stream';
import { CIFAR10_CLASSES, type Progress, type Split } from '../../../shared/contract';
import { ARCHIVE_LIMITS, checkBatchSize, checkTarSize, InflatedLimit, type ArchiveLimits } from './limits';
import { checkPath, ImportError, type DatasetContent, type SplitData } from './types';

/**
 * Reads CIFAR-10 in its official binary layout (`cifar-10-binary.tar.gz`):
 * `cifar-10-batches-bin/data_batch_1..5.bin` (train), `test_batch.bin` (test) and
 * `batches.meta.txt` (the ten class names, one a line). A record is one label byte, then the
 * 1024 red, 1024 green and 1024 blue bytes of a 32×32 image, each plane row-major.
 */

const SIDE = 32;
const CHANNELS = 3;
const PLANE = SIDE * SIDE;
const IMAGE_BYTES = PLANE * CHANNELS;
const RECORD_BYTES = 1 + IMAGE_BYTES;
const LABEL_COUNT = 10;
/** Images per storage block while collecting; the last block of a split is at most this much slack. */
const BLOCK_IMAGES = 1024;
const READ_CHUNK_BYTES = 1 << 20;
/** gunzip output pieces: larger than its 16 KiB default, so fewer pieces pass through the tar reader. */
const INFLATE_CHUNK_BYTES = 256 << 10;
const META_MAX_BYTES = 1 << 16;

export interface ReadCifarOptions {
  /** The classes to keep, by name; they are relabelled 0..k-1 in this order. */
  classes: string[];
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** What the archive may inflate to; ARCHIVE_LIMITS unless given (tests). */
  limits?: ArchiveLimits;
}

/**
 * Streams a CIFAR-10 binary archive (.tar.gz or .tar) and keeps only the requested classes.
 * Memory stays bounded whatever the file: a batch larger than `limits.batchBytes` is refused from
 * its tar header, and the read stops once the inflated tar passes `limits.inflatedBytes`.
 */
export async function readCifarArchive(file: string, options: ReadCifarOptions): Promise<DatasetContent> {
  checkRequestedClasses(options.classes);
  const size = await checkPath(file, 'archive');
  const compressed = await sniffArchive(file);
  const limits = options.limits ?? ARCHIVE_LIMITS;
  if (!compressed) checkTarSize(file, size, limits);
  const scanOptions = { file, size, compressed, limits, options };
  let scan = await scanArchive({ ...scanOptions, knownNames: null });
  if (scan.needsRescan) {
    // batches.meta.txt came after some batches and named the classes differently from the
    // standard order the records were filtered by: read again, with the names known up front.
    scan = await scanArchive({ ...scanOptions, knownNames: scan.names });
  }
  return assemble(scan, file, options.classes);
}

function checkRequestedClasses(classes: readonly string[]): void {
  if (classes.length === 0) throw new ImportError('no classes requested: name at least one CIFAR-10 class');
  const seen = new Set<string>();
  for (const name of classes) {
    if (seen.has(name)) throw new ImportError(`class '${name}' is requested twice; each class may appear once`);
    seen.add(name);
  }
}

/** Tells a gzip file from a plain tar by their magic bytes; anything else is an error. */
async function sniffArchive(file: string): Promise<boolean> {
  const head = Buffer.alloc(512);
  const handle = await open(file, 'r');
  let length: number;
  try {
    ({ bytesRead: length } = await handle.read(head, 0, head.length, 0));
  } finally {
    await handle.close();
  }
  if (length === 0) throw new ImportError(`${file} is empty, not a gzip or tar archive`);
  if (length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return false;
  const zip = head[0] === 0x50 && head[1] === 0x4b ? ' (it is a zip file)' : '';
  throw new ImportError(`${file} is not a gzip or tar archive${zip}; expected cifar-10-binary.tar.gz`);
}

/** Collects images one at a time, converting CHW records to HWC, in blocks. */
class SplitCollector {
  private readonly blocks: { labels: Uint8Array; pixels: Uint8Array }[] = [];
  count = 0;

  add(label: number, record: Uint8Array, offset: number): void {
    const slot = this.count % BLOCK_IMAGES;
    if (slot === 0) {
      this.blocks.push({ labels: new Uint8Array(BLOCK_IMAGES), pixels: new Uint8Array(BLOCK_IMAGES * IMAGE_BYTES) });
    }
    const block = this.blocks.at(-1);
    if (!block) throw new Error('unreachable: no block after push');
    block.labels[slot] = label;
    planesToHwc(record, offset, block.pixels, slot * IMAGE_BYTES);
    this.count++;
  }

  /** Copies every collected image, in order, into `target` from image `start`. */
  copyInto(target: SplitData, start: number): void {
    let remaining = this.count;
    let at = start;
    for (const block of this.blocks) {
      const n = Math.min(remaining, BLOCK_IMAGES);
      target.labels.set(block.labels.subarray(0, n), at);
      target.pixels.set(block.pixels.subarray(0, n * IMAGE_BYTES), at * IMAGE_BYTES);
      remaining -= n;
      at += n;
    }
  }
}

/** R, G and B planes (row-major) at `from` → interleaved HWC pixels at `to`. */
function planesToHwc(source: Uint8Array, from: number, target: Uint8Array, to: number): void {
  for (let p = 0; p < PLANE; p++) {
    const o = to + p * CHANNELS;
    target[o] = source[from + p] ?? 0;
    target[o + 1] = source[from + PLANE + p] ?? 0;
    target[o + 2] = source[from + 2 * PLANE + p] ?? 0;
  }
}

/** Splits an entry's byte stream into records, carrying a partial record across chunks. */
class RecordReader {
  private readonly pending = new Uint8Array(RECORD_BYTES);
  private pendingBytes = 0;
  private index = 0;

  constructor(private readonly onRecord: (record: Uint8Array, offset: number, index: number) => void) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    if (this.pendingBytes > 0) {
      const take = Math.min(RECORD_BYTES - this.pendingBytes, chunk.length);
      this.pending.set(chunk.subarray(0, take), this.pendingBytes);
      this.pendingBytes += take;
      at = take;
      if (this.pendingBytes < RECORD_BYTES) return;
      this.onRecord(this.pending, 0, this.index++);
      this.pendingBytes = 0;
    }
    for (; at + RECORD_BYTES <= chunk.length; at += RECORD_BYTES) this.onRecord(chunk, at, this.index++);
    this.pending.set(chunk.subarray(at), 0);
    this.pendingBytes = chunk.length - at;
  }

  get leftover(): number {
    return this.pendingBytes;
  }
}

/** One archive member, as tar-stream hands it out: its header and its bytes. */
type TarEntry = ExtractEvents['entry'][1];

type EntryRole = { kind: 'train'; batch: number } | { kind: 'test' } | { kind: 'meta' } | { kind: 'other' };

function entryRole(name: string): EntryRole {
  const base = basename(name);
  const batch = /^data_batch_(\d+)\.bin$/.exec(base);
  if (batch?.[1] !== undefined) return { kind: 'train', batch: Number(batch[1]) };
  if (base === 'test_batch.bin') return { kind: 'test' };
  if (base === 'batches.meta.txt') return { kind: 'meta' };
  return { kind: 'other' };
}

interface ScanResult {
  /** Class names from batches.meta.txt, or null when the archive has none. */
  names: string[] | null;
  train: Map<number, SplitCollector>;
  test: SplitCollector | null;
  /** Records were filtered by the standard names, and batches.meta.txt turned out to differ. */
  needsRescan: boolean;
  /** The archive looks like the Python version of CIFAR-10 (for a better error message). */
  looksLikePython: boolean;
}

interface ScanOptions {
  file: string;
  size: number;
  compressed: boolean;
  limits: ArchiveLimits;
  options: ReadCifarOptions;
  knownNames: string[] | null;
}

/** One pass over the archive, keeping the requested classes' records as they stream past. */
class ArchiveScan {
  readonly result: ScanResult;
  /** CIFAR label id → index in the requested classes, or -1 to drop the record. */
  private keep: Int16Array;
  /** Whether `keep` was guessed from the standard names and has already filtered records. */
  private guessedKeepUsed = false;
  private readonly seenEntries = new Set<string>();

  constructor(private readonly scan: ScanOptions) {
    this.result = { names: scan.knownNames, train: new Map(), test: null, needsRescan: false, looksLikePython: false };
    this.keep = keepMap(scan.options.classes, scan.knownNames ?? [...CIFAR10_CLASSES]);
  }

  async entry(entry: TarEntry): Promise<void> {
    const name = entry.header.name;
    const role = entry.header.type === 'file' ? entryRole(name) : { kind: 'other' as const };
    if (name.includes('cifar-10-batches-py') || /(^|\/)data_batch_\d+$/.test(name)) this.result.looksLikePython = true;
    if (role.kind === 'other') return drain(entry);
    const base = basename(name);
    if (this.seenEntries.has(base)) throw new ImportError(`${this.scan.file} has two entries named ${base}`);
    this.seenEntries.add(base);
    if (role.kind === 'meta') return this.readMeta(entry);
    const collector = new SplitCollector();
    if (role.kind === 'test') this.result.test = collector;
    else this.result.train.set(role.batch, collector);
    await this.readRecords(entry, collector);
  }

  private async readMeta(entry: TarEntry): Promise<void> {
    const size = entry.header.size;
    if (size > META_MAX_BYTES)
      throw new ImportError(
        `${this.scan.file}: ${entry.header.name} is ${size} bytes, too large for a list of class names`,
      );
    const chunks: Buffer[] = [];
    for await (const chunk of bytesOf(entry)) chunks.push(chunk);
    const names = Buffer.concat(chunks)
      .toString('utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    if (names.length !== LABEL_COUNT) {
      throw new ImportError(
        `${this.scan.file}: ${entry.header.name} lists ${names.length} class names; CIFAR-10 has ${LABEL_COUNT}`,
      );
    }
    if (this.scan.knownNames !== null) return;
    this.result.names = names;
    const keep = keepMap(this.scan.options.classes, names);
    if (this.guessedKeepUsed && !sameKeep(keep, this.keep)) this.result.needsRescan = true;
    this.keep = keep;
    // Fail early on an unknown class now that the names are known.
    checkClassesKnown(this.scan.options.classes, names, this.scan.file);
  }

  private async readRecords(entry: TarEntry, collector: SplitCollector): Promise<void> {
    const name = entry.header.name;
    const size = entry.header.size;
    checkBatchSize(this.scan.file, name, size, this.scan.limits);
    if (size % RECORD_BYTES !== 0) {
      throw new ImportError(
        `${this.scan.file}: ${name} has ${size} bytes, not a whole number of ${RECORD_BYTES}-byte records`,
      );
    }
    if (this.result.names === null) this.guessedKeepUsed = true;
    const keep = this.keep;
    const reader = new RecordReader((record, offset, index) => {
      const label = record[offset] ?? 0;
      if (label >= LABEL_COUNT) {
        throw new ImportError(
          `${this.scan.file}: ${name} record ${index + 1} has label ${label}; CIFAR-10 labels are 0 to 9`,
        );
      }
      const target = keep[label] ?? -1;
      if (target >= 0) collector.add(target, record, offset + 1);
    });
    for await (const chunk of bytesOf(entry)) {
      this.scan.options.signal?.throwIfAborted();
      reader.push(chunk);
    }
    if (reader.leftover !== 0) throw new ImportError(`${this.scan.file}: ${name} ends inside a record`);
  }
}

/** An entry's bytes: Buffers, though tar-stream's types leave them untyped. */
async function* bytesOf(entry: TarEntry): AsyncGenerator<Buffer> {
  for await (const chunk of entry) {
    if (!Buffer.isBuffer(chunk)) throw new Error(`tar-stream gave a ${typeof chunk} chunk, not a Buffer`);
    yield chunk;
  }
}

async function drain(entry: TarEntry): Promise<void> {
  for await (const _chunk of entry) {
    // discard: tar-stream needs every entry read to the end before the next one
  }
}

/** CIFAR label id → requested index (or -1), for the requested names that `names` knows. */
function keepMap(requested: readonly string[], names: readonly string[]): Int16Array {
  const keep = new Int16Array(LABEL_COUNT).fill(-1);
  requested.forEach((name, index) => {
    const id = names.indexOf(name);
    if (id >= 0 && id < LABEL_COUNT) keep[id] = index;
  });
  return keep;
}

function sameKeep(a: Int16Array, b: Int16Array): boolean {
  return a.every((value, i) => value === b[i]);
}

/** An unknown class name is an error that lists the valid ones. */
function checkClassesKnown(requested: readonly string[], names: readonly string[], file: string): void {
  for (const name of requested) {
    if (!names.includes(name))
      throw new ImportError(`unknown class '${name}' in ${file}; the classes are: ${names.join(', ')}`);
  }
}

async function scanArchive(scan: ScanOptions): Promise<ScanResult> {
  const { file, size, compressed, options } = scan;
  const limit = new InflatedLimit(file, scan.limits.inflatedBytes);
  const state = new ArchiveScan(scan);
  const extract = tarExtract();
  let done = 0;
  const report = (): void => options.onProgress?.({ phase: 'reading archive', done, total: size, unit: 'bytes' });
  async function* countBytes(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      done += chunk.length;
      report();
      yield chunk;
    }
  }
  const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  // tar-stream's extract is a streamx Writable: what pipeline needs at run time, not in its types.
  const sink = extract as unknown as NodeJS.WritableStream;
  const pipe = { signal: options.signal };
  report();
  const piping = compressed
    ? pipeline(input, countBytes, createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }), limit.stage, sink, pipe)
    : pipeline(input, countBytes, limit.stage, sink, pipe);
  try {
    for await (const entry of extract) await state.entry(entry);
  } catch (error) {
    // Our own error stops the pipeline; wait for it to wind down, then report the cause.
    await piping.catch(() => undefined);
    throw limit.error ?? archiveError(error, file);
  }
  try {
    await piping;
  } catch (error) {
    throw limit.error ?? archiveError(error, file);
  }
  return state.result;
}

/** Errors from gunzip or tar-stream mean a damaged file; ours and cancellation pass through. */
function archiveError(error: unknown, file: string): Error {
  if (!(error instanceof Error)) return new ImportError(`${file} could not be read: ${String(error)}`);
  if (error instanceof ImportError || error.name === 'AbortError') return error;
  if ('syscall' in error) return new ImportError(`cannot read ${file}: ${error.message}`);
  return new ImportError(`${file} is truncated or corrupt: ${error.message}`);
}

function assemble(scan: ScanResult, file: string, requested: readonly string[]): DatasetContent {
  const names = scan.names ?? [...CIFAR10_CLASSES];
  checkClassesKnown(requested, names, file);
  const python = scan.looksLikePython
    ? ' (this looks like the Python version, cifar-10-python.tar.gz; Casebook reads the binary version, cifar-10-binary.tar.gz)'
    : '';
  if (scan.train.size === 0) throw new ImportError(`${file} has no data_batch_N.bin files${python}`);
  if (scan.test === null) throw new ImportError(`${file} has no test_batch.bin${python}`);
  const batches = [...scan.train.entries()].sort(([a], [b]) => a - b).map(([, collector]) => collector);
  const content: DatasetContent = {
    classes: [...requested],
    shape: [SIDE, SIDE, CHANNELS],
    train: concatenate(batches),
    test: concatenate([scan.test]),
  };
  checkEveryClassPresent(content, file);
  return content;
}

function concatenate(collectors: readonly SplitCollector[]): SplitData {
  const total = collectors.reduce((sum, collector) => sum + collector.count, 0);
  const split: SplitData = { labels: new Uint8Array(total), pixels: new Uint8Array(total * IMAGE_BYTES) };
  let at = 0;
  for (const collector of collectors) {
    collector.copyInto(split, at);
    at += collector.count;
  }
  return split;
}

function checkEveryClassPresent(content: DatasetContent, file: string): void {
  for (const split of ['train', 'test'] as const satisfies readonly Split[]) {
    const counts = new Array<number>(content.classes.length).fill(0);
    for (const label of content[split].labels) counts[label] = (counts[label] ?? 0) + 1;
    content.classes.forEach((name, index) => {
      if (counts[index] === 0) throw new ImportError(`class '${name}' has no images in the ${split} split of ${file}`);
    });
  }
}
