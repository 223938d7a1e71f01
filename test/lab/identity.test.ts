/** A run's name and colour through the contract's requests, and deletion telling every page. */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import type { Lab } from '../../src/main/lab/lab';
import { testLab, type RecordedEvent, storesOf } from '../helpers/lab';
import { syntheticDataset } from '../helpers/synthetic';

let lab: Lab;
afterEach(() => lab.close());

function withRun(): { events: RecordedEvent[]; id: number } {
  const made = testLab();
  lab = made.lab;
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
  const run = storesOf(lab).runs.create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: defaultRunConfig('cnn'),
  });
  storesOf(lab).runs.setStatus(run.id, 'done');
  return { events: made.events, id: run.id };
}

describe('run identity requests', () => {
  it('rename a run and set its colour, telling every page', async () => {
    const { events, id } = withRun();
    const renamed = await lab.dispatch('renameRun', { id, name: '  CNN, lr 3e-4  ' });
    expect(renamed).toMatchObject({ ok: true, value: { id, name: 'CNN, lr 3e-4', colour: '#0072b2', group: null } });
    const coloured = await lab.dispatch('setRunColour', { id, colour: '#D55E00' });
    expect(coloured).toMatchObject({ ok: true, value: { name: 'CNN, lr 3e-4', colour: '#d55e00' } });
    const updates = events.filter((e) => e.name === 'runUpdated').map((e) => e.payload);
    expect(updates).toMatchObject([{ run: { name: 'CNN, lr 3e-4' } }, { run: { colour: '#d55e00' } }]);
    expect(await lab.dispatch('listRuns', {})).toMatchObject({ ok: true, value: [{ name: 'CNN, lr 3e-4' }] });
  });

  it('refuse a bad name or colour, naming the field, and change nothing', async () => {
    const { events, id } = withRun();
    const bad: [Parameters<Lab['dispatch']>[0], Record<string, unknown>, string][] = [
      ['renameRun', { id, name: '' }, 'renameRun: name: a run name cannot be empty'],
      ['renameRun', { id, name: '\u200b ' }, 'renameRun: name: a run name must have a visible character'],
      ['renameRun', { id, name: 'é'.repeat(81) }, 'renameRun: name: a run name has at most 80 characters'],
      ['renameRun', { id, name: 'a\tb' }, 'renameRun: name: a run name is one line'],
      ['renameRun', { id, name: 'x\ud800' }, 'renameRun: name: must be well-formed Unicode'],
      ['renameRun', { id, name: 'x\u202e' }, 'renameRun: name: a run name cannot hold bidirectional controls'],
      ['renameRun', { id }, 'renameRun: name: '],
      ['setRunColour', { id, colour: 'red' }, 'setRunColour: colour: a colour is #rrggbb'],
      ['setRunColour', { id, colour: '#0072b2ff' }, 'setRunColour: colour: a colour is #rrggbb'],
      ['setRunColour', { id, colour: 42 }, 'setRunColour: colour: '],
    ];
    for (const [name, input, message] of bad) {
      const result = await lab.dispatch(name, input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('bad-request');
        expect(result.error.message).toContain(message);
      }
    }
    // 80 characters is allowed, unique names are not required
    expect(await lab.dispatch('renameRun', { id, name: 'é'.repeat(80) })).toMatchObject({ ok: true });
    expect(storesOf(lab).runs.get(id).colour).toBe('#0072b2');
    expect(events.filter((e) => e.name === 'runUpdated')).toHaveLength(1);
    expect(await lab.dispatch('renameRun', { id: 99, name: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: 'no run with id 99' },
    });
  });

  it('deleting a run tells every page which runs went', async () => {
    const { events, id } = withRun();
    expect(await lab.dispatch('deleteRun', { id })).toEqual({ ok: true, value: { deleted: [id] } });
    expect(events.filter((e) => e.name === 'runsDeleted').map((e) => e.payload)).toEqual([{ deleted: [id] }]);
  });
});
