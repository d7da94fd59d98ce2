import { describe, expect, it } from 'vitest';
import { loadJieba, readJiebaModel } from './zh-jieba-model.ts';
import { ZhSegmenter } from './zh-segmenter.ts';

const model = readJiebaModel();
const jieba = loadJieba();
const seg = model ? new ZhSegmenter(model) : undefined;

/** Small seeded generator (mulberry32), so that the random texts are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts that the segmenter gives jieba-wasm's words and tags on `text`, word for word. */
function expectSameAsJieba(text: string): void {
  const mine = seg!.tag(text);
  const theirs = jieba.tag(text, true);
  expect(mine.map((t) => t.word)).toEqual(jieba.cut(text, true));
  expect(mine.map((t) => `${t.word}/${t.tag}`)).toEqual(theirs.map((t) => `${t.word}/${t.tag}`));
  let pos = 0;
  for (const t of mine) {
    expect(t.start).toBe(pos);
    expect(text.slice(t.start, t.end)).toBe(t.word);
    pos = t.end;
  }
  expect(pos).toBe(text.length);
}

describe('readJiebaModel', () => {
  it('reads the dictionary and the four emission tables out of jieba-wasm', () => {
    expect(model).toBeDefined();
    expect(model!.dictionary.split('\n').length).toBeGreaterThan(300_000);
    for (const table of model!.emissions) expect(table.some((p) => p < 0)).toBe(true);
  });
});

describe('ZhSegmenter', () => {
  it.each([
    ['dictionary words', '我来到北京清华大学'],
    ['unknown words through the hidden Markov model', '他来到了网易杭研大厦'],
    ['a run that is itself a word, cut into characters', '我们中出了一个叛徒'],
    ['a clinical note', '患者张伟，男，45岁，因胸痛2天于2023年5月3日入院。'],
    ['an address', '现住址：浙江省杭州市西湖区文三路100号2单元301室；联系电话13812345678。'],
    ['names and kin', '家属李娜（妻子）陪同就诊，主治医生王建国、护士刘芳。'],
    ['quotes and marks', '既往史：高血压10年，口服“氨氯地平”5mg qd！否认糖尿病？'],
    [
      'book-title marks and a Windows line end',
      '《出院小结》【诊断】冠心病\r\n签名：赵某某 2023-05-10',
    ],
    ['a lone carriage return and other white space', '甲\r乙\t丙\u3000丁\u00a0戊\u2028己'],
    [
      'decimals, percentages and ASCII symbols',
      '增长3.5%，v1.2版C++与AT&T、e-mail、a_b、x#y、100.25元',
    ],
    ['letters and digits inside a run of unknown characters', '张三丰ab12.5%李四光x9'],
    ['supplementary-plane and extension-A characters', '𠀀字（补充平面）、䶮䶯与𪚥𪚥'],
    ['compatibility ideographs and the last unified ones', '豈更車賈鿖鿗鿿龥'],
    ['Latin text', 'English words, mixed 2号楼. Dr. Smith'],
    ['emoji and symbols', '好👍！℃±×÷'],
    ['an empty text', ''],
  ])('matches jieba-wasm on %s', (_name, text) => {
    expectSameAsJieba(text);
  });

  it('matches jieba-wasm on dictionary words strung together at random', () => {
    const words = model!.dictionary
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((w) => w.length > 0);
    const next = random(8);
    const parts: string[] = [];
    for (let i = 0; i < 6000; i++) {
      parts.push(words[Math.floor(next() * words.length)]!);
      if (next() < 0.08) parts.push('，。、；\n 1a'[Math.floor(next() * 9)]!);
    }
    expectSameAsJieba(parts.join(''));
  });

  it('matches jieba-wasm on random characters (unknown words, digits, letters, marks)', () => {
    const pool =
      '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质体世调话加题量利加金受法南院公深论新车书确需深华病'.split(
        '',
      );
    const extra = [
      '0',
      '7',
      'a',
      'Z',
      '.',
      '%',
      '-',
      '+',
      '#',
      '&',
      '_',
      '，',
      '。',
      ' ',
      '\n',
      '䶮',
      '𠀀',
    ];
    const next = random(42);
    const chars: string[] = [];
    for (let i = 0; i < 30_000; i++)
      chars.push(
        next() < 0.85
          ? pool[Math.floor(next() * pool.length)]!
          : extra[Math.floor(next() * extra.length)]!,
      );
    expectSameAsJieba(chars.join(''));
  });

  it('loads an unsorted dictionary with a repeated word as jieba-rs does (first tag, last frequency)', () => {
    const none = () => new Float64Array(0x9fd6 - 0x4e00).fill(NaN);
    const tiny = new ZhSegmenter({
      dictionary: '乙 5 n\n甲 3 v\n甲乙 2 x\n甲 7 q\n',
      emissions: [none(), none(), none(), none()],
    });
    // total 14: 甲 (7/14) then 乙 (5/14) beats 甲乙 (2/14).
    expect(tiny.tag('甲乙').map((t) => `${t.word}/${t.tag}`)).toEqual(['甲/v', '乙/n']);
    expect(tiny.tag('乙甲乙丙1').map((t) => `${t.word}/${t.tag}`)).toEqual([
      '乙/n',
      '甲/v',
      '乙/n',
      '丙/x', // 丙1: no word, so the hidden Markov model's split of a run of Han and digits
      '1/m',
    ]);
  });

  it('segments a range of a text as the range alone, with offsets in the text', () => {
    const text = '前言。患者张伟，男，45岁。后记';
    const from = text.indexOf('患');
    const to = text.indexOf('后');
    const words = seg!.tag(text, [], from, to);
    expect(words.map((t) => t.word)).toEqual(jieba.cut(text.slice(from, to), true));
    expect(words[0]!.start).toBe(from);
    expect(words[words.length - 1]!.end).toBe(to);
  });
});
