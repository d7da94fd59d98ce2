/**
 * Robustness evaluation of the watermarks: `npm run bench -- eval-watermark [trials] [screen-trials]`.
 * Applies each attack to marked synthetic images (radiograph, record screenshot, photo) with
 * several tokens and prints decode success, bit accuracy and PSNR; then false identifications on
 * unmarked images, DICOM screenshots, and the screen watermark under simulated phone photos
 * (`[screen-trials]`, second argument, photos per condition).
 */
import sharp from 'sharp';
import {
  applyScreenWatermark,
  attackBlur,
  attackCrop,
  attackGamma,
  attackJpeg,
  attackLinear,
  attackNoise,
  attackPerspective,
  attackAliasing,
  attackPhotoOfScreen,
  attackRotate,
  attackScale,
  buildSyntheticDicom,
  decodeImage,
  decodeScreenPhoto,
  expectedPayloadBits,
  issueToken,
  markDicom,
  markImage,
  renderSyntheticPhoto,
  renderSyntheticRadiograph,
  renderSyntheticScreen,
  type PhotoAttackOptions,
} from '../src/watermark/index.ts';
import { createRequire } from 'node:module';

const trials = Number(process.argv[2] ?? 4);
/** WATERMARK_HEADROOM=1 marks with the opt-in embedding headroom (`headroom: true`). */
const headroom = process.env.WATERMARK_HEADROOM === '1';
/** Photos per screen-watermark condition (second argument, default 2 x trials). */
const screenTrials = Number(process.argv[3] ?? trials * 2);
const key = Buffer.from('6b3a9f1e0d2c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccdd', 'hex');

type Attack = [string, (b: Buffer) => Promise<Buffer>];
const attacks: Attack[] = [
  ['none', async (b) => b],
  ['JPEG q90', (b) => attackJpeg(b, 90)],
  ['JPEG q75', (b) => attackJpeg(b, 75)],
  ['JPEG q50', (b) => attackJpeg(b, 50)],
  ['JPEG q30', (b) => attackJpeg(b, 30)],
  ['resize 0.5x', (b) => attackScale(b, 0.5)],
  ['resize 0.5x and back', (b) => attackScale(b, 0.5, true)],
  ['resize 0.75x + JPEG q75', async (b) => attackJpeg(await attackScale(b, 0.75), 75)],
  ['crop 10%', (b) => attackCrop(b, 0.1)],
  ['crop 20%', (b) => attackCrop(b, 0.2)],
  ['crop 20% + JPEG q75', async (b) => attackJpeg(await attackCrop(b, 0.2), 75)],
  ['brightness x1.1', (b) => attackLinear(b, 1.1, 0)],
  ['contrast x1.15', (b) => attackLinear(b, 1.15, -19)],
  ['gamma 1.2', (b) => attackGamma(b, 1.2)],
  ['gaussian blur s=1', (b) => attackBlur(b, 1)],
  ['noise s=5', (b) => attackNoise(b, 5)],
  ['screenshot (PNG->JPEG q85 chain x2)', async (b) => attackJpeg(await attackJpeg(b, 85), 85)],
  ['rotate 2 deg', (b) => attackRotate(b, 2)],
  ['rotate 3 deg', (b) => attackRotate(b, 3)],
  ['rotate 5 deg', (b) => attackRotate(b, 5)],
  ['rotate -5 deg', (b) => attackRotate(b, -5)],
  ['rotate 4 deg + JPEG q75', async (b) => attackJpeg(await attackRotate(b, 4), 75)],
  ['perspective 3%', (b) => attackPerspective(b, 0.03, 1)],
  ['perspective 5%', (b) => attackPerspective(b, 0.05, 2)],
  ['perspective 5% + JPEG q75', async (b) => attackJpeg(await attackPerspective(b, 0.05, 3), 75)],
  ['moire-like resampling (nearest 0.9x and back)', (b) => attackAliasing(b, 0.9)],
  ['moire-like resampling (nearest 0.7x and back)', (b) => attackAliasing(b, 0.7)],
];

const images: [string, Buffer][] = [
  ['radiograph 1024x1024 grey', await renderSyntheticRadiograph(1024, 1024)],
  ['record screenshot 1280x800', await renderSyntheticScreen(1280, 800)],
  ['photo 738x1108', await renderSyntheticPhoto(738, 1108)],
];

const rows = new Map<string, { ok: number; n: number; acc: number; ms: number[] }>();
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1] ?? 0;
const unmarkedMs: number[] = [];
const psnrs: Record<string, number[]> = {};
let falseIds = 0;
let falseTrials = 0;
for (const [imgName, img] of images) {
  psnrs[imgName] = [];
  const perImage = new Map<string, { ok: number; n: number }>();
  for (let t = 0; t < trials; t++) {
    const token = issueToken(key, 1_000_000 + t * 7919);
    const m = await markImage(key, token, img, { headroom });
    psnrs[imgName]!.push(m.psnr);
    const expected = expectedPayloadBits(key, token);
    for (const [name, attack] of attacks) {
      const attacked = await attack(m.output);
      const t0 = performance.now();
      const r = await decodeImage(key, attacked);
      const ms = performance.now() - t0;
      let acc = 0;
      if (r.bits)
        for (let i = 0; i < expected.length; i++) acc += r.bits[i] === expected[i] ? 1 : 0;
      const ok = r.token?.entryRef === token.entryRef ? 1 : 0;
      if (r.token && !ok) falseIds++;
      const row = rows.get(name) ?? { ok: 0, n: 0, acc: 0, ms: [] };
      row.ok += ok;
      row.n++;
      row.acc += acc / expected.length;
      row.ms.push(ms);
      rows.set(name, row);
      const pi = perImage.get(name) ?? { ok: 0, n: 0 };
      pi.ok += ok;
      pi.n++;
      perImage.set(name, pi);
    }
  }
  // False identifications: unmarked image through every attack.
  for (const [, attack] of attacks) {
    const a = await attack(img);
    const t0 = performance.now();
    const r = await decodeImage(key, a);
    unmarkedMs.push(performance.now() - t0);
    falseTrials++;
    if (r.token) falseIds++;
  }
  const fails = [...perImage.entries()]
    .filter(([, v]) => v.ok < v.n)
    .map(([k, v]) => `${k} ${v.ok}/${v.n}`);
  console.log(
    `${imgName}: PSNR ${Math.min(...psnrs[imgName]!).toFixed(2)}..${Math.max(...psnrs[imgName]!).toFixed(2)} dB; below 100%: ${fails.join('; ') || 'none'}`,
  );
}

