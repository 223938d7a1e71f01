import { formatRoute, parseRoute, type Route } from '../lib/route';

/** What the router needs of `window`: its location's hash, its history and the hashchange event. */
export interface RouterWindow {
  location: { hash: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void };
  addEventListener(type: 'hashchange', listener: () => void): void;
  removeEventListener(type: 'hashchange', listener: () => void): void;
}

/**
 * The route on show, read from the location's hash. Links (`<a href="#/runs/3">`) and Back/Forward
 * change the hash and the route follows; code navigates with `go` (a history entry) or `replace`.
 */
export class RouterState {
  route = $state.raw<Route>(parseRoute(''));
  readonly #window: RouterWindow;

  constructor(target: RouterWindow) {
    this.#window = target;
    this.route = parseRoute(target.location.hash);
  }

  /** Follows hash changes; returns the disposer. */
  listen(): () => void {
    const onChange = (): void => {
      this.route = parseRoute(this.#window.location.hash);
    };
    this.#window.addEventListener('hashchange', onChange);
    return () => this.#window.removeEventListener('hashchange', onChange);
  }

  /** Shows a route with a new history entry (no entry when it is already on show). */
  go(route: Route): void {
    const hash = formatRoute(route);
    if (hash === formatRoute(this.route) && hash === this.#window.location.hash) return;
    this.route = route;
    // Setting the hash adds the entry; the hashchange it fires parses to the same route.
    this.#window.location.hash = hash;
  }

  /** Shows a route in place of the current history entry (e.g. a sort order, a redirect). */
  replace(route: Route): void {
    this.route = route;
    this.#window.history.replaceState(null, '', formatRoute(route));
  }
}
