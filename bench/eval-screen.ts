/**
 * Screen watermark on simulated phone photos of a monitor: `npm run bench -- eval-screen [photos]`.
 * For each condition (screenshot, mild, default, hard, 50 % framing) marks the synthetic record
 * screen with a new token per photo and a new photo seed, and counts the photos whose decoded
 * tokens name the viewer: the tiled QR code (before; decoded with `decodeScreenQr`) and the keyed
 * screen mark (after; decoded with `decodeScreenPhoto`, which reads the mark and then QR codes).
 * Then false identifications: photos of the unmarked screen through every condition (at least 30)
 * decoded with `decodeScreenPhoto`. Prints the visibility (PSNR against a white screen) and the
 * decode time (wall and CPU) per photo. `--no-qr` skips the QR column; `--strength=N` sets the
 * mark's strength (grey levels, default 10).
 */
import sharp from 'sharp';
import { attackPhotoOfScreen, type PhotoAttackOptions } from '../src/watermark/attacks.ts';
import {
  applyScreenMark,
  applyScreenWatermark,
  decodeScreenPhoto,
  decodeScreenQr,
  SCREEN_MARK_STRENGTH,
} from '../src/watermark/screen.ts';
import { renderSyntheticScreen } from '../src/watermark/synthetic.ts';
import { issueToken } from '../src/watermark/token.ts';

const args = process.argv.slice(2);
const photos = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const withQr = !args.includes('--no-qr');
/** `--strength=N`: darkening of the mark's dark cells in grey levels (default SCREEN_MARK_STRENGTH). */
const strength = Number(
  args.find((a) => a.startsWith('--strength='))?.slice(11) ?? SCREEN_MARK_STRENGTH,
);
const key = Buffer.from('6b3a9f1e0d2c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccdd', 'hex');

const cases: [string, PhotoAttackOptions][] = [
  [
    'screenshot (no photo)',
    { perspective: 0, moire: 0, blur: 0.3, jpegQuality: 95, noise: 0, scale: 1 / 1.1 },
  ],
  [
    'mild (perspective 4%, moire 3%, blur 0.8, JPEG 90)',
    { perspective: 0.04, moire: 0.03, blur: 0.8, jpegQuality: 90 },
  ],
  ['default (perspective 8%, moire 6%, blur 1.2, JPEG 80)', {}],
  [
    'hard (perspective 12%, moire 10%, blur 1.8, JPEG 60, noise 3)',
    { perspective: 0.12, moire: 0.1, blur: 1.8, jpegQuality: 60, noise: 3 },
  ],
  ['partial framing 50%', { framing: 0.5, scale: 1.4 }],
];

async function psnrOnWhite(mark: (white: Buffer) => Promise<Buffer>): Promise<number> {
  const white = await sharp({
    create: { width: 1280, height: 800, channels: 3, background: '#ffffff' },
  })
    .png()
    .toBuffer();
  const a = await sharp(white).greyscale().raw().toBuffer();
  const b = await sharp(await mark(white))
    .greyscale()
    .raw()
    .toBuffer();
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

interface Tally {
  ok: number;
  wrong: number;
  wallMs: number;
  cpuMs: number;
}

async function timed(f: () => Promise<{ token: { entryRef: number } }[]>, want: number | null) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const found = await f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return {
    ok: want !== null && found.some((r) => r.token.entryRef === want),
    wrong: found.filter((r) => r.token.entryRef !== want).length,
    wallMs,
    cpuMs: (c.user + c.system) / 1000,
  };
}

function add(t: Tally, r: Awaited<ReturnType<typeof timed>>): void {
  t.ok += r.ok ? 1 : 0;
  t.wrong += r.wrong;
  t.wallMs += r.wallMs;
  t.cpuMs += r.cpuMs;
}

const screen = await renderSyntheticScreen(1280, 800);
const probe = issueToken(key, 1);
console.log(
  `Visibility on a white screen: QR (module 6 px, opacity 0.06) PSNR ${(await psnrOnWhite((w) => applyScreenWatermark(probe, w))).toFixed(1)} dB; ` +
    `keyed mark (8 px cells, strength ${strength}) PSNR ${(await psnrOnWhite((w) => applyScreenMark(key, probe, w, { strength }))).toFixed(1)} dB`,
);
console.log(
  `\nScreen watermark on simulated phone photos of a 1280x800 record screen, ${photos} photos per condition`,
);
console.log(
  '| condition | QR (before) | keyed mark (after) | mark decode wall ms / photo | mark decode CPU ms / photo |',
);
console.log('|---|---|---|---|---|');
for (const [name, o] of cases) {
  const qr: Tally = { ok: 0, wrong: 0, wallMs: 0, cpuMs: 0 };
  const mark: Tally = { ok: 0, wrong: 0, wallMs: 0, cpuMs: 0 };
  for (let t = 0; t < photos; t++) {
    const token = issueToken(key, 3_000_000 + t * 7919);
    const seed = t + 1;
    if (withQr) {
      const marked = await applyScreenWatermark(token, screen);
      const photo = await attackPhotoOfScreen(marked, { ...o, seed });
      add(qr, await timed(() => decodeScreenQr(key, photo), token.entryRef));
    }
    const marked = await applyScreenMark(key, token, screen, { strength });
    const photo = await attackPhotoOfScreen(marked, { ...o, seed });
    add(mark, await timed(() => decodeScreenPhoto(key, photo), token.entryRef));
  }
  const cell = (t: Tally): string => `${t.ok}/${photos}${t.wrong ? ` (${t.wrong} wrong)` : ''}`;
  console.log(
    `| ${name} | ${withQr ? cell(qr) : '-'} | ${cell(mark)} | ${(mark.wallMs / photos).toFixed(0)} | ${(mark.cpuMs / photos).toFixed(0)} |`,
  );
}

// False identifications: the unmarked screen through every condition, decoded with the full decoder.
const unmarked: Tally = { ok: 0, wrong: 0, wallMs: 0, cpuMs: 0 };
const perCase = Math.max(6, Math.ceil(photos / 2));
for (const [, o] of cases)
  for (let t = 0; t < perCase; t++) {
    const photo = await attackPhotoOfScreen(screen, { ...o, seed: 1000 + t });
    add(unmarked, await timed(() => decodeScreenPhoto(key, photo), null));
  }
const n = perCase * cases.length;
console.log(
  `\nUnmarked screen photos: ${unmarked.wrong} false identifications in ${n} photos ` +
    `(decode ${(unmarked.wallMs / n).toFixed(0)} ms wall, ${(unmarked.cpuMs / n).toFixed(0)} ms CPU per photo)`,
);
