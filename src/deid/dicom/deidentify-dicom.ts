/**
 * DICOM de-identification with dcmjs: PS3.15 Annex E Basic Profile and options, consistent UID
 * remapping within a project (keyed), private tags removed unless allow-listed, dates shifted per
 * patient, burned-in annotation regions masked for modalities known to carry them, and a report.
 * The output is re-parsed before it is returned.
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import { createAnalyzer, type Analyzer } from '../analyzer.ts';
import { patientDateShift } from '../dates.ts';
import { anonymize } from '../operators.ts';
import { ANNEX_E, CLASS_UIDS, SAFE_TEXT, type AnnexEAction } from './annex-e.ts';

interface Element {
  vr: string;
  Value?: unknown[];
  _rawValue?: unknown;
}
type Dataset = Record<string, Element>;
interface DicomDict {
  meta: Dataset;
  dict: Dataset;
  write(opts?: Record<string, unknown>): ArrayBuffer;
}
interface Dcmjs {
  data: {
    DicomMessage: { readFile(buf: ArrayBuffer, opts?: Record<string, unknown>): DicomDict };
    DicomDict: new (meta: Dataset) => DicomDict;
  };
  log: { setLevel(l: string): void };
}

let dcmjs: Dcmjs | undefined;
function lib(): Dcmjs {
  if (!dcmjs) {
    dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
    dcmjs.log.setLevel('silent');
  }
  return dcmjs;
}

/** Transfer syntaxes the de-identifier accepts (dcmjs parses these). */
export const SUPPORTED_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.201',
  '1.2.840.10008.1.2.4.202',
  '1.2.840.10008.1.2.4.203',
  '1.2.840.10008.1.2.5',
]);
const NATIVE = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.1.99',
]);

/** A rectangle of pixels (columns x, rows y). */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Named profiles: option sets commonly used together. */
export const DicomProfile = {
  /** Basic Application Level Confidentiality Profile alone. */
  Basic: 'basic',
  /** Research: basic + retain longitudinal temporal information (modified dates) + patient characteristics + clean descriptors. */
  Research: 'research',
  /** Teaching files: basic + clean descriptors. */
  Teaching: 'teaching',
} as const;
export type DicomProfile = (typeof DicomProfile)[keyof typeof DicomProfile];

/** Options of `deidentifyDicom`. */
export interface DicomDeidOptions {
  /** Project key (≥ 16 bytes): UID remapping, pseudonymous patient IDs and date shifts derive from it. */
  key: Uint8Array;
  profile?: DicomProfile;
  retainLongitudinalModifiedDates?: boolean;
  retainPatientCharacteristics?: boolean;
  retainDeviceIdentity?: boolean;
  retainInstitutionIdentity?: boolean;
  retainUids?: boolean;
  cleanDescriptors?: boolean;
  /** Private tags kept (8 hex digits, e.g. "00091001"); all other private tags are removed. */
  privateAllowList?: string[];
  /** Regions masked per modality (or SOP class UID); default: a top band on US and SC images. */
  burnedInRegions?: Record<string, Region[]>;
  /** Refuse images that may carry burned-in text that cannot be masked (compressed). Default false. */
  rejectUnmaskable?: boolean;
  maxShiftDays?: number;
  analyzer?: Analyzer;
}

/** What was done to one file. */
export interface DicomDeidReport {
  actions: Record<
    | 'removed'
    | 'emptied'
    | 'dummied'
    | 'kept'
    | 'cleaned'
    | 'uidsRemapped'
    | 'datesShifted'
    | 'privateRemoved',
    number
  >;
  /** Tags touched, with the action applied (tag → X/Z/D/K/C/U/S for shifted). */
  tags: Record<string, string>;
  burnedIn: {
    status: 'not-expected' | 'masked' | 'needs-review';
    masked: Region[];
    detected: Region[];
  };
  warnings: string[];
  options: string[];
}

const US_SC_SOP = /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.(?:6|3|7)/;

function fail(msg: string, extra: Record<string, unknown> = {}): never {
  throw new CustosError(ErrorCode.InputInvalid, msg, extra);
}

function str(el: Element | undefined): string | undefined {
  const v = el?.Value?.[0];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'Alphabetic' in v)
    return String((v as { Alphabetic: unknown }).Alphabetic);
  return undefined;
}

