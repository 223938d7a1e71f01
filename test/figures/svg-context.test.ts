import { describe, expect, it } from 'vitest';
import { SvgSurface, parseFont, svgColour } from '../../src/main/lab/figures/svg-context';
import { svgTexts, wellFormed } from './svg';

describe('the SVG 2D context', () => {
  it('closes a clip group when the state that opened it is restored, even after nested saves', () => {
    const surface = new SvgSurface(100, 100);
    const ctx = surface.context;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, 10, 10);
    ctx.clip();
    ctx.save();
    ctx.fillRect(0, 0, 5, 5);
    ctx.restore();
    ctx.restore();
    ctx.fillText('after', 50, 50);
    const svg = surface.toSvg();
    expect(wellFormed(svg)).toBe(true);
    // the text drawn after the restore is outside the clip group
    expect(svg.indexOf('</g>')).toBeLessThan(svg.indexOf('>after<'));
  });

  it('writes text as one <text> per string with its anchor, size and transform', () => {
    const surface = new SvgSurface(200, 100);
    const ctx = surface.context;
    ctx.font = "bold 15px 'Liberation Sans', sans-serif";
    ctx.textAlign = 'center';
    ctx.translate(10, 20);
    ctx.fillText('A title & <more>', 90, 10);
    const svg = surface.toSvg();
    expect(svgTexts(svg)).toEqual(['A title & <more>']);
    expect(svg).toContain('text-anchor="middle"');
    expect(svg).toContain('font-weight="bold"');
    expect(svg).toContain('transform="matrix(1 0 0 1 10 20)"');
  });

  it('turns CSS colours into SVG colours and opacities', () => {
    expect(svgColour('#2563eb99')).toEqual({ colour: '#2563eb', opacity: 0x99 / 255 });
    expect(svgColour('rgba(0, 0, 0, 0.1)')).toEqual({ colour: '#000000', opacity: 0.1 });
    expect(svgColour('#abc')).toEqual({ colour: '#aabbcc', opacity: 1 });
    expect(parseFont("normal 600 12px 'Liberation Sans'")).toMatchObject({ size: 12, weight: '600' });
  });
});
