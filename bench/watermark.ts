/**
 * Watermark speed: `npm run bench -- watermark`. Embed and decode time for a 512x512 grey PNG, a
 * 1920x1080 screenshot, the peer's 738x1108 size and a 2048x2048 16-bit DICOM frame, each against
 * a plain baseline in the same run: decoding and re-encoding the same file without marking (sharp
 * for images, dcmjs parse + write for DICOM).
 */
import sharp from 'sharp';
import { createRequire } from 'node:module';
import {
  buildSyntheticDicom,
  decodeDicom,
  decodeImage,
  issueToken,
  markDicom,
  markImage,
  renderSyntheticPhoto,
  renderSyntheticRadiograph,
  renderSyntheticScreen,
} from '../src/watermark/index.ts';

const key = Buffer.alloc(32, 0x42);
const token = issueToken(key, 123_456_789);
const dcmjs = createRequire(import.meta.url)('dcmjs');

async function time(fn: () => Promise<unknown> | unknown, runs: number): Promise<number> {
  await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1]!;
}

const cases: [string, Buffer, 'image' | 'dicom', number][] = [
  ['512x512 grey PNG', await renderSyntheticRadiograph(512, 512), 'image', 0.262],
  ['738x1108 colour PNG (peer size)', await renderSyntheticPhoto(738, 1108), 'image', 0.818],
  ['1920x1080 screenshot PNG', await renderSyntheticScreen(1920, 1080), 'image', 2.074],
  [
    '2048x2048 16-bit DICOM',
    await buildSyntheticDicom({ width: 2048, height: 2048, bits: 16 }),
    'dicom',
    4.194,
  ],
];

console.log(
  '| input | baseline ms | embed ms | embed / baseline | embed ms/MP | decode ms | decode / baseline | PSNR dB |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, buf, kind, mp] of cases) {
  const runs = mp > 3 ? 3 : 5;
  let baseline: number;
  let embed: number;
  let decode: number;
  let psnr: number;
  if (kind === 'image') {
    baseline = await time(async () => {
      const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
      await sharp(data, {
        raw: { width: info.width, height: info.height, channels: info.channels },
      })
        .png({ compressionLevel: 6 })
        .toBuffer();
    }, runs);
    const m = await markImage(key, token, buf);
    psnr = m.psnr;
    embed = await time(() => markImage(key, token, buf), runs);
    decode = await time(() => decodeImage(key, m.output), runs);
  } else {
    baseline = await time(() => {
      const d = dcmjs.data.DicomMessage.readFile(
        buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length),
      );
      return d.write();
    }, runs);
    const m = markDicom(key, token, buf);
    psnr = m.psnr;
    embed = await time(() => markDicom(key, token, buf), runs);
    decode = await time(() => decodeDicom(key, m.output), runs);
  }
  console.log(
    `| ${name} | ${baseline.toFixed(1)} | ${embed.toFixed(1)} | ${(embed / baseline).toFixed(2)} | ${(embed / mp).toFixed(1)} | ${decode.toFixed(1)} | ${(decode / baseline).toFixed(2)} | ${psnr.toFixed(2)} |`,
  );
}
console.log(
  '\nPeer (shared/data README): blind_watermark 738x1108: embed 1500-2300 ms, extract 1300-1500 ms, PSNR 38.3 dB.',
);
