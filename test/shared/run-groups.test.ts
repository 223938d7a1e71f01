import { describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunConfig } from '../../src/shared/contract';
import { groupKey, seedGroups, type GroupableRun } from '../../src/shared/run-groups';

const run = (id: number, config: Partial<RunConfig> = {}, extra: Partial<GroupableRun> = {}): GroupableRun => {
  const model = config.model ?? 'cnn';
  return {
    id,
    datasetHash: 'aaaa',
    model,
    config: { ...defaultRunConfig(model), ...config },
    parentId: null,
    ...extra,
  };
};

describe('seed groups', () => {
  it('groups runs that differ only by seed, under the smallest id', () => {
    const groups = seedGroups([run(3, { seed: 42 }), run(5, { seed: 43 }), run(9, { seed: 44 })]);
    expect([...groups]).toEqual([
      [3, 3],
      [5, 3],
      [9, 3],
    ]);
  });

  it('keeps apart runs with another learning rate, dataset, model or sample', () => {
    const groups = seedGroups([
      run(1, { seed: 1 }),
      run(2, { seed: 2, learningRate: 3e-4 }),
      run(3, { seed: 3 }, { datasetHash: 'bbbb' }),
      run(4, { seed: 4, model: 'vnn' }),
      run(5, { seed: 5, testLimit: 100 }),
    ]);
    expect(groups.size).toBe(0);
    // and a second run of the other learning rate makes a group of its own
    const two = seedGroups([
      run(1, { seed: 1 }),
      run(2, { seed: 2, learningRate: 3e-4 }),
      run(6, { seed: 9, learningRate: 3e-4 }),
    ]);
    expect([...two]).toEqual([
      [2, 2],
      [6, 2],
    ]);
  });

  it("never puts an ensemble's members in a group, nor an ensemble with CNNs", () => {
    const members = [43, 44].map((seed, i) => run(11 + i, { seed }, { parentId: 10 }));
    const groups = seedGroups([run(1, { seed: 42 }), run(10, { seed: 42, model: 'ensemble', members: 2 }), ...members]);
    expect(groups.size).toBe(0);
    expect(groupKey(members[0] as GroupableRun)).toBeNull();
    // two ensembles that differ only by seed are a group; their member count is part of the config
    const ensembles = seedGroups([
      run(10, { seed: 42, model: 'ensemble', members: 2 }),
      run(20, { seed: 44, model: 'ensemble', members: 2 }),
      run(30, { seed: 46, model: 'ensemble', members: 3 }),
    ]);
    expect([...ensembles]).toEqual([
      [10, 10],
      [20, 10],
    ]);
  });

  it('needs two different seeds: runs with the very same config are repeats, not seeds', () => {
    expect(seedGroups([run(1), run(2)]).size).toBe(0);
    expect(seedGroups([run(1), run(2), run(3, { seed: 7 })]).get(2)).toBe(1);
  });
});
