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
