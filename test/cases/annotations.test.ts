import { afterEach, describe, expect, it } from 'vitest';
import {
  AnnotateRequest,
  MAX_HISTORY_PER_IMAGE,
  MAX_NOTE_LENGTH,
  MAX_TAGS,
  MAX_TAGS_PER_IMAGE,
} from '../../src/shared/contract';
import { describeZodError } from '../../src/shared/contract';
import { CaseService } from '../../src/main/lab/cases/cases';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { syntheticDataset } from '../helpers/synthetic';
import { caseStudy, type CaseStudy } from './fixture';

let study: CaseStudy;
afterEach(() => study.db.close());

function setup(): CaseService {
  study = caseStudy();
  return new CaseService(study);
}

const key = (index: number) => ({ datasetId: study.datasetId, split: 'test' as const, index });
const annotate = (cases: CaseService, input: Parameters<typeof AnnotateRequest.parse>[0]) =>
  cases.annotate(AnnotateRequest.parse(input));

/** Every row of every annotation table, to check that a refused request changed nothing. */
function snapshot(): unknown {
  return ['annotations', 'annotation_tags', 'annotation_history'].map((table) =>
    study.db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all(),
  );
}

describe('annotations', () => {
  it('add and remove tags, replace the note and its run, stamped with times', () => {
    const cases = setup();
    const first = annotate(cases, {
      ...key(3),
      addTags: ['interesting', 'my own tag'],
      note: 'deer head, taken for a frog',
      runId: study.runIds[1],
    });
    expect(first).toMatchObject({
      index: 3,
      tags: ['interesting', 'my own tag'],
      note: 'deer head, taken for a frog',
      runId: study.runIds[1],
    });
    expect(first.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const second = annotate(cases, { ...key(3), addTags: ['ambiguous'], removeTags: ['my own tag'] });
    expect(second).toMatchObject({
      tags: ['ambiguous', 'interesting'],
      note: 'deer head, taken for a frog',
      createdAt: first.createdAt,
    });
    // tags are trimmed and deduplicated
    expect(annotate(cases, { ...key(3), addTags: ['  ambiguous ', 'interesting'] }).tags).toEqual([
      'ambiguous',
      'interesting',
    ]);
    expect(cases.listAnnotations(study.datasetId).map((a) => a.index)).toEqual([3]);
  });

  it('survive re-evaluating and deleting the run, and a re-import of the same data', () => {
    const cases = setup();
    annotate(cases, { ...key(0), addTags: ['mislabelled?'], note: 'a truck in the woods', runId: study.runIds[0] });
    // a new evaluation of the run
    const evaluations = new EvaluationStore(study.db);
    const latest = evaluations.current(study.runIds[0]);
    expect(latest).not.toBeNull();
    study.db.prepare('DELETE FROM evaluations WHERE run_id = ?').run(study.runIds[0]);
    expect(cases.get({ ...key(0), runs: undefined, method: undefined }).annotation.tags).toEqual(['mislabelled?']);
    // the run deleted: the note stays, without its run
    study.db.prepare('DELETE FROM runs WHERE id = ?').run(study.runIds[0]);
    expect(cases.get({ ...key(0), runs: undefined, method: undefined }).annotation).toMatchObject({
      tags: ['mislabelled?'],
      note: 'a truck in the woods',
      runId: null,
    });
    // every run and the dataset deleted, then the same content imported again: a new id, the same annotation
    study.db.prepare('DELETE FROM runs').run();
    study.db.prepare('DELETE FROM datasets WHERE id = ?').run(study.datasetId);
    study.datasets.add(syntheticDataset({ test: 2, seed: 9 }));
    const again = study.datasets.add(syntheticDataset({ test: 2 }));
    expect(again.dataset.id).not.toBe(study.datasetId);
    expect(cases.listAnnotations(again.dataset.id)).toMatchObject([
      { datasetId: again.dataset.id, index: 0, note: 'a truck in the woods' },
    ]);
  });

  it('undo the last change of an image, or of the dataset', () => {
    const cases = setup();
    annotate(cases, { ...key(1), addTags: ['interesting'] });
    annotate(cases, { ...key(1), note: 'first note' });
    annotate(cases, { ...key(2), addTags: ['ambiguous'] });
    expect(cases.undo({ datasetId: study.datasetId, split: 'test', index: 1 })).toMatchObject({
      index: 1,
      tags: ['interesting'],
      note: '',
    });
    // the dataset's last change is image 2's
    expect(cases.undo({ datasetId: study.datasetId })).toMatchObject({ index: 2, tags: [], note: '', createdAt: null });
    expect(cases.undo({ datasetId: study.datasetId })).toMatchObject({ index: 1, tags: [], createdAt: null });
    expect(cases.undo({ datasetId: study.datasetId })).toBeNull();
    expect(cases.listAnnotations(study.datasetId)).toEqual([]);
  });

  it('clearing is a change like any other, and can be undone', () => {
    const cases = setup();
    const made = annotate(cases, { ...key(4), addTags: ['background bias'], note: 'sky' });
    expect(cases.clear(key(4))).toMatchObject({ tags: [], note: '', createdAt: null });
    expect(cases.undo({ datasetId: study.datasetId, split: 'test', index: 4 })).toMatchObject({
      tags: ['background bias'],
      note: 'sky',
      createdAt: made.createdAt,
    });
  });

  it('refuse bad requests with a clear error and change nothing', () => {
    const cases = setup();
    annotate(cases, { ...key(0), addTags: ['interesting'] });
    const before = snapshot();
    expect(() => annotate(cases, { ...key(99), addTags: ['x'] })).toThrow('dataset 1 has no test image 99');
    expect(() => annotate(cases, { ...key(0), addTags: ['   '] })).toThrow(/a tag cannot be empty/);
    expect(() => annotate(cases, { ...key(0), note: 'x'.repeat(MAX_NOTE_LENGTH + 1) })).toThrow(
      /a note has at most 10000 characters/,
    );
    expect(() => annotate(cases, { ...key(0), runId: 99 })).toThrow(/no run with id 99/);
    expect(() => annotate(cases, { datasetId: 42, split: 'test', index: 0, addTags: ['x'] })).toThrow(
      /no dataset with id 42/,
    );
    expect(() => cases.undo({ datasetId: study.datasetId, split: 'test' })).toThrow(/give both split and index/);
    expect(snapshot()).toEqual(before);
  });

  it('refuse text that is not well-formed Unicode, and tags that are invisible or hold bidi controls', () => {
    const cases = setup();
    annotate(cases, { ...key(0), addTags: ['interesting'], note: 'kept' });
    const before = snapshot();
    const refused: [Parameters<typeof AnnotateRequest.parse>[0], RegExp][] = [
      [{ ...key(0), note: 'half a pair: \ud800' }, /^note: must be well-formed Unicode/],
      [{ ...key(0), note: '\udc00 backwards \ud83d' }, /^note: must be well-formed Unicode/],
      [{ ...key(0), addTags: ['ok', 'x\ud800'] }, /^addTags\.1: must be well-formed Unicode/],
      [{ ...key(0), addTags: ['\u200b'] }, /^addTags\.0: a tag must have a visible character/],
      [{ ...key(0), addTags: ['\u200d\u2060\ufeff'] }, /^addTags\.0: a tag must have a visible character/],
      [{ ...key(0), addTags: ['\u202egpj.exe'] }, /^addTags\.0: a tag cannot hold bidirectional controls/],
      [{ ...key(0), addTags: ['a\u2067b'] }, /^addTags\.0: a tag cannot hold bidirectional controls/],
    ];
    for (const [input, message] of refused) {
      const parsed = AnnotateRequest.safeParse(input);
      expect(parsed.success, JSON.stringify(input)).toBe(false);
      expect(describeZodError(parsed.error!)).toMatch(message);
    }
    // well-formed text outside the BMP, right-to-left scripts and emoji with joiners stay allowed
    annotate(cases, { ...key(0), addTags: ['😀', 'עברית', '👩‍🔬'], note: '𝒙 ok' });
    expect(snapshot()).not.toEqual(before);
  });

  it('cap the tags of an image and the changes kept for undo', () => {
    const cases = setup();
    const batch = (n: number) => Array.from({ length: MAX_TAGS }, (_, i) => `tag ${n}-${i}`);
    annotate(cases, { ...key(1), addTags: batch(0) });
    annotate(cases, { ...key(1), addTags: batch(1) });
    const before = snapshot();
    expect(() => annotate(cases, { ...key(1), addTags: ['one more'] })).toThrow(
      `addTags: an image has at most ${MAX_TAGS_PER_IMAGE} tags; test image 1 would have ${MAX_TAGS_PER_IMAGE + 1} (remove some first)`,
    );
    expect(snapshot()).toEqual(before);
    // removing and adding at once within the cap is fine
    annotate(cases, { ...key(1), removeTags: ['tag 0-0'], addTags: ['one more'] });
    for (let i = 0; i < MAX_HISTORY_PER_IMAGE + 20; i++) annotate(cases, { ...key(1), note: `note ${i}` });
    const history = (index: number) =>
      study.db.prepare('SELECT count(*) FROM annotation_history WHERE idx = ?').pluck().get(index) as number;
    expect(history(1)).toBe(MAX_HISTORY_PER_IMAGE);
    // the newest changes still undo, in order
    cases.undo({ ...key(1) });
    expect(cases.undo({ ...key(1) })?.note).toBe(`note ${MAX_HISTORY_PER_IMAGE + 17}`);
  });

  it('an unchanged request records nothing to undo', () => {
    const cases = setup();
    annotate(cases, { ...key(0), addTags: ['interesting'] });
    annotate(cases, { ...key(0), addTags: ['interesting'] });
    expect(study.db.prepare('SELECT count(*) FROM annotation_history').pluck().get()).toBe(1);
  });
});
