import { MAX_HISTORY_PER_IMAGE, MAX_TAGS_PER_IMAGE, type Split } from '../../../shared/contract';
import type { Annotation } from '../../../shared/contract';
import { BadRequestError } from '../errors';
import type { Db } from './database';

/** Where an annotation lives: the image, by its dataset's content hash (not the dataset's id). */
export interface ImageKey {
  datasetHash: string;
  split: Split;
  index: number;
}

/** What the store keeps of an annotation; the door adds the dataset id. */
export interface AnnotationState {
  tags: string[];
  note: string;
  runId: number | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface AnnotationChange {
  addTags?: readonly string[];
  removeTags?: readonly string[];
  note?: string;
  runId?: number | null;
}

const EMPTY: AnnotationState = { tags: [], note: '', runId: null, createdAt: null, updatedAt: null };
const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

interface Row {
  note: string;
  run_id: number | null;
  created_at: string;
  updated_at: string;
}

/**
 * Annotations of images: tags and a note, saved at once, each change in one transaction with
 * its undo record. An annotation with no tag, no note and no run is removed (its history stays,
 * so the clearing can be undone).
 */
export class AnnotationStore {
  constructor(private readonly db: Db) {}

  get(key: ImageKey): AnnotationState {
    const row = this.db
      .prepare<[string, string, number], Row>(
        'SELECT note, run_id, created_at, updated_at FROM annotations WHERE dataset_hash = ? AND split = ? AND idx = ?',
      )
      .get(key.datasetHash, key.split, key.index);
    if (!row) return { ...EMPTY, tags: [] };
    const tags = this.db
      .prepare<[string, string, number], string>(
        'SELECT tag FROM annotation_tags WHERE dataset_hash = ? AND split = ? AND idx = ? ORDER BY tag',
      )
      .pluck()
      .all(key.datasetHash, key.split, key.index);
    return { tags, note: row.note, runId: row.run_id, createdAt: row.created_at, updatedAt: row.updated_at };
  }

  /** Applies a change (tags added and removed, the note or its run replaced) and records how to undo it. */
  change(key: ImageKey, change: AnnotationChange): AnnotationState {
    return this.db
      .transaction(() => {
        const before = this.get(key);
        const remove = new Set(change.removeTags ?? []);
        const tags = [...new Set([...before.tags.filter((t) => !remove.has(t)), ...(change.addTags ?? [])])].sort();
        const after = {
          tags,
          note: change.note ?? before.note,
          runId: change.runId === undefined ? before.runId : change.runId,
        };
        if (tags.length > MAX_TAGS_PER_IMAGE && tags.length > before.tags.length)
          throw new BadRequestError(
            `addTags: an image has at most ${MAX_TAGS_PER_IMAGE} tags; ${key.split} image ${key.index} would have ${tags.length} (remove some first)`,
          );
        if (after.runId !== null && !this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(after.runId))
          throw new BadRequestError(`runId: there is no run ${after.runId}`);
        const same =
          after.note === before.note &&
          after.runId === before.runId &&
          after.tags.join('\n') === before.tags.join('\n');
        if (same) return before;
        this.record(key, before);
        this.write(key, after);
        return this.get(key);
      })
      .immediate();
  }

  /** Clears an image's tags, note and run (undoable). */
  clear(key: ImageKey): AnnotationState {
    return this.change(key, { removeTags: this.get(key).tags, note: '', runId: null });
  }

