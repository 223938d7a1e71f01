import { Parser } from 'htmlparser2';

/** Each <text> element's content, entities decoded (htmlparser2, the parser sanitize-html uses, in XML mode). */
export function svgTexts(svg: string): string[] {
  const texts: string[] = [];
  let current: string | null = null;
  const parser = new Parser(
    {
      onopentag: (name) => {
        if (name === 'text') current = '';
      },
      ontext: (text) => {
        if (current !== null) current += text;
      },
      onclosetag: (name) => {
        if (name === 'text' && current !== null) texts.push(current);
        if (name === 'text') current = null;
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(svg);
  parser.end();
  return texts;
}

/** Well-formed: every element opened is closed, in order, and the document has one root, <svg>. */
export function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  let roots = 0;
  const tags = xml.replace(/<\?xml[^>]*\?>/, '').match(/<\/?[a-zA-Z][^>]*?\/?>/g) ?? [];
  for (const tag of tags) {
    const name = /^<\/?([a-zA-Z:]+)/.exec(tag)?.[1] ?? '';
    if (stack.length === 0 && !tag.startsWith('</')) roots += 1;
    if (tag.endsWith('/>')) continue;
    if (tag.startsWith('</')) {
      if (stack.pop() !== name) return false;
    } else stack.push(name);
  }
  return stack.length === 0 && roots === 1 && /^<\?xml[^>]*\?>\s*<svg[\s>]/.test(xml);
}

/** A <text> element: its content, where its transform puts it (SVG pixels) and its font size. */
export interface SvgText {
  text: string;
  x: number;
  y: number;
  size: number;
}

/** Every <text> with its position (its x, y through its transform: the baseline's anchor) and font size. */
export function svgTextItems(svg: string): SvgText[] {
  const items: SvgText[] = [];
  for (const match of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const attributes = match[1] ?? '';
    const m = /transform="matrix\(([^)]*)\)"/.exec(attributes)?.[1]?.split(/\s+/).map(Number) ?? [1, 0, 0, 1, 0, 0];
    const size = Number(/font-size="([\d.]+)"/.exec(attributes)?.[1] ?? NaN);
    const ax = Number(/ x="([\d.-]+)"/.exec(attributes)?.[1] ?? 0);
    const ay = Number(/ y="([\d.-]+)"/.exec(attributes)?.[1] ?? 0);
    const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = m;
    const [text] = svgTexts(`<svg><text>${match[2] ?? ''}</text></svg>`);
    items.push({ text: text ?? '', x: a * ax + c * ay + e, y: b * ax + d * ay + f, size });
  }
  return items;
}

/** Every filled path that is an axis-aligned rectangle (M x y L … Z with four corners), as x, y, w, h. */
export function svgRects(svg: string, fill?: string): { x: number; y: number; w: number; h: number; fill: string }[] {
  const rects: { x: number; y: number; w: number; h: number; fill: string }[] = [];
  for (const match of svg.matchAll(
    /<path d="M([\d.-]+) ([\d.-]+)L([\d.-]+) ([\d.-]+)L([\d.-]+) ([\d.-]+)L([\d.-]+) ([\d.-]+)Z" fill="([^"]+)"/g,
  )) {
    const [x0, y0, x1, y1, x2, y2, x3, y3] = match.slice(1, 9).map(Number) as number[];
    const colour = match[9] ?? '';
    if (colour === 'none' || (fill !== undefined && colour !== fill)) continue;
    const xs = [x0, x1, x2, x3] as number[];
    const ys = [y0, y1, y2, y3] as number[];
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    rects.push({ x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y, fill: colour });
  }
  return rects;
}
