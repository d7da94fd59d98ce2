/**
 * The downloadable copy of a patient's access history (CSV, PDF, JSON), each entry with its
 * RFC 9162 inclusion proof against a signed tree head of the ledger, so that the copy can later
 * show that these entries were in the ledger and the hospital cannot quietly drop or alter one.
 * The PDF embeds a subset of Noto Sans SC (OFL) so Chinese and English both print.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import PDFDocument from 'pdfkit';
import { CustosError, ErrorCode } from '../errors/index.ts';
import {
  exportTreeHead,
  getInclusionProof,
  getTreeHead,
  type LedgerTables,
  type TreeHead,
} from '../ledger/index.ts';
import { channelText, formatTime, label } from './i18n.ts';
import type { AccessLine, PortalLocale } from './types.ts';

/** One history line with its proof. */
export interface ProvenLine {
  line: AccessLine;
  entryHash: string;
  leafIndex: number;
  treeSize: number;
  /** Audit path, hex, leaf to root. */
  path: string[];
}

/** The whole downloadable copy before formatting. */
export interface HistoryCopy {
  tenant: string;
  patientId: string;
  generatedAt: Date;
  locale: PortalLocale;
  lines: ProvenLine[];
  truncated: boolean;
  /** The signed head every proof is against (null when the ledger has no signer). */
  head: TreeHead | null;
  /** The head as exported for witnesses (JSON text), with the public key when known. */
  headDocument: string | null;
  rootHash: string;
  treeSize: number;
}

/** Attaches inclusion proofs against the newest signed head (signed now if entries are newer). */
export async function proveLines(
  db: Kysely<LedgerTables>,
  tenant: string,
  lines: readonly AccessLine[],
  signTreeHead: () => Promise<unknown>,
  publicKeyPem: string | undefined,
): Promise<Pick<HistoryCopy, 'lines' | 'head' | 'headDocument' | 'rootHash' | 'treeSize'>> {
  await signTreeHead();
  const head = await getTreeHead(db, tenant);
  const proven: ProvenLine[] = [];
  let rootHash = head ? head.rootHash.toString('hex') : '';
  let treeSize = head?.treeSize ?? 0;
  for (const line of lines) {
    const p = await getInclusionProof(db, {
      tenant,
      seq: line.seq,
      ...(head ? { treeSize: head.treeSize } : {}),
    });
    rootHash = p.rootHash.toString('hex');
    treeSize = p.treeSize;
    proven.push({
      line,
      entryHash: p.entryHash.toString('hex'),
      leafIndex: p.leafIndex,
      treeSize: p.treeSize,
      path: p.path.map((b) => b.toString('hex')),
    });
  }
  return {
    lines: proven,
    head,
    headDocument: head ? exportTreeHead(head, publicKeyPem) : null,
    rootHash,
    treeSize,
  };
}

function who(l: AccessLine, locale: PortalLocale): string {
  const parts = [l.name, l.roles.join('/'), l.organisation].filter((x) => x && x.length > 0);
  if (l.actorType === 'system')
    return locale === 'en' ? 'Custos (automatic)' : 'Custos（系统自动）';
  return parts.join(' · ');
}

