/**
 * User text in Markdown (CommonMark, with GitHub's tables and strikethrough): text that shows as
 * typed wherever it is put. Backslash escapes (CommonMark §2.4), so the .md file reads nearly as
 * typed; `<` and `&` become `&lt;` and `&amp;`, which every Markdown reads, CommonMark or not.
 *
 * - Inline: every other character with an inline meaning (`\` `` ` `` `*` `_` `[` `]` `|` `~`)
 *   is escaped anywhere in a line.
 * - Line starts: leading blanks are dropped (four would open a code block) and a block marker the
 *   inline set leaves (`-`, `+`, `=`, `#`, `>`, `1.`, `1)`) is escaped, so no line opens a list, a
 *   heading, a quote or a code block.
 * - Line endings: CRLF, a bare CR and LF are all line endings in CommonMark; one-line places (alt
 *   text, captions, headings, table cells, list items) join the lines with a space, a quote keeps
 *   them as hard breaks and paragraphs, each line behind its `>`.
 */

const INLINE = /[\\`*_[\]|~]/g;
const LINE_ENDING = /\r\n?|\n/;

/** One line of user text, escaped for any place in a Markdown line (its start included). */
function escapeLine(line: string): string {
  const escaped = line.trimStart().replace(INLINE, '\\$&').replaceAll('&', '&amp;').replaceAll('<', '&lt;');
  return escaped.replace(/^[-+=#>]/, '\\$&').replace(/^(\d{1,9})([.)])/, '$1\\$2');
}

/** Text for a one-line place: alt text, a caption, a heading, a table cell, a list item. */
export function mdInline(text: string): string {
  return escapeLine(
    text
      .split(LINE_ENDING)
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .join(' '),
  );
}

/**
 * A block quote of `text` led by `lead` (Markdown, already safe): its lines kept as hard breaks,
 * blank lines as paragraph breaks, every line behind `> `.
 */
export function mdQuote(lead: string, text: string): string {
  const paragraphs: string[][] = [[]];
  for (const raw of text.trim().split(LINE_ENDING)) {
    const line = raw.trim();
    const current = paragraphs[paragraphs.length - 1] ?? [];
    if (line.length > 0) current.push(escapeLine(line));
    else if (current.length > 0) paragraphs.push([]);
  }
  const blocks = paragraphs.filter((p) => p.length > 0).map((p) => p.map((line) => `> ${line}`).join('\\\n'));
  const [first = '>', ...rest] = blocks;
  return [`> ${lead} ${first.slice(2)}`.trimEnd(), ...rest].join('\n>\n');
}
