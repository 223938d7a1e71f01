export function electronBinary(): { path: string } | { reason: string };
export function installElectron(): Promise<{ ok: true } | { ok: false; reason: string }>;

export interface DownloadFailure {
  /** ISO time of the failed attempt. */
  failedAt: string;
  reason: string;
}
export type Marker = DownloadFailure | null | 'unreadable';

export const RETRY_AFTER_MS: number;
export function markerPath(root: string): string;
export function readMarker(file: string): Marker;
export function writeMarker(file: string, failure: DownloadFailure): void;
export function clearMarker(file: string): void;
export function downloadDecision(options: { marker: Marker; now: number; retry?: boolean; disabled?: boolean }): {
  attempt: boolean;
  why: string;
};
export function howToGetElectron(file: string): string;
