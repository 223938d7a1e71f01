/**
 * CSV per RFC 4180: fields separated by commas, records by CRLF; a field holding a comma, a
 * double quote, CR or LF is enclosed in double quotes, with its double quotes doubled.
 *
 * Text cells are neutralised against formula injection as OWASP recommends (CSV Injection): a
 * text cell that starts with `=`, `+`, `-`, `@`, a TAB or a CR gets a leading `'`, so a
 * spreadsheet shows it as text instead of evaluating it. Numbers are written as numbers, never
 * quoted (a negative number stays a number).
 */
export type CsvValue = string | number | boolean | null | undefined;

/** The first characters that make a spreadsheet read a cell as a formula (OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell a spreadsheet will show as text: a leading `'` before a formula's first character. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One field: null and undefined are empty, numbers in full precision, booleans 1/0, text neutralised. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'boolean'
      ? value
        ? '1'
        : '0'
      : typeof value === 'number'
        ? String(value)
        : neutraliseFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, with its CRLF. */
export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
