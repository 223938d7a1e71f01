/**
 * How binary data travels through Redis: checkpoints with base64 weights, datasets as one blob
 * (a JSON header, then every split's labels and pixels) cut into chunks.
 */
import type { WireCheckpoint } from '../../../shared/contract';
import { SPLITS, type NewDataset, type SplitData } from '../datasets/types';
import type { Checkpoint } from '../store/runs';

export function toWire(checkpoint: Checkpoint): WireCheckpoint {
  return { ...checkpoint, weights: Buffer.from(checkpoint.weights).toString('base64') };
}

export function fromWire(checkpoint: WireCheckpoint): Checkpoint {
  const bytes = Buffer.from(checkpoint.weights, 'base64');
  return { ...checkpoint, weights: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Float32 values as base64 of their bytes, and back. */
export function base64Floats(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function floats32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) throw new Error(`${bytes.byteLength} bytes are not float32 values`);
  const values = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}

/** The size of a message as JSON, in bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

interface BlobHeader {
  name: string;
  kind: NewDataset['kind'];
  source: string;
  sourceSha256: string | null;
  classes: string[];
  shape: [number, number, number];
  counts: Record<string, number>;
}

/** A dataset as one buffer: 4 bytes of header length, the header as JSON, then labels and pixels per split. */
export function encodeDataset(dataset: NewDataset): Buffer {
  const { content } = dataset;
  const header: BlobHeader = {
    name: dataset.name,
    kind: dataset.kind,
    source: dataset.source,
    sourceSha256: dataset.sourceSha256,
    classes: content.classes,
    shape: content.shape,
    counts: Object.fromEntries(SPLITS.map((split) => [split, content[split].labels.length])),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  const parts = [length, json];
  for (const split of SPLITS) parts.push(Buffer.from(content[split].labels), Buffer.from(content[split].pixels));
  return Buffer.concat(parts);
}

export function decodeDataset(blob: Buffer): NewDataset {
  const fail = (why: string): never => {
    throw new Error(`the dataset received is damaged: ${why}`);
  };
  if (blob.length < 4) fail('too short');
  const length = blob.readUInt32BE(0);
  if (4 + length > blob.length) fail('its header is cut off');
  const header = JSON.parse(blob.subarray(4, 4 + length).toString('utf8')) as BlobHeader;
  const [h, w, c] = header.shape;
  const imageBytes = h * w * c;
  let offset = 4 + length;
  const splits: Record<string, SplitData> = {};
  for (const split of SPLITS) {
    const count = header.counts[split] ?? fail(`no count for ${split}`);
    const end = offset + count + count * imageBytes;
    if (end > blob.length) fail(`its ${split} images are cut off`);
    splits[split] = {
      labels: new Uint8Array(blob.subarray(offset, offset + count)),
      pixels: new Uint8Array(blob.subarray(offset + count, end)),
    };
    offset = end;
  }
  if (offset !== blob.length) fail('it has trailing bytes');
  return {
    name: header.name,
    kind: header.kind,
    source: header.source,
    sourceSha256: header.sourceSha256,
    content: {
      classes: header.classes,
      shape: header.shape,
      train: splits.train ?? fail('no train split'),
      test: splits.test ?? fail('no test split'),
    },
  };
}
