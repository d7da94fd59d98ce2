/**
 * The attack suite used by tests and the evaluation: the transformations a leaked image goes
 * through (re-encoding, scaling, cropping, tone changes, blur, noise, rotation) and a simulated
 * phone photo of a screen (perspective, moiré, blur, JPEG, partial framing).
 */
import sharp from 'sharp';
import { createPlane, type Plane } from './plane.ts';

async function sizeOf(b: Buffer): Promise<{ w: number; h: number }> {
  const m = await sharp(b).metadata();
  return { w: m.width ?? 0, h: m.height ?? 0 };
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Re-encodes as JPEG at a quality. */
export function attackJpeg(b: Buffer, quality: number): Promise<Buffer> {
  return sharp(b).jpeg({ quality }).toBuffer();
}

/** Rescales by a factor (optionally back to the original size), PNG out. */
export async function attackScale(b: Buffer, factor: number, back = false): Promise<Buffer> {
  const { w, h } = await sizeOf(b);
  const s = await sharp(b)
    .resize(Math.max(1, Math.round(w * factor)), Math.max(1, Math.round(h * factor)))
    .png()
    .toBuffer();
  return back ? sharp(s).resize(w, h).png().toBuffer() : s;
}

/** Crops a fraction of the area away (keeps (1-fraction) of each side, off-centre). */
export async function attackCrop(b: Buffer, fraction: number): Promise<Buffer> {
  const { w, h } = await sizeOf(b);
  const keep = 1 - fraction;
  const cw = Math.round(w * keep);
  const ch = Math.round(h * keep);
  return sharp(b)
    .extract({
      left: Math.round((w - cw) * 0.7),
      top: Math.round((h - ch) * 0.3),
      width: cw,
      height: ch,
    })
    .png()
    .toBuffer();
}

/** Linear tone change: out = a * in + b. */
export function attackLinear(b: Buffer, a: number, offset: number): Promise<Buffer> {
  return sharp(b).linear(a, offset).png().toBuffer();
}

/** Gamma change. */
export function attackGamma(b: Buffer, gamma: number): Promise<Buffer> {
  return sharp(b).gamma(gamma, 2.2).png().toBuffer();
}

/** Gaussian blur. */
export function attackBlur(b: Buffer, sigma: number): Promise<Buffer> {
  return sharp(b).blur(sigma).png().toBuffer();
}

/** Additive Gaussian noise with standard deviation sigma (grey levels). */
export async function attackNoise(b: Buffer, sigma: number, seed = 3): Promise<Buffer> {
  const { data, info } = await sharp(b).raw().toBuffer({ resolveWithObject: true });
  const r = rng(seed);
  for (let i = 0; i < data.length; i++) {
    const u = Math.max(1e-9, r());
    const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
    data[i] = Math.max(0, Math.min(255, Math.round(data[i]! + g * sigma)));
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .png()
    .toBuffer();
}

/** Rotation by degrees (white/black fill), then a centre crop that removes the fill. */
export async function attackRotate(b: Buffer, degrees: number): Promise<Buffer> {
  const { w, h } = await sizeOf(b);
  const r = await sharp(b).rotate(degrees, { background: '#808080' }).png().toBuffer();
  const rs = await sizeOf(r);
  const cw = Math.round(w * 0.8);
  const ch = Math.round(h * 0.8);
  return sharp(r)
    .extract({
      left: Math.round((rs.w - cw) / 2),
      top: Math.round((rs.h - ch) / 2),
      width: cw,
      height: ch,
    })
    .png()
    .toBuffer();
}

/** Solves the 3x3 homography mapping 4 source points to 4 destination points. */
function homography(src: [number, number][], dst: [number, number][]): number[] {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = src[i]!;
    const [u, v] = dst[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < 9; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const hm = a.map((row, i) => row[8]! / row[i]!);
  return [...hm, 1];
}

/** Warps a grey plane by the homography taking the output frame back to the input (inverse map). */
function warp(src: Plane, outW: number, outH: number, inv: number[], fill: number): Plane {
  const out = createPlane(outW, outH);
  for (let v = 0; v < outH; v++)
    for (let u = 0; u < outW; u++) {
      const d = inv[6]! * u + inv[7]! * v + inv[8]!;
      const x = (inv[0]! * u + inv[1]! * v + inv[2]!) / d;
      const y = (inv[3]! * u + inv[4]! * v + inv[5]!) / d;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 >= src.width - 1 || y0 >= src.height - 1) {
        out.data[v * outW + u] = fill;
        continue;
      }
      const fx = x - x0;
      const fy = y - y0;
      const i = y0 * src.width + x0;
      const top = src.data[i]! + (src.data[i + 1]! - src.data[i]!) * fx;
      const bot =
        src.data[i + src.width]! + (src.data[i + src.width + 1]! - src.data[i + src.width]!) * fx;
      out.data[v * outW + u] = top + (bot - top) * fy;
    }
  return out;
}

/**
 * Perspective warp (grey output, same size): each corner moves inwards by up to `strength` of the
 * size in a seeded random direction, as when a printout or screen is photographed off-axis; the
 * uncovered border is mid-grey.
 */
export async function attackPerspective(b: Buffer, strength: number, seed = 1): Promise<Buffer> {
  const r = rng(seed * 7919 + 13);
  const { data, info } = await sharp(b).greyscale().raw().toBuffer({ resolveWithObject: true });
  const src = createPlane(info.width, info.height);
  for (let i = 0; i < src.data.length; i++) src.data[i] = data[i * info.channels]!;
  const w = info.width;
  const h = info.height;
  const j = (k: number): number => r() * strength * k;
  const dst: [number, number][] = [
    [j(w), j(h)],
    [w - j(w), j(h)],
    [w - j(w), h - j(h)],
    [j(w), h - j(h)],
  ];
  const corners: [number, number][] = [
    [0, 0],
    [w, 0],
    [w, h],
    [0, h],
  ];
  const out = warp(src, w, h, homography(dst, corners), 128);
  const buf = Buffer.alloc(w * h);
  for (let i = 0; i < buf.length; i++)
    buf[i] = Math.max(0, Math.min(255, Math.round(out.data[i]!)));
  return sharp(buf, { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toBuffer();
}

/**
 * Moiré-like resampling: nearest-neighbour rescale by a non-integer factor and back, which aliases
 * fine patterns the way a camera or a screen grid does.
 */
export async function attackAliasing(b: Buffer, factor: number): Promise<Buffer> {
  const { w, h } = await sizeOf(b);
  const s = await sharp(b)
    .resize(Math.round(w * factor), Math.round(h * factor), { kernel: 'nearest' })
    .png()
    .toBuffer();
  return sharp(s).resize(w, h, { kernel: 'nearest' }).png().toBuffer();
}

/** Options of a simulated phone photo of a screen. */
export interface PhotoAttackOptions {
  /** Corner displacement as a fraction of the size (perspective strength), default 0.08. */
  perspective?: number;
  /** Moiré: amplitude (0..1) of a beat pattern (period 25-100 px) between screen and sensor, default 0.06. */
  moire?: number;
  /** Blur sigma in output pixels, default 1.2. */
  blur?: number;
  /** JPEG quality, default 80. */
  jpegQuality?: number;
  /** Fraction of the screen in frame (partial framing), default 1. */
  framing?: number;
  /** Output scale relative to the screen, default 0.9. */
  scale?: number;
  /** Sensor noise sigma, default 2. */
  noise?: number;
  seed?: number;
}

/**
 * Simulates a phone photo of a monitor: perspective warp of (part of) the screen, a moiré
 * beat pattern, exposure change, blur, sensor noise and JPEG compression. Grey output.
 */
export async function attackPhotoOfScreen(
  screen: Buffer,
  options: PhotoAttackOptions = {},
): Promise<Buffer> {
  const r = rng(options.seed ?? 5);
  const { data, info } = await sharp(screen)
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const src = createPlane(info.width, info.height);
  for (let i = 0; i < src.data.length; i++) src.data[i] = data[i * info.channels]!;
  const framing = options.framing ?? 1;
  const scale = options.scale ?? 0.9;
  const p = options.perspective ?? 0.08;
  const fw = src.width * framing;
  const fh = src.height * framing;
  const x0 = (src.width - fw) * r();
  const y0 = (src.height - fh) * r();
  const outW = Math.round(fw * scale * 1.1);
  const outH = Math.round(fh * scale * 1.1);
  const j = (k: number): number => (r() - 0.5) * 2 * p * k;
  // Output corners where the framed part of the screen lands (with margin and skew).
  const dst: [number, number][] = [
    [outW * 0.05 + j(outW), outH * 0.05 + j(outH)],
    [outW * 0.95 + j(outW), outH * 0.05 + j(outH)],
    [outW * 0.95 + j(outW), outH * 0.95 + j(outH)],
    [outW * 0.05 + j(outW), outH * 0.95 + j(outH)],
  ];
  const srcPts: [number, number][] = [
    [x0, y0],
    [x0 + fw, y0],
    [x0 + fw, y0 + fh],
    [x0, y0 + fh],
  ];
  const inv = homography(dst, srcPts);
  const out = warp(src, outW, outH, inv, 30);
  // Moiré: beat between the pixel grid and the sensor, a slowly varying sinusoidal modulation.
  const m = options.moire ?? 0.06;
  const fx = 0.01 + r() * 0.03;
  const fy = 0.005 + r() * 0.03;
  const noise = options.noise ?? 2;
  const gain = 0.9 + r() * 0.15;
  const buf = Buffer.alloc(outW * outH);
  for (let v = 0; v < outH; v++)
    for (let u = 0; u < outW; u++) {
      const i = v * outW + u;
      const mod =
        1 - m * (0.5 + 0.5 * Math.sin(2 * Math.PI * (fx * u + fy * v + 0.0002 * u * v * fx)));
      const vignette = 1 - 0.15 * (((u / outW - 0.5) ** 2 + (v / outH - 0.5) ** 2) * 2);
      const g = Math.sqrt(-2 * Math.log(Math.max(1e-9, r()))) * Math.cos(2 * Math.PI * r()) * noise;
      buf[i] = Math.max(0, Math.min(255, Math.round(out.data[i]! * mod * vignette * gain + g)));
    }
  return sharp(buf, { raw: { width: outW, height: outH, channels: 1 } })
    .blur(Math.max(0.3, options.blur ?? 1.2))
    .jpeg({ quality: options.jpegQuality ?? 80 })
    .toBuffer();
}
