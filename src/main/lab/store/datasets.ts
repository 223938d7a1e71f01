import { NotFoundError, UnavailableError } from '../errors';
import type { DatasetSummary, ImagePage, Split } from '../../../shared/contract';
import { contentHash } from '../datasets/hash';
import { SPLITS, type NewDataset, type SplitData } from '../datasets/types';
import type { Db } from './database';

interface DatasetRow {
  id: number;
  name: string;
  kind: 'cifar10' | 'folder';
  source: string;
  classes: string;
  height: number;
  width: number;
  channels: number;
  content_hash: string;
  source_sha256: string | null;
  created_at: string;
}

/**
 * Image counts per split and class, per connection, by dataset id and content hash: a dataset's
 * images are stored in the transaction that stores it and never change, and counting them (60,000
 * index entries for CIFAR-10) took milliseconds of every case query, which reads the summary.
 */
const imageCounts = new WeakMap<Db, Map<string, DatasetSummary['counts']>>();

/** The datasets table and its images. */
export class DatasetStore {
  constructor(private readonly db: Db) {}

  /**
   * Stores a dataset in one transaction, or returns the stored one with the same content.
   * Either every image is written or none is. Safe against another connection (another worker or
   * CLI process) storing the same content at the same time: the check is repeated inside an
   * IMMEDIATE transaction, which holds the database's write lock, so exactly one of them inserts
   * and the others find its dataset (`reused: true`).
   */
  add(dataset: NewDataset): { dataset: DatasetSummary; reused: boolean } {
    const hash = contentHash(dataset.content);
    const stored = this.idByHash(hash);
    if (stored !== null) return { dataset: this.get(stored), reused: true };
    let outcome: { id: number; reused: boolean };
    try {
      outcome = this.db
        .transaction(() => {
          const raced = this.idByHash(hash);
          return raced !== null ? { id: raced, reused: true } : { id: this.insert(dataset, hash), reused: false };
        })
        .immediate();
    } catch (error) {
      throw busyError(error, dataset.name, this.db.name);
    }
    return { dataset: this.get(outcome.id), reused: outcome.reused };
  }

  private idByHash(hash: string): number | null {
    const row = this.db.prepare<[string], { id: number }>('SELECT id FROM datasets WHERE content_hash = ?').get(hash);
    return row?.id ?? null;
  }

  /** Inserts the dataset row and its images (inside the caller's transaction); returns its id. */
  private insert(dataset: NewDataset, hash: string): number {
    const { content } = dataset;
    const [height, width, channels] = content.shape;
    const imageBytes = height * width * channels;
    const insertImage = this.db.prepare(
      'INSERT INTO images (dataset_id, split, idx, label, pixels, origin) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const info = this.db
      .prepare(
        `INSERT INTO datasets (name, kind, source, classes, height, width, channels, content_hash, source_sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        dataset.name,
        dataset.kind,
        dataset.source,
        JSON.stringify(content.classes),
        height,
        width,
        channels,
        hash,
        dataset.sourceSha256,
      );
    const datasetId = Number(info.lastInsertRowid);
    for (const split of SPLITS) {
      const data = content[split];
      for (let i = 0; i < data.labels.length; i++) {
        const pixels = data.pixels.subarray(i * imageBytes, (i + 1) * imageBytes);
        insertImage.run(datasetId, split, i, data.labels[i], pixels, data.origins?.[i] ?? null);
      }
    }
    return datasetId;
  }

  /** The dataset holding this content, or null. */
  byHash(hash: string): { id: number } | null {
    const id = this.idByHash(hash);
    return id === null ? null : { id };
  }

  /** Every label of a split, by image index. */
  labelsByIndex(datasetId: number, split: Split): Map<number, number> {
    return new Map(
      this.db
        .prepare<[number, string], { idx: number; label: number }>(
          'SELECT idx, label FROM images WHERE dataset_id = ? AND split = ?',
        )
        .all(datasetId, split)
        .map((row) => [row.idx, row.label]),
    );
  }

  /** Whether the dataset has image `index` of `split`. */
  hasImage(datasetId: number, split: Split, index: number): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM images WHERE dataset_id = ? AND split = ? AND idx = ?')
        .get(datasetId, split, index) !== undefined
    );
  }

  list(): DatasetSummary[] {
    const rows = this.db.prepare<[], DatasetRow>('SELECT * FROM datasets ORDER BY id').all();
    return rows.map((row) => this.summary(row));
  }

  /** Throws when there is no such dataset. */
  get(id: number): DatasetSummary {
    const row = this.db.prepare<[number], DatasetRow>('SELECT * FROM datasets WHERE id = ?').get(id);
    if (!row) throw new NotFoundError(`no dataset with id ${id}`);
    return this.summary(row);
  }

  listImages(query: {
    datasetId: number;
    split: Split;
    label?: number | undefined;
    offset: number;
    limit: number;
  }): ImagePage {
    this.get(query.datasetId);
    const where =
      query.label === undefined ? 'dataset_id = ? AND split = ?' : 'dataset_id = ? AND split = ? AND label = ?';
    const params: (number | string)[] =
      query.label === undefined ? [query.datasetId, query.split] : [query.datasetId, query.split, query.label];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM images WHERE ${where}`).get(...params) as { n: number })
      .n;
    const items = this.db
      .prepare(`SELECT idx AS "index", label FROM images WHERE ${where} ORDER BY idx LIMIT ? OFFSET ?`)
      .all(...params, query.limit, query.offset) as ImagePage['items'];
    return { total, items };
  }

