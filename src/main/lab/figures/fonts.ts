/**
 * The figures' typeface in Node: Liberation Sans (Arial's metrics, free) where the system has it,
 * for the canvas (PNG), for text measured in SVG, and embedded in PDFs; else PDF's Helvetica.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const FIGURE_FONT_FAMILY = "'Liberation Sans', Arial, Helvetica, sans-serif";

const FONT_DIRS = [
  '/usr/share/fonts/truetype/liberation',
  '/usr/share/fonts/truetype/liberation2',
  '/usr/share/fonts/liberation',
];

/** The regular and bold TTF files of Liberation Sans, or null where the system has none. */
export function liberationSans(): { regular: string; bold: string } | null {
  for (const dir of FONT_DIRS) {
    const regular = join(dir, 'LiberationSans-Regular.ttf');
    const bold = join(dir, 'LiberationSans-Bold.ttf');
    if (existsSync(regular) && existsSync(bold)) return { regular, bold };
  }
  return null;
}
