import { describe, expect, it } from 'vitest';
import { createAnalyzer } from '../analyzer.ts';
import { EntityType } from '../types.ts';
import {
  ADDR_RE,
  AFTER_CUES,
  CUE_AFTER_RE,
  ORG_RE,
  ORG_SUFFIX,
  SURNAME_TITLE_RE,
  TITLES,
  anchoredScan,
  zhAddressMatches,
} from './zh-entities.ts';

/** Every match of a global regex, found the plain way (tried at every position). */
function plainScan(re: RegExp, text: string): [number, string][] {
  const rx = new RegExp(re.source, re.flags);
  const out: [number, string][] = [];
  let m: RegExpExecArray | null;
  while ((m = rx.exec(text)) !== null) {
    if (m[0].length === 0) {
      rx.lastIndex++;
      continue;
    }
    out.push([m.index, m[0]]);
  }
  return out;
}

/** A text from a small alphabet of cue, suffix, surname, digit and punctuation pieces. */
function mixedText(seed: number, pieces: number): string {
  const alphabet = [
    '王',
    '李',
    '张',
    '欧阳',
    '江',
    '国',
    '明',
    '丽',
    '伟',
    '的',
    '在',
    '，',
    '。',
    ' ',
    '\n',
    '主任',
    '医生',
    '先生',
    '主席',
    '记者',
    '人民医院',
    '大学',
    '公司',
    '分院',
    '省',
    '市',
    '区',
    '县',
    '镇',
    '村',
    '路',
    '街道',
    '小区',
    '号',
    '栋',
    '单元',
    '室',
    '1',
    '2',
    '3',
    '-',
    '十',
    '浙江',
    '杭州',
    '西湖',
    '文三',
    '花园',
    '特别行政区',
    '自治州',
  ];
  let x = seed >>> 0;
  let s = '';
  for (let i = 0; i < pieces; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    s += alphabet[x % alphabet.length];
  }
  return s;
}

const TEXTS = [
  ...Array.from({ length: 30 }, (_, i) => mixedText(i + 1, 400)),
  '患者王伟主任医生李明丽先生，住浙江省杭州市西湖区文三路100号2栋3单元301室。',
  '欧阳娜娜主任与江主席在北京人民医院分院、浙江大学和某某公司。',
];

describe('scans narrowed to their anchors find what a plain scan finds', () => {
  const cases: [string, RegExp, RegExp, number, number][] = [
    ['name before a cue', CUE_AFTER_RE, new RegExp(AFTER_CUES, 'g'), 2, 4],
    ['bare surname before a title', SURNAME_TITLE_RE, new RegExp(TITLES, 'g'), 1, 2],
    ['organisation', ORG_RE, new RegExp(ORG_SUFFIX, 'g'), 2, 14],
  ];
  it.each(cases)('%s', (_name, re, anchor, lo, hi) => {
    const scan = anchoredScan(re, anchor, lo, hi);
    let total = 0;
    for (const text of TEXTS) {
      const got = [...scan(text)].map((m): [number, string] => [m.index, m[0]]);
      expect(got).toEqual(plainScan(re, text));
      total += got.length;
    }
    expect(total).toBeGreaterThan(10);
  });

  it('addresses', () => {
    let total = 0;
    for (const text of TEXTS) {
      const got = [...zhAddressMatches(text)].map((m): [number, string] => [m.index, m[0]]);
      expect(got).toEqual(plainScan(ADDR_RE, text));
      total += got.length;
    }
    expect(total).toBeGreaterThan(10);
  });

  it('the anchor bounds matter: a too narrow window misses the longest name', () => {
    const text = '欧阳娜娜主任';
    const narrow = anchoredScan(CUE_AFTER_RE, new RegExp(AFTER_CUES, 'g'), 2, 3);
    expect(plainScan(CUE_AFTER_RE, text)).toEqual([[0, '欧阳娜娜']]);
    expect([...narrow(text)].map((m) => [m.index, m[0]])).toEqual([[1, '阳娜娜']]);
  });
});

const analyzer = createAnalyzer();

/** The text of each finding of `type`. */
function found(text: string, type: EntityType): string[] {
  return analyzer
    .analyze(text, { lang: 'zh' })
    .filter((f) => f.type === type)
    .map((f) => text.slice(f.start, f.end));
}

