/**
 * A canvas 2D context that writes SVG: enough of the API for chart.js (paths, rectangles, arcs,
 * text, clipping, transforms, dashes) and for the case panel (images). Text stays text — one
 * <text> per string, with its font, anchor and transform — so titles and axis labels can be found,
 * selected and carried into a PDF. Coordinates are written in the SVG's pixels, already
 * transformed; text keeps its transform.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';

type Matrix = [number, number, number, number, number, number];

interface State {
  matrix: Matrix;
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  lineCap: string;
  lineJoin: string;
  miterLimit: number;
  lineDash: number[];
  lineDashOffset: number;
  globalAlpha: number;
  font: string;
  textAlign: string;
  textBaseline: string;
  imageSmoothingEnabled: boolean;
  /** How many clip groups this state opened. */
  groups: number;
}

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[2] * n[1],
  m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3],
  m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4],
  m[1] * n[4] + m[3] * n[5] + m[5],
];

const num = (value: number): string => String(Math.round(value * 1000) / 1000);

export function escapeXml(text: string): string {
  // characters XML 1.0 cannot hold at all (C0 controls other than tab, newline and return) are dropped
  const allowed = [...text].filter((ch) => ch >= ' ' || ch === '\t' || ch === '\n' || ch === '\r').join('');
  return allowed.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A CSS colour as an SVG colour and an opacity (SVG 1.1 readers do not all take rgba() or #rrggbbaa). */
export function svgColour(colour: string): { colour: string; opacity: number } {
  const text = colour.trim().toLowerCase();
  if (text === 'transparent') return { colour: '#000000', opacity: 0 };
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(text);
  if (hex?.[1]) {
    let h = hex[1];
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    return { colour: `#${h.slice(0, 6)}`, opacity: h.length === 8 ? parseInt(h.slice(6, 8), 16) / 255 : 1 };
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(text);
  if (rgb) {
    const channel = (v: string | undefined) =>
      Math.max(0, Math.min(255, Math.round(Number(v))))
        .toString(16)
        .padStart(2, '0');
    const alpha = rgb[4] === undefined ? 1 : rgb[4].endsWith('%') ? parseFloat(rgb[4]) / 100 : Number(rgb[4]);
    return { colour: `#${channel(rgb[1])}${channel(rgb[2])}${channel(rgb[3])}`, opacity: alpha };
  }
  return { colour: text, opacity: 1 };
}

/** "normal 600 12px 'Liberation Sans', sans-serif" → its parts. */
export function parseFont(font: string): { size: number; weight: string; style: string; family: string } {
  const match =
    /^\s*((?:(?:italic|oblique|normal|bold|bolder|lighter|[1-9]00|small-caps)\s+)*)([\d.]+)px(?:\/[\d.]+\w*)?\s+(.+)$/.exec(
      font,
    );
  if (!match) return { size: 12, weight: 'normal', style: 'normal', family: 'sans-serif' };
  const words = (match[1] ?? '').split(/\s+/);
  const weight = words.find((w) => /^(bold|bolder|lighter|[1-9]00)$/.test(w)) ?? 'normal';
  const style = words.find((w) => w === 'italic' || w === 'oblique') ?? 'normal';
  return { size: Number(match[2]), weight, style, family: (match[3] ?? 'sans-serif').trim() };
}

/** Ascent and descent of the figures' sans-serif (Liberation Sans, Arial's metrics), in ems. */
const ASCENT = 0.905;
const DESCENT = 0.212;

/** Something the SVG can hold as a picture: a raster canvas (embedded as a PNG) or another SVG surface. */
export type SvgImageSource = Canvas | SvgSurface;

export class SvgContext {
  private state: State = {
    matrix: [...IDENTITY],
    fillStyle: '#000000',
    strokeStyle: '#000000',
    lineWidth: 1,
    lineCap: 'butt',
    lineJoin: 'miter',
    miterLimit: 10,
    lineDash: [],
    lineDashOffset: 0,
    globalAlpha: 1,
    font: '10px sans-serif',
    textAlign: 'start',
    textBaseline: 'alphabetic',
    imageSmoothingEnabled: true,
    groups: 0,
  };
  private readonly stack: State[] = [];
  private path: string[] = [];
  private current: [number, number] | null = null;
  private clips = 0;
  /** Clip groups opened and not yet closed by a restore. */
  openGroups = 0;
  /** The SVG elements written so far. */
  readonly parts: string[] = [];
  private readonly measurer = createCanvas(1, 1).getContext('2d');

  constructor(readonly canvas: SvgSurface) {}

  // --- state
  save(): void {
    // the saved state keeps the clip groups it opened (closed when it is restored); the new one has none yet
    this.stack.push(this.state);
    this.state = { ...this.state, matrix: [...this.state.matrix], lineDash: [...this.state.lineDash], groups: 0 };
  }
  restore(): void {
    for (let i = 0; i < this.state.groups; i++) this.parts.push('</g>');
    this.openGroups -= this.state.groups;
    const previous = this.stack.pop();
    if (previous) this.state = previous;
    else this.state.groups = 0;
  }
  get fillStyle(): string {
    return this.state.fillStyle;
  }
  set fillStyle(value: unknown) {
    if (typeof value === 'string') this.state.fillStyle = value;
  }
  get strokeStyle(): string {
    return this.state.strokeStyle;
  }
  set strokeStyle(value: unknown) {
    if (typeof value === 'string') this.state.strokeStyle = value;
  }
  get lineWidth(): number {
    return this.state.lineWidth;
  }
  set lineWidth(value: number) {
    if (Number.isFinite(value) && value >= 0) this.state.lineWidth = value;
  }
  get lineCap(): string {
    return this.state.lineCap;
  }
  set lineCap(value: string) {
    this.state.lineCap = value;
  }
  get lineJoin(): string {
    return this.state.lineJoin;
  }
  set lineJoin(value: string) {
    this.state.lineJoin = value;
  }
  get miterLimit(): number {
    return this.state.miterLimit;
  }
  set miterLimit(value: number) {
    this.state.miterLimit = value;
  }
  get lineDashOffset(): number {
    return this.state.lineDashOffset;
  }
  set lineDashOffset(value: number) {
    this.state.lineDashOffset = value;
  }
  get globalAlpha(): number {
    return this.state.globalAlpha;
  }
  set globalAlpha(value: number) {
    if (Number.isFinite(value)) this.state.globalAlpha = Math.max(0, Math.min(1, value));
  }
  get font(): string {
    return this.state.font;
  }
  set font(value: string) {
    this.state.font = value;
  }
  get textAlign(): string {
    return this.state.textAlign;
  }
  set textAlign(value: string) {
    this.state.textAlign = value;
  }
  get textBaseline(): string {
    return this.state.textBaseline;
  }
  set textBaseline(value: string) {
    this.state.textBaseline = value;
  }
  get imageSmoothingEnabled(): boolean {
    return this.state.imageSmoothingEnabled;
  }
  set imageSmoothingEnabled(value: boolean) {
    this.state.imageSmoothingEnabled = value;
  }
  setLineDash(segments: number[]): void {
    this.state.lineDash = segments.filter((s) => Number.isFinite(s) && s >= 0);
  }
  getLineDash(): number[] {
    return [...this.state.lineDash];
  }

  // --- transforms
  setTransform(
    a: number | { a: number; b: number; c: number; d: number; e: number; f: number } = 1,
    b = 0,
    c = 0,
    d = 1,
    e = 0,
    f = 0,
  ): void {
    this.state.matrix = typeof a === 'object' ? [a.a, a.b, a.c, a.d, a.e, a.f] : [a, b, c, d, e, f];
  }
  resetTransform(): void {
    this.state.matrix = [...IDENTITY];
  }
  transform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.state.matrix = multiply(this.state.matrix, [a, b, c, d, e, f]);
  }
  translate(x: number, y: number): void {
    this.transform(1, 0, 0, 1, x, y);
  }
  scale(x: number, y: number): void {
    this.transform(x, 0, 0, y, 0, 0);
  }
  rotate(angle: number): void {
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    this.transform(cos, sin, -sin, cos, 0, 0);
  }
  getTransform(): { a: number; b: number; c: number; d: number; e: number; f: number } {
    const [a, b, c, d, e, f] = this.state.matrix;
    return { a, b, c, d, e, f };
  }

  private point(x: number, y: number): [number, number] {
    const m = this.state.matrix;
    return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
  }
  /** How much the current transform scales lengths (for line widths). */
  private get scaleFactor(): number {
    const m = this.state.matrix;
    return Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2]));
  }

  // --- paths
  beginPath(): void {
    this.path = [];
    this.current = null;
  }
  closePath(): void {
    if (this.path.length > 0) this.path.push('Z');
  }
  moveTo(x: number, y: number): void {
    const [px, py] = this.point(x, y);
    this.path.push(`M${num(px)} ${num(py)}`);
    this.current = [x, y];
  }
  lineTo(x: number, y: number): void {
    if (this.current === null) return this.moveTo(x, y);
    const [px, py] = this.point(x, y);
    this.path.push(`L${num(px)} ${num(py)}`);
    this.current = [x, y];
  }
  bezierCurveTo(c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number): void {
    if (this.current === null) this.moveTo(c1x, c1y);
    const [a, b, c] = [this.point(c1x, c1y), this.point(c2x, c2y), this.point(x, y)];
    this.path.push(`C${num(a[0])} ${num(a[1])} ${num(b[0])} ${num(b[1])} ${num(c[0])} ${num(c[1])}`);
    this.current = [x, y];
  }
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void {
    if (this.current === null) this.moveTo(cx, cy);
    const [a, b] = [this.point(cx, cy), this.point(x, y)];
    this.path.push(`Q${num(a[0])} ${num(a[1])} ${num(b[0])} ${num(b[1])}`);
    this.current = [x, y];
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.moveTo(x, y);
    this.lineTo(x + w, y);
    this.lineTo(x + w, y + h);
    this.lineTo(x, y + h);
    this.closePath();
    this.current = [x, y];
  }
  roundRect(x: number, y: number, w: number, h: number): void {
    this.rect(x, y, w, h);
  }
  /** Arcs as short line segments in user space, transformed: exact enough at print sizes. */
  arc(x: number, y: number, r: number, start: number, end: number, counterclockwise = false): void {
    this.ellipse(x, y, r, r, 0, start, end, counterclockwise);
  }
  ellipse(
    x: number,
    y: number,
    rx: number,
    ry: number,
    rotation: number,
    start: number,
    end: number,
    counterclockwise = false,
  ): void {
    let sweep = end - start;
    const full = Math.PI * 2;
    if (!counterclockwise && sweep < 0) sweep = (sweep % full) + full;
    if (counterclockwise && sweep > 0) sweep = (sweep % full) - full;
    if (Math.abs(end - start) >= full) sweep = counterclockwise ? -full : full;
    const steps = Math.max(8, Math.ceil(Math.abs(sweep) / (Math.PI / 10)));
    const [cos, sin] = [Math.cos(rotation), Math.sin(rotation)];
    for (let i = 0; i <= steps; i++) {
      const t = start + (sweep * i) / steps;
      const [ex, ey] = [rx * Math.cos(t), ry * Math.sin(t)];
      const [px, py] = [x + ex * cos - ey * sin, y + ex * sin + ey * cos];
      if (i === 0 && this.current === null) this.moveTo(px, py);
      else this.lineTo(px, py);
    }
  }

  private paint(mode: 'fill' | 'stroke', d: string): void {
    if (d.length === 0) return;
    if (mode === 'fill') {
      const { colour, opacity } = svgColour(this.state.fillStyle);
      const alpha = opacity * this.state.globalAlpha;
      if (alpha <= 0) return;
      this.parts.push(
        `<path d="${d}" fill="${escapeXml(colour)}"${alpha < 1 ? ` fill-opacity="${num(alpha)}"` : ''}/>`,
      );
      return;
    }
    const { colour, opacity } = svgColour(this.state.strokeStyle);
    const alpha = opacity * this.state.globalAlpha;
    const width = this.state.lineWidth * this.scaleFactor;
    if (alpha <= 0 || width <= 0) return;
    const dash =
      this.state.lineDash.length > 0
        ? ` stroke-dasharray="${this.state.lineDash.map((s) => num(s * this.scaleFactor)).join(' ')}"${this.state.lineDashOffset ? ` stroke-dashoffset="${num(this.state.lineDashOffset * this.scaleFactor)}"` : ''}`
        : '';
    const cap = this.state.lineCap === 'butt' ? '' : ` stroke-linecap="${this.state.lineCap}"`;
    const join = this.state.lineJoin === 'miter' ? '' : ` stroke-linejoin="${this.state.lineJoin}"`;
    this.parts.push(
      `<path d="${d}" fill="none" stroke="${escapeXml(colour)}" stroke-width="${num(width)}"${alpha < 1 ? ` stroke-opacity="${num(alpha)}"` : ''}${dash}${cap}${join}/>`,
    );
  }
  fill(): void {
    this.paint('fill', this.path.join(''));
  }
  stroke(): void {
    this.paint('stroke', this.path.join(''));
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    const saved = [this.path, this.current] as const;
    this.beginPath();
    this.rect(x, y, w, h);
    this.fill();
    [this.path, this.current] = [saved[0], saved[1]];
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    const saved = [this.path, this.current] as const;
    this.beginPath();
    this.rect(x, y, w, h);
    this.stroke();
    [this.path, this.current] = [saved[0], saved[1]];
  }
  /** Clearing paints nothing: the SVG starts empty (the figure's background is its own rectangle). */
  clearRect(): void {}
  clip(): void {
    const id = `${this.canvas.id}-clip${++this.clips}`;
    this.parts.push(`<clipPath id="${id}"><path d="${this.path.join('')}"/></clipPath><g clip-path="url(#${id})">`);
    this.state.groups += 1;
    this.openGroups += 1;
  }

  // --- text
  measureText(text: string): ReturnType<SKRSContext2D['measureText']> {
    this.measurer.font = this.state.font;
    return this.measurer.measureText(text);
  }
  fillText(text: string, x: number, y: number): void {
    const { colour, opacity } = svgColour(this.state.fillStyle);
    const alpha = opacity * this.state.globalAlpha;
    if (alpha <= 0 || text.length === 0) return;
    const font = parseFont(this.state.font);
    const shift: Record<string, number> = {
      top: ASCENT,
      hanging: ASCENT * 0.8,
      middle: (ASCENT - DESCENT) / 2,
      bottom: -DESCENT,
      ideographic: -DESCENT,
    };
    const dy = (shift[this.state.textBaseline] ?? 0) * font.size;
    const anchor = { center: 'middle', right: 'end', end: 'end' }[this.state.textAlign] ?? 'start';
    const m = this.state.matrix;
    const attributes = [
      `x="${num(x)}"`,
      `y="${num(y + dy)}"`,
      `transform="matrix(${m.map(num).join(' ')})"`,
      `font-family="${escapeXml(font.family)}"`,
      `font-size="${num(font.size)}"`,
      // SVG readers (and svg-to-pdfkit) know bold, not 600
      /^(bold|bolder|[6-9]00)$/.test(font.weight) ? 'font-weight="bold"' : '',
      font.style === 'normal' ? '' : `font-style="${font.style}"`,
      anchor === 'start' ? '' : `text-anchor="${anchor}"`,
      `fill="${escapeXml(colour)}"`,
      alpha < 1 ? `fill-opacity="${num(alpha)}"` : '',
    ].filter((a) => a.length > 0);
    this.parts.push(`<text ${attributes.join(' ')}>${escapeXml(text)}</text>`);
  }
  strokeText(): void {}

  // --- images
  drawImage(source: SvgImageSource, dx: number, dy: number, dw?: number, dh?: number): void {
    const width = dw ?? source.width;
    const height = dh ?? source.height;
    const m = multiply(this.state.matrix, [width / source.width, 0, 0, height / source.height, dx, dy]);
    const transform = `matrix(${m.map(num).join(' ')})`;
    if (source instanceof SvgSurface) {
      this.parts.push(`<g transform="${transform}">${source.body()}</g>`);
      return;
    }
    const png = source.encodeSync('png').toString('base64');
    this.parts.push(
      `<image width="${source.width}" height="${source.height}" transform="${transform}" preserveAspectRatio="none"${this.state.imageSmoothingEnabled ? '' : ' style="image-rendering:pixelated"'} xlink:href="data:image/png;base64,${png}"/>`,
    );
  }
}

