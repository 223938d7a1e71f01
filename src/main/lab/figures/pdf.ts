/** SVG → PDF, vector: pdfkit draws the SVG (svg-to-pdfkit), text as text in an embedded font. */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { liberationSans } from './fonts';

/** A one-page PDF exactly the SVG's size (1 SVG pixel = 1 PDF point), with the title as metadata. */
export function svgToPdf(svg: string, width: number, height: number, title: string): Promise<Buffer> {
  return new Promise((resolvePdf, reject) => {
    const doc = new PDFDocument({ size: [width, height], margin: 0, info: { Title: title, Creator: 'Casebook' } });
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
