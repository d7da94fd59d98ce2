/**
 * De-identification throughput. Run: `npm run bench -- deid`.
 *
 * Text: MB/s of `analyze` (all recognizers, one core) on English nursing notes and Chinese
 * sentences, by wall clock and per CPU-second (user + system time of this process: less disturbed
 * by other load on the machine), against a baseline in the same run: one regular-expression scan
 * (phone-number shape) over the same bytes. DICOM: files/s of `deidentifyDicom` against dcmjs parse + write of the same
 * files. Uses ../shared/data when present, otherwise generated text and DICOM (said in the output).
 * Each text is analysed for two seconds before it is timed (first-use loading and compilation are
 * not part of the figures). The Chinese tagger keeps the words of each text piece it segmented
 * (template lines recur); that table is emptied before every timed Chinese call, so that repeats
 * count only within a call, as for a text never seen before; the table of word tags stays (a
 * process that has analysed Chinese before). A further row empties both (`tables empty`).
 * Chinese words come from the TypeScript segmenter (zh-segmenter.ts); each Chinese text is first
 * checked to give jieba-wasm's `cut(text, true)` and `tag(text, true)` word for word, and a row
 * `via jieba-wasm` times the analysis with the segmenter switched off (the fallback path).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createAnalyzer, deidentifyDicom, deidentifyText } from '../src/deid/index.ts';
import { loadJieba } from '../src/deid/zh-jieba-model.ts';
import { clearZhTaggerTables, setZhSegmenterEnabled, tagZh } from '../src/deid/zh-tagger.ts';

const DATA = resolve(import.meta.dirname, '../../shared/data');
const require = createRequire(import.meta.url);

/** CPU milliseconds (user + system) of the last timeIt call, per iteration. */
let lastCpuMs = 0;

/** Wall milliseconds per call of `fn`; the CPU time per call is left in `lastCpuMs`. */
function timeIt(fn: () => void, minMs = 1500): number {
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  do {
    fn();
    n++;
  } while (performance.now() - t0 < minMs);
  const c = process.cpuUsage(c0);
  lastCpuMs = (c.user + c.system) / 1000 / n;
  return (performance.now() - t0) / n;
}

function generatedEnglish(): string {
  const parts: string[] = [];
  for (let i = 0; i < 4000; i++) {
    parts.push(
      `Pt seen by Dr. Healey on 7/${1 + (i % 28)}/2019. Wife Mary Souza called at 410-555-${String(1000 + i).slice(-4)}. BP 120/80, HR 72, afebrile. Lasix 40 mg IV given; plan to wean O2 and transfer to floor.\n`,
    );
  }
  return parts.join('');
}

function generatedChinese(): string {
  const parts: string[] = [];
  for (let i = 0; i < 4000; i++)
    parts.push(
      `患者张伟，男，${40 + (i % 40)}岁，因胸痛2天于2023年5月${1 + (i % 28)}日入院，血压120/80mmHg，联系电话1381234${String(1000 + i).slice(-4)}。`,
    );
  return parts.join('\n');
}

const analyzer = createAnalyzer();
const fastZh = createAnalyzer({ zhPos: false });

