/**
 * Chinese name evidence beyond the surname lexicon: more surnames, the titles and positions that
 * stand right before a name, the characters of transliterated foreign names, and the words that
 * jieba joins to a name (邓小平理论). Public knowledge only (百家姓, the Xinhua transliteration
 * table); tested through the recognizers in zh-entities.test.ts ("Chinese names").
 */
import { ZH_COMPOUND_SURNAMES, ZH_SURNAMES } from '../lexicons.ts';

/** Frequent surnames missing from the shared lexicon (傅, 洪, 萧, 赖, 阎). */
export const ZH_MORE_SURNAMES = '傅洪萧赖阎';
/** Rarer surnames whose characters are also ordinary words: they need jieba's name tag. */
export const ZH_MORE_WEAK_SURNAMES = '贝鄂钮丘郦竺邴荀宓濮庾暨殳訾';

/** One-character surnames: the shared lexicon and the additions above. */
const SINGLE = new Set(ZH_SURNAMES + ZH_MORE_SURNAMES + ZH_MORE_WEAK_SURNAMES);
/** Compound surnames by their first character. */
const COMPOUND_BY_FIRST = new Map<string, string[]>();
for (const c of ZH_COMPOUND_SURNAMES) {
  const list = COMPOUND_BY_FIRST.get(c[0]!);
  if (list) list.push(c);
  else COMPOUND_BY_FIRST.set(c[0]!, [c]);
}

/**
 * The surname `word` starts with at `i`: a compound surname of the shared lexicon first, then a
 * one-character one of the lexicon or of the additions above (no string is built per call).
 */
export function matchZhSurnameMore(word: string, i: number): string | undefined {
  const f = CHAR_FLAGS[word.charCodeAt(i)] ?? 0; // NaN past the end: undefined → 0
  if (f === 0) return undefined;
  const c = word[i]!;
  if (f & F_COMPOUND_FIRST)
    for (const s of COMPOUND_BY_FIRST.get(c)!) if (word.startsWith(s, i)) return s;
  return f & F_SINGLE ? c : undefined;
}

/**
 * Titles, positions and roles written right before a person's name (记者陈某, 主任傅某, 外长某某,
 * 总统某某). Longer forms (副部长, 外交部长) are matched by their ending.
 */
export const ZH_TITLES_BEFORE_NAME = [
  '记者',
  '通讯员',
  '摄影',
  '主任',
  '部长',
  '外长',
  '总统',
  '总理',
  '首相',
  '主席',
  '秘书长',
  '会长',
  '理事长',
  '领事',
  '大使',
  '国务卿',
  '教授',
  '书记',
  '校长',
  '院长',
  '局长',
  '厅长',
  '省长',
  '市长',
  '县长',
  '经理',
  '董事长',
  '司令员',
  '司令',
  '政委',
  '将军',
  '队长',
  '社长',
  '干事',
  '委员',
  '议员',
  '议长',
  '医生',
  '医师',
  '护士',
  '大夫',
  '处长',
  '所长',
  '站长',
  '馆长',
  '军长',
  '师长',
  '团长',
  '检察长',
  '法官',
  '律师',
  '编辑',
  '作家',
  '画家',
  '导演',
  '演员',
  '运动员',
  '教练',
  '同学',
  '老师',
  '州长',
  '总监',
  '总干事',
  '首席',
  '助理',
] as const;

/** Titles and forms of address written right after a foreign name (某某总统, 某某夫人). */
export const ZH_TITLES_AFTER_FOREIGN_NAME: ReadonlySet<string> = new Set([
  '总统',
  '总理',
  '首相',
  '主席',
  '外长',
  '国务卿',
  '先生',
  '女士',
  '夫人',
  '阁下',
  '国王',
  '王子',
  '公主',
  '教授',
  '博士',
  '议员',
  '大使',
]);

/** Per UTF-16 code unit: a one-character surname, the first character of a compound one, the last
 * character of a title (one table look-up per word instead of string-keyed ones). */
const CHAR_FLAGS = new Uint8Array(0x10000);
const F_SINGLE = 1;
const F_COMPOUND_FIRST = 2;
const F_TITLE_LAST = 4;
for (const c of SINGLE) CHAR_FLAGS[c.charCodeAt(0)]! |= F_SINGLE;
for (const c of COMPOUND_BY_FIRST.keys()) CHAR_FLAGS[c.charCodeAt(0)]! |= F_COMPOUND_FIRST;

