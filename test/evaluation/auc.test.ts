import { describe, expect, it } from 'vitest';
import { handTillAuc, medianOf, seedStyleAuc, twoClassAuc } from '../../src/main/lab/evaluation';
import { K, LABELS, PREDICTED, PROBS } from './fixture';

/** Definition, not ranks: P(pos > neg) + ½ P(pos = neg) over all pairs. */
function pairwiseAuc(pos: number[], neg: number[]): number {
  let total = 0;
  for (const p of pos) for (const q of neg) total += p > q ? 1 : p === q ? 0.5 : 0;
  return total / (pos.length * neg.length);
}

describe('twoClassAuc (Mann–Whitney with midranks)', () => {
  it('counts ties as ½', () => {
    // pos [0.9, 0.5, 0.5], neg [0.5, 0.1]. Pooled ascending: 0.1(−) rank 1; 0.5,0.5,0.5 ranks 2,3,4 → midrank 3;
    // 0.9(+) rank 5. R₊ = 5 + 3 + 3 = 11; AUC = (11 − 3·4/2) / (3·2) = 5/6.
    // By pairs: 0.9 beats both (2); each 0.5 ties 0.5 (½) and beats 0.1 (1) → 2 + 1.5 + 1.5 = 5 of 6.
    expect(twoClassAuc([0.9, 0.5, 0.5], [0.5, 0.1])).toBeCloseTo(5 / 6, 14);
    expect(twoClassAuc([1, 1], [1, 1, 1])).toBe(0.5);
  });

  it('is 1 when separable, 0 when inverted', () => {
    expect(twoClassAuc([3, 4, 5], [0, 1, 2])).toBe(1);
    expect(twoClassAuc([0, 1, 2], [3, 4, 5])).toBe(0);
  });

  it('agrees with the pair definition and scipy on many ties', () => {
    // numpy pair definition and scipy.stats.mannwhitneyu(pos, neg).statistic / (8·7) both give 0.6696428571428571
    const pos = [0.2, 0.4, 0.4, 0.4, 0.6, 0.8, 0.8, 0.1];
    const neg = [0.4, 0.1, 0.1, 0.6, 0.2, 0.8, 0.0];
    expect(twoClassAuc(pos, neg)).toBeCloseTo(0.6696428571428571, 14);
    expect(twoClassAuc(pos, neg)).toBeCloseTo(pairwiseAuc(pos, neg), 14);
  });

  it('rejects NaN and empty groups, naming the argument', () => {
    expect(() => twoClassAuc([NaN], [1])).toThrow(/positives/);
    expect(() => twoClassAuc([1], [])).toThrow(/negatives/);
  });
});

