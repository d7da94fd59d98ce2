import { CustosError, ErrorCode } from '../errors/index.ts';

/**
 * Decodes UTF-8 strictly. Invalid bytes fail with CUSTOS_INPUT_INVALID naming the source and the
 * byte offset of the first bad sequence (never its content).
 */
export function decodeUtf8(bytes: Uint8Array, name = 'input'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let lo = 0;
    let hi = bytes.length;
    // Binary search for the shortest prefix that fails in streaming mode (where an incomplete
    // sequence at the end is not yet an error): that is where the first bad sequence ends.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), {
          stream: true,
        });
        lo = mid + 1;
      } catch {
        hi = mid;
      }
    }
    throw new CustosError(ErrorCode.InputInvalid, `${name}: invalid UTF-8 at byte ${lo}`, {
      file: name,
      byte: lo,
    });
  }
}
