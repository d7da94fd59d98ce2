import { describe, expect, it } from 'vitest';
import {
  buildSyntheticDicom,
  fingerprintText,
  issueToken,
  markDicom,
  markImage,
  renderSyntheticPhoto,
  traceLeak,
  attackJpeg,
} from './index.ts';

const key = Buffer.alloc(32, 11);
const ledger = new Map([[901, { viewer: 'N0451', record: 'R-77' }]]);
const ctx = {
  key,
  skipScreen: true,
  resolveToken: (t: { entryRef: number }) => ledger.get(t.entryRef) ?? null,
};

describe('traceLeak', () => {
  it('traces a re-encoded image to its ledger entry', async () => {
    const m = await markImage(key, issueToken(key, 901), await renderSyntheticPhoto(480, 360));
    const r = await traceLeak(await attackJpeg(m.output, 60), ctx);
    expect(r.kind).toBe('image');
    expect(r.findings[0]!.channel).toBe('image-invisible');
    expect(r.findings[0]!.entry).toEqual({ viewer: 'N0451', record: 'R-77' });
    expect(r.findings[0]!.confidence).toBeGreaterThan(0.999);
  });

  it('traces DICOM and text; unknown tokens resolve to null', async () => {
    const d = markDicom(
      key,
      issueToken(key, 902),
      await buildSyntheticDicom({ width: 384, height: 384 }),
    );
    const rd = await traceLeak(d.output, ctx);
    expect(rd.kind).toBe('dicom');
    expect(rd.findings[0]!.token.entryRef).toBe(902);
    expect(rd.findings[0]!.entry).toBeNull();
    const rt = await traceLeak(
      fingerprintText(issueToken(key, 901), 'Discharge summary. Stable. Follow up in two weeks.'),
      ctx,
    );
    expect(rt.kind).toBe('text');
    expect(rt.findings[0]!.entry).toEqual({ viewer: 'N0451', record: 'R-77' });
  });

  it('answers "nothing found" for clean input and unknown bytes, errors for damaged images', async () => {
    expect((await traceLeak('plain text', ctx)).findings).toEqual([]);
    const unknown = await traceLeak(Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0xc3, 0x28]), ctx);
    expect(unknown.kind).toBe('unknown');
    expect(unknown.findings).toEqual([]);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await expect(traceLeak(png, ctx)).rejects.toThrow(
      expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' }),
    );
  });
});