describe('handTillAuc', () => {
  it('is 1 for perfectly separable probabilities', () => {
    // every image gives its own class a higher p than any image of another class does
    const probs = [0.8, 0.1, 0.1, 0.6, 0.3, 0.1, 0.1, 0.7, 0.2, 0.2, 0.5, 0.3, 0.1, 0.2, 0.7, 0.3, 0.1, 0.6];
    const result = handTillAuc(probs, [0, 0, 1, 1, 2, 2], 3);
    expect(result.auc).toBe(1);
    expect(result.pairs.map((p) => [p.i, p.j, p.aIGivenJ, p.aJGivenI])).toEqual([
      [0, 1, 1, 1],
      [0, 2, 1, 1],
      [1, 2, 1, 1],
    ]);
  });

  it('is 0 for perfectly inverted probabilities', () => {
    // class-c images give class c probability 0 and the other classes 0.5:
    // A(i|j) compares p_i = 0 (class i) with p_i = 0.5 (class j) → 0 for every ordered pair
    const probs = [0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0];
    expect(handTillAuc(probs, [0, 1, 2], 3).auc).toBe(0);
  });

  it('counts ties as ½ (hand computation)', () => {
    // two classes, K = 2. class 0 images: p = [0.6,0.4], [0.5,0.5]; class 1 images: [0.5,0.5], [0.2,0.8]
    // A(0|1): p_0 on class 0 = {0.6, 0.5} vs on class 1 = {0.5, 0.2}: 0.6>0.5, 0.6>0.2, 0.5=0.5 (½), 0.5>0.2 → 3.5/4
    // A(1|0): p_1 on class 1 = {0.5, 0.8} vs on class 0 = {0.4, 0.5}: 1 + ½ + 1 + 1 = 3.5/4
    // M = (0.875 + 0.875) / 2 = 0.875
    const result = handTillAuc([0.6, 0.4, 0.5, 0.5, 0.5, 0.5, 0.2, 0.8], [0, 0, 1, 1], 2);
    expect(result.auc).toBe(0.875);
  });

  it('fixture: matches the numpy pair-definition reference 0.7962962962962963', () => {
    // numpy: pairwise(pos, neg) = mean((pos[:,None] > neg[None,:]) + 0.5*(pos[:,None] == neg[None,:]))
    //   a_ij = pairwise(P[labels==i, i], P[labels==j, i]); a_ji = pairwise(P[labels==j, j], P[labels==i, j])
    //   pair 0/1: 0.7388888888888889 0.8166666666666667
    //   pair 0/2: 0.7777777777777778 0.8080808080808081
    //   pair 1/2: 0.7772727272727272 0.8590909090909091   → mean of the (a_ij + a_ji)/2 = 0.7962962962962963
    // (this is scikit-learn's roc_auc_score(labels, P, multi_class='ovo'), not installed here to cross-check)
    const result = handTillAuc(PROBS, LABELS, K);
    expect(result.auc).toBeCloseTo(0.7962962962962963, 12);
    const pairs = result.pairs.map((p) => [p.aIGivenJ, p.aJGivenI]);
    const expected = [
      [0.7388888888888889, 0.8166666666666667],
      [0.7777777777777778, 0.8080808080808081],
      [0.7772727272727272, 0.8590909090909091],
    ];
    pairs.flat().forEach((v, x) => expect(v).toBeCloseTo(expected.flat()[x]!, 12));
    // float32 input keeps the ties (0.05-grid values map to distinct float32s in the same order)
    expect(handTillAuc(Float32Array.from(PROBS), Int32Array.from(LABELS), K).auc).toBeCloseTo(0.7962962962962963, 12);
  });

  it('skips a class with no images by default, or throws with absentClasses: error', () => {
    // K = 3 but only classes 0 and 2 occur: one pair (0, 2). p_0: class 0 {0.7}, class 2 {0.1} → 1;
    // p_2: class 2 {0.8}, class 0 {0.2} → 1 → M = 1 over the classes [0, 2]
    const probs = [0.7, 0.1, 0.2, 0.1, 0.1, 0.8];
    const result = handTillAuc(probs, [0, 2], 3);
    expect(result.classes).toEqual([0, 2]);
    expect(result.pairs).toHaveLength(1);
    expect(result.auc).toBe(1);
    expect(() => handTillAuc(probs, [0, 2], 3, { absentClasses: 'error' })).toThrow(
      /labels: no image of class\(es\) 1/,
    );
    expect(() => handTillAuc(probs, [2, 2], 3)).toThrow(/labels: need images of at least two classes/);
  });

  it('rejects bad input, naming the argument', () => {
    expect(() => handTillAuc([0.5, 0.5, 0.5, 0.5], [0], 2)).toThrow(/labels/); // length mismatch
    expect(() => handTillAuc([0.5, 0.5, 0.5, 0.5], [0, 1], 3)).toThrow(/probs/); // K mismatch
    expect(() => handTillAuc([0.5, NaN, 0.5, 0.5], [0, 1], 2)).toThrow(/probs/); // NaN
  });
});

