/**
 * A 30-image, 3-class test set shared by the metric tests: probabilities on a 0.05 grid (so
 * many ties), generated once by this numpy script and pasted here:
 *
 *   import numpy as np
 *   rng = np.random.default_rng(2026)
 *   N, K = 30, 3
 *   labels = rng.integers(0, K, N)
 *   P = np.zeros((N, K))
 *   for i in range(N):
 *       w = rng.integers(0, 21, K).astype(float); w[labels[i]] += rng.integers(0, 15)
 *       q = np.round(w / w.sum() * 20).astype(int)
 *       q[np.argmax(q)] += 20 - q.sum()
 *       P[i] = q / 20
 *
 * Reference values computed from it with numpy 2.4 (scikit-learn is not installed here, so each
 * metric is written out from its definition — see each test).
 */
export const K = 3;

// prettier-ignore
export const LABELS = [2, 0, 0, 1, 1, 1, 0, 1, 1, 1, 2, 2, 2, 2, 2, 0, 2, 1, 0, 0, 0, 2, 2, 2, 0, 1, 1, 2, 0, 1];

// prettier-ignore
export const PROBS = [
  0.25, 0.35, 0.4, 0.55, 0.3, 0.15, 0.3, 0.15, 0.55, 0.05, 0.75, 0.2, 0.5, 0.2, 0.3, 0.6, 0.3, 0.1,
  0.45, 0.35, 0.2, 0.3, 0.2, 0.5, 0.3, 0.4, 0.3, 0.35, 0.55, 0.1, 0.15, 0.35, 0.5, 0.3, 0.2, 0.5,
  0.0, 0.25, 0.75, 0.45, 0.35, 0.2, 0.05, 0.55, 0.4, 0.5, 0.25, 0.25, 0.45, 0.1, 0.45, 0.4, 0.4, 0.2,
  0.3, 0.35, 0.35, 0.45, 0.2, 0.35, 0.2, 0.35, 0.45, 0.45, 0.2, 0.35, 0.0, 0.4, 0.6, 0.35, 0.15, 0.5,
  0.8, 0.05, 0.15, 0.25, 0.55, 0.2, 0.15, 0.45, 0.4, 0.45, 0.15, 0.4, 0.65, 0.25, 0.1, 0.15, 0.55, 0.3,
];

/** P.argmax(1) (numpy: first maximum wins). */
// prettier-ignore
export const PREDICTED = [2, 0, 2, 1, 0, 0, 0, 2, 1, 1, 2, 2, 2, 0, 1, 0, 0, 0, 1, 0, 2, 0, 2, 2, 0, 1, 1, 0, 0, 1];
