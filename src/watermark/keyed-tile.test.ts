import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeSoft, keyedLayout, PAYLOAD_BITS, payloadBits, tileCells } from './keyed-tile.ts';
import { createPlane } from './plane.ts';
import { screenMarkCells } from './screen-mark.ts';
import { computeWatermarkDelta, expectedPayloadBits } from './spread-spectrum.ts';
import { issueToken } from './token.ts';

function digest(b: ArrayBufferView): string {
  return createHash('sha256')
    .update(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
    .digest('hex')
    .slice(0, 16);
}

describe('keyed tile', () => {
  // Golden vectors recorded before the layouts moved to keyed-tile.ts: marks already drawn and
  // embedded must keep decoding, so the layouts of both channels must never change.
  it.each([
    [5, 31337, '9ead765f2c3dcccb bb0dee0d7d0a8327 e982860e1ebbf3a2'],
    [77, 1, '941d1c47c8291b07 c4e413be354b2f07 0073f423dc675dce'],
  ])('keeps the screen and image layouts of key %i, token %i', (k, ref, want) => {
    const key = Buffer.alloc(32, k);
    const token = issueToken(key, ref);
    const host = createPlane(300, 260);
    for (let i = 0; i < host.data.length; i++) host.data[i] = (i * 37) % 251;
    const got = [
      digest(screenMarkCells(key, token)),
      digest(expectedPayloadBits(key, token)),
      digest(computeWatermarkDelta(key, token, host)),
    ].join(' ');
    expect(got).toBe(want);
  });

  it('decodes soft bits with errors on the weakest bits, and only under the right key', () => {
    const key = Buffer.alloc(32, 9);
    const layout = keyedLayout(key, 'screen-v1', 16, 4, 3);
    const token = issueToken(key, 424242);
    const bits = payloadBits(layout, token);
    const soft = new Float64Array(PAYLOAD_BITS);
    for (let i = 0; i < PAYLOAD_BITS; i++) soft[i] = bits[i] ? 1 : -1;
    // Three wrong but weak bits in three bytes: Chase flips them back.
    for (const i of [3, 50, 101]) soft[i] = -0.1 * soft[i]!;
    expect(decodeSoft(key, layout, soft).token?.entryRef).toBe(424242);
    const other = Buffer.alloc(32, 10);
    expect(decodeSoft(other, keyedLayout(other, 'screen-v1', 16, 4, 3), soft).token).toBeNull();
    // Five bytes read wrong but weakly: beyond Chase (one byte) and Reed-Solomon (3 errors), within
    // erasure decoding (4 weakest bytes erased, 1 error corrected).
    const blurred = new Float64Array(PAYLOAD_BITS);
    for (let i = 0; i < PAYLOAD_BITS; i++) blurred[i] = bits[i] ? 1 : -1;
    for (const byte of [1, 4, 9, 13, 15])
      for (let i = byte * 8; i < byte * 8 + 8; i++) blurred[i] = -0.2 * blurred[i]!;
    expect(decodeSoft(key, layout, blurred, 0).token).toBeNull();
    expect(decodeSoft(key, layout, blurred, 4).token?.entryRef).toBe(424242);
    // Cells: synchronisation cells are the same for every token, payload cells differ.
    const a = tileCells(layout, token);
    const b = tileCells(layout, issueToken(key, 424243));
    for (let c = 0; c < a.length; c++) if (layout.bitOf[c]! < 0) expect(a[c]).toBe(b[c]);
    expect(a).not.toEqual(b);
  });
});
