/**
 * The export menu's side of figures: the main side renders (the CLI's renderer, one for both), the
 * page downloads the bytes; a copy to the clipboard takes the chart's canvas as it is on screen.
 */
import type { CasebookApi, ExportedFigure } from '../../../shared/contract';

/** The Svelte context key under which the app provides its client to every chart frame. */
export const FIGURE_CLIENT = Symbol('figure-client');
export type FigureClient = Pick<CasebookApi, 'request'>;

/** A file made by the main side (a figure, a report): its name, type and bytes as base64. */
export type MadeFile = Pick<ExportedFigure, 'fileName' | 'mimeType' | 'base64'>;

/** An exported figure's bytes as a Blob of its type. */
export function blobOf(exported: MadeFile): Blob {
  const binary = atob(exported.base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type: exported.mimeType });
}

/** The bytes of an exported figure or a report, downloaded under its file name (browser and Electron alike). */
export function download(exported: MadeFile): void {
  const url = URL.createObjectURL(blobOf(exported));
  const link = document.createElement('a');
  link.href = url;
  link.download = exported.fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A PNG on the clipboard. */
export async function copyPng(blob: Blob): Promise<void> {
  if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write)
    throw new Error('this window cannot put images on the clipboard; export a PNG instead');
  await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
}

/** The canvas as a PNG on the clipboard. */
export async function copyCanvas(canvas: HTMLCanvasElement): Promise<void> {
  const blob = await new Promise<Blob>((done, fail) =>
    canvas.toBlob(
      (value) => (value ? done(value) : fail(new Error('the chart could not be read as a PNG'))),
      'image/png',
    ),
  );
  await copyPng(blob);
}