describe('Chinese names', () => {
  it.each([
    ['a name right after a title (记者)', '本报记者钱晓峰报道', '钱晓峰'],
    ['names listed with 、 after a title', '本报记者钱晓峰、孙丽萍报道：', '孙丽萍'],
    [
      'a foreign name cut in pieces by jieba, after a title',
      '会见了外交部长普里斯托夫',
      '普里斯托夫',
    ],
    ['a foreign name before a title', '普里斯托夫总统今天抵达', '普里斯托夫'],
    ['a name jieba joined to 思想', '高举毛泽东思想伟大旗帜', '毛泽东'],
    ['a lone surname and the word after it, after a title', '医院由主任傅建国负责', '傅建国'],
    ['明 in a given name', '姓名：周明远', '周明远'],
    ["a photographer's credit", '（钱晓峰摄）', '钱晓峰'],
    [
      '志 in a given name after a cue, jieba joining the name to 于',
      '患者吴志坤于昨日入院',
      '吴志坤',
    ],
    [
      'an unknown word of a frequent surname and given-name characters',
      '张浩默默地躺在那里',
      '张浩',
    ],
    ['a surname tagged as a name before given-name characters', '学生王松林和他', '王松林'],
  ])('%s', (_why, text, name) => {
    expect(found(text, EntityType.Person)).toContain(name);
  });

  it.each([
    ['a cue-word name ends where the word ends', '由家属梁毅陪同来院', ['梁毅']],
    ['a weak surname before clinical characters is no name', '处理意见：完善相关检查。', []],
    ['a weak surname before non-name characters is no name', '由家属陪同来院就诊', []],
    ['jieba nr words without a surname need a context word', '这是光荣的传统', []],
    ['a surname ending a longer word is no bare name', '中华人民共和国主席今天讲话', []],
    ['a function word before a title is no surname', '医院由主任负责', []],
    ['a conjunction after a title is no surname', '总统和夫人今天抵达', []],
    [
      'an unknown word of a weak surname and other characters is no name',
      '患者因可复性包块来院',
      [],
    ],
  ])('%s', (_why, text, names) => {
    expect(found(text, EntityType.Person)).toEqual(names);
  });
});

describe('Chinese places and organisations', () => {
  it('country pairs and sides are places, generic 两国 is not', () => {
    expect(found('美方表示欢迎', EntityType.Location)).toEqual(['美方']);
    expect(found('两国人民的友谊', EntityType.Location)).toEqual([]);
  });

  it('country abbreviations: after a verb of travel, split in two words', () => {
    expect(found('他今天访美', EntityType.Location)).toEqual(['美']);
    expect(found('中/美两国', EntityType.Location)).toEqual([]);
    expect(found('中美两国人民的友谊', EntityType.Location)).toContain('中美');
  });

  it('name-tagged words listed with 、 next to a place are places', () => {
    expect(found('巴黎、马赛、里昂', EntityType.Location)).toContain('马赛');
    expect(found('伦敦、利物浦、曼彻斯特', EntityType.Location)).toEqual([
      '伦敦',
      '利物浦',
      '曼彻斯特',
    ]);
    expect(found('巴黎、马赛、里昂', EntityType.Person)).not.toContain('马赛');
  });

  it('a relation between countries is no organisation', () => {
    expect(found('中美关系的发展', EntityType.Organization)).toEqual([]);
  });

  it('an organisation name does not start before an adjective', () => {
    expect(found('在美国著名学府北方大学演讲', EntityType.Organization)).toEqual(['学府北方大学']);
    expect(found('在美国著名学府北方大学演讲', EntityType.Location)).toEqual(['美国']);
  });

  it('a two-character verb before a bare organisation word is part of the name', () => {
    expect(found('在北方特区设立终审法院', EntityType.Organization)).toEqual(['终审法院']);
  });

  it('publishers and broadcasters are organisations', () => {
    expect(found('他在东海出版社工作', EntityType.Organization)).toEqual(['东海出版社']);
  });

  it('an organisation name starts after the last verb or particle before it', () => {
    expect(found('市长的来访是北方大学的大事', EntityType.Organization)).toEqual(['北方大学']);
    expect(found('他在浙江省人民医院工作', EntityType.Organization)).toEqual(['浙江省人民医院']);
  });
});
