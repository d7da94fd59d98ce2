import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ANNEX_E, deidentifyDicom } from '../index.ts';

interface El {
  vr: string;
  Value?: unknown[];
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as {
  data: {
    DicomDict: new (meta: Record<string, El>) => { dict: Record<string, El>; write(): ArrayBuffer };
    DicomMessage: {
      readFile(b: ArrayBuffer): { meta: Record<string, El>; dict: Record<string, El> };
    };
    DicomMetaDictionary: { dictionary: Record<string, { vr: string }> };
  };
  log: { setLevel(l: string): void };
};
dcmjs.log.setLevel('silent');

const key = Buffer.alloc(32, 3);
const CT = '1.2.840.10008.5.1.4.1.1.2';
const US = '1.2.840.10008.5.1.4.1.1.6.1';

function build(
  dict: Record<string, El>,
  sopClass = CT,
  sop = '1.2.826.0.1.3680043.2.1125.1.1',
  ts = '1.2.840.10008.1.2.1',
): Uint8Array {
  const meta: Record<string, El> = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [sopClass] },
    '00020003': { vr: 'UI', Value: [sop] },
    '00020010': { vr: 'UI', Value: [ts] },
    '00020012': { vr: 'UI', Value: ['1.2.826.0.1.3680043.2.1125.99'] },
  };
  const d = new dcmjs.data.DicomDict(meta);
  d.dict = {
    '00080016': { vr: 'UI', Value: [sopClass] },
    '00080018': { vr: 'UI', Value: [sop] },
    ...dict,
  };
  return new Uint8Array(d.write());
}

function read(b: Uint8Array): { meta: Record<string, El>; dict: Record<string, El> } {
  return dcmjs.data.DicomMessage.readFile(
    b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
  );
}
const val = (d: Record<string, El>, tag: string): unknown => d[tag]?.Value?.[0];
const empty = (e: El | undefined): boolean => (e?.Value ?? []).every((x) => x === '');

function ctWithPhi(sop: string, referenced?: string): Uint8Array {
  return build(
    {
      '00080020': { vr: 'DA', Value: ['20230506'] },
      '00080030': { vr: 'TM', Value: ['101500'] },
      '00080050': { vr: 'SH', Value: ['ACC12345'] },
      '00080060': { vr: 'CS', Value: ['CT'] },
      '00080070': { vr: 'LO', Value: ['ACME'] },
      '00080080': { vr: 'LO', Value: ['Peking Union Medical College Hospital'] },
      '00080090': { vr: 'PN', Value: [{ Alphabetic: 'WANG^JIANGUO' }] },
      '0008103E': { vr: 'LO', Value: ['Chest for Zhang Wei 13812345678'] },
      '00081140': {
        vr: 'SQ',
        Value: referenced
          ? [
              {
                '00081150': { vr: 'UI', Value: [CT] },
                '00081155': { vr: 'UI', Value: [referenced] },
              },
            ]
          : [],
      },
      '00090010': { vr: 'LO', Value: ['ACME PRIVATE'] },
      '00091001': { vr: 'LO', Value: ['ZHANG WEI 110105194912310021'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'ZHANG^WEI' }] },
      '00100020': { vr: 'LO', Value: ['MRN0001'] },
      '00100030': { vr: 'DA', Value: ['19491231'] },
      '00100040': { vr: 'CS', Value: ['M'] },
      '00101010': { vr: 'AS', Value: ['073Y'] },
      '00101040': { vr: 'LO', Value: ['Beijing Haidian Zhongguancun 27'] },
      '0020000D': { vr: 'UI', Value: ['1.2.826.0.1.3680043.2.1125.2'] },
      '0020000E': { vr: 'UI', Value: ['1.2.826.0.1.3680043.2.1125.3'] },
      '00280010': { vr: 'US', Value: [4] },
      '00280011': { vr: 'US', Value: [4] },
      '00280100': { vr: 'US', Value: [8] },
      '7FE00010': { vr: 'OB', Value: [new Uint8Array(16).fill(7).buffer] },
    },
    CT,
    sop,
  );
}