function textBench(label: string, text: string, lang: 'en' | 'zh', source: string): void {
  const bytes = Buffer.byteLength(text);
  // Warm-up: load lexicons / jieba, fill the tables that live across calls (distinct words, token
  // objects) and let the optimising compiler finish (its threads' CPU time counts in
  // process.cpuUsage): two seconds of the same calls, so that the figures are those of a process
  // that analyses texts all day.
  timeIt(() => analyzer.analyze(text, { lang }), 2000);
  const baseline = /(?<!\d)\d{3}[- ]?\d{3,4}[- ]?\d{4}(?!\d)/g;
  const tBase = timeIt(() => {
    baseline.lastIndex = 0;
    let c = 0;
    while (baseline.exec(text) !== null) c++;
    if (c < 0) throw new Error('unreachable');
  });
  const baseCpu = bytes / 1e6 / (lastCpuMs / 1000);
  // Chinese: the pieces table is emptied before each call (see the header comment).
  const fresh = lang === 'zh' ? () => clearZhTaggerTables('pieces') : () => undefined;
  const tAnalyze = timeIt(() => {
    fresh();
    analyzer.analyze(text, { lang });
  }, 3000);
  const mbs = bytes / 1e6 / (tAnalyze / 1000);
  const cpu = bytes / 1e6 / (lastCpuMs / 1000);
  const base = bytes / 1e6 / (tBase / 1000);
  console.log(
    `| ${label} | ${source} | ${(bytes / 1e6).toFixed(2)} | ${mbs.toFixed(2)} | ${cpu.toFixed(2)} | ${base.toFixed(0)} | ${(cpu / baseCpu).toFixed(4)} |`,
  );
  if (lang === 'zh') {
    const inUse = setZhSegmenterEnabled(true);
    const jieba = loadJieba();
    const words = tagZh(text);
    const cut = jieba.cut(text, true);
    const tags = jieba.tag(text, true);
    const same =
      words.length === cut.length &&
      words.every((w, i) => w.word === cut[i] && w.tag === tags[i]!.tag);
    console.log(
      `| ${label}: words and tags of the tagger (${inUse ? 'TypeScript segmenter' : 'SEGMENTER NOT IN USE'}) against jieba-wasm cut() and tag(), ${cut.length} words | ${same ? 'identical' : 'DIFFERENT'} | | | | | |`,
    );
    setZhSegmenterEnabled(false);
    timeIt(() => analyzer.analyze(text, { lang }), 2000);
    const tJ = timeIt(() => {
      clearZhTaggerTables('pieces');
      analyzer.analyze(text, { lang });
    }, 3000);
    const jw = bytes / 1e6 / (tJ / 1000);
    const jc = bytes / 1e6 / (lastCpuMs / 1000);
    setZhSegmenterEnabled(true);
    console.log(
      `| ${label}, via jieba-wasm (segmenter off) | ${source} | ${(bytes / 1e6).toFixed(2)} | ${jw.toFixed(2)} | ${jc.toFixed(2)} | ${base.toFixed(0)} | ${(jc / baseCpu).toFixed(4)} |`,
    );
    const tCold = timeIt(() => {
      clearZhTaggerTables('all');
      analyzer.analyze(text, { lang });
    }, 3000);
    const cw = bytes / 1e6 / (tCold / 1000);
    const cc = bytes / 1e6 / (lastCpuMs / 1000);
    console.log(
      `| ${label}, tagger tables empty | ${source} | ${(bytes / 1e6).toFixed(2)} | ${cw.toFixed(2)} | ${cc.toFixed(2)} | ${base.toFixed(0)} | ${(cc / baseCpu).toFixed(4)} |`,
    );
    const tFast = timeIt(() => fastZh.analyze(text, { lang }), 3000);
    const f = bytes / 1e6 / (tFast / 1000);
    const fc = bytes / 1e6 / (lastCpuMs / 1000);
    console.log(
      `| ${label}, without jieba POS | ${source} | ${(bytes / 1e6).toFixed(2)} | ${f.toFixed(2)} | ${fc.toFixed(2)} | ${base.toFixed(0)} | ${(fc / baseCpu).toFixed(4)} |`,
    );
  }
  if (lang === 'en') {
    const key = Buffer.alloc(32, 1);
    const tDeid = timeIt(
      () =>
        deidentifyText(text, {
          lang,
          key,
          patientId: 'p',
          operators: { default: { type: 'pseudonym' } },
        }),
      3000,
    );
    const d = bytes / 1e6 / (tDeid / 1000);
    const dc = bytes / 1e6 / (lastCpuMs / 1000);
    console.log(
      `| ${label}, analyze + pseudonymise + re-scan | ${source} | ${(bytes / 1e6).toFixed(2)} | ${d.toFixed(2)} | ${dc.toFixed(2)} | ${base.toFixed(0)} | ${(dc / baseCpu).toFixed(4)} |`,
    );
    // Notes one by one (the way notes are de-identified in practice), when the corpus has records.
    const docs = [
      ...text.matchAll(/START_OF_RECORD=\d+\|\|\|\|\d+\|\|\|\|\n([\s\S]*?)\|\|\|\|END_OF_RECORD/g),
    ].map((m) => m[1]!);
    if (docs.length > 0) {
      const db = docs.reduce((a, x) => a + Buffer.byteLength(x), 0);
      const tDocs = timeIt(() => {
        for (const x of docs) analyzer.analyze(x, { lang });
      }, 3000);
      const w = db / 1e6 / (tDocs / 1000);
      const c = db / 1e6 / (lastCpuMs / 1000);
      console.log(
        `| ${label}, note by note (${docs.length} calls) | ${source} | ${(db / 1e6).toFixed(2)} | ${w.toFixed(2)} | ${c.toFixed(2)} | ${base.toFixed(0)} | ${(c / baseCpu).toFixed(4)} |`,
      );
    }
  }
}

