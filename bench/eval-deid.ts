/**
 * Precision and recall of the de-identification recognizers on public annotated corpora in
 * ../shared/data: PhysioNet deid (English nursing notes), Presidio's synthetic English set and
 * MSRA NER (Chinese). Run: `npm run bench -- eval-deid [--corpus physionet|presidio|msra|demo|dicom] [--errors N]
 * [--type T] [--half even|odd]`.
 *
 * Matching is by overlap: a gold span counts as found when any finding overlaps it (with a
 * compatible type for the per-type table); a finding counts as correct when it overlaps a gold span.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import {
  createAnalyzer,
  deidentifyDicom,
  type EntityType,
  type Finding,
} from '../src/deid/index.ts';
import { generateDemoHospital } from '../src/demo/index.ts';

const DATA = resolve(import.meta.dirname, '../../shared/data');
const args = process.argv.slice(2);
const only = args.includes('--corpus') ? args[args.indexOf('--corpus') + 1] : undefined;
const showErrors = args.includes('--errors') ? Number(args[args.indexOf('--errors') + 1]) : 0;
const errType = args.includes('--type') ? args[args.indexOf('--type') + 1] : undefined;
/** `--half even|odd`: only the documents of even or odd index (tune on one half, report both). */
const half = args.includes('--half') ? args[args.indexOf('--half') + 1] : undefined;

interface Gold {
  doc: number;
  start: number;
  end: number;
  type: string;
}

interface Doc {
  text: string;
  gold: Gold[];
}

type Compat = Record<string, EntityType[] | 'any'>;

interface Counts {
  tp: number;
  fn: number;
}