/** RFC 4180 field: quoted when needed; a leading = + - @ is neutralised (spreadsheet injection). */
function csvField(v: string | number | boolean | null): string {
  let s = v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The copy as CSV (UTF-8 with BOM so spreadsheet programs read Chinese correctly). */
export function renderCsv(copy: HistoryCopy): Buffer {
  const header = [
    'seq',
    'time',
    'actor_type',
    'name',
    'roles',
    'organisation',
    'department',
    'purpose',
    'reasons',
    'channel',
    'decision',
    'break_glass',
    'entry_hash',
    'leaf_index',
    'tree_size',
    'root_hash',
    'audit_path',
  ];
  const rows = copy.lines.map(({ line: l, entryHash, leafIndex, treeSize, path }) =>
    [
      l.seq,
      l.at,
      l.actorType,
      l.name,
      l.roles.join('/'),
      l.organisation,
      l.department,
      l.purpose,
      l.reasonText,
      l.channel,
      l.decision,
      l.breakGlass,
      entryHash,
      leafIndex,
      treeSize,
      copy.rootHash,
      path.join(':'),
    ]
      .map(csvField)
      .join(','),
  );
  return Buffer.from('\ufeff' + [header.join(','), ...rows].join('\r\n') + '\r\n', 'utf8');
}

/** The copy as JSON (for verification tools). */
export function renderJson(copy: HistoryCopy): Buffer {
  return Buffer.from(
    JSON.stringify(
      {
        format: 'custos-patient-access-history/1',
        tenant: copy.tenant,
        patient: copy.patientId,
        generatedAt: copy.generatedAt.toISOString(),
        truncated: copy.truncated,
        treeHead: copy.headDocument ? (JSON.parse(copy.headDocument) as unknown) : null,
        treeSize: copy.treeSize,
        rootHash: copy.rootHash,
        entries: copy.lines.map((p) => ({ ...p.line, proof: { ...p, line: undefined } })),
      },
      null,
      2,
    ) + '\n',
  );
}

let fontCache: Buffer | undefined;

/** Noto Sans SC Regular from the npm package (SIL Open Font License). */
export function loadCjkFont(): Buffer {
  if (!fontCache) {
    try {
      const require = createRequire(import.meta.url);
      fontCache = readFileSync(
        require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
      );
    } catch {
      throw new CustosError(
        ErrorCode.Internal,
        'the PDF font (@expo-google-fonts/noto-sans-sc) is not installed',
      );
    }
  }
  return fontCache;
}

/** The copy as an A4 PDF in the patient's language, proofs in an appendix. */
export async function renderPdf(copy: HistoryCopy): Promise<Buffer> {
  const L = (k: string) => label(k, copy.locale);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 48, bottom: 48, left: 44, right: 44 },
    info: { Title: L('title'), Producer: 'Custos', Creator: 'Custos patient portal' },
    compress: true,
  });
  doc.registerFont('cjk', loadCjkFont());
  doc.font('cjk');
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 88;
  doc.fontSize(18).text(L('title'));
  doc
    .moveDown(0.3)
    .fontSize(9)
    .fillColor('#555')
    .text(
      `${L('generated')}: ${formatTime(copy.generatedAt, copy.locale)} (UTC+8) · ${copy.lines.length} ${L('entries')}${copy.truncated ? ' …' : ''}`,
    );
  doc.moveDown(0.8).fillColor('#000');
  for (const { line: l } of copy.lines) {
    if (doc.y > doc.page.height - 120) doc.addPage();
    doc
      .fontSize(10)
      .fillColor(l.breakGlass ? '#b00020' : '#000')
      .text(
        `${formatTime(new Date(l.at), copy.locale)}  ·  ${channelText(l.channel, copy.locale)}${l.breakGlass ? `  ·  ${L('breakGlass')}` : ''}${l.decision === 'deny' ? (copy.locale === 'en' ? '  ·  refused' : '  ·  已拒绝') : ''}`,
        { width },
      );
    doc.fillColor('#000').fontSize(9);
    doc.text(`${L('who')}: ${who(l, copy.locale)}`, { width });
    if (l.department) doc.text(`${L('department')}: ${l.department}`, { width });
    doc.text(`${L('purpose')}: ${[l.purpose, l.reasonText].filter(Boolean).join(' — ')}`, {
      width,
    });
    doc.fillColor('#777').fontSize(7).text(`#${l.seq}`, { width });
    doc
      .moveTo(44, doc.y + 3)
      .lineTo(44 + width, doc.y + 3)
      .strokeColor('#ddd')
      .stroke();
    doc.moveDown(0.6);
  }
  doc.addPage();
  doc.fillColor('#000').fontSize(13).text(L('proof'));
  doc.moveDown(0.3).fontSize(8).text(L('proofIntro'), { width });
  doc.moveDown(0.5).fontSize(9).text(L('treeHead'));
  doc
    .fontSize(7)
    .text(copy.headDocument ?? `{"treeSize": ${copy.treeSize}, "rootHash": "${copy.rootHash}"}`, {
      width,
    });
  doc.moveDown(0.5);
  for (const p of copy.lines) {
    if (doc.y > doc.page.height - 90) doc.addPage();
    doc
      .fontSize(7)
      .fillColor('#000')
      .text(`#${p.line.seq}  leaf ${p.leafIndex} / ${p.treeSize}  entry ${p.entryHash}`, {
        width,
      });
    doc.fillColor('#555').fontSize(6).text(p.path.join(' '), { width });
    doc.moveDown(0.3);
  }
  doc.end();
  return done;
}
