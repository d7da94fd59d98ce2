/**
 * Reed-Solomon codes over GF(2^8) (primitive polynomial 0x11d, generator roots alpha^0..alpha^(n-1)),
 * systematic encoding, decoding with Berlekamp-Massey, Chien search and Forney's formula.
 * Used for the error-correcting redundancy of watermark payloads. Pure functions, no I/O.
 */

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

function mul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a]! + LOG[b]!]!;
}

function div(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(256)');
  if (a === 0) return 0;
  return EXP[(LOG[a]! + 255 - LOG[b]!) % 255]!;
}

function pow(a: number, n: number): number {
  if (a === 0) return 0;
  return EXP[(((LOG[a]! * n) % 255) + 255) % 255]!;
}

/** Polynomials are arrays of coefficients, highest degree first. */
function polyMul(p: number[], q: number[]): number[] {
  const r = new Array<number>(p.length + q.length - 1).fill(0);
  for (let j = 0; j < q.length; j++)
    for (let i = 0; i < p.length; i++) r[i + j]! ^= mul(p[i]!, q[j]!);
  return r;
}

function polyEval(p: number[], x: number): number {
  let y = p[0]!;
  for (let i = 1; i < p.length; i++) y = mul(y, x) ^ p[i]!;
  return y;
}

const generators = new Map<number, number[]>();
function generator(nsym: number): number[] {
  let g = generators.get(nsym);
  if (!g) {
    g = [1];
    for (let i = 0; i < nsym; i++) g = polyMul(g, [1, EXP[i]!]);
    generators.set(nsym, g);
  }
  return g;
}

/** Appends `nsym` parity bytes to `data` (data.length + nsym <= 255). */
export function encodeReedSolomon(data: Uint8Array, nsym: number): Uint8Array {
  if (data.length + nsym > 255) throw new RangeError('Reed-Solomon codeword longer than 255 bytes');
  const g = generator(nsym);
  const out = new Uint8Array(data.length + nsym);
  out.set(data);
  const work = Array.from(out);
  for (let i = 0; i < data.length; i++) {
    const coef = work[i]!;
    if (coef !== 0) for (let j = 1; j < g.length; j++) work[i + j]! ^= mul(g[j]!, coef);
  }
  out.set(work.slice(data.length), data.length);
  return out;
}

function polyAdd(p: number[], q: number[]): number[] {
  const r = new Array<number>(Math.max(p.length, q.length)).fill(0);
  for (let i = 0; i < p.length; i++) r[i + r.length - p.length] = p[i]!;
  for (let i = 0; i < q.length; i++) r[i + r.length - q.length]! ^= q[i]!;
  return r;
}

/**
 * Corrects byte errors and erasures: with `e` erased positions (bytes known to be unreliable,
 * whatever their value) it corrects them and up to floor((nsym - e) / 2) further errors; without
 * erasures, up to floor(nsym/2) errors. Returns the data part, or null when the codeword is
 * uncorrectable (detected by a failed locator or a non-zero syndrome after correction).
 */
export function decodeReedSolomon(
  codeword: Uint8Array,
  nsym: number,
  erasures: readonly number[] = [],
): Uint8Array | null {
  const n = codeword.length;
  if (n > 255 || nsym <= 0 || nsym >= n || erasures.length > nsym) return null;
  const msg = Array.from(codeword);
  const synd: number[] = [];
  let clean = true;
  for (let i = 0; i < nsym; i++) {
    const s = polyEval(msg, EXP[i]!);
    synd.push(s);
    if (s !== 0) clean = false;
  }
  if (clean) return Uint8Array.from(msg.slice(0, n - nsym));
  for (const pos of erasures) if (!Number.isInteger(pos) || pos < 0 || pos >= n) return null;

  // Forney syndromes: the syndromes with the erased positions' contribution removed, so that
  // Berlekamp-Massey sees only the unknown errors (the last e of them are not used).
  const fsynd = synd.slice();
  for (const pos of erasures) {
    const x = pow(2, n - 1 - pos);
    for (let j = 0; j < fsynd.length - 1; j++) fsynd[j] = mul(fsynd[j]!, x) ^ fsynd[j + 1]!;
  }
  // Berlekamp-Massey: error locator Lambda(x), highest degree first.
  let errLoc = [1];
  let oldLoc = [1];
  for (let i = 0; i < nsym - erasures.length; i++) {
    let delta = fsynd[i]!;
    for (let j = 1; j < errLoc.length; j++)
      delta ^= mul(errLoc[errLoc.length - 1 - j]!, fsynd[i - j]!);
    oldLoc = [...oldLoc, 0];
    if (delta !== 0) {
      if (oldLoc.length > errLoc.length) {
        const newLoc = oldLoc.map((c) => mul(c, delta));
        oldLoc = errLoc.map((c) => mul(c, div(1, delta)));
        errLoc = newLoc;
      }
      errLoc = polyAdd(
        errLoc,
        oldLoc.map((c) => mul(c, delta)),
      );
    }
  }
  while (errLoc.length > 1 && errLoc[0] === 0) errLoc.shift();
  const errs = errLoc.length - 1;
  if (errs * 2 + erasures.length > nsym) return null;
  // Chien search: position i is in error when Lambda(X_i^-1) = 0, X_i = alpha^(n-1-i).
  const positions: number[] = [];
  for (let i = 0; i < n; i++)
    if (polyEval(errLoc, pow(2, 255 - (n - 1 - i))) === 0) positions.push(i);
  if (positions.length !== errs) return null;
  // Errata locator: errors and erasures together.
  let loc = errLoc;
  for (const pos of erasures)
    if (!positions.includes(pos)) {
      positions.push(pos);
      loc = polyMul(loc, [pow(2, n - 1 - pos), 1]);
    }
  // Forney (first consecutive root alpha^0): e_i = Omega(X_i^-1) / prod_{j != i} (1 + X_j X_i^-1),
  // Omega(x) = S(x) Lambda(x) mod x^nsym.
  const prod = polyMul(synd.slice().reverse(), loc);
  const omega = prod.slice(prod.length - nsym);
  for (const pos of positions) {
    const xiInv = div(1, pow(2, n - 1 - pos));
    let denom = 1;
    for (const other of positions)
      if (other !== pos) denom = mul(denom, 1 ^ mul(xiInv, pow(2, n - 1 - other)));
    if (denom === 0) return null;
    msg[pos]! ^= div(polyEval(omega, xiInv), denom);
  }
  for (let i = 0; i < nsym; i++) if (polyEval(msg, EXP[i]!) !== 0) return null;
  return Uint8Array.from(msg.slice(0, n - nsym));
}
