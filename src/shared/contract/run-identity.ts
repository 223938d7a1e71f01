/**
 * A run's identity: its name and its colour, stored with the run and pinned when it is created,
 * used by every screen, figure and report (never derived from a run's place in a list).
 */
import { z } from 'zod';
import { BIDI_CONTROL, INVISIBLE, UnicodeText } from './common';

/**
 * The colours runs take in turn: Okabe–Ito's colour-blind-safe palette, darkest first (its black
 * and yellow left out: black reads as text, yellow vanishes on white).
 */
export const RUN_PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'] as const;

export const MAX_RUN_NAME_LENGTH = 80;

/** A run's name: trimmed, 1–80 characters of well-formed Unicode, one line; unique not required. */
export const RunName = UnicodeText.trim()
  .min(1, 'a run name cannot be empty')
  .max(MAX_RUN_NAME_LENGTH, `a run name has at most ${MAX_RUN_NAME_LENGTH} characters`)
  .refine(
    (name) => [...name].every((ch) => ch >= ' ' && ch !== '\u007f'),
    'a run name is one line (no line breaks, tabs or other control characters)',
  )
  .refine((name) => !BIDI_CONTROL.test(name), 'a run name cannot hold bidirectional controls')
  .refine((name) => !INVISIBLE.test(name), 'a run name must have a visible character');

/** A colour as `#rrggbb` (upper-case hex digits are taken and stored lower-case). */
export const RunColour = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb (six hexadecimal digits, e.g. #0072b2)')
  .transform((colour) => colour.toLowerCase());

/** "CNN #3"; an ensemble's member "CNN #7 (member 2 of #5)". */
export function defaultRunName(
  familyLabel: string,
  id: number,
  member?: { index: number; ensembleId: number },
): string {
  const name = `${familyLabel} #${id}`;
  return member === undefined ? name : `${name} (member ${member.index} of #${member.ensembleId})`;
}

const paletteIndex = (colour: string | null): number =>
  colour === null ? -1 : (RUN_PALETTE as readonly string[]).indexOf(colour.toLowerCase());

/**
 * The colour of a new top-level run, given the colours of the earlier top-level runs, newest
 * first: the palette colour after the newest one's (the first when there is none). Runs the user
 * gave a colour of their own count as having taken their turn.
 */
export function nextRunColour(previous: readonly string[]): string {
  const newest = previous.findIndex((colour) => paletteIndex(colour) >= 0);
  const next = newest < 0 ? previous.length : paletteIndex(previous[newest] ?? null) + newest + 1;
  return RUN_PALETTE[next % RUN_PALETTE.length] ?? RUN_PALETTE[0];
}

/**
 * The colour of an ensemble's member `index` (1-based): the palette in turn after the
 * ensemble's own colour (from the palette's start when that is the user's own), so members shown
 * together differ from each other and from the ensemble (up to 5 members).
 */
export function memberColour(ensembleColour: string, index: number): string {
  const base = Math.max(paletteIndex(ensembleColour), 0);
  return RUN_PALETTE[(base + index) % RUN_PALETTE.length] ?? RUN_PALETTE[0];
}
