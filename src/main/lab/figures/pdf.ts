/** SVG → PDF, vector: pdfkit draws the SVG (svg-to-pdfkit), text as text in an embedded font. */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { liberationSans } from './fonts';

interface Size {
  width: number;
  height: number;
}

/**
 * A one-page PDF of the page's size in points with the SVG (of the drawing's size in pixels)
 * scaled to fill it — 1 SVG pixel = 1 point at the screen's size — and the title as metadata.
 */
export function svgToPdf(
  svg: string,
  { drawing, page, title }: { drawing: Size; page: Size; title: string },
): Promise<Buffer> {
  const { width, height } = drawing;
  return new Promise((resolvePdf, reject) => {
    const doc = new PDFDocument({
      size: [page.width, page.height],
      margin: 0,
      info: { Title: title, Creator: 'Casebook' },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolvePdf(Buffer.concat(chunks)));
    doc.on('error', reject);
    const font = liberationSans();
    if (font) {
      doc.registerFont('FigureSans', font.regular);
      doc.registerFont('FigureSans-Bold', font.bold);
    }
    const warnings: string[] = [];
    // svg-to-pdfkit does not scale a viewBox into a size given in other units: scale the page
    doc.scale(page.width / width, page.height / height);
    SVGtoPDF(doc, svg, 0, 0, {
      width,
      height,
      assumePt: true,
      fontCallback: (_family: string, bold: boolean) =>
        font ? (bold ? 'FigureSans-Bold' : 'FigureSans') : bold ? 'Helvetica-Bold' : 'Helvetica',
      warningCallback: (warning: string) => warnings.push(warning),
    });
    doc.end();
  });
}