describe('seedStyleAuc (pROC::multiclass.roc(y_true, y_hat) with hard labels)', () => {
  it('R median', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 2, 3])).toBe(2.5);
  });

  it('hand computation, one AUC of the predicted label per pair of classes', () => {
    // labels    0 0 0 | 1 1 1 | 2 2 2
    // predicted 0 0 1 | 1 1 0 | 2 1 2
    // (0,1): controls {0,0,1}, cases {1,1,0}; medians 0 ≤ 1 → '<'; P(case > control) + ½ ties:
    //        case 1: 1+1+½ = 2.5 (twice) = 5; case 0: ½+½+0 = 1 → 6/9
    // (0,2): controls {0,0,1}, cases {2,1,2}; '<'; case 2: 3 (twice) = 6; case 1: 1+1+½ = 2.5 → 8.5/9
    // (1,2): controls {1,1,0}, cases {2,1,2}; '<'; case 2: 3 (twice) = 6; case 1: ½+½+1 = 2 → 8/9
    // mean = (6 + 8.5 + 8) / 27 = 22.5 / 27 = 0.8333…
    const result = seedStyleAuc([0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 0, 1, 1, 1, 0, 2, 1, 2]);
    expect(result.pairs.map((p) => [p.control, p.case, p.direction])).toEqual([
      [0, 1, '<'],
      [0, 2, '<'],
      [1, 2, '<'],
    ]);
    result.pairs.forEach((p, x) => expect(p.auc).toBeCloseTo([6 / 9, 8.5 / 9, 8 / 9][x]!, 14));
    expect(result.auc).toBeCloseTo(22.5 / 27, 14);
  });

  it('flips the direction when the controls have the higher median (direction = "auto")', () => {
    // labels 0 0 1 1, predicted 1 1 0 1: controls {1,1} median 1 > cases {0,1} median 0.5 → '>'
    // AUC = P(control > case) + ½ ties = (1 + ½ + 1 + ½) / 4 = 0.75 (the '<' area would be 0.25)
    const result = seedStyleAuc([0, 0, 1, 1], [1, 1, 0, 1]);
    expect(result.pairs[0]!.direction).toBe('>');
    expect(result.auc).toBe(0.75);
  });

  it('is 1 for perfect hard predictions and 0.5 when every prediction is the same class', () => {
    expect(seedStyleAuc([0, 1, 2, 2], [0, 1, 2, 2]).auc).toBe(1);
    expect(seedStyleAuc([0, 1, 2, 2], [1, 1, 1, 1]).auc).toBe(0.5);
  });

  it("fixture: matches a numpy rendering of pROC's rule, 0.6404040404040404 (Hand–Till on P: 0.796)", () => {
    // numpy, per pair (a, b): controls = pred[labels == a], cases = pred[labels == b];
    //   d = '<' if np.median(controls) <= np.median(cases) else '>'
    //   auc = pairwise(cases, controls) if d == '<' else pairwise(controls, cases)   (pairwise as above)
    //   (0,1) '<' 0.6222222222222222; (0,2) '<' 0.6717171717171717; (1,2) '<' 0.6272727272727273
    //   mean 0.6404040404040404
    const result = seedStyleAuc(LABELS, PREDICTED);
    const expected = [0.6222222222222222, 0.6717171717171717, 0.6272727272727273];
    result.pairs.forEach((p, x) => {
      expect(p.direction).toBe('<');
      expect(p.auc).toBeCloseTo(expected[x]!, 12);
    });
    expect(result.auc).toBeCloseTo(0.6404040404040404, 12);
  });

  it('skips classes absent from y_true (no level for them) and needs two present', () => {
    // labels only 0 and 2: one pair (0, 2); controls {0, 2}, cases {2, 2}: medians 1 ≤ 2 → '<';
    // case 2 vs {0, 2}: 1 + ½, twice → 3/4
    const result = seedStyleAuc([0, 0, 2, 2], [0, 2, 2, 2]);
    expect(result.classes).toEqual([0, 2]);
    expect(result.auc).toBe(0.75);
    expect(() => seedStyleAuc([1, 1], [0, 1])).toThrow(/labels/);
  });

  it('rejects bad input, naming the argument', () => {
    expect(() => seedStyleAuc([0, 1], [0])).toThrow(/predicted/);
    expect(() => seedStyleAuc([0, 1], [0, NaN])).toThrow(/predicted/);
    expect(() => seedStyleAuc([0, -1], [0, 1])).toThrow(/labels/);
    expect(() => seedStyleAuc([0, 0.5], [0, 1])).toThrow(/labels/);
  });
});