function setValue(el: Element, values: unknown[]): void {
  el.Value = values;
  delete el._rawValue;
}

/** Maps a UID to a new one under `key`: 2.25.<decimal of 128 bits of HMAC> (PS3.5 B.2). */
export function remapUid(uid: string, key: Uint8Array): string {
  const h = createHmac('sha256', key).update(`custos-deid-uid\0${uid.trim()}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x40; // UUID v4 layout, as PS3.5 B.2 expects a UUID-derived value
  h[8] = (h[8]! & 0x3f) | 0x80;
  return '2.25.' + BigInt('0x' + h.subarray(0, 16).toString('hex')).toString();
}

function dummyFor(vr: string): unknown {
  switch (vr) {
    case 'PN':
      return { Alphabetic: 'ANONYMIZED' };
    case 'DA':
      return '19000101';
    case 'TM':
      return '000000';
    case 'DT':
      return '19000101000000';
    case 'AS':
      return '000Y';
    case 'CS':
      return 'ANONYMIZED';
    case 'IS':
    case 'DS':
      return '0';
    default:
      return 'ANONYMIZED';
  }
}

function shiftDa(v: string, days: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})(.*)$/.exec(v.trim());
  if (!m) return v;
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + days * 86_400_000);
  if (Number.isNaN(t.getTime())) return '19000101' + m[4];
  return `${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')}${m[4]}`;
}

const TEXT_VRS = new Set(['LO', 'SH', 'LT', 'ST', 'UT', 'UC', 'AE', 'UR']);

/**
 * De-identifies one DICOM Part 10 file. Throws CUSTOS_INPUT_INVALID for input that is not
 * DICOM, is truncated beyond repair, or uses an unknown transfer syntax.
 */
export function deidentifyDicom(
  input: Uint8Array,
  opts: DicomDeidOptions,
): { output: Uint8Array; report: DicomDeidReport } {
  if (!opts.key || opts.key.length < 16)
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      'DICOM de-identification needs a project key of at least 16 bytes',
    );
  const profile = opts.profile ?? 'basic';
  const research = profile === 'research';
  const o = {
    longitudinal: opts.retainLongitudinalModifiedDates ?? research,
    patChars: opts.retainPatientCharacteristics ?? research,
    devId: opts.retainDeviceIdentity ?? false,
    instId: opts.retainInstitutionIdentity ?? false,
    uids: opts.retainUids ?? false,
    cleanDesc: opts.cleanDescriptors ?? (research || profile === 'teaching'),
  };
  const allowPrivate = new Set((opts.privateAllowList ?? []).map((t) => t.toUpperCase()));
  if (input.byteLength < 132)
    fail('not a DICOM Part 10 file: too short', { bytes: input.byteLength });
  const ab = input.buffer.slice(
    input.byteOffset,
    input.byteOffset + input.byteLength,
  ) as ArrayBuffer;
  const magic = new TextDecoder('latin1').decode(new Uint8Array(ab, 128, 4));
  if (magic !== 'DICM') fail('not a DICOM Part 10 file: no DICM preamble');
  let dd: DicomDict;
  try {
    dd = lib().data.DicomMessage.readFile(ab, { ignoreErrors: false });
  } catch (e) {
    // dcmjs messages may quote element values (personal data): report only the kind of failure.
    const kind = e instanceof RangeError ? 'truncated' : 'malformed';
    fail(`DICOM file is ${kind} and cannot be parsed`);
  }
  // Every composite IOD has SOP Class and SOP Instance UIDs (type 1). Their absence means the
  // parser went astray (e.g. a meta header that lies about the transfer syntax); dcmjs can then
  // loop forever writing the result, so stop here.
  if (!str(dd.dict['00080016']) || !str(dd.dict['00080018']))
    fail('DICOM file is malformed: no SOP Class/Instance UID found');
  // A mis-parsed length can make the parser hand back values larger than the file itself.
  const ts = str(dd.meta['00020010']);
  const limit =
    ts?.trim() === '1.2.840.10008.1.2.1.99' ? input.byteLength * 1032 : input.byteLength; // deflate ratio bound
  if (!valuesFit(dd.dict, limit, 0))
    fail('DICOM file is malformed: an element is longer than the file');
  if (!ts || !SUPPORTED_TRANSFER_SYNTAXES.has(ts.trim()))
    fail('unsupported or missing transfer syntax', { transferSyntax: ts ?? null });

  const report: DicomDeidReport = {
    actions: {
      removed: 0,
      emptied: 0,
      dummied: 0,
      kept: 0,
      cleaned: 0,
      uidsRemapped: 0,
      datesShifted: 0,
      privateRemoved: 0,
    },
    tags: {},
    burnedIn: { status: 'not-expected', masked: [], detected: [] },
    warnings: [],
    options: [],
  };
  const originalPatientId = str(dd.dict['00100020']) ?? str(dd.dict['00100010']) ?? '';
  const shift = patientDateShift(opts.key, `dicom\0${originalPatientId}`, opts.maxShiftDays);
  const pseudoId =
    'ANON-' +
    createHmac('sha256', opts.key)
      .update(`custos-deid-patient\0${originalPatientId}`)
      .digest('hex')
      .slice(0, 12)
      .toUpperCase();
  const analyzer = o.cleanDesc ? (opts.analyzer ?? createAnalyzer()) : undefined;

  const note = (tag: string, act: string): void => {
    if (!report.tags[tag]) report.tags[tag] = act;
  };

  const cleanText = (v: string): string => {
    const f = analyzer!.analyze(v);
    return anonymize(v, f, { default: { type: 'tag' } }).text.slice(0, 1024);
  };

  const process = (ds: Dataset): void => {
    for (const tag of Object.keys(ds)) {
      const el = ds[tag]!;
      const group = parseInt(tag.slice(0, 4), 16);
      if (group % 2 === 1) {
        if (
          allowPrivate.has(tag) ||
          (allowPrivate.size > 0 &&
            tag.slice(4, 6) === '00' &&
            [...allowPrivate].some((t) => t.slice(0, 4) === tag.slice(0, 4)))
        ) {
          report.actions.kept++;
          continue;
        }
        delete ds[tag];
        report.actions.privateRemoved++;
        note(tag, 'X');
        continue;
      }
      // Overlays (60xx) and curves (50xx): removed by the basic profile.
      if ((group & 0xff00) === 0x6000 && (tag.endsWith('3000') || tag.endsWith('4000'))) {
        delete ds[tag];
        report.actions.removed++;
        note(tag, 'X');
        continue;
      }
      if ((group & 0xff00) === 0x5000) {
        delete ds[tag];
        report.actions.removed++;
        note(tag, 'X');
        continue;
      }
      const rule: AnnexEAction | undefined = ANNEX_E[tag];
      let act: string = rule?.basic ?? defaultAction(tag, el.vr);
      if (rule) {
        if (o.patChars && rule.patChars) act = rule.patChars;
        if (o.devId && rule.devId) act = rule.devId;
        if (o.instId && rule.instId) act = rule.instId;
        if (o.cleanDesc && rule.cleanDesc) act = rule.cleanDesc;
        if (o.longitudinal && rule.date) act = 'S';
      } else if (act === 'S' && !o.longitudinal) act = 'D';
      if (act === 'U' && (o.uids || CLASS_UIDS.has(tag))) act = 'K';
      if (tag === '00100020' || tag === '00100010') act = 'P';
      switch (act) {
        case 'X':
          delete ds[tag];
          report.actions.removed++;
          break;
        case 'Z':
          setValue(el, []);
          report.actions.emptied++;
          break;
        case 'D':
          setValue(el, el.vr === 'SQ' ? [] : [dummyFor(el.vr)]);
          report.actions.dummied++;
          break;
        case 'P':
          setValue(el, [el.vr === 'PN' ? { Alphabetic: pseudoId } : pseudoId]);
          report.actions.dummied++;
          break;
        case 'U':
          if (el.Value)
            setValue(
              el,
              el.Value.map((u) => (typeof u === 'string' && u.trim() ? remapUid(u, opts.key) : u)),
            );
          report.actions.uidsRemapped++;
          break;
        case 'S':
          if (el.vr === 'DA' || el.vr === 'DT') {
            if (el.Value)
              setValue(
                el,
                el.Value.map((v) => (typeof v === 'string' ? shiftDa(v, shift) : v)),
              );
            report.actions.datesShifted++;
          } else report.actions.kept++;
          break;
        case 'C':
          if (el.vr !== 'SQ' && el.Value)
            setValue(
              el,
              el.Value.map((v) => (typeof v === 'string' ? cleanText(v) : v)),
            );
          report.actions.cleaned++;
          break;
        default:
          report.actions.kept++;
          break;
      }
      if (act !== 'K') note(tag, act);
      if (ds[tag] && el.vr === 'SQ' && Array.isArray(el.Value))
        for (const item of el.Value) if (item && typeof item === 'object') process(item as Dataset);
    }
  };
  process(dd.dict);
  // File meta: the instance UID follows the remapped SOP Instance UID.
  const sop = str(dd.dict['00080018']);
  if (dd.meta['00020003'] && sop) setValue(dd.meta['00020003'], [sop]);
  if (dd.meta['00020016']) delete dd.meta['00020016']; // Source Application Entity Title

  // Burned-in annotations.
  const modality = (str(dd.dict['00080060']) ?? '').trim();
  const sopClass = (str(dd.dict['00080016']) ?? '').trim();
  const flagged = (str(dd.dict['00280301']) ?? '').trim().toUpperCase() === 'YES';
  const expected =
    flagged ||
    modality === 'US' ||
    modality === 'OT' ||
    US_SC_SOP.test(sopClass) ||
    modality === 'XC' ||
    modality === 'ES';
  if (expected) handleBurnedIn(dd, ts.trim(), modality, sopClass, opts, report);

  // Markers (PS3.15 E.1.1 and the de-identification method codes, CID 7050).
  const codes: [string, string][] = [['113100', 'Basic Application Confidentiality Profile']];
  if (o.cleanDesc) codes.push(['113105', 'Clean Descriptors Option']);
  if (o.longitudinal)
    codes.push(['113107', 'Retain Longitudinal Temporal Information Modified Dates Option']);
  if (o.patChars) codes.push(['113108', 'Retain Patient Characteristics Option']);
  if (o.devId) codes.push(['113109', 'Retain Device Identity Option']);
  if (o.uids) codes.push(['113110', 'Retain UIDs Option']);
  if (allowPrivate.size > 0) codes.push(['113111', 'Retain Safe Private Option']);
  if (o.instId) codes.push(['113112', 'Retain Institution Identity Option']);
  report.options = codes.map((c) => c[1]);
  dd.dict['00120062'] = { vr: 'CS', Value: ['YES'] };
  dd.dict['00120063'] = { vr: 'LO', Value: ['Custos PS3.15 Annex E'] };
  dd.dict['00120064'] = {
    vr: 'SQ',
    Value: codes.map(([v, meaning]) => ({
      '00080100': { vr: 'SH', Value: [v] },
      '00080102': { vr: 'SH', Value: ['DCM'] },
      '00080104': { vr: 'LO', Value: [meaning] },
    })),
  };
  dd.dict['00280303'] = { vr: 'CS', Value: [o.longitudinal ? 'MODIFIED' : 'REMOVED'] };

  // Deflated data sets are written back inflated (explicit VR little endian): same content.
  if (ts.trim() === '1.2.840.10008.1.2.1.99')
    setValue(dd.meta['00020010']!, ['1.2.840.10008.1.2.1']);
  // Encapsulated (compressed) pixel data is copied byte for byte from the input instead of being
  // re-encoded: dcmjs can loop forever re-writing some multi-fragment encodings, and copying is
  // faster and cannot alter the image.
  let rawPixels: Uint8Array | undefined;
  if (!NATIVE.has(ts.trim()) && dd.dict['7FE00010']) {
    rawPixels = findEncapsulatedPixelData(input);
    if (!rawPixels) fail('DICOM file is malformed: encapsulated pixel data not found');
    delete dd.dict['7FE00010'];
    for (const tag of Object.keys(dd.dict)) if (tag > '7FE00010') delete dd.dict[tag];
  }
  let out: Uint8Array;
  try {
    out = rawPixels ? concat(writeEncapsulatedHead(dd), rawPixels) : new Uint8Array(dd.write());
    lib().data.DicomMessage.readFile(
      out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer,
    );
  } catch {
    fail('de-identified DICOM could not be written back as valid Part 10');
  }
  return { output: out, report };
}

/**
 * File meta + data set (without pixel data) of a file whose transfer syntax is encapsulated. The
 * data set of every encapsulated syntax is explicit VR little endian, so it is written as such
 * (dcmjs can hang writing sequences under some encapsulated syntaxes) behind the real meta header.
 */
function writeEncapsulatedHead(dd: DicomDict): Uint8Array {
  const { DicomDict: Dict } = lib().data;
  const body = new Dict({ ...dd.meta, '00020010': { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] } });
  body.dict = dd.dict;
  const b1 = new Uint8Array(body.write());
  const dv = new DataView(b1.buffer, b1.byteOffset, b1.byteLength);
  // (0002,0000) File Meta Information Group Length sits right after the preamble: 12 bytes + value.
  if (dv.getUint16(132, true) !== 0x0002 || dv.getUint16(134, true) !== 0x0000)
    throw new Error('unexpected meta layout');
  const metaEnd = 132 + 12 + dv.getUint32(140, true);
  const meta = new Dict(dd.meta);
  meta.dict = {};
  return concat(new Uint8Array(meta.write()), b1.subarray(metaEnd));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/**
 * The raw Pixel Data element (7FE0,0010) of an encapsulated transfer syntax (always explicit VR
 * little endian): header, item fragments and sequence delimiter, found by walking the items so
 * that fragment bytes are never mistaken for structure.
 */
function findEncapsulatedPixelData(buf: Uint8Array): Uint8Array | undefined {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const sig = [0xe0, 0x7f, 0x10, 0x00];
  for (let i = 132; i + 12 <= buf.byteLength; i++) {
    if (
      buf[i] !== sig[0] ||
      buf[i + 1] !== sig[1] ||
      buf[i + 2] !== sig[2] ||
      buf[i + 3] !== sig[3]
    )
      continue;
    const vr = String.fromCharCode(buf[i + 4]!, buf[i + 5]!);
    if ((vr !== 'OB' && vr !== 'OW') || dv.getUint32(i + 8, true) !== 0xffffffff) continue;
    let p = i + 12;
    while (p + 8 <= buf.byteLength) {
      const group = dv.getUint16(p, true);
      const elem = dv.getUint16(p + 2, true);
      const len = dv.getUint32(p + 4, true);
      if (group !== 0xfffe) return undefined;
      if (elem === 0xe0dd) return buf.slice(i, p + 8);
      if (elem !== 0xe000 || p + 8 + len > buf.byteLength) return undefined;
      p += 8 + len;
    }
    return undefined;
  }
  return undefined;
}

function valuesFit(ds: Dataset, limit: number, depth: number): boolean {
  if (depth > 32) return false;
  for (const el of Object.values(ds)) {
    for (const v of el.Value ?? []) {
      if (v instanceof ArrayBuffer) {
        if (v.byteLength > limit) return false;
      } else if (typeof v === 'string') {
        if (v.length > limit) return false;
      } else if (
        el.vr === 'SQ' &&
        v &&
        typeof v === 'object' &&
        !valuesFit(v as Dataset, limit, depth + 1)
      )
        return false;
    }
  }
  return true;
}

function defaultAction(tag: string, vr: string): string {
  if (vr === 'PN') return 'X';
  if (vr === 'UI') return 'U';
  if (vr === 'DA' || vr === 'DT') return 'S';
  if (TEXT_VRS.has(vr) && !SAFE_TEXT.has(tag)) return 'X';
  return 'K';
}

function handleBurnedIn(
  dd: DicomDict,
  ts: string,
  modality: string,
  sopClass: string,
  opts: DicomDeidOptions,
  report: DicomDeidReport,
): void {
  const rows = Number(dd.dict['00280010']?.Value?.[0] ?? 0);
  const cols = Number(dd.dict['00280011']?.Value?.[0] ?? 0);
  const spp = Number(dd.dict['00280002']?.Value?.[0] ?? 1);
  const bits = Number(dd.dict['00280100']?.Value?.[0] ?? 8);
  const planar = Number(dd.dict['00280006']?.Value?.[0] ?? 0);
  const frames = Number(str(dd.dict['00280008']) ?? dd.dict['00280008']?.Value?.[0] ?? 1) || 1;
  const regions = opts.burnedInRegions?.[modality] ??
    opts.burnedInRegions?.[sopClass] ??
    opts.burnedInRegions?.['default'] ?? [
      { x: 0, y: 0, width: cols, height: Math.max(1, Math.min(rows, Math.round(rows * 0.1))) },
    ];
  const pd = dd.dict['7FE00010'];
  const buf = pd?.Value?.[0];
  if (!NATIVE.has(ts) || !(buf instanceof ArrayBuffer) || rows === 0 || cols === 0) {
    report.burnedIn.status = 'needs-review';
    report.warnings.push(
      'burned-in annotations expected but pixel data is compressed or missing: not masked',
    );
    if (opts.rejectUnmaskable)
      fail('image may carry burned-in identity that cannot be masked (compressed pixel data)');
    return;
  }
  const bpp = bits <= 8 ? 1 : 2;
  const frameBytes = rows * cols * spp * bpp;
  const px = new Uint8Array(buf);
  if (px.byteLength < frameBytes * frames) {
    report.burnedIn.status = 'needs-review';
    report.warnings.push('pixel data shorter than its dimensions: not masked');
    return;
  }
  for (let f = 0; f < frames; f++) {
    const base = f * frameBytes;
    for (const r of regions) {
      const x0 = Math.max(0, r.x);
      const y0 = Math.max(0, r.y);
      const x1 = Math.min(cols, r.x + r.width);
      const y1 = Math.min(rows, r.y + r.height);
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          for (let s = 0; s < spp; s++) {
            const idx =
              planar === 1 && spp > 1 ? s * rows * cols + y * cols + x : (y * cols + x) * spp + s;
            px.fill(0, base + idx * bpp, base + idx * bpp + bpp);
          }
        }
      }
    }
  }
  report.burnedIn.masked = regions;
  report.burnedIn.detected = detectTextBands(px, rows, cols, spp, bpp, planar, regions);
  report.burnedIn.status = report.burnedIn.detected.length > 0 ? 'needs-review' : 'masked';
  if (report.burnedIn.status === 'masked') dd.dict['00280301'] = { vr: 'CS', Value: ['NO'] };
  else report.warnings.push('text-like regions remain outside the masked regions');
}

