import { createRequire } from 'node:module';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  clearZhTaggerTables,
  setZhSegmenterEnabled,
  splitZhPieces,
  tagZh,
  tagZhByJieba,
} from './zh-tagger.ts';

const jieba = createRequire(import.meta.url)('jieba-wasm') as {
  tag(s: string, hmm: boolean): { word: string; tag: string }[];
  cut(s: string, hmm: boolean): string[];
};

/** jieba's own answer, the reference the tagger must reproduce. */
function reference(text: string): { word: string; tag: string }[] {
  return jieba.tag(text, true).map((t) => ({ word: t.word, tag: t.tag }));
}

function wordsAndTags(text: string): { word: string; tag: string }[] {
  return tagZh(text).map((t) => ({ word: t.word, tag: t.tag }));
}

function wordsAndTagsByJieba(text: string): { word: string; tag: string }[] {
  return tagZhByJieba(text).map((t) => ({ word: t.word, tag: t.tag }));
}

const NOTE = [
  '患者张伟，男，45岁，因胸痛2天于2023年5月3日入院。',
  '现住址：浙江省杭州市西湖区文三路100号2单元301室；联系电话13812345678。',
  '家属李娜（妻子）陪同就诊，主治医生王建国、护士刘芳。',
  '既往史：高血压10年，口服“氨氯地平”5mg qd！否认糖尿病？',
  '《出院小结》【诊断】冠心病\r\n签名：赵某某 2023-05-10',
  '𠀀字（补充平面）与 English words, mixed 2号楼.',
].join('\n');

describe('tagZh', () => {
  beforeEach(() => clearZhTaggerTables());

  it('segments through the TypeScript segmenter, without calling jieba-wasm', () => {
    expect(setZhSegmenterEnabled(true)).toBe(true);
    const cut = vi.spyOn(jieba, 'cut');
    const tag = vi.spyOn(jieba, 'tag');
    try {
      tagZh('患者赵铁柱今日出院，嘱低盐饮食。');
      expect(cut).not.toHaveBeenCalled();
      expect(tag).not.toHaveBeenCalled();
    } finally {
      cut.mockRestore();
      tag.mockRestore();
    }
  });

  it('gives the words and tags of jieba tag(text, true), with empty tables', () => {
    expect(wordsAndTags(NOTE)).toEqual(reference(NOTE));
  });

  it('gives the same answer again from its tables (pieces seen once, twice, thrice)', () => {
    tagZh(NOTE);
    expect(wordsAndTags(NOTE)).toEqual(reference(NOTE));
    expect(wordsAndTags(NOTE)).toEqual(reference(NOTE));
    const twice = NOTE + '\n' + NOTE;
    expect(wordsAndTags(twice)).toEqual(reference(twice));
    clearZhTaggerTables('pieces');
    expect(wordsAndTags(twice)).toEqual(reference(twice));
  });

  it('gives the same through jieba-wasm when the segmenter is switched off', () => {
    setZhSegmenterEnabled(false);
    try {
      expect(wordsAndTags(NOTE)).toEqual(reference(NOTE));
    } finally {
      setZhSegmenterEnabled(true);
    }
  });

  it('keeps repeated template lines and fields right', () => {
    const lines: string[] = [];
    for (let i = 0; i < 50; i++)
      lines.push(`患者张伟，男，${40 + (i % 7)}岁，联系电话1381234${1000 + i}。`);
    const text = lines.join('\n');
    expect(wordsAndTags(text)).toEqual(reference(text));
  });

  it('handles a text longer than one batch', () => {
    const text = NOTE.repeat(400) + '最后一句没有句号';
    expect(text.length).toBeGreaterThan(40_000);
    expect(wordsAndTags(text)).toEqual(reference(text));
  });

  it('gives exact UTF-16 offsets (supplementary-plane characters count two)', () => {
    const toks = tagZh(NOTE);
    let pos = 0;
    for (const t of toks) {
      expect(t.start).toBe(pos);
      expect(NOTE.slice(t.start, t.end)).toBe(t.word);
      pos = t.end;
    }
    expect(pos).toBe(NOTE.length);
  });

  it('returns nothing for an empty text', () => {
    expect(tagZh('')).toEqual([]);
  });
});

describe('tagZhByJieba', () => {
  beforeEach(() => clearZhTaggerTables());

  it('gives the words and tags of jieba tag(text, true), cold and warm tables', () => {
    expect(wordsAndTagsByJieba(NOTE)).toEqual(reference(NOTE));
    expect(wordsAndTagsByJieba(NOTE)).toEqual(reference(NOTE));
    clearZhTaggerTables('pieces');
    expect(wordsAndTagsByJieba(NOTE)).toEqual(reference(NOTE));
  });

  it('tags a new text whose words are all known (cut() path only) as jieba does', () => {
    tagZhByJieba(NOTE); // cold: tag(), every word new
    clearZhTaggerTables('pieces');
    tagZhByJieba(NOTE); // tag() again, no word new: the next batch goes to cut()
    const other = '护士刘芳，男，45岁。\n家属李娜陪同就诊，主治医生王建国。';
    const cut = vi.spyOn(jieba, 'cut');
    const tag = vi.spyOn(jieba, 'tag');
    try {
      expect(wordsAndTagsByJieba(other)).toEqual(reference(other));
      expect(cut).toHaveBeenCalledTimes(1);
      expect(tag).toHaveBeenCalledTimes(1); // reference() only
    } finally {
      cut.mockRestore();
      tag.mockRestore();
    }
  });

  it('tags pieces with an unseen word through tag() after cut()', () => {
    tagZhByJieba(NOTE);
    clearZhTaggerTables('pieces');
    tagZhByJieba(NOTE);
    const other = '护士刘芳，男，45岁。\n患者赵铁柱今日出院，嘱低盐饮食。';
    expect(wordsAndTagsByJieba(other)).toEqual(reference(other));
  });

  it('handles repeated template lines and a text longer than one batch', () => {
    const lines: string[] = [];
    for (let i = 0; i < 50; i++)
      lines.push(`患者张伟，男，${40 + (i % 7)}岁，联系电话1381234${1000 + i}。`);
    const text = lines.join('\n') + NOTE.repeat(400);
    expect(wordsAndTagsByJieba(text)).toEqual(reference(text));
  });
});

describe('splitZhPieces', () => {
  it('cuts after punctuation and line ends and keeps every character', () => {
    const text = '甲，乙。丙\r\n丁、戊';
    const pieces = splitZhPieces(text);
    expect(pieces).toEqual(['甲，', '乙。', '丙\r\n', '丁、', '戊']);
    expect(pieces.join('')).toBe(text);
  });

  it('does not cut inside runs jieba keeps together (ASCII letters, digits, . and -)', () => {
    expect(splitZhPieces('2023-05-10 v1.2')).toEqual(['2023-05-10 v1.2']);
  });
});
