/**
 * Framing of an encrypted resource body: one sealed section per field class, so that a read can
 * decrypt only the field classes a decision allowed. Section names (field class names such as
 * `identity`, `clinical`) are not secret; their contents are.
 *
 *   u8 frame version (1) | u16 section count | per section: u8 name length, name (ASCII),
 *   u32 ciphertext length, ciphertext
 */
import { CustosError, ErrorCode } from '../errors/index.ts';

const FRAME_VERSION = 1;

/** Frames named ciphertexts into one buffer. */
export function frameSections(sections: readonly [string, Buffer][]): Buffer {
  let size = 3;
  for (const [name, ct] of sections) size += 1 + name.length + 4 + ct.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = FRAME_VERSION;
  out.writeUInt16BE(sections.length, 1);
  let o = 3;
  for (const [name, ct] of sections) {
    out[o++] = name.length;
    o += out.write(name, o, 'latin1');
    out.writeUInt32BE(ct.length, o);
    o += 4;
    ct.copy(out, o);
    o += ct.length;
  }
  return out;
}

/** Splits a framed body into named ciphertexts (defensive: the bytes come from the database). */
export function unframeSections(buf: Buffer, what: string): Map<string, Buffer> {
  if (buf.length < 3 || buf[0] !== FRAME_VERSION) throw malformed(what);
  const count = buf.readUInt16BE(1);
  const out = new Map<string, Buffer>();
  let o = 3;
  for (let i = 0; i < count; i++) {
    if (o + 1 > buf.length) throw malformed(what);
    const nl = buf[o++]!;
    if (o + nl + 4 > buf.length) throw malformed(what);
    const name = buf.toString('latin1', o, o + nl);
    o += nl;
    const len = buf.readUInt32BE(o);
    o += 4;
    if (o + len > buf.length) throw malformed(what);
    out.set(name, buf.subarray(o, o + len));
    o += len;
  }
  if (o !== buf.length) throw malformed(what);
  return out;
}

function malformed(what: string): CustosError {
  return new CustosError(
    ErrorCode.CryptoFailure,
    `integrity check failed for ${what}: malformed body`,
    { record: what },
  );
}