/**
 * Finds horizontal bands that look like rendered text outside the masked regions: rows where many
 * pixels are near the image maximum and alternate often with dark pixels (glyph strokes).
 */
export function detectTextBands(
  px: Uint8Array,
  rows: number,
  cols: number,
  spp: number,
  bpp: number,
  planar: number,
  masked: Region[],
): Region[] {
  const val = (x: number, y: number): number => {
    const idx = planar === 1 && spp > 1 ? y * cols + x : (y * cols + x) * spp;
    return bpp === 1 ? px[idx]! : px[idx * 2]! | (px[idx * 2 + 1]! << 8);
  };
  let max = 0;
  for (let y = 0; y < rows; y += 2)
    for (let x = 0; x < cols; x += 2) max = Math.max(max, val(x, y));
  if (max === 0) return [];
  const hi = max * 0.9;
  const inMask = (x: number, y: number): boolean =>
    masked.some((r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height);
  const textRow: boolean[] = [];
  for (let y = 0; y < rows; y++) {
    let transitions = 0;
    let bright = 0;
    let prev = false;
    for (let x = 0; x < cols; x++) {
      if (inMask(x, y)) continue;
      const b = val(x, y) >= hi;
      if (b) bright++;
      if (b !== prev) transitions++;
      prev = b;
    }
    textRow.push(transitions >= 8 && bright > 0 && bright < cols * 0.5);
  }
  const bands: Region[] = [];
  for (let y = 0; y < rows; y++) {
    if (!textRow[y]) continue;
    let e = y;
    while (e + 1 < rows && textRow[e + 1]) e++;
    if (e - y + 1 >= 5 && e - y + 1 <= 60) bands.push({ x: 0, y, width: cols, height: e - y + 1 });
    y = e;
  }
  return bands;
}
