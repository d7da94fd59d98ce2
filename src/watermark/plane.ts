/**
 * Float luminance planes and the small image-processing kernels the watermark needs (box blur,
 * bilinear resampling). Values are on a 0..255 scale whatever the source bit depth.
 */

/** A single-channel float image. */
export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/** Allocates a plane. */
export function createPlane(width: number, height: number): Plane {
  return { width, height, data: new Float32Array(width * height) };
}

/** Box blur with a (2r+1)^2 window, edges clamped; O(pixels) via running sums. */
export function boxBlur(src: Plane, r: number): Plane {
  const { width: w, height: h } = src;
  const tmp = new Float32Array(w * h);
  const out = createPlane(w, h);
  const win = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += src.data[row + Math.min(w - 1, Math.max(0, k))]!;
    for (let x = 0; x < w; x++) {
      tmp[row + x] = acc / win;
      acc += src.data[row + Math.min(w - 1, x + r + 1)]! - src.data[row + Math.max(0, x - r)]!;
    }
  }
  for (let x = 0; x < w; x++) {
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += tmp[Math.min(h - 1, Math.max(0, k)) * w + x]!;
    for (let y = 0; y < h; y++) {
      out.data[y * w + x] = acc / win;
      acc += tmp[Math.min(h - 1, y + r + 1) * w + x]! - tmp[Math.max(0, y - r) * w + x]!;
    }
  }
  return out;
}

/**
 * Resamples `src` by bilinear interpolation so that output pixel (u, v) samples source position
 * ((u + 0.5) * sx - 0.5, (v + 0.5) * sy - 0.5) + (ox, oy). Output size is given.
 */
export function resampleBilinear(
  src: Plane,
  outW: number,
  outH: number,
  sx: number,
  sy: number,
  ox = 0,
  oy = 0,
): Plane {
  const { width: w, height: h, data } = src;
  const out = createPlane(outW, outH);
  const xs0 = new Int32Array(outW);
  const xs1 = new Int32Array(outW);
  const fx = new Float32Array(outW);
  for (let u = 0; u < outW; u++) {
    const x = Math.min(w - 1, Math.max(0, (u + 0.5) * sx - 0.5 + ox));
    const x0 = Math.floor(x);
    xs0[u] = x0;
    xs1[u] = Math.min(w - 1, x0 + 1);
    fx[u] = x - x0;
  }
  for (let v = 0; v < outH; v++) {
    const y = Math.min(h - 1, Math.max(0, (v + 0.5) * sy - 0.5 + oy));
    const y0 = Math.floor(y);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = y - y0;
    const r0 = y0 * w;
    const r1 = y1 * w;
    const o = v * outW;
    for (let u = 0; u < outW; u++) {
      const a = data[r0 + xs0[u]!]!;
      const b = data[r0 + xs1[u]!]!;
      const c = data[r1 + xs0[u]!]!;
      const d = data[r1 + xs1[u]!]!;
      const f = fx[u]!;
      const top = a + (b - a) * f;
      const bot = c + (d - c) * f;
      out.data[o + u] = top + (bot - top) * fy;
    }
  }
  return out;
}
