import type { Route } from '../lib/route';

/**
 * The runs last looked at (in a gallery, a case, the finder, compare or a map), so the top bar's Gallery
 * and Finder open on them instead of on nothing, as W&B keeps a workspace's run selection.
 */
export class RecentRuns {
  runIds = $state.raw<number[]>([]);

  /** Notes the runs a route shows (a route without runs leaves the last ones). */
  see(route: Route): void {
    if (route.view === 'map') {
      if (this.runIds[0] !== route.runId) this.runIds = [route.runId];
      return;
    }
    if (!['gallery', 'case', 'training', 'finder', 'compare'].includes(route.view) || !('runIds' in route)) return;
    if (route.runIds.length === 0) return;
    const same = route.runIds.length === this.runIds.length && route.runIds.every((id, i) => id === this.runIds[i]);
    if (!same) this.runIds = [...route.runIds];
  }

  /** The last runs that still exist (`existing` null: not known yet, all of them). */
  current(existing: readonly number[] | null): number[] {
    return existing === null ? this.runIds : this.runIds.filter((id) => existing.includes(id));
  }
}
