/**
 * The export menu's side of figures: the main side renders (the CLI's renderer, one for both), the
 * page downloads the bytes; a copy to the clipboard takes the chart's canvas as it is on screen.
 */
import type { CasebookApi, ExportedFigure } from '../../../shared/contract';

/** The Svelte context key under which the app provides its client to every chart frame. */
export const FIGURE_CLIENT = Symbol('figure-client');
export type FigureClient = Pick<CasebookApi, 'request'>;

/** The bytes of an exported figure, downloaded under its file name (browser and Electron alike). */
export function download(exported: ExportedFigure): void {
  const binary = atob(exported.base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: exported.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = exported.fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The canvas as a PNG on the clipboard. */
export async function copyCanvas(canvas: HTMLCanvasElement): Promise<void> {
  if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write)
    throw new Error('this window cannot put images on the clipboard; export a PNG instead');
  const blob = await new Promise<Blob>((done, fail) =>
    canvas.toBlob(
      (value) => (value ? done(value) : fail(new Error('the chart could not be read as a PNG'))),
      'image/png',
    ),
  );
  await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
}
