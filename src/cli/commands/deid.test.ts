import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { deidCommand } from './deid.ts';

describe('custos deid', () => {
  it('builds text, dicom and dataset subcommands', () => {
    expect(deidCommand().commands.map((c) => c.name())).toEqual(['text', 'dicom', 'dataset']);
  });
  it('dataset writes a k-anonymous CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-deid-'));
    const rows = Array.from(
      { length: 30 },
      (_, i) => `${30 + (i % 20)},${i % 2 ? 'F' : 'M'},北京市海淀区,dx${i % 3}`,
    );
    writeFileSync(join(dir, 'in.csv'), 'age,sex,district,diagnosis\n' + rows.join('\n') + '\n');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await deidCommand().parseAsync(
      [
        'dataset',
        join(dir, 'in.csv'),
        join(dir, 'out.csv'),
        '--k',
        '5',
        '--quasi',
        'age,sex,district',
        '--sensitive',
        'diagnosis',
        '--report',
        join(dir, 'r.json'),
      ],
      { from: 'user' },
    );
    err.mockRestore();
    const out = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
    expect(out[0]).toBe('age,sex,district,diagnosis');
    expect(
      JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).minClassSize,
    ).toBeGreaterThanOrEqual(5);
  });
  it('dicom continues past bad files in a folder and lists them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-deid-'));
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'bad.dcm'), Buffer.alloc(200, 1));
    const errs: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      errs.push(String(s));
      return true;
    });
    await deidCommand().parseAsync(['dicom', join(dir, 'in'), join(dir, 'out')], { from: 'user' });
    err.mockRestore();
    expect(errs.join('')).toMatch(/0 written, 1 failed/);
    expect(errs.join('')).toMatch(/bad\.dcm: CUSTOS_INPUT_INVALID/);
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
    expect(readdirSync(dir)).toContain('in');
  });
});
