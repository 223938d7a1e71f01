import { ImportError } from './types';

/**
 * What a CIFAR-10 binary archive may inflate to, so that a decompression bomb (a few MB of gzip
 * that inflate to gigabytes) is refused after a bounded amount of work and memory.
 *
 * The official `cifar-10-binary.tar.gz` holds six batches (data_batch_1..5.bin, test_batch.bin)
 * of 10,000 records of 3,073 bytes: 184,380,000 bytes of records. With tar headers, padding,
 * batches.meta.txt and readme.html the tar inflates to 184,391,680 bytes (about 184.4 MB).
 */
export interface ArchiveLimits {
  /** Bytes the whole tar may hold once gunzipped (a plain .tar: its size). */
  inflatedBytes: number;
  /** Bytes one data or test batch may hold. */
  batchBytes: number;
}

export const CIFAR_RECORD_BYTES = 3073;
/** Records in one official CIFAR-10 batch. */
export const CIFAR_BATCH_RECORDS = 10_000;

export const ARCHIVE_LIMITS: Readonly<ArchiveLimits> = {
  // 8 % over the official archive's 184.4 MB: room for a re-packed archive's extra files.
  inflatedBytes: 200_000_000,
  // 10 % over an official batch (30,730,000 bytes).
  batchBytes: Math.round(CIFAR_BATCH_RECORDS * 1.1) * CIFAR_RECORD_BYTES,
};

/** "200 MB": decimal megabytes, as file sizes are usually shown ("20,000 bytes" below 1 MB). */
export function megabytes(bytes: number): string {
  return bytes < 1e6 ? `${bytes.toLocaleString('en-US')} bytes` : `${Math.round(bytes / 1e5) / 10} MB`;
}

function inflatedMessage(file: string, limit: number, what: string): string {
  return (
    `${file} ${what} more than ${megabytes(limit)}, the limit for a CIFAR-10 binary archive ` +
    `(the official one inflates to about 184.4 MB); refusing it as too large: it is not CIFAR-10, or it is damaged`
  );
}

/** A plain .tar is its own inflated size: refuse it before reading a byte. */
export function checkTarSize(file: string, size: number, limits: ArchiveLimits): void {
  if (size > limits.inflatedBytes) throw new ImportError(inflatedMessage(file, limits.inflatedBytes, 'is'));
}

/** Refuses a batch whose tar header announces more bytes than a batch may hold. */
export function checkBatchSize(file: string, entry: string, size: number, limits: ArchiveLimits): void {
  if (size <= limits.batchBytes) return;
  throw new ImportError(
    `${file}: ${entry} is ${size.toLocaleString('en-US')} bytes, more than the ` +
      `${limits.batchBytes.toLocaleString('en-US')}-byte limit for one batch ` +
      `(a CIFAR-10 batch is ${CIFAR_BATCH_RECORDS.toLocaleString('en-US')} records, ` +
      `${(CIFAR_BATCH_RECORDS * CIFAR_RECORD_BYTES).toLocaleString('en-US')} bytes)`,
  );
}

/**
 * A pipeline stage between gunzip and the tar reader that counts inflated bytes and fails the
 * pipeline as soon as they pass the limit. `error` is the refusal, once it has happened, so the
 * caller can report it rather than whatever the torn-down pipeline says.
 */
export class InflatedLimit {
  error: ImportError | null = null;
  private bytes = 0;

  constructor(
    private readonly file: string,
    private readonly limit: number,
  ) {}

  readonly stage = (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> => this.count(source);

  private async *count(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      this.bytes += chunk.length;
      if (this.bytes > this.limit) {
        this.error = new ImportError(inflatedMessage(this.file, this.limit, 'inflates to'));
        throw this.error;
      }
      yield chunk;
    }
  }
}
