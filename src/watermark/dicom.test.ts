import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import {
  buildSyntheticDicom,
  decodeDicom,
  issueToken,
  markDicom,
  type SyntheticDicomOptions,
} from './index.ts';

const key = Buffer.alloc(32, 4);
const token = issueToken(key, 5_550_001);

describe('DICOM watermark', () => {
  it.each<[string, SyntheticDicomOptions]>([
    ['16-bit (12 stored) MONOCHROME2', { bits: 16, width: 384, height: 384 }],
    ['16-bit signed, 2 frames', { bits: 16, signed: true, frames: 2, width: 384, height: 384 }],
    ['16-bit MONOCHROME1', { bits: 16, monochrome1: true, width: 384, height: 384 }],
    ['8-bit grey', { bits: 8, width: 384, height: 384 }],
    ['8-bit RGB planar', { bits: 8, rgb: true, planar: true, width: 384, height: 384 }],
  ])('marks and decodes %s without touching the original', async (_n, opts) => {
    const original = await buildSyntheticDicom(opts);
    const before = Buffer.from(original);
    const m = markDicom(key, token, original);
    expect(original.equals(before)).toBe(true);
    expect(m.psnr).toBeGreaterThanOrEqual(40);
    expect(m.frames).toBe(opts.frames ?? 1);
    const r = decodeDicom(key, m.output);
    expect(r.token?.entryRef).toBe(5_550_001);
    expect(decodeDicom(key, original).token).toBeNull();
    // The header is preserved and the copy says it is derived.
    const dcmjs = createRequire(import.meta.url)('dcmjs');
    const d = dcmjs.data.DicomMessage.readFile(
      m.output.buffer.slice(m.output.byteOffset, m.output.byteOffset + m.output.length),
    );
    expect(d.dict['00100020'].Value[0]).toBe('SYN-0001');
    expect(String(d.dict['00082111'].Value[0])).toContain('watermark');
  });

  it('rejects non-DICOM, truncated and compressed files with CUSTOS_INPUT_INVALID', async () => {
    const invalid = expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' });
    expect(() => markDicom(key, token, Buffer.from('hello'))).toThrow(invalid);
    const good = await buildSyntheticDicom({ bits: 8, width: 64, height: 64 });
    expect(() => decodeDicom(key, good.subarray(0, good.length - 1000))).toThrow(invalid);
    const jpegTs = Buffer.from(good);
    const at = jpegTs.indexOf('1.2.840.10008.1.2.1');
    // Same length UID of a JPEG-compressed transfer syntax is not markable in place.
    jpegTs.write('1.2.840.10008.1.2.5', at, 'latin1');
    expect(() => markDicom(key, token, jpegTs)).toThrow(invalid);
  });
});
