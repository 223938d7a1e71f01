import { describe, expect, it } from 'vitest';
import { neighbourStrip, stripHeight, type StripRunInput } from '../../src/shared/figures';

const image = { pixels: new Uint8Array(4 * 4 * 3), shape: [4, 4, 3] as const };
const run = (runLabel: string, predictedClass: string | null, correct: boolean | null): StripRunInput => ({
  runLabel,
  predictedClass,
  correct,
  sentence: 'Looks like the trucks it was trained on (6 of its 8 nearest training images).',
  neighbours: Array.from({ length: 10 }, (_, i) => ({
    split: 'train',
    index: 100 + i,
    className: i % 3 === 0 ? 'deer' : 'truck',
    distance: 0.01 * (i + 1),
    image,
  })),
});

describe('the neighbour strip of a report case', () => {
  it('puts the case first, then at most 8 neighbours nearest first, a row per run', () => {
    const strip = neighbourStrip({
      split: 'test',
      index: 17,
      trueClass: 'deer',
      datasetName: 'sample',
      image,
      runs: [run('CNN #1', 'truck', false), run('VNN #2', 'deer', true)],
    });
    expect(strip.kind).toBe('neighbours');
    expect(strip.height).toBe(stripHeight(2));
    expect(stripHeight(2)).toBeGreaterThan(stripHeight(1));
    const [cnn, vnn] = strip.rows as [(typeof strip.rows)[0], (typeof strip.rows)[0]];
    expect(cnn.heading).toBe('CNN #1 → truck (wrong)');
    expect(cnn.wrong).toBe(true);
    expect(vnn.wrong).toBe(false);
    expect(cnn.tiles).toHaveLength(9);
    expect(cnn.tiles[0]).toMatchObject({ name: 'test/17', className: 'true deer', distance: null });
    expect(cnn.tiles.slice(1).map((t) => t.name)).toEqual(Array.from({ length: 8 }, (_, i) => `train/${100 + i}`));
    expect(cnn.tiles[1]).toMatchObject({ className: 'deer', distance: '0.01', predicted: false });
    expect(cnn.tiles[2]).toMatchObject({ className: 'truck', distance: '0.02', predicted: true });
    expect(vnn.tiles[1]?.predicted).toBe(true);
    expect(strip.alt).toContain('CNN #1 → truck (wrong): Looks like the trucks');
    expect(strip.caption).toContain('its 8 nearest training images');
  });

  it('reads a training image without a prediction', () => {
    const strip = neighbourStrip({
      split: 'train',
      index: 3,
      trueClass: 'frog',
      datasetName: 'sample',
      image,
      runs: [run('CNN #1', null, null)],
    });
    expect(strip.rows[0]?.heading).toBe('CNN #1');
    expect(strip.rows[0]?.tiles.some((t) => t.predicted)).toBe(false);
  });
});
