import { describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunSummary } from '../../src/shared/contract';
import { ErrorsState } from '../../src/renderer/src/state/errors.svelte';
import { RunsState } from '../../src/renderer/src/state/runs.svelte';
import { FakeClient, settle } from './fake-client';

const run = (id: number, extra: Partial<RunSummary> = {}) =>
  ({
    id,
    name: `CNN #${id}`,
    colour: '#0072b2',
    model: 'cnn',
    config: defaultRunConfig('cnn'),
    status: 'done',
    parentId: null,
    ...extra,
  }) as RunSummary;

async function loaded(): Promise<{ fake: FakeClient; runs: RunsState }> {
  const fake = new FakeClient();
  const runs = new RunsState(fake.client, new ErrorsState());
  runs.listen();
  const refresh = runs.refresh();
  fake.take('listRuns').resolve({ ok: true, value: [run(1), run(2)] });
  await refresh;
  return { fake, runs };
}

describe('RunsState: identity and deletion', () => {
  it("renames and recolours from main's answer; a refusal comes back as its message", async () => {
    const { fake, runs } = await loaded();
    const renamed = runs.rename(1, 'lr 3e-4');
    fake.take('renameRun').resolve({ ok: true, value: run(1, { name: 'lr 3e-4' }) });
    expect(await renamed).toBeNull();
    expect(runs.list.find((r) => r.id === 1)?.name).toBe('lr 3e-4');
    const refused = runs.setColour(1, 'red');
    fake.take('setRunColour').resolve({
      ok: false,
      error: { code: 'bad-request', message: 'setRunColour: colour: a colour is #rrggbb' },
    });
    expect(await refused).toBe('setRunColour: colour: a colour is #rrggbb');
    expect(runs.list.find((r) => r.id === 1)?.colour).toBe('#0072b2');
  });

  it('deletes a run: gone from the list and the comparison; a refusal keeps it and says why', async () => {
    const { fake, runs } = await loaded();
    runs.pick(1, true);
    runs.pick(2, true);
    const refused = runs.remove(2);
    fake.take('deleteRun').resolve({
      ok: false,
      error: { code: 'conflict', message: 'cannot delete run 2: run 2 is running' },
    });
    expect(await refused).toBe('cannot delete run 2: run 2 is running');
    expect(runs.list.map((r) => r.id)).toEqual([2, 1]);
    const removed = runs.remove(2);
    fake.take('deleteRun').resolve({ ok: true, value: { deleted: [2] } });
    expect(await removed).toBeNull();
    expect(runs.list.map((r) => r.id)).toEqual([1]);
    expect(runs.picked).toEqual([1]);
    // another page (or the CLI through serve) deleted run 1: this page drops it too
    fake.emit('runsDeleted', { deleted: [1] });
    await settle();
    expect(runs.list).toEqual([]);
  });
});