  /** One image's label; throws when the dataset has no such image. */
  label(datasetId: number, split: Split, index: number): number {
    this.get(datasetId);
    const label = this.db
      .prepare<[number, string, number], number>(
        'SELECT label FROM images WHERE dataset_id = ? AND split = ? AND idx = ?',
      )
      .pluck()
      .get(datasetId, split, index);
    if (label === undefined) throw new NotFoundError(`dataset ${datasetId} has no ${split} image ${index}`);
    return label;
  }

  /** One image's pixels (HWC uint8) and shape; throws when it does not exist. */
  image(
    datasetId: number,
    split: Split,
    index: number,
  ): { pixels: Buffer; shape: [number, number, number]; label: number } {
    const dataset = this.get(datasetId);
    const row = this.db
      .prepare<[number, string, number], { pixels: Buffer; label: number }>(
        'SELECT pixels, label FROM images WHERE dataset_id = ? AND split = ? AND idx = ?',
      )
      .get(datasetId, split, index);
    if (!row) throw new NotFoundError(`dataset ${datasetId} has no ${split} image ${index}`);
    return { pixels: row.pixels, shape: dataset.imageShape, label: row.label };
  }

  /** Every label of a split, in stored order (without the pixels). */
  labels(datasetId: number, split: Split): Uint8Array {
    this.get(datasetId);
    const rows = this.db
      .prepare<[number, string], number>('SELECT label FROM images WHERE dataset_id = ? AND split = ? ORDER BY idx')
      .pluck()
      .all(datasetId, split);
    return Uint8Array.from(rows);
  }

  /** A whole split as contiguous arrays, in stored order (for training and evaluation). */
  loadSplit(datasetId: number, split: Split): SplitData {
    const dataset = this.get(datasetId);
    const [h, w, c] = dataset.imageShape;
    const bytes = h * w * c;
    const rows = this.db
      .prepare<[number, string], { label: number; pixels: Buffer }>(
        'SELECT label, pixels FROM images WHERE dataset_id = ? AND split = ? ORDER BY idx',
      )
      .all(datasetId, split);
    const labels = new Uint8Array(rows.length);
    const pixels = new Uint8Array(rows.length * bytes);
    rows.forEach((row, i) => {
      labels[i] = row.label;
      pixels.set(row.pixels, i * bytes);
    });
    return { labels, pixels };
  }

  private summary(row: DatasetRow): DatasetSummary {
    const classes = JSON.parse(row.classes) as string[];
    const counts = structuredClone(this.counts(row, classes));
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      source: row.source,
      classes,
      counts,
      imageShape: [row.height, row.width, row.channels],
      contentHash: row.content_hash,
      sourceSha256: row.source_sha256,
      createdAt: row.created_at,
    };
  }

  /** The dataset's image counts, counted once per connection. */
  private counts(row: DatasetRow, classes: readonly string[]): DatasetSummary['counts'] {
    let known = imageCounts.get(this.db);
    if (!known) {
      known = new Map();
      imageCounts.set(this.db, known);
    }
    const key = `${row.id}:${row.content_hash}`;
    const kept = known.get(key);
    if (kept) return kept;
    const counts: DatasetSummary['counts'] = { train: {}, test: {} };
    for (const split of SPLITS) for (const name of classes) counts[split][name] = 0;
    const rows = this.db
      .prepare<[number], { split: Split; label: number; n: number }>(
        'SELECT split, label, count(*) AS n FROM images WHERE dataset_id = ? GROUP BY split, label',
      )
      .all(row.id);
    for (const { split, label, n } of rows) counts[split][classes[label] ?? `#${label}`] = n;
    known.set(key, counts);
    return counts;
  }
}

/**
 * SQLITE_BUSY: another connection held the write lock for longer than the busy timeout (10 s).
 * Said in words, not as SQLite's "database is locked"; anything else passes through.
 */
function busyError(error: unknown, name: string, file: string): unknown {
  if (!(error instanceof Error) || !('code' in error) || error.code !== 'SQLITE_BUSY') return error;
  return new UnavailableError(
    `cannot store dataset "${name}": the database ${file} stayed busy (another process is writing to it); try again`,
  );
}
