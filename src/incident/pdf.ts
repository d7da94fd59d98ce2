/**
 * PDF rendering of notices and reports with pdfkit. Chinese prints with Noto Sans SC (SIL Open
 * Font License) from the `@expo-google-fonts/noto-sans-sc` npm package, embedded as a subset of
 * the glyphs used.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { CustosError, ErrorCode } from '../errors/index.ts';

let font: Buffer | undefined;

function cjkFont(): Buffer {
  if (!font) {
    try {
      const require = createRequire(import.meta.url);
      font = readFileSync(
        require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
      );
    } catch {
      throw new CustosError(
        ErrorCode.Internal,
        'the PDF font (@expo-google-fonts/noto-sans-sc) is not installed',
      );
    }
  }
  return font;
}

/** One section of a PDF: a heading line and the text under it. */
export interface PdfPart {
  heading: string;
  text: string;
}

/** Renders parts on A4 pages (each part starts on a new page) and returns the PDF bytes. */
export async function renderTextPdf(title: string, parts: readonly PdfPart[]): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 56, right: 56 },
    info: { Title: title, Producer: 'Custos', Creator: 'Custos breach response' },
    compress: true,
  });
  doc.registerFont('cjk', cjkFont());
  doc.font('cjk');
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 112;
  parts.forEach((p, i) => {
    if (i > 0) doc.addPage();
    doc.fillColor('#000').fontSize(15).text(p.heading, { width });
    doc.moveDown(0.6).fontSize(10.5);
    for (const line of p.text.split('\n')) {
      if (line === '') doc.moveDown(0.4);
      else doc.text(line, { width, lineGap: 2 });
    }
  });
  doc.end();
  return done;
}