  /**
   * Undoes the newest change of one image, or (without split and index) of any image of the
   * dataset. Returns the image's key and its restored annotation, or null with nothing to undo.
   */
  undo(
    datasetHash: string,
    image?: { split: Split; index: number },
  ): { key: ImageKey; annotation: AnnotationState } | null {
    return this.db
      .transaction(() => {
        const last = image
          ? this.db
              .prepare<[string, string, number], HistoryRow>(
                'SELECT id, split, idx, before FROM annotation_history WHERE dataset_hash = ? AND split = ? AND idx = ? ORDER BY id DESC LIMIT 1',
              )
              .get(datasetHash, image.split, image.index)
          : this.db
              .prepare<[string], HistoryRow>(
                'SELECT id, split, idx, before FROM annotation_history WHERE dataset_hash = ? ORDER BY id DESC LIMIT 1',
              )
              .get(datasetHash);
        if (!last) return null;
        const key: ImageKey = { datasetHash, split: last.split, index: last.idx };
        const before =
          last.before === null
            ? null
            : (JSON.parse(last.before) as Pick<AnnotationState, 'tags' | 'note' | 'runId' | 'createdAt'>);
        this.write(key, before ?? { tags: [], note: '', runId: null }, before?.createdAt ?? null);
        this.db.prepare('DELETE FROM annotation_history WHERE id = ?').run(last.id);
        return { key, annotation: this.get(key) };
      })
      .immediate();
  }

  /** Every annotated image of a dataset, newest change first. */
  list(datasetHash: string): (AnnotationState & { split: Split; index: number })[] {
    const rows = this.db
      .prepare<[string], { split: Split; idx: number }>(
        'SELECT split, idx FROM annotations WHERE dataset_hash = ? ORDER BY updated_at DESC, idx',
      )
      .all(datasetHash);
    return rows.map((row) => ({
      split: row.split,
      index: row.idx,
      ...this.get({ datasetHash, split: row.split, index: row.idx }),
    }));
  }

  private record(key: ImageKey, before: AnnotationState): void {
    const snapshot =
      before.createdAt === null
        ? null
        : JSON.stringify({ tags: before.tags, note: before.note, runId: before.runId, createdAt: before.createdAt });
    this.db
      .prepare('INSERT INTO annotation_history (dataset_hash, split, idx, before) VALUES (?, ?, ?, ?)')
      .run(key.datasetHash, key.split, key.index, snapshot);
    // only the newest MAX_HISTORY_PER_IMAGE changes of an image can be undone
    this.db
      .prepare(
        `DELETE FROM annotation_history WHERE dataset_hash = ? AND split = ? AND idx = ? AND id <= (
           SELECT id FROM annotation_history WHERE dataset_hash = ? AND split = ? AND idx = ?
            ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      )
      .run(key.datasetHash, key.split, key.index, key.datasetHash, key.split, key.index, MAX_HISTORY_PER_IMAGE);
  }

  private write(
    key: ImageKey,
    state: Pick<AnnotationState, 'tags' | 'note' | 'runId'>,
    createdAt: string | null = null,
  ): void {
    const params = [key.datasetHash, key.split, key.index] as const;
    if (state.tags.length === 0 && state.note === '' && state.runId === null) {
      this.db.prepare('DELETE FROM annotations WHERE dataset_hash = ? AND split = ? AND idx = ?').run(...params);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO annotations (dataset_hash, split, idx, note, run_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, coalesce(?, ${NOW}), ${NOW})
         ON CONFLICT (dataset_hash, split, idx) DO UPDATE SET
           note = excluded.note, run_id = excluded.run_id, updated_at = excluded.updated_at,
           created_at = coalesce(?, annotations.created_at)`,
      )
      .run(...params, state.note, state.runId, createdAt, createdAt);
    this.db.prepare('DELETE FROM annotation_tags WHERE dataset_hash = ? AND split = ? AND idx = ?').run(...params);
    const insert = this.db.prepare('INSERT INTO annotation_tags (dataset_hash, split, idx, tag) VALUES (?, ?, ?, ?)');
    for (const tag of state.tags) insert.run(...params, tag);
  }
}

interface HistoryRow {
  id: number;
  split: Split;
  idx: number;
  before: string | null;
}

/** The wire form of an annotation. */
export function toAnnotation(datasetId: number, key: ImageKey, state: AnnotationState): Annotation {
  return { datasetId, split: key.split, index: key.index, ...state };
}
