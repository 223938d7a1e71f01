/**
 * Leave-one-out k-nearest-neighbour accuracy of labelled 2-D points: the share of points whose
 * k nearest other points (euclidean) vote for their own label (ties to the nearest point's label).
 * How well a map keeps each class together: 1 when every class is its own island.
 */
export function knnAccuracy2d(points: Float32Array, labels: ArrayLike<number>, k = 5): number {
  const n = points.length / 2;
  if (n !== labels.length) throw new Error(`knnAccuracy2d: ${n} points but ${labels.length} labels`);
  if (n < 2) return 1;
  const kk = Math.min(k, n - 1);
  let right = 0;
  const distances = new Float64Array(n);
  const order = Array.from({ length: n }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    const x = points[2 * i] ?? 0;
    const y = points[2 * i + 1] ?? 0;
    for (let j = 0; j < n; j++) distances[j] = ((points[2 * j] ?? 0) - x) ** 2 + ((points[2 * j + 1] ?? 0) - y) ** 2;
    distances[i] = Infinity;
    order.sort((a, b) => (distances[a] ?? 0) - (distances[b] ?? 0));
    const votes = new Map<number, number>();
    for (let m = 0; m < kk; m++) {
      const label = labels[order[m] ?? 0] ?? -1;
      votes.set(label, (votes.get(label) ?? 0) + 1);
    }
    let best = labels[order[0] ?? 0] ?? -1;
    for (const [label, count] of votes) if (count > (votes.get(best) ?? 0)) best = label;
    if (best === labels[i]) right++;
  }
  return right / n;
}