function evaluate(
  name: string,
  docs: Doc[],
  compat: Compat,
  analyze: (t: string) => Finding[],
  notes: string,
): void {
  const t0 = performance.now();
  let bytes = 0;
  const perGold = new Map<string, Counts>();
  const perPred = new Map<string, { tp: number; fp: number }>();
  let goldTotal = 0;
  let goldFound = 0;
  let predTotal = 0;
  let predOk = 0;
  const misses: string[] = [];
  const falsePos: string[] = [];
  for (const [di, d] of docs.entries()) {
    if ((half === 'even' && di % 2 === 1) || (half === 'odd' && di % 2 === 0)) continue;
    bytes += Buffer.byteLength(d.text);
    const preds = analyze(d.text);
    for (const g of d.gold) {
      const c = perGold.get(g.type) ?? { tp: 0, fn: 0 };
      const ok = compat[g.type] ?? [];
      const anyHit = preds.some((p) => p.start < g.end && g.start < p.end);
      const typedHit = preds.some(
        (p) => p.start < g.end && g.start < p.end && (ok === 'any' || ok.includes(p.type)),
      );
      goldTotal++;
      if (anyHit) goldFound++;
      if (typedHit) c.tp++;
      else {
        c.fn++;
        if (misses.length < 100000 && (!errType || errType === g.type)) {
          const ctx = d.text.slice(Math.max(0, g.start - 40), g.end + 40).replace(/\s+/g, ' ');
          misses.push(`${g.type} «${d.text.slice(g.start, g.end)}» doc ${di}: …${ctx}…`);
        }
      }
      perGold.set(g.type, c);
    }
    for (const p of preds) {
      predTotal++;
      const hit = d.gold.some((g) => p.start < g.end && g.start < p.end);
      const c = perPred.get(p.type) ?? { tp: 0, fp: 0 };
      if (hit) {
        predOk++;
        c.tp++;
      } else {
        c.fp++;
        if (!errType || errType === p.type) {
          const ctx = d.text.slice(Math.max(0, p.start - 40), p.end + 40).replace(/\s+/g, ' ');
          falsePos.push(`${p.type} «${d.text.slice(p.start, p.end)}» (${p.why}) …${ctx}…`);
        }
      }
      perPred.set(p.type, c);
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '—');
  console.log(`\n### ${name}\n`);
  console.log(notes);
  const n = half
    ? docs.filter((_, i) => (half === 'even' ? i % 2 === 0 : i % 2 === 1)).length
    : docs.length;
  console.log(
    `\n${n} documents${half ? ` (${half}-numbered half)` : ''}, ${(bytes / 1e6).toFixed(2)} MB, ${secs.toFixed(1)} s (${(bytes / 1e6 / secs).toFixed(2)} MB/s including first-use loading)\n`,
  );
  console.log(
    `All PHI (any type): recall ${f(goldFound / goldTotal)} (${goldFound}/${goldTotal}), precision ${f(predOk / predTotal)} (${predOk}/${predTotal}); TP ${goldFound}, FN ${goldTotal - goldFound}, FP ${predTotal - predOk}\n`,
  );
  console.log('| gold type | spans | recall (type-compatible finding) |');
  console.log('|---|---:|---:|');
  for (const [t, c] of [...perGold.entries()].sort(
    (a, b) => b[1].tp + b[1].fn - (a[1].tp + a[1].fn),
  )) {
    console.log(`| ${t} | ${c.tp + c.fn} | ${f(c.tp / (c.tp + c.fn))} |`);
  }
  console.log('\n| finding type | findings | precision (overlaps a gold span) |');
  console.log('|---|---:|---:|');
  for (const [t, c] of [...perPred.entries()].sort(
    (a, b) => b[1].tp + b[1].fp - (a[1].tp + a[1].fp),
  )) {
    console.log(`| ${t} | ${c.tp + c.fp} | ${f(c.tp / (c.tp + c.fp))} |`);
  }
  if (showErrors > 0) {
    console.log(`\nmisses (first ${showErrors}):`);
    for (const m of misses.slice(0, showErrors)) console.log('  ' + m);
    console.log(`\nfalse positives (first ${showErrors}):`);
    for (const m of falsePos.slice(0, showErrors)) console.log('  ' + m);
  }
}

function absent(name: string, path: string): void {
  console.log(`\n### ${name}\n\nDATA ABSENT: ${path} not found; nothing measured.`);
}

const analyzer = createAnalyzer();

// ---- PhysioNet deid v1.1 ----
function physionet(): void {
  const dir = join(DATA, 'physionet-deid');
  if (!existsSync(join(dir, 'id.text')) || !existsSync(join(dir, 'id-phi.phrase')))
    return absent('PhysioNet deid', dir);
  const raw = readFileSync(join(dir, 'id.text'), 'utf8');
  const docs = new Map<string, Doc>();
  const order: Doc[] = [];
  const rx = /START_OF_RECORD=(\d+)\|\|\|\|(\d+)\|\|\|\|\n([\s\S]*?)\|\|\|\|END_OF_RECORD/g;
  let m: RegExpExecArray | null;
  while ((m = rx.exec(raw)) !== null) {
    const d = { text: m[3]!, gold: [] };
    docs.set(`${m[1]}-${m[2]}`, d);
    order.push(d);
  }
  let bad = 0;
  for (const line of readFileSync(join(dir, 'id-phi.phrase'), 'utf8').split('\n')) {
    const p = line.split(' ');
    if (p.length < 6) continue;
    const d = docs.get(`${p[0]}-${p[1]}`);
    if (!d) continue;
    const start = Number(p[2]);
    const end = Number(p[3]);
    const phrase = p.slice(5).join(' ');
    if (d.text.slice(start, end) !== phrase) bad++;
    d.gold.push({ doc: 0, start, end, type: p[4]! });
  }
  const person: EntityType[] = ['PERSON'];
  evaluate(
    'PhysioNet deid v1.1 (2,434 nursing notes)',
    order,
    {
      HCPName: person,
      PTName: person,
      PTNameInitial: person,
      RelativeProxyName: person,
      Location: ['LOCATION', 'ADDRESS', 'ORGANIZATION'],
      Date: ['DATE'],
      DateYear: ['DATE'],
      Phone: ['PHONE'],
      Age: ['AGE'],
      Other: 'any',
    },
    (t) => analyzer.analyze(t, { lang: 'en' }),
    `Baseline (the corpus's own deid.pl v1.1): recall 0.967, precision 0.748 (TP 1720, FP 546, FN 59).${bad ? ` (${bad} gold spans did not match the text)` : ''}`,
  );
}

// ---- Presidio synthetic ----
function presidio(): void {
  const path = join(DATA, 'presidio-synth', 'synth_dataset_v2.json');
  if (!existsSync(path)) return absent('Presidio synthetic', path);
  const items = JSON.parse(readFileSync(path, 'utf8')) as {
    full_text: string;
    spans: { entity_type: string; start_position: number; end_position: number }[];
  }[];
  // TITLE (Mr, Dr) and NRP (nationality/religion/politics) are not identifiers; they are not scored.
  const skip = new Set(['TITLE', 'NRP']);
  const docs: Doc[] = items.map((it) => ({
    text: it.full_text,
    gold: it.spans
      .filter((s) => !skip.has(s.entity_type))
      .map((s) => ({ doc: 0, start: s.start_position, end: s.end_position, type: s.entity_type })),
  }));
  evaluate(
    'Presidio research synthetic set v2 (1,500 English sentences)',
    docs,
    {
      PERSON: ['PERSON'],
      STREET_ADDRESS: ['ADDRESS', 'LOCATION'],
      GPE: ['LOCATION', 'ADDRESS'],
      ORGANIZATION: ['ORGANIZATION'],
      CREDIT_CARD: ['BANK_CARD'],
      DATE_TIME: ['DATE'],
      PHONE_NUMBER: ['PHONE'],
      AGE: ['AGE'],
      EMAIL_ADDRESS: ['EMAIL'],
      ZIP_CODE: ['ZIP_CODE', 'ADDRESS'],
      DOMAIN_NAME: ['URL'],
      IBAN_CODE: 'any',
      US_SSN: ['US_SSN'],
      IP_ADDRESS: ['IP_ADDRESS'],
      US_DRIVER_LICENSE: 'any',
    },
    (t) => analyzer.analyze(t, { lang: 'en' }),
    'TITLE and NRP spans are not scored (not identifiers). AGE gold includes all ages; Custos flags only ages over 89 (HIPAA Safe Harbor).',
  );
}

// ---- MSRA NER ----
function msra(): void {
  const dir = join(DATA, 'msra-ner');
  const s = join(dir, 'test.sentences.txt');
  if (!existsSync(s)) return absent('MSRA NER', dir);
  const sents = readFileSync(s, 'utf8').split('\n');
  const tags = readFileSync(join(dir, 'test.tags.txt'), 'utf8').split('\n');
  const docs: Doc[] = [];
  for (let i = 0; i < sents.length; i++) {
    const chars = sents[i]!.trim().split(' ').filter(Boolean);
    const tg = (tags[i] ?? '').trim().split(' ');
    if (chars.length === 0 || chars.length !== tg.length) continue;
    const text = chars.join('');
    // Offsets: chars may be multi-code-unit; compute UTF-16 starts.
    const starts: number[] = [];
    let pos = 0;
    for (const c of chars) {
      starts.push(pos);
      pos += c.length;
    }
    const gold: Gold[] = [];
    let cur: Gold | undefined;
    for (let k = 0; k < tg.length; k++) {
      const t = tg[k]!;
      if (t.startsWith('B-') || (t.startsWith('I-') && (!cur || cur.type !== t.slice(2)))) {
        if (cur) gold.push(cur);
        cur = { doc: i, start: starts[k]!, end: starts[k]! + chars[k]!.length, type: t.slice(2) };
      } else if (t.startsWith('I-') && cur) cur.end = starts[k]! + chars[k]!.length;
      else {
        if (cur) gold.push(cur);
        cur = undefined;
      }
    }
    if (cur) gold.push(cur);
    docs.push({ text, gold });
  }
  evaluate(
    'MSRA NER test split (3,442 Chinese news sentences)',
    docs,
    { PER: ['PERSON'], LOC: ['LOCATION', 'ADDRESS'], ORG: ['ORGANIZATION'] },
    (t) => analyzer.analyze(t, { lang: 'zh' }),
    'News text, not clinical notes: only PERSON, LOCATION/ADDRESS and ORGANIZATION findings can match; dates and numbers found in the news count as false positives.',
  );
}

// ---- Demo hospital notes (generated, with exact PHI spans) ----
function demoNotes(): void {
  const h = generateDemoHospital({
    patients: 400,
    staff: 120,
    days: 30,
    seed: 'eval-deid',
    tenant: 'eval',
    now: '2026-06-30T00:00:00Z',
  });
  const docs: Doc[] = h.notes.map((n) => ({
    text: n.text,
    gold: n.phi.map((p) => ({ doc: 0, start: p.start, end: p.end, type: p.type })),
  }));
  const zh = h.notes.filter((n) => n.language === 'zh').length;
  evaluate(
    `Demo hospital notes (${docs.length} generated notes: ${zh} Chinese, ${docs.length - zh} English)`,
    docs,
    {
      name: ['PERSON'],
      'staff-name': ['PERSON'],
      'id-number': ['ID_CARD', 'PASSPORT', 'TRAVEL_PERMIT'] as EntityType[],
      phone: ['PHONE'],
      address: ['ADDRESS', 'LOCATION'],
      date: ['DATE'],
      mrn: ['MEDICAL_RECORD_NUMBER'] as EntityType[],
      age: ['AGE'],
    },
    (t) => analyzer.analyze(t, { lang: 'auto' }),
    'Generated by src/demo (seed "eval-deid", 400 patients, 30 days). Age spans mark every age; Custos reports only ages over 89 (HIPAA Safe Harbor), so age recall is low by design.',
  );
}

if (!only || only === 'physionet') physionet();
if (!only || only === 'demo') demoNotes();
if (!only || only === 'presidio') presidio();
if (!only || only === 'msra') msra();

// ---- DICOM against PS3.15 Table E.1-1 ----
interface AnnexRow {
  name: string;
  id: string;
  basicProfile: string;
}
interface DcmEl {
  vr: string;
  Value?: unknown[];
}
function dicomAnnexE(): void {
  const table = join(DATA, 'dicom-ps315-annexE', 'confidentiality_profile_attributes.json');
  const dirs = [
    'dicom-samples-deid-data/humans',
    'dicom-samples-deid-data/dicom-cookies',
    'dicom-samples-pydicom',
  ].map((d) => join(DATA, d));
  if (!existsSync(table)) return absent('DICOM Annex E', table);
  const rows = JSON.parse(readFileSync(table, 'utf8')) as AnnexRow[];
  const exact = new Map(rows.filter((r) => !/x/i.test(r.id)).map((r) => [r.id.toUpperCase(), r]));
  const dcm = createRequire(import.meta.url)('dcmjs') as {
    data: { DicomMessage: { readFile(b: ArrayBuffer): { dict: Record<string, DcmEl> } } };
    log: { setLevel(l: string): void };
  };
  dcm.log.setLevel('silent');
  const key = Buffer.alloc(32, 11);
  let files = 0;
  let rejected = 0;
  let checked = 0;
  let ok = 0;
  const bad = new Map<string, number>();
  const empty = (e: DcmEl | undefined): boolean =>
    (e?.Value ?? []).every((v) => v === '' || v === null);
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.dcm'))) {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      let out: Uint8Array;
      try {
        out = deidentifyDicom(bytes, { key }).output;
      } catch {
        rejected++;
        continue;
      }
      files++;
      const before = dcm.data.DicomMessage.readFile(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      ).dict;
      const after = dcm.data.DicomMessage.readFile(
        out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer,
      ).dict;
      for (const [tag, el] of Object.entries(before)) {
        const row = exact.get(tag);
        if (!row || empty(el)) continue;
        checked++;
        const a = after[tag];
        const allowed = row.basicProfile.replace('*', '').split('/');
        const pass = allowed.some((act) => {
          switch (act) {
            case 'X':
              return a === undefined;
            case 'Z':
              return a !== undefined && (empty(a) || /ANON-/.test(JSON.stringify(a.Value)));
            case 'D':
              return a !== undefined && JSON.stringify(a.Value) !== JSON.stringify(el.Value);
            case 'U':
              // A UID is remapped; in a sequence (U*) the UIDs inside are.
              return (
                a !== undefined &&
                (el.vr === 'SQ'
                  ? JSON.stringify(a.Value) !== JSON.stringify(el.Value)
                  : String(a.Value?.[0]).startsWith('2.25.'))
              );
            case 'K':
            case 'C':
              return true;
            default:
              return false;
          }
        });
        if (pass) ok++;
        else
          bad.set(
            `${tag} ${row.name} (${row.basicProfile})`,
            (bad.get(`${tag} ${row.name} (${row.basicProfile})`) ?? 0) + 1,
          );
      }
    }
  }
  console.log('\n### DICOM: PS3.15 Annex E basic profile on the sample files\n');
  console.log(
    `${files} files de-identified, ${rejected} rejected with CUSTOS_INPUT_INVALID (no meta header, mis-parsed, unsupported).`,
  );
  console.log(
    `Attributes of Table E.1-1 present (non-empty) in the inputs: ${checked}; handled as the basic profile requires: ${ok} (${((ok / Math.max(1, checked)) * 100).toFixed(1)}%).`,
  );
  for (const [k, n] of bad) console.log(`  not as required: ${k} × ${n}`);
}

if (!only || only === 'dicom') dicomAnnexE();