/** ZH_TITLES_BEFORE_NAME by last character (a word is checked against a few titles only). */
const TITLES_BY_LAST = new Map<string, string[]>();
for (const t of ZH_TITLES_BEFORE_NAME) {
  const last = t[t.length - 1]!;
  CHAR_FLAGS[last.charCodeAt(0)]! |= F_TITLE_LAST;
  const list = TITLES_BY_LAST.get(last);
  if (list) list.push(t);
  else TITLES_BY_LAST.set(last, [t]);
}

/** True when the word is or ends with a title of ZH_TITLES_BEFORE_NAME (副部长, 外交部长). */
export function endsWithZhTitle(word: string): boolean {
  if (word.length === 0 || !((CHAR_FLAGS[word.charCodeAt(word.length - 1)] ?? 0) & F_TITLE_LAST))
    return false;
  const list = TITLES_BY_LAST.get(word[word.length - 1]!);
  if (!list) return false;
  for (const t of list) if (word.endsWith(t)) return true;
  return false;
}

/**
 * Characters of the Xinhua transliteration table for foreign personal names (基辛格, 普里马科夫,
 * 克瓦希涅夫斯基): a word made only of them, after a title, is taken as a foreign name.
 */
const TRANSLIT =
  '阿埃艾爱安昂奥巴拜班邦鲍贝本比彼毕宾波伯勃布查达戴丹德登迪蒂丁东杜多厄恩尔法范菲费芬丰夫弗福盖甘冈戈格贡古瓜哈海汉豪赫亨洪胡华霍基吉季加贾杰捷金卡凯坎康考柯科克肯库夸奎拉莱赖兰朗劳勒雷蕾里利莉丽连廉林琳刘留隆卢鲁伦罗洛马玛迈麦曼芒梅门蒙米明莫姆穆纳娜奈南内尼涅宁纽努诺欧帕潘佩彭皮平珀普奇齐乔切琼丘萨塞赛桑瑟森沙莎尚舍什施斯松苏索塔泰坦汤唐陶特滕提廷图托瓦旺威韦维温文沃乌武西希锡夏谢辛休雅亚扬耶伊因英尤于约扎泽詹朱兹佐顿列娃默茨钦叶嘉黛妮娅露逊略姆丝迪尼派庞培恰琴屈让热茹若绍圣吾延翁';
const TRANSLIT_SET = new Set(TRANSLIT);

/** True when every character of `word` (at least two) is a transliteration character. */
export function isZhTransliteration(word: string): boolean {
  if (word.length < 2) return false;
  for (const c of word) if (!TRANSLIT_SET.has(c)) return false;
  return true;
}

/**
 * Words jieba sometimes joins to the name before them (邓小平理论, 某某同志): a name-tagged word
 * ending in one of them holds a name before it.
 */
export const ZH_AFTER_NAME_WORDS = ['理论', '思想', '主义', '同志', '精神', '时代', '路线', '夫妇'];

/**
 * Characters frequent in given names (伟, 芳, 娜, 秀, 英, 明, 丽, 华, 嘉, 怡, 轩...). An unknown word
 * that starts with a surname which is also an ordinary word (来, 包, 干) is taken as a name only
 * when the rest of it is made of these (来院, 包块, 干多 are not names).
 */
const GIVEN_CHARS = new Set(
  '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华飞玉萍红鹏辉建文斌宇浩凯梅鑫倩婷雪琳晶欣怡佳慧颖嘉瑶琪瑞涵子轩博晨阳俊峰龙海波亮宏志国良庆春燕丹凤云莉玲芬蕾薇璐楠雯晓晖昊天翔宁珊菲琴洁萱悦然诗雨思彤妍可馨梓若睿泽宸铭楷逸航霖皓煜烨鸿锦钰瑜琦璇佩淑惠贞婉娴雅韵月玥冰晴岚卿蓉荣永旭东金林森松柏青山江河清源泉德仁义礼智信忠孝勤正善美安福禄寿喜康乐祥贵富彬豪毅威雄健亮光耀灿星辰鹏程远腾跃麟虎鹤鸣家兴旺昌盛振中立新成达红霖秋冬夏兵权利生民胜利学彦敬爽丰满茂荣蓓莹媛媚妮娅姗婧娇娥姣妹珍珠琼瑶璐琛琳芝芸芹苗茜荷莲菊蓓蕊薇蔚萌嫣倪希曦晞昕晟晗暄曼朗',
);

/** True when every character of `rest` is frequent in given names (see GIVEN_CHARS). */
export function isLikelyGivenName(rest: string): boolean {
  if (rest.length === 0) return false;
  for (const c of rest) if (!GIVEN_CHARS.has(c)) return false;
  return true;
}