console.log(
  `\nInvisible image watermark${headroom ? ' (headroom)' : ''}, ${images.length} images x ${trials} tokens per attack`,
);
console.log('| attack | decoded | bit accuracy | decode ms (median / max) |');
console.log('|---|---|---|---|');
let okAll = 0;
let nAll = 0;
for (const [name, r] of rows) {
  okAll += r.ok;
  nAll += r.n;
  console.log(
    `| ${name} | ${r.ok}/${r.n} (${((100 * r.ok) / r.n).toFixed(0)}%) | ${(r.acc / r.n).toFixed(3)} | ${median(r.ms).toFixed(0)} / ${Math.max(...r.ms).toFixed(0)} |`,
  );
}
console.log(`all attacks: ${okAll}/${nAll} (${((100 * okAll) / nAll).toFixed(1)}%)`);
console.log(
  `false identifications: ${falseIds} (unmarked images through every attack: ${falseTrials} decodes, median ${median(unmarkedMs).toFixed(0)} ms, max ${Math.max(...unmarkedMs).toFixed(0)} ms; plus wrong tokens in marked ones)`,
);

// DICOM: 16-bit marked in the file, decoded from a windowed 8-bit screenshot.
{
  const dcmjs = createRequire(import.meta.url)('dcmjs');
  let ok = 0;
  let n = 0;
  let minPsnr = Infinity;
  for (let t = 0; t < trials; t++) {
    const token = issueToken(key, 2_000_000 + t);
    const d = markDicom(
      key,
      token,
      await buildSyntheticDicom({ width: 1024, height: 1024, bits: 16 }),
    );
    minPsnr = Math.min(minPsnr, d.psnr);
    const ds = dcmjs.data.DicomMessage.readFile(
      d.output.buffer.slice(d.output.byteOffset, d.output.byteOffset + d.output.length),
    );
    const words = new Uint16Array(ds.dict['7FE00010'].Value[0]);
    // Window centre 2000 / width 3600 (a soft-tissue-like window over the 12-bit range).
    const grey = Buffer.alloc(words.length);
    for (let i = 0; i < words.length; i++)
      grey[i] = Math.max(0, Math.min(255, Math.round(((words[i]! - 200) / 3600) * 255)));
    for (const [scale, q] of [
      [1, 90],
      [0.6, 85],
    ] as const) {
      const shot = await sharp(grey, { raw: { width: 1024, height: 1024, channels: 1 } })
        .resize(Math.round(1024 * scale))
        .jpeg({ quality: q })
        .toBuffer();
      const r = await decodeImage(key, shot);
      n++;
      if (r.token?.entryRef === token.entryRef) ok++;
    }
  }
  console.log(
    `\nDICOM 16-bit 1024x1024: PSNR >= ${minPsnr.toFixed(2)} dB (vs used range); decoded from windowed screenshots (1.0x q90, 0.6x q85): ${ok}/${n}`,
  );
}

// Screen watermark through simulated phone photos.
{
  const screen = await renderSyntheticScreen(1280, 800);
  const cases: [string, PhotoAttackOptions][] = [
    [
      'screenshot (no photo)',
      { perspective: 0, moire: 0, blur: 0.3, jpegQuality: 95, noise: 0, scale: 1 / 1.1 },
    ],
    ['photo: perspective 8%, moire 6%, blur 1.2, JPEG 80', {}],
    [
      'photo: mild (perspective 4%, moire 3%, blur 0.8, JPEG 90)',
      { perspective: 0.04, moire: 0.03, blur: 0.8, jpegQuality: 90 },
    ],
    [
      'photo: hard (perspective 12%, moire 10%, blur 1.8, JPEG 60)',
      { perspective: 0.12, moire: 0.1, blur: 1.8, jpegQuality: 60, noise: 3 },
    ],
    ['photo: partial framing 50%', { framing: 0.5, scale: 1.4 }],
  ];
  console.log('\nScreen watermark (QR, module 6 px, opacity 0.06) on simulated phone photos');
  console.log('| photo | decoded |');
  console.log('|---|---|');
  for (const [name, o] of cases) {
    let ok = 0;
    let wrong = 0;
    for (let t = 0; t < screenTrials; t++) {
      const token = issueToken(key, 3_000_000 + t);
      const marked = await applyScreenWatermark(token, screen);
      const photo = await attackPhotoOfScreen(marked, { ...o, seed: t + 1 });
      const found = await decodeScreenPhoto(key, photo);
      if (found.some((f) => f.token.entryRef === token.entryRef)) ok++;
      wrong += found.filter((f) => f.token.entryRef !== token.entryRef).length;
    }
    console.log(`| ${name} | ${ok}/${screenTrials}${wrong ? ` (${wrong} wrong)` : ''} |`);
  }
}
