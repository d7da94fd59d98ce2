/**
 * Loads zxing-wasm in Node from the package's own .wasm files (it would otherwise fetch them
 * from a CDN; `locateFile` does not work in Node, so `wasmBinary` is passed instead).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as reader from 'zxing-wasm/reader';
import * as writer from 'zxing-wasm/writer';

const require = createRequire(import.meta.url);
let readerReady: Promise<unknown> | null = null;
let writerReady: Promise<unknown> | null = null;

function wasmOf(spec: string): ArrayBuffer {
  const b = readFileSync(require.resolve(spec));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The zxing reader, initialised once per process. */
export async function loadReader(): Promise<typeof reader> {
  readerReady ??= reader.prepareZXingModule({
    overrides: { wasmBinary: wasmOf('zxing-wasm/reader/zxing_reader.wasm') },
    fireImmediately: true,
  });
  await readerReady;
  return reader;
}

/** The zxing writer, initialised once per process. */
export async function loadWriter(): Promise<typeof writer> {
  writerReady ??= writer.prepareZXingModule({
    overrides: { wasmBinary: wasmOf('zxing-wasm/writer/zxing_writer.wasm') },
    fireImmediately: true,
  });
  await writerReady;
  return writer;
}