/**
 * A canvas-like surface (what chart.js is given) whose 2D context writes SVG. chart.js sizes it
 * through width and height, as it does a canvas.
 */
let surfaces = 0;

export class SvgSurface {
  readonly context: SvgContext;
  /** chart.js sets style sizes on a canvas; kept so it can. */
  readonly style: Record<string, string> = {};
  /** Unique among the surfaces of one process, so clip ids stay unique when one surface is drawn into another. */
  readonly id = `s${++surfaces}`;

  constructor(
    public width: number,
    public height: number,
  ) {
    this.context = new SvgContext(this);
  }

  getContext(kind: string): SvgContext | null {
    return kind === '2d' ? this.context : null;
  }

  /** The drawing, without the <svg> element (for embedding one surface in another). */
  body(): string {
    return this.context.parts.join('') + '</g>'.repeat(Math.max(0, this.context.openGroups));
  }

  /** A standalone SVG document with a title element and a white background. */
  /**
   * The SVG document; `printed` gives its size on paper in points (the drawing's pixels are scaled
   * into it by the viewBox), else it is as many pixels as it was drawn.
   */
  toSvg(options: { title?: string; desc?: string; printed?: { width: number; height: number } } = {}): string {
    const { width, height } = this;
    const size = options.printed
      ? `width="${num(options.printed.width)}pt" height="${num(options.printed.height)}pt"`
      : `width="${width}" height="${height}"`;
    return [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ${size} viewBox="0 0 ${width} ${height}">`,
      options.title ? `<title>${escapeXml(options.title)}</title>` : '',
      options.desc ? `<desc>${escapeXml(options.desc)}</desc>` : '',
      `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
      this.body(),
      `</svg>`,
      '',
    ].join('\n');
  }
}