describe('deidentifyDicom, basic profile', () => {
  const a = deidentifyDicom(ctWithPhi('1.2.826.0.1.3680043.2.1125.1.1'), { key });
  const out = read(a.output);
  it('removes or empties identity and re-parses as Part 10', () => {
    expect(val(out.dict, '00080080')).toBeUndefined();
    expect(val(out.dict, '00101040')).toBeUndefined();
    expect(val(out.dict, '0008103E')).toBeUndefined();
    expect(empty(out.dict['00080050'])).toBe(true);
    expect(empty(out.dict['00100030'])).toBe(true);
    expect(empty(out.dict['00080090'])).toBe(true);
    expect(JSON.stringify(out.dict)).not.toMatch(/ZHANG|WANG|MRN0001|Haidian/);
    expect(val(out.dict, '00100020')).toMatch(/^ANON-[0-9A-F]{12}$/);
    expect(val(out.dict, '00120062')).toBe('YES');
    expect(val(out.dict, '00080070')).toBe('ACME');
  });
  it('remaps UIDs to 2.25 UIDs and keeps the meta header in step', () => {
    const sop = val(out.dict, '00080018') as string;
    expect(sop).toMatch(/^2\.25\.\d+$/);
    expect(val(out.meta, '00020003')).toBe(sop);
    expect(val(out.dict, '00080016')).toBe(CT);
    expect(val(out.dict, '0020000D')).not.toBe('1.2.826.0.1.3680043.2.1125.2');
  });
  it('removes private tags unless allow-listed', () => {
    expect(out.dict['00091001']).toBeUndefined();
    expect(a.report.actions.privateRemoved).toBe(2);
    const kept = read(
      deidentifyDicom(ctWithPhi('1.2.3.4'), { key, privateAllowList: ['00091001'] }).output,
    );
    expect(val(kept.dict, '00091001')).toBeDefined();
  });
  it('remaps UIDs consistently across files of one project', () => {
    const b = read(
      deidentifyDicom(
        ctWithPhi('1.2.826.0.1.3680043.2.1125.1.2', '1.2.826.0.1.3680043.2.1125.1.1'),
        { key },
      ).output,
    );
    const ref = (b.dict['00081140']!.Value![0] as Record<string, El>)['00081155']!.Value![0];
    expect(ref).toBe(val(out.dict, '00080018'));
    expect(val(b.dict, '0020000D')).toBe(val(out.dict, '0020000D'));
    const other = read(
      deidentifyDicom(ctWithPhi('1.2.826.0.1.3680043.2.1125.1.1'), { key: Buffer.alloc(32, 4) })
        .output,
    );
    expect(val(other.dict, '00080018')).not.toBe(val(out.dict, '00080018'));
  });
});

