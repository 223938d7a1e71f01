/**
 * Draws a neighbour strip (src/shared/figures/neighbour-strip.ts) on a canvas (PNG) or an SVG
 * surface: the title, then per run its heading and sentence and a row of thumbnails — the case
 * image, then its nearest training images with their labels and distances.
 */
import { STRIP_LAYOUT, type NeighbourStrip, type StripImage } from '../../../shared/figures';
import { font, rgbaOf, upscaledRaster, wrap, type PanelDrawer } from './panel';

const raster = (image: StripImage) => upscaledRaster(rgbaOf(image.pixels, image.shape), image.shape[1], image.shape[0]);

/** One line that fits `width`: cut with an ellipsis when it does not. */
function fitted(ctx: PanelDrawer['ctx'], text: string, width: number): string {
  const [first = '', second] = wrap(ctx, text, width);
  return second === undefined ? first : `${first.replace(/\s*\S{0,2}$/, '')}…`;
}

export function drawStrip(strip: NeighbourStrip, drawer: Pick<PanelDrawer, 'ctx' | 'raster'>): void {
  const { ctx } = drawer;
  const l = STRIP_LAYOUT;
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, strip.width, strip.height);
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.fillStyle = '#1f2328';
  ctx.font = font(16, true);
  ctx.fillText(fitted(ctx, strip.title, strip.width - 2 * l.margin), l.margin, l.margin + 16);
  const textWidth = strip.width - 2 * l.margin;
  let top = l.margin + l.titleHeight;
  for (const row of strip.rows) {
    ctx.textAlign = 'left';
    ctx.font = font(13, true);
    ctx.fillStyle = row.wrong ? '#b42318' : '#1f2328';
    ctx.fillText(row.heading, l.margin, top + 13);
    const headingWidth = ctx.measureText(`${row.heading}  `).width;
    ctx.font = font(13);
    ctx.fillStyle = '#333333';
    ctx.fillText(fitted(ctx, row.sentence, textWidth - headingWidth), l.margin + headingWidth, top + 13);
    const tilesTop = top + l.headingHeight;
    let x = l.margin;
    row.tiles.forEach((tile, i) => {
      drawer.raster(raster(tile.image), x, tilesTop, l.tile, l.tile);
      ctx.strokeStyle = i === 0 ? '#1f2328' : '#c9ced6';
      ctx.lineWidth = i === 0 ? 2 : 1;
      ctx.strokeRect(x, tilesTop, l.tile, l.tile);
      ctx.textAlign = 'center';
      ctx.fillStyle = '#1f2328';
      ctx.font = font(12, tile.predicted);
      ctx.fillText(fitted(ctx, tile.className, l.tile + l.tileGap - 2), x + l.tile / 2, tilesTop + l.tile + 14);
      ctx.font = font(11);
      ctx.fillStyle = '#59636e';
      const detail = tile.distance === null ? tile.name : `${tile.name} · ${tile.distance}`;
      ctx.fillText(fitted(ctx, detail, l.tile + l.tileGap - 2), x + l.tile / 2, tilesTop + l.tile + 28);
      x += l.tile + l.tileGap;
    });
    top = tilesTop + l.tile + l.labelHeight + l.rowGap;
  }
  ctx.restore();
}
