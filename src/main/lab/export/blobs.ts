/** Binary columns gathered into one .bin entry, and read back by [offset, length]. */
import { BadRequestError } from '../errors';
import type { BlobRef } from './bundle-format';

export class BlobPack {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  /** Appends a blob; returns where it lies, or null for null. */
  add(blob: Uint8Array | null): BlobRef | null {
    if (blob === null) return null;
    const ref: BlobRef = [this.length, blob.byteLength];
    this.parts.push(blob);
    this.length += blob.byteLength;
    return ref;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }
}

/** The blob a row points at, as a Buffer for SQLite (a view, not a copy); throws when out of range. */
export function blobAt(bin: Uint8Array, ref: BlobRef, where: string): Buffer {
  const [offset, length] = ref;
  if (offset + length > bin.byteLength)
    throw new BadRequestError(
      `${where}: bytes ${offset}–${offset + length} lie outside its .bin file (${bin.byteLength} bytes)`,
    );
  return Buffer.from(bin.buffer, bin.byteOffset + offset, length);
}