const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : undefined;
if (only !== 'dicom') runText();

function runText(): void {
  console.log('## Text (one core)\n');
  console.log(
    '| text | source | MB | analyze MB/s (wall) | MB/s per CPU-second | baseline regex MB/s | ratio (CPU) |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|');
  const physio = join(DATA, 'physionet-deid', 'id.text');
  if (existsSync(physio))
    textBench('English nursing notes', readFileSync(physio, 'utf8'), 'en', 'PhysioNet id.text');
  else textBench('English notes', generatedEnglish(), 'en', 'generated (PhysioNet data absent)');
  const msra = join(DATA, 'msra-ner', 'test.sentences.txt');
  if (existsSync(msra))
    textBench(
      'Chinese news sentences',
      readFileSync(msra, 'utf8')
        .split('\n')
        .map((l) => l.replace(/ /g, ''))
        .join('\n'),
      'zh',
      'MSRA test',
    );
  textBench('Chinese clinical template notes', generatedChinese(), 'zh', 'generated');
}

// ---- DICOM ----
interface Dcmjs {
  data: { DicomMessage: { readFile(b: ArrayBuffer): { write(): ArrayBuffer } } };
  log: { setLevel(l: string): void };
}
const dcmjs = require('dcmjs') as Dcmjs;
dcmjs.log.setLevel('silent');
const key = Buffer.alloc(32, 5);
const files: { name: string; bytes: Uint8Array }[] = [];
for (const dir of [
  'dicom-samples-deid-data/humans',
  'dicom-samples-deid-data/dicom-cookies',
  'dicom-samples-pydicom',
]) {
  const d = join(DATA, dir);
  if (!existsSync(d)) continue;
  for (const f of readdirSync(d).filter((x) => x.endsWith('.dcm'))) {
    const bytes = new Uint8Array(readFileSync(join(d, f)));
    try {
      deidentifyDicom(bytes, { key });
      files.push({ name: f, bytes });
    } catch {
      /* files the de-identifier rejects (no meta header, unsupported) are not timed */
    }
  }
}
console.log('\n## DICOM (one core)\n');
if (only === 'text') console.log('skipped (--only text)');
else if (files.length === 0)
  console.log('DATA ABSENT: no DICOM samples in ../shared/data; nothing measured.');
else {
  const total = files.reduce((a, f) => a + f.bytes.byteLength, 0);
  const tBase = timeIt(() => {
    for (const f of files) {
      const d = dcmjs.data.DicomMessage.readFile(
        f.bytes.buffer.slice(
          f.bytes.byteOffset,
          f.bytes.byteOffset + f.bytes.byteLength,
        ) as ArrayBuffer,
      );
      try {
        d.write(); // dcmjs cannot re-write a few encapsulated files that deid copies verbatim
      } catch {
        /* counted as processed */
      }
    }
  });
  const tDeid = timeIt(() => {
    for (const f of files) deidentifyDicom(f.bytes, { key });
  });
  const fps = files.length / (tDeid / 1000);
  const base = files.length / (tBase / 1000);
  console.log('| files | MB | de-identify files/s | baseline dcmjs read+write files/s | ratio |');
  console.log('|---:|---:|---:|---:|---:|');
  console.log(
    `| ${files.length} | ${(total / 1e6).toFixed(1)} | ${fps.toFixed(0)} | ${base.toFixed(0)} | ${(fps / base).toFixed(2)} |`,
  );
}