describe('deidentifyDicom options', () => {
  it('research profile shifts dates, keeps characteristics and cleans descriptors', () => {
    const r = deidentifyDicom(ctWithPhi('1.2.3.4.5'), { key, profile: 'research' });
    const d = read(r.output).dict;
    const study = val(d, '00080020') as string;
    expect(study).toMatch(/^\d{8}$/);
    expect(study).not.toBe('20230506');
    expect(val(d, '00100040')).toBe('M');
    expect(val(d, '00101010')).toBe('073Y');
    expect(val(d, '0008103E')).toBe('Chest for <PERSON> <PHONE>');
    expect(val(d, '00280303')).toBe('MODIFIED');
    expect(r.report.options).toContain(
      'Retain Longitudinal Temporal Information Modified Dates Option',
    );
  });
  it('handles every attribute of its Annex E table as the profile says', () => {
    const dict: Record<string, El> = {};
    const sample: Record<string, unknown> = {
      PN: { Alphabetic: 'DOE^JOHN' },
      DA: '20200102',
      TM: '101010',
      DT: '20200102101010',
      UI: '1.2.3.4.5',
      AS: '045Y',
      CS: 'VAL',
    };
    for (const tag of Object.keys(ANNEX_E)) {
      if (tag.startsWith('0002')) continue;
      const entry =
        dcmjs.data.DicomMetaDictionary.dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`];
      const vr = entry?.vr ?? 'LO';
      if (vr === 'SQ')
        dict[tag] = {
          vr,
          Value: [{ '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JOHN' }] } }],
        };
      else if (['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'OB', 'OW', 'UN', 'xs', 'ox'].includes(vr))
        continue;
      else dict[tag] = { vr, Value: [sample[vr] ?? 'VALUE1'] };
    }
    const d = read(deidentifyDicom(build(dict), { key }).output).dict;
    for (const [tag, rule] of Object.entries(ANNEX_E)) {
      if (!dict[tag]) continue;
      const before = dict[tag].Value?.[0];
      const after = d[tag]?.Value?.[0];
      const sop = tag === '00080018';
      switch (rule.basic) {
        case 'X':
          expect(d[tag], tag).toBeUndefined();
          break;
        case 'Z':
          if (tag === '00100010' || tag === '00100020')
            expect(JSON.stringify(after), tag).toMatch(/ANON-/);
          else expect(empty(d[tag]), tag).toBe(true);
          break;
        case 'D':
          if (dict[tag].vr === 'SQ') {
            expect(d[tag], tag).toBeDefined();
            expect(JSON.stringify(d[tag]), tag).not.toContain('DOE');
            break;
          }
          expect(after, tag).toBeDefined();
          expect(JSON.stringify(after), tag).not.toBe(JSON.stringify(before));
          break;
        case 'U':
          expect(String(after), tag).toMatch(/^2\.25\./);
          break;
        case 'K':
          if (!sop) expect(d[tag], tag).toBeDefined();
          break;
      }
    }
    expect(JSON.stringify(d)).not.toContain('DOE^JOHN');
  });
  it('masks the top band of ultrasound images and reports remaining text-like bands', () => {
    const rows = 64;
    const cols = 64;
    const px = new Uint8Array(rows * cols).fill(20);
    const stripes = (y0: number): void => {
      for (let y = y0; y < y0 + 6; y++)
        for (let x = 0; x < cols; x++) px[y * cols + x] = x % 4 < 2 ? 255 : 0;
    };
    stripes(1); // header text (in the default masked band)
    const img = (withFooter: boolean): Uint8Array => {
      const p = px.slice();
      if (withFooter)
        for (let y = 40; y < 46; y++)
          for (let x = 0; x < cols; x++) p[y * cols + x] = x % 6 < 2 ? 255 : 0;
      return build(
        {
          '00080060': { vr: 'CS', Value: ['US'] },
          '00280002': { vr: 'US', Value: [1] },
          '00280004': { vr: 'CS', Value: ['MONOCHROME2'] },
          '00280010': { vr: 'US', Value: [rows] },
          '00280011': { vr: 'US', Value: [cols] },
          '00280100': { vr: 'US', Value: [8] },
          '00280101': { vr: 'US', Value: [8] },
          '00280102': { vr: 'US', Value: [7] },
          '00280301': { vr: 'CS', Value: ['YES'] },
          '7FE00010': { vr: 'OW', Value: [p.buffer] },
        },
        US,
      );
    };
    const r = deidentifyDicom(img(false), { key });
    expect(r.report.burnedIn.status).toBe('masked');
    const d = read(r.output).dict;
    const outPx = new Uint8Array(d['7FE00010']!.Value![0] as ArrayBuffer);
    for (let x = 0; x < cols; x++) expect(outPx[1 * cols + x]).toBe(0);
    expect(outPx[30 * cols + 5]).toBe(20);
    expect(val(d, '00280301')).toBe('NO');
    const r2 = deidentifyDicom(img(true), { key });
    expect(r2.report.burnedIn.status).toBe('needs-review');
    expect(r2.report.burnedIn.detected[0]).toMatchObject({ y: 40, height: 6 });
  });
});

describe('bad DICOM input', () => {
  it.each([
    ['garbage', new Uint8Array(300).fill(65)],
    ['too short', new Uint8Array(10)],
    ['truncated after the preamble', ctWithPhi('1.2.3').slice(0, 140)],
  ])('%s fails with CUSTOS_INPUT_INVALID', (_n, bytes) => {
    expect(() => deidentifyDicom(bytes, { key })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' }),
    );
  });
  it('rejects unknown transfer syntaxes', () => {
    const b = build(
      { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'X' }] } },
      CT,
      '1.2.3',
      '1.2.840.10008.1.2.1',
    );
    const patched = Buffer.from(b);
    const at = patched.indexOf('1.2.840.10008.1.2.1');
    patched.write('1.2.840.10008.9.9.9', at, 'latin1');
    expect(() => deidentifyDicom(patched, { key })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' }),
    );
  });
  it('needs a key', () => {
    expect(() => deidentifyDicom(ctWithPhi('1.2.3'), { key: new Uint8Array(4) })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_CONFIG_INVALID' }),
    );
  });
});
