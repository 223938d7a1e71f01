/**
 * The value a gallery is sorted by, for one tile: the same key the list's SQL ranks on (the mean
 * over the runs that have the value; for disagreement, the runs outside the majority), so a tile
 * shows why it sits where it does. Pure.
 */
import type { CaseSort, CaseSummary } from '../../../shared/contract';
import { significant } from '../../../shared/numbers';

export interface SortValue {
  /** Short name shown on the tile. */
  label: string;
  /** The value as text ("0.0812", "83 %"). */
  text: string;
  /** What it is, for the tile's tooltip. */
  title: string;
}

type RunKey = 'confidence' | 'entropy' | 'mutualInformation' | 'variationRatio' | 'background';

const KEYS: Record<
  Exclude<CaseSort, 'index' | 'disagreement' | 'dependence'>,
  { key: RunKey; label: string; share: boolean }
> = {
  confidence: { key: 'confidence', label: 'confidence', share: true },
  entropy: { key: 'entropy', label: 'entropy', share: false },
  mi: { key: 'mutualInformation', label: 'MI', share: false },
  variation: { key: 'variationRatio', label: 'variation', share: false },
  background: { key: 'background', label: 'background', share: true },
};

const percent = (share: number): string => `${significant(share * 100, 3)} %`;

/** The tile's sort value; null when sorted by index (the index is on the tile already). */
export function sortValue(item: CaseSummary, sort: CaseSort): SortValue | null {
  if (sort === 'index') return null;
  const many = item.runs.length > 1;
  if (sort === 'disagreement') {
    const votes = new Map<number, number>();
    for (const run of item.runs) votes.set(run.predicted, (votes.get(run.predicted) ?? 0) + 1);
    const outside = item.runs.length - Math.max(0, ...votes.values());
    return {
      label: 'disagreement',
      text: String(outside),
      title: `${outside} of ${item.runs.length} runs predict another class than the majority`,
    };
  }
  if (sort === 'dependence') {
    const values = item.runs.flatMap((run) => (run.backgroundTest === null ? [] : [run.backgroundTest.dependence]));
    const flips = item.runs.filter((run) => run.backgroundTest?.flips).length;
    if (values.length === 0)
      return { label: 'bg. dep.', text: '–', title: 'no run has a background test of this image (sorted last)' };
    const mean = values.reduce((sum, x) => sum + x, 0) / values.length;
    return {
      label: many && values.length > 1 ? 'mean bg. dep.' : 'bg. dep.',
      text: `${significant(mean, 2)}${flips > 0 ? ' · flips' : ''}`,
      title: `the drop of the predicted class's probability when only the background is blurred or mean-filled${many ? `, averaged over the ${values.length} tested runs` : ''}${flips > 0 ? `; the class flips in ${flips} run${flips === 1 ? '' : 's'}` : ''}: the gallery's sort key`,
    };
  }
  const { key, label, share } = KEYS[sort];
  const values = item.runs.flatMap((run) => (run[key] === null ? [] : [run[key]]));
  if (values.length === 0) return { label, text: '–', title: `no run has a ${label} for this image (sorted last)` };
  const mean = values.reduce((sum, x) => sum + x, 0) / values.length;
  return {
    label: many && values.length > 1 ? `mean ${label}` : label,
    text: share ? percent(mean) : significant(mean, 3),
    title:
      `${label} ${many ? `averaged over the ${values.length} runs that have it` : ''}: the gallery's sort key`.replace(
        ' :',
        ':',
      ),
  };
}
