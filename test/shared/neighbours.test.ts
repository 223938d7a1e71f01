import { describe, expect, it } from 'vitest';
import { neighbourVerdict, pluralClass } from '../../src/shared/neighbours';

const classes = ['deer', 'frog', 'truck'];

describe('pluralClass', () => {
  it('names classes in the plural', () => {
    expect(['truck', 'deer', 'frog', 'bus', 'butterfly', 'day', 'fox'].map(pluralClass)).toEqual([
      'trucks',
      'deer',
      'frogs',
      'buses',
      'butterflies',
      'days',
      'foxes',
    ]);
  });
});

describe('neighbourVerdict', () => {
  it('says a case looks like the trucks it was trained on when most neighbours are of the predicted class', () => {
    const verdict = neighbourVerdict({ classes, label: 0, predicted: 2, labels: [2, 2, 0, 2, 2, 1, 2, 2] });
    expect(verdict).toMatchObject({ majority: 2, count: 6, likePredicted: true });
    expect(verdict.sentence).toBe(
      'Looks like the trucks it was trained on (6 of its 8 nearest training images), though it is a deer.',
    );
    expect(neighbourVerdict({ classes, label: 2, predicted: 2, labels: [2, 2, 2, 0, 2] }).sentence).toBe(
      'Looks like the trucks it was trained on (4 of its 5 nearest training images).',
    );
  });

  it('needs more than half: four of eight is not most, and names a majority of another class', () => {
    const half = neighbourVerdict({ classes, label: 0, predicted: 2, labels: [2, 2, 0, 0, 2, 1, 2, 0] });
    expect(half.likePredicted).toBe(false);
    expect(half.sentence).toBe(
      'Its nearest training images are mixed (4 truck, 3 deer, 1 frog): no class has most of them.',
    );
    const deer = neighbourVerdict({ classes, label: 0, predicted: 2, labels: [0, 0, 0, 0, 0, 2, 2, 1] });
    expect(deer.sentence).toBe(
      'Looks like the deer it was trained on (5 of its 8 nearest training images), yet called truck.',
    );
  });

  it("compares a training image's label with its neighbours'", () => {
    expect(neighbourVerdict({ classes, label: 1, predicted: null, labels: [0, 0, 0, 0, 0, 0, 0, 1] }).sentence).toBe(
      'Labelled frog, but looks like the deer around it: 7 of its 8 nearest training images are deer.',
    );
    expect(neighbourVerdict({ classes, label: 1, predicted: null, labels: [1, 1, 0] }).sentence).toBe(
      '2 of its 3 nearest training images are frogs, like its label.',
    );
  });
});
