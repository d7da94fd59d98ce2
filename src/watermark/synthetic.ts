/**
 * Deterministic synthetic test images (no patient data): a chest-radiograph-like grey image, a
 * record-screen screenshot and a photo-like colour image. Used by tests, the evaluation and the
 * benchmark, which must not depend on outside data.
 */
import sharp from 'sharp';

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

function addNoise(data: Buffer, sigma: number, seed: number): void {
  const r = rng(seed);
  for (let i = 0; i < data.length; i++) {
    const g = (r() + r() + r() - 1.5) * 2 * sigma;
    data[i] = Math.max(0, Math.min(255, Math.round(data[i]! + g)));
  }
}

/** A chest-X-ray-like 8-bit grey PNG: body, lungs, ribs, spine, heart shadow, film noise. */
export async function renderSyntheticRadiograph(
  width = 1024,
  height = 1024,
  seed = 7,
): Promise<Buffer> {
  const ribs: string[] = [];
  for (let i = 0; i < 10; i++) {
    const y = height * (0.25 + i * 0.055);
    for (const side of [-1, 1]) {
      const x0 = width / 2 + side * width * 0.05;
      const x1 = width / 2 + side * width * 0.38;
      ribs.push(
        `<path d="M${x0},${y} Q${(x0 + x1) / 2},${y - height * 0.06} ${x1},${y + height * 0.05}" stroke="rgb(205,205,205)" stroke-opacity="0.45" stroke-width="${width * 0.018}" fill="none"/>`,
      );
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs>
    <radialGradient id="body" cx="50%" cy="55%" r="60%"><stop offset="0" stop-color="rgb(150,150,150)"/><stop offset="1" stop-color="rgb(40,40,40)"/></radialGradient>
    <radialGradient id="lung" cx="50%" cy="45%" r="60%"><stop offset="0" stop-color="rgb(35,35,35)"/><stop offset="1" stop-color="rgb(90,90,90)"/></radialGradient>
    <filter id="soft"><feGaussianBlur stdDeviation="${width / 200}"/></filter>
  </defs>
  <rect width="100%" height="100%" fill="rgb(12,12,12)"/>
  <ellipse cx="${width / 2}" cy="${height * 0.58}" rx="${width * 0.46}" ry="${height * 0.5}" fill="url(#body)" filter="url(#soft)"/>
  <ellipse cx="${width * 0.32}" cy="${height * 0.5}" rx="${width * 0.15}" ry="${height * 0.3}" fill="url(#lung)" filter="url(#soft)"/>
  <ellipse cx="${width * 0.68}" cy="${height * 0.5}" rx="${width * 0.15}" ry="${height * 0.3}" fill="url(#lung)" filter="url(#soft)"/>
  <ellipse cx="${width * 0.56}" cy="${height * 0.62}" rx="${width * 0.12}" ry="${height * 0.13}" fill="rgb(170,170,170)" fill-opacity="0.7" filter="url(#soft)"/>
  <rect x="${width * 0.475}" y="${height * 0.1}" width="${width * 0.05}" height="${height * 0.85}" fill="rgb(215,215,215)" fill-opacity="0.6" filter="url(#soft)"/>
  <g filter="url(#soft)">${ribs.join('')}</g>
  <text x="${width * 0.04}" y="${height * 0.06}" font-family="DejaVu Sans" font-size="${width * 0.03}" fill="white">R</text>
</svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  addNoise(data, 3, seed);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/** A record-screen screenshot: white page, header bar, table lines and text. RGB PNG. */
export async function renderSyntheticScreen(width = 1280, height = 800): Promise<Buffer> {
  const lines: string[] = [];
  const words = [
    'Emergency record',
    'Triage 2',
    'BP 128/84',
    'HR 96',
    'SpO2 98%',
    'Allergy: none',
    'Chief complaint: chest pain',
    'ECG sinus rhythm',
    'Troponin pending',
    'Plan: observe',
  ];
  for (let i = 0; i < 24; i++) {
    const y = 120 + i * 27;
    if (y > height - 20) break;
    lines.push(
      `<text x="40" y="${y}" font-family="DejaVu Sans" font-size="15" fill="#222">${words[i % words.length]} — item ${i + 1}</text>`,
      `<text x="${width / 2}" y="${y}" font-family="DejaVu Sans" font-size="15" fill="#333">${words[(i * 3) % words.length]}</text>`,
      `<line x1="30" x2="${width - 30}" y1="${y + 8}" y2="${y + 8}" stroke="#ddd"/>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <rect width="100%" height="100%" fill="#fbfbfb"/>
  <rect width="100%" height="64" fill="#1f4e79"/>
  <text x="30" y="42" font-family="DejaVu Sans" font-size="24" fill="white">Record viewer — Ward 7</text>
  <rect x="${width - 300}" y="90" width="260" height="180" fill="#eef3f8" stroke="#9ab"/>
  ${lines.join('\n')}
</svg>`;
  return sharp(Buffer.from(svg)).removeAlpha().png().toBuffer();
}

/** A photo-like colour image: sky gradient, hills, textured foreground, shapes and grain. */
export async function renderSyntheticPhoto(width = 738, height = 1108, seed = 11): Promise<Buffer> {
  const r = rng(seed);
  const shapes: string[] = [];
  for (let i = 0; i < 60; i++) {
    const cx = r() * width;
    const cy = height * 0.45 + r() * height * 0.55;
    const rad = 5 + r() * width * 0.08;
    const c = `rgb(${Math.floor(40 + r() * 150)},${Math.floor(60 + r() * 150)},${Math.floor(20 + r() * 100)})`;
    shapes.push(
      `<circle cx="${cx}" cy="${cy}" r="${rad}" fill="${c}" fill-opacity="${0.3 + r() * 0.6}"/>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3a6fb0"/><stop offset="1" stop-color="#cfe3f5"/></linearGradient>
    <linearGradient id="land" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#4d7a2f"/><stop offset="1" stop-color="#a08540"/></linearGradient>
    <filter id="b"><feGaussianBlur stdDeviation="1.5"/></filter>
  </defs>
  <rect width="100%" height="100%" fill="url(#sky)"/>
  <path d="M0,${height * 0.5} Q${width * 0.3},${height * 0.35} ${width * 0.6},${height * 0.48} T${width},${height * 0.42} V${height} H0 Z" fill="url(#land)"/>
  <g filter="url(#b)">${shapes.join('')}</g>
  <rect x="${width * 0.55}" y="${height * 0.55}" width="${width * 0.25}" height="${height * 0.2}" fill="#8b3a2a"/>
  <rect x="${width * 0.6}" y="${height * 0.6}" width="${width * 0.06}" height="${height * 0.07}" fill="#f2e6c8"/>
</svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  addNoise(data, 6, seed);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .png()
    .toBuffer();
}

/** Options for a synthetic DICOM file. */
export interface SyntheticDicomOptions {
  width?: number;
  height?: number;
  /** 8 or 16 bits allocated (16-bit files store 12 bits unless `bitsStored` says otherwise). */
  bits?: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  rgb?: boolean;
  planar?: boolean;
  monochrome1?: boolean;
  frames?: number;
}

/**
 * Builds an uncompressed DICOM Part 10 file (explicit VR little endian) whose pixels are the
 * synthetic radiograph (or the photo for RGB). Only fake, non-personal header values.
 */
export async function buildSyntheticDicom(options: SyntheticDicomOptions = {}): Promise<Buffer> {
  const { createRequire } = await import('node:module');
  const dcmjs = createRequire(import.meta.url)('dcmjs') as {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => {
        dict: Record<string, unknown>;
        write(): ArrayBuffer;
      };
      DicomMetaDictionary: {
        denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
      };
    };
  };
  const width = options.width ?? 512;
  const height = options.height ?? 512;
  const bits = options.bits ?? 16;
  const stored = bits === 8 ? 8 : (options.bitsStored ?? 12);
  const frames = options.frames ?? 1;
  const rgb = options.rgb ?? false;
  const src = rgb
    ? await renderSyntheticPhoto(width, height)
    : await renderSyntheticRadiograph(width, height);
  const { data } = await sharp(src)
    .toColourspace(rgb ? 'srgb' : 'b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = width * height;
  const samples = rgb ? 3 : 1;
  let pixels: Uint8Array;
  if (bits === 8) {
    pixels = new Uint8Array(n * samples * frames);
    for (let f = 0; f < frames; f++)
      for (let i = 0; i < n * samples; i++) {
        const v = options.monochrome1 ? 255 - data[i]! : data[i]!;
        if (rgb && options.planar) pixels[f * n * 3 + (i % 3) * n + Math.floor(i / 3)] = v;
        else pixels[f * n * samples + i] = v;
      }
  } else {
    const words = new Uint16Array(n * frames);
    const max = (1 << stored) - 1;
    for (let f = 0; f < frames; f++)
      for (let i = 0; i < n; i++) {
        let v = Math.round((data[i]! / 255) * max * 0.9 + max * 0.03);
        if (options.monochrome1) v = max - v;
        if (options.signed) v -= 1 << (stored - 1);
        words[f * n + i] = v & 0xffff & max;
      }
    pixels = new Uint8Array(words.buffer);
  }
  const ds: Record<string, unknown> = {
    _meta: {},
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: '2.25.1234567890123456789',
    StudyInstanceUID: '2.25.1234567890123456790',
    SeriesInstanceUID: '2.25.1234567890123456791',
    Modality: 'OT',
    PatientName: 'TEST^SYNTHETIC',
    PatientID: 'SYN-0001',
    Rows: height,
    Columns: width,
    SamplesPerPixel: samples,
    PhotometricInterpretation: rgb ? 'RGB' : options.monochrome1 ? 'MONOCHROME1' : 'MONOCHROME2',
    BitsAllocated: bits,
    BitsStored: stored,
    HighBit: stored - 1,
    PixelRepresentation: options.signed ? 1 : 0,
    ...(rgb ? { PlanarConfiguration: options.planar ? 1 : 0 } : {}),
    ...(frames > 1 ? { NumberOfFrames: String(frames) } : {}),
    _vrMap: { PixelData: bits === 8 ? 'OB' : 'OW' },
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.80302813137786398554742050926734630921',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
  const out = dict.write();
  return Buffer.from(out);
}
