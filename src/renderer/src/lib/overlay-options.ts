/**
 * The gallery's overlay menu ("map: …"): its choices named by what the run's shown explanation
 * explains. An explanation made for a chosen class has that class's maps only, so its first
 * choice reads "class truck" (the tiles show that map) and "true class" has nothing of its own to
 * show (the overlay falls back to the same map): it is disabled. Pure.
 */
import { explainedClassLabel, type ExplanationSummary, type RunExplanations } from '../../../shared/contract';
import type { GalleryMap } from '../state/gallery.svelte';

export interface OverlayOption {
  value: GalleryMap;
  label: string;
  disabled: boolean;
  title: string;
}

/** The summary of the explanation a run's pages show (the pick, else the newest), or null. */
export function shownSummary(listed: RunExplanations | undefined): ExplanationSummary | null {
  if (!listed || listed.items.length === 0) return null;
  return (listed.items.find((item) => item.id === listed.shownId) ?? listed.items[0])?.summary ?? null;
}

/** The menu's choices for the overlay run's shown explanation (null: not known yet). */
export function overlayOptions(shown: ExplanationSummary | null, classes: readonly string[]): OverlayOption[] {
  const chosen = shown?.targetClass ?? null;
  const explained = explainedClassLabel(chosen, classes);
  const stochastic = shown === null || shown.samples > 1;
  return [
    {
      value: 'predicted',
      label: explained,
      disabled: false,
      title:
        chosen === null
          ? "each image's map for the class the run predicts"
          : `the shown explanation explains ${explained} for every image`,
    },
    {
      value: 'true',
      label: 'true class',
      disabled: chosen !== null,
      title:
        chosen === null
          ? "each image's map for its true class (the predicted class's where they agree)"
          : `the shown explanation has maps of ${explained} only; pick another in "Maps" for true-class maps`,
    },
    {
      value: 'spread',
      label: 'spread over samples',
      disabled: !stochastic,
      title: stochastic
        ? `the standard deviation of the ${explained}'s map over samples`
        : 'the shown explanation has one sample per image: no spread',
    },
  ];
}

/** The colour bar's caption for a choice. */
export function overlayLegend(map: GalleryMap, shown: ExplanationSummary | null, classes: readonly string[]): string {
  if (map === 'spread') return 'spread (÷ largest)';
  if (map === 'true' && (shown?.targetClass ?? null) === null) return 'true class map';
  return shown?.targetClass == null ? 'map value' : `${explainedClassLabel(shown.targetClass, classes)} map`;
}
