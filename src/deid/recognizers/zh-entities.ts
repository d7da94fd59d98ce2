/**
 * Chinese person names, places, organisations and addresses. Names: the surname lexicon (with
 * compound surnames) proposes candidates; jieba's part of speech (nr) and cue words (患者, 姓名,
 * 家属, 之子, 医生, 先生...) confirm them. Places and organisations: jieba (ns, nt) and suffixes
 * (省市区县路号, 医院, 大学, 公司...).
 */
import { ZH_COMPOUND_SURNAMES, ZH_SURNAMES } from '../lexicons.ts';
import { EntityType, type Finding, type RecognizeInput, type Recognizer } from '../types.ts';
import { tagZh, type ZhToken } from '../zh-tagger.ts';
import {
  ZH_AFTER_NAME_WORDS,
  endsWithZhTitle,
  ZH_MORE_WEAK_SURNAMES,
  ZH_TITLES_AFTER_FOREIGN_NAME,
  isLikelyGivenName,
  isZhTransliteration,
  matchZhSurnameMore,
} from './zh-names.ts';

const HAN = /[\u4e00-\u9fff]/;

const tokenCache = new WeakMap<RecognizeInput, ZhToken[]>();

/** jieba tokens of the input, computed once per analysis and shared by the zh recognizers. */
export function zhTokensOf(input: RecognizeInput): ZhToken[] {
  let t = tokenCache.get(input);
  if (!t) {
    t = HAN.test(input.text) ? tagZh(input.text) : [];
    tokenCache.set(input, t);
  }
  return t;
}

/** Characters that are surnames but far more often ordinary words; they need jieba's nr tag. */
const WEAK_SURNAMES = new Set(
  '由於但干居利来都相信展计国平和位原海花强门云初战危玉那明文成时高金石方白向常安乐全应师商原南谈花权盖支巴丰计容敬来普伏薄羊阿母修况宿鲜印隆茹诸慕危银公哈宾勾利呼居揭干但斯元束衣信展阴智幸奉植衡富尧闭由江关包宁尚符单曲路游华解车项连景党宫冷席米全和仇沙查麻官封谈乐原燕楚皮盘满闻位区海阚花强帅屠豆盖练井祖漆巴丰支卿国狄平计索宣晋相初门云容'.split(
    '',
  ),
);
/** True for a one-character surname that is more often an ordinary word (WEAK_SURNAMES). */
function isWeakSurname(sur: string): boolean {
  return sur.length === 1 && (WEAK_SURNAMES.has(sur) || ZH_MORE_WEAK_SURNAMES.includes(sur));
}
const STRONG_SURNAME_CLASS = `(?:${ZH_COMPOUND_SURNAMES.join('|')}|[${[...ZH_SURNAMES].filter((c) => !WEAK_SURNAMES.has(c)).join('')}])`;
const ANY_SURNAME_CLASS = `(?:${ZH_COMPOUND_SURNAMES.join('|')}|[${ZH_SURNAMES}])`;
/**
 * Characters that do not occur in given names but often follow one (同 stops 某同志; 志 and 明
 * are left out: frequent in given names).
 */
const NOT_GIVEN =
  '的了在是和与及或于被把给向从到对为等说讲称道诉问答因但而且又也都就还已曾将要会能可应该让使叫请患者病人医生护士先生女士主任教授老师同之其某姓名性别年龄岁男女住院号床科室今昨日月年时分由经以后前来去入出转至诊查见行做开服用予无有不';
/** 明 is frequent in given names (陈明丽) but not in 明天, 明日, 明年, 明确, 明显. */
const GIVEN = `(?:(?!明[天日年确显白])[\\u4e00-\\u9fff](?<![${NOT_GIVEN}]))`;

/**
 * Characters of clinical and everyday words that jieba sometimes tags as a name (体格检查, 子宫):
 * an nr word without a Chinese surname holding one of them is not taken as a name.
 */
const NOT_IN_NAMES = '检查宫胎院症术疗药病体格相关诊治护理科室床位血尿便痛热咳痰肿瘤炎部腹胸头颈肢';

const BEFORE_CUES =
  '患者|病人|病患|姓名|名字|家属|联系人|监护人|陪护|签名|签字|经治医生|主治医生|主治医师|管床医生|责任护士|主管护士|医生|医师|护士|主任|大夫|之子|之女|之妻|之夫|之父|之母|其子|其女|其夫|其妻|丈夫|妻子|爱人|儿子|女儿|父亲|母亲|哥哥|姐姐|弟弟|妹妹|孙子|孙女|产妇|孕妇|新生儿|患儿|委托人|申请人|报告人|审核人|记录人|记录者|记录|接生者|助产士|术者|主刀|麻醉医师|操作者|检查者';
/** Words written right after a name (先生, 医生, 主席...), a regex alternation. */
export const AFTER_CUES =
  '先生|女士|小姐|同志|医生|医师|护士|主任|教授|老师|大夫|院长|科长|患者|之子|之女|等人|家属|本人|夫妇|一家|主席|总理|副总理|部长|省长|市长|县长|书记|局长|院长|校长|总统|委员|代表|司令|董事长|总经理|经理|记者|同学|大使|师傅|阿姨|大爷|大妈|奶奶|爷爷';

const CUE_BEFORE_RE = new RegExp(
  `(?:${BEFORE_CUES})[:：\\s]*(?<v>${ANY_SURNAME_CLASS}(?:某某|某|${GIVEN}{1,2}))`,
  'gd',
);
/** A name with a strong surname right before an AFTER_CUES word. */
export const CUE_AFTER_RE = new RegExp(
  `(?<v>${STRONG_SURNAME_CLASS}${GIVEN}{1,2})(?=${AFTER_CUES})`,
  'gd',
);
/** CUE_AFTER_RE's cue starts 2 to 4 characters after the match start (surname 1–2, given 1–2). */
const CUE_AFTER_SCAN = anchoredScan(CUE_AFTER_RE, new RegExp(AFTER_CUES, 'g'), 2, 4);
/** A bare surname before a title (江主席, 王主任, 李医生): the surname alone names the person. */
export const TITLES =
  '主席|总理|部长|省长|市长|书记|院长|校长|总统|主任|医生|医师|护士|大夫|教授|老师|先生|女士|师傅|阿姨';
/** A bare surname right before a TITLES word. */
export const SURNAME_TITLE_RE = new RegExp(`(?<v>${ANY_SURNAME_CLASS})(?=${TITLES})`, 'gd');
/** SURNAME_TITLE_RE's title starts 1 or 2 characters after the match start. */
const SURNAME_TITLE_SCAN = anchoredScan(SURNAME_TITLE_RE, new RegExp(TITLES, 'g'), 1, 2);
/** A photographer's credit in brackets (（张某某摄）): the name before 摄. */
const PHOTO_CREDIT_RE = new RegExp(`[（(](?<v>${ANY_SURNAME_CLASS}${GIVEN}{1,2})摄[）)]`, 'gd');
const MOU_RE = new RegExp(`${ANY_SURNAME_CLASS}(?:某某|某)`, 'g');

/** Tags of jieba tokens that can open a place or organisation name. */
const NAME_TAGS = new Set([
  'ns',
  'nt',
  'nz',
  'nr',
  'nrt',
  'nrfg',
  'j',
  's',
  'n',
  'm',
  'l',
  'a',
  'b',
]);

/** Moves `start` right past leading words that cannot open a name (verbs, prepositions, pronouns). */
function snapStart(tokens: ZhToken[], start: number, end: number): number {
  let idx = lowerBound(tokens, start);
  while (idx < tokens.length) {
    const t = tokens[idx]!;
    if (t.start >= end) break;
    if (t.start < start) {
      idx++;
      continue;
    }
    if (NAME_TAGS.has(t.tag) && !LEADING_NOUNS.has(t.word)) return t.start;
    idx++;
  }
  return start;
}
const LEADING_NOUNS = new Set([
  '患者',
  '病人',
  '家属',
  '地址',
  '住址',
  '现住址',
  '家庭住址',
  '单位',
  '工作单位',
  '户籍',
  '籍贯',
  '家',
  '现',
]);

/**
 * Tags of the words inside an organisation's name (no verbs, particles, pronouns, punctuation,
 * nor adjectives: 美国著名学府某某大学 is 某某大学).
 */
const ORG_INNER_TAGS = new Set([...[...NAME_TAGS].filter((t) => t !== 'a'), 'vn', 'eng']);

/**
 * Where an organisation name ending at `end` starts: the run of name words (ORG_INNER_TAGS)
 * before its last word, not before `start` (江某主席的来访是某某大学 → 某某大学).
 */
function snapOrgStart(tokens: ZhToken[], start: number, end: number): number {
  let k = lowerBound(tokens, end - 1);
  if (k >= tokens.length) return start;
  let s = tokens[k]!.start;
  // A two-character verb right before a bare organisation word belongs to the name (终审法院).
  const v = tokens[k - 1];
  if (v && v.tag === 'v' && v.word.length === 2 && end - s < 3 && v.start >= start) {
    s = v.start;
    k--;
  }
  while (k > 0) {
    const p = tokens[k - 1]!;
    if (p.start < start || !ORG_INNER_TAGS.has(p.tag) || LEADING_NOUNS.has(p.word)) break;
    s = p.start;
    k--;
  }
  return Math.max(start, s);
}

function lowerBound(tokens: ZhToken[], pos: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.end <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The matches of the global regex `re` over a text, as `re.exec` in a loop finds them, for a
 * pattern that can only match at a position p when a word of `anchor` starts within
 * [p + lo, p + hi] (a cue or suffix the pattern requires there). The pattern is tried only at
 * such positions instead of at every character; `re` must not match the empty string.
 */
export function anchoredScan(
  re: RegExp,
  anchor: RegExp,
  lo: number,
  hi: number,
): (text: string) => Generator<RegExpExecArray> {
  const sticky = new RegExp(re.source, re.flags.replace('g', '') + 'y');
  return function* scan(text: string): Generator<RegExpExecArray> {
    let from = 0;
    let a = -1;
    while (from < text.length) {
      if (a < from + lo) {
        anchor.lastIndex = from + lo;
        const x = anchor.exec(text);
        if (x === null) return;
        a = x.index;
      }
      let next = a - lo + 1;
      for (let p = Math.max(from, a - hi); p <= a - lo; p++) {
        sticky.lastIndex = p;
        const m = sticky.exec(text);
        if (m !== null) {
          yield m;
          next = p + m[0].length;
          break;
        }
      }
      from = next;
    }
  };
}

/** jieba tags of function words (prepositions, conjunctions, adverbs, pronouns, particles, verbs). */
const FUNCTION_TAGS = new Set([
  'p',
  'c',
  'd',
  'r',
  'u',
  'uj',
  'ul',
  'uz',
  'ug',
  'uv',
  'ud',
  'v',
  'f',
  'm',
  'q',
  't',
]);

/** True when `word` holds one of the characters of `chars`. */
function holdsAnyOf(word: string, chars: string): boolean {
  for (let i = 0; i < word.length; i++) if (chars.includes(word[i]!)) return true;
  return false;
}

/** The word of `words` that `word` ends with, if any. */
function wordEndingOf(word: string, words: readonly string[]): string | undefined {
  for (const w of words) if (word.endsWith(w)) return w;
  return undefined;
}

type AddPerson = (start: number, end: number, score: number, why: string) => void;

/** True for a jieba tag a person's name can carry (name, unknown word, place or proper noun). */
function isNameLikeTag(tag: string): boolean {
  return tag === 'nr' || tag === 'nrfg' || tag === 'nrt' || tag === 'x' || tag === 'nz';
}

/** True for a word of Chinese characters only. */
function isAllHan(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 0x4e00 || c > 0x9fff) return false;
  }
  return true;
}

/**
 * The name right after a title or position (记者陈某某, 主任傅某某, 国务卿基辛格): a name-tagged or
 * unknown word of 2–4 characters that starts with a surname, or a run of words of
 * transliteration characters (a foreign name, 2–10 characters).
 */
function addNameAfterTitle(toks: readonly ZhToken[], i: number, add: AddPerson): void {
  const n = toks[i];
  if (!n || !isAllHan(n.word)) return;
  // A foreign name jieba cut in pieces (普里 + 斯托夫) is taken whole.
  let j = i;
  while (j < toks.length && isAllHan(toks[j]!.word) && isZhTransliteration(toks[j]!.word)) j++;
  const end = j > i ? toks[j - 1]!.end : n.start;
  if (j > i + 1 && end - n.start <= 10 && toks.slice(i, j).some((t) => isNameLikeTag(t.tag))) {
    add(n.start, end, 0.7, 'transliterated name right after a title');
    return;
  }
  const sur = matchZhSurnameMore(n.word, 0);
  if (
    sur &&
    isNameLikeTag(n.tag) &&
    n.word.length > sur.length &&
    n.word.length <= sur.length + 2 &&
    !NOT_GIVEN.includes(n.word[sur.length]!)
  ) {
    add(n.start, n.end, 0.8, 'surname-led name right after a title');
    return;
  }
  // A surname jieba left alone (主任 傅 + 建国): the surname and the short word after it.
  const g = toks[i + 1];
  if (
    sur &&
    sur.length === n.word.length &&
    isNameLikeTag(n.tag) &&
    g &&
    isAllHan(g.word) &&
    g.word.length <= 2 &&
    g.tag !== 't' &&
    !NOT_GIVEN.includes(g.word[0]!)
  ) {
    add(n.start, g.end, 0.8, 'surname and a short word right after a title');
    return;
  }
  if (j === i + 1 && end - n.start >= 2 && isNameLikeTag(n.tag))
    add(n.start, end, 0.7, 'transliterated name right after a title');
}

/**
 * A transliterated name right before a title or form of address (某某总统, 某某先生, 某某夫人): a
 * run of words of transliteration characters (2–10), one of them name-tagged or unknown.
 */
function addForeignNameBeforeTitle(toks: readonly ZhToken[], i: number, add: AddPerson): void {
  let j = i;
  while (j > 0 && isAllHan(toks[j - 1]!.word) && isZhTransliteration(toks[j - 1]!.word)) j--;
  if (j === i) return;
  const start = toks[j]!.start;
  const end = toks[i - 1]!.end;
  if (end - start >= 2 && end - start <= 10 && toks.slice(j, i).some((t) => isNameLikeTag(t.tag)))
    add(start, end, 0.7, 'transliterated name right before a title');
}

/**
 * Names listed with 、 after a name (记者甲、乙、丙; 甲、乙等同志): an unknown or name-tagged
 * word of 2–3 characters starting with a surname next to a found name is a name too.
 */
function addEnumeratedNames(
  toks: readonly ZhToken[],
  found: readonly Finding[],
  add: AddPerson,
): void {
  const names = found.filter((f) => f.score >= 0.5);
  const seen = new Set(names.map((f) => f.start));
  const ends = new Set(names.map((f) => f.end));
  const starts = new Set(names.map((f) => f.start));
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.word !== '、') continue;
    // forward: name 、 word
    const n = toks[i + 1];
    if (n && ends.has(t.start) && !seen.has(n.start) && isListedName(n)) {
      add(n.start, n.end, 0.7, 'surname-led word listed with 、 after a name');
      seen.add(n.start);
      ends.add(n.end);
    }
    // backward: word 、 name
    const p = toks[i - 1];
    if (p && starts.has(t.end) && !seen.has(p.start) && isListedName(p)) {
      add(p.start, p.end, 0.7, 'surname-led word listed with 、 before a name');
      seen.add(p.start);
    }
    // two surname-led unknown words listed together support each other (甲某、乙某二人)
    if (p && n && !seen.has(p.start) && !seen.has(n.start) && isListedName(p) && isListedName(n)) {
      add(p.start, p.end, 0.6, 'two surname-led words listed with 、');
      add(n.start, n.end, 0.6, 'two surname-led words listed with 、');
      seen.add(p.start);
      seen.add(n.start);
      ends.add(n.end);
    }
  }
}

/** A 2–3 character unknown or name-tagged word starting with a surname. */
function isListedName(t: ZhToken): boolean {
  const sur = matchZhSurnameMore(t.word, 0);
  return (
    sur !== undefined &&
    isNameLikeTag(t.tag) &&
    isAllHan(t.word) &&
    t.word.length > sur.length &&
    t.word.length <= 3 &&
    !NOT_GIVEN.includes(t.word[sur.length]!)
  );
}

/** Chinese person names. */
export function createZhPersonRecognizer(opts: { pos?: boolean } = {}): Recognizer {
  const usePos = opts.pos ?? true;
  return {
    name: 'zh-person',
    types: [EntityType.Person],
    langs: ['zh'],
    context: [
      '患者',
      '姓名',
      '家属',
      '联系人',
      '签名',
      '医生',
      '护士',
      '先生',
      '女士',
      '之子',
      '之女',
      '丈夫',
      '妻子',
      'patient',
      'name',
      'physician',
      'doctor',
      'nurse',
    ],
    recognize(input: RecognizeInput): Finding[] {
      const { text } = input;
      const out: Finding[] = [];
      const add = (start: number, end: number, score: number, why: string): void => {
        out.push({ start, end, type: EntityType.Person, score, recognizer: 'zh-person', why });
      };
      CUE_BEFORE_RE.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = CUE_BEFORE_RE.exec(text)) !== null) {
        const g = m.indices?.groups?.['v'];
        if (!g) continue;
        let end = g[1];
        if (usePos) {
          // A name ends where a word ends (家属梁毅陪同: 梁毅, not 梁毅陪).
          const toks = zhTokensOf(input);
          const k = lowerBound(toks, end - 1);
          const t = toks[k];
          if (t && t.start < end && t.end > end && t.start >= g[0] + 2) end = t.start;
        }
        add(g[0], end, 0.85, 'surname after a cue word');
      }
      PHOTO_CREDIT_RE.lastIndex = 0;
      while ((m = PHOTO_CREDIT_RE.exec(text)) !== null) {
        const g = m.indices?.groups?.['v'];
        if (g) add(g[0], g[1], 0.85, "photographer's credit (某某摄)");
      }
      for (const [scan, score, why] of [
        [CUE_AFTER_SCAN, 0.8, 'surname before a title or cue'],
        [SURNAME_TITLE_SCAN, 0.6, 'bare surname before a title'],
      ] as const) {
        for (const m of scan(text)) {
          const g = m.indices?.groups?.['v'];
          if (!g) continue;
          // A bare surname that ends a longer word is no name (中华人民共和国主席: 国).
          if (scan === SURNAME_TITLE_SCAN && usePos) {
            const toks = zhTokensOf(input);
            const k = lowerBound(toks, g[0]);
            const t = toks[k];
            if (t && (t.start < g[0] || (t.end === g[1] && FUNCTION_TAGS.has(t.tag)))) continue;
          }
          add(g[0], g[1], score, why);
        }
      }
      MOU_RE.lastIndex = 0;
      let mm: RegExpExecArray | null;
      while ((mm = MOU_RE.exec(text)) !== null)
        add(
          mm.index,
          mm.index + mm[0].length,
          0.7,
          'surname with 某 (already pseudonymous, still a person)',
        );
      if (!usePos) return out;
      const toks = zhTokensOf(input);
      for (let i = 0; i < toks.length; i++) {
        const t = toks[i]!;
        if (endsWithZhTitle(t.word)) addNameAfterTitle(toks, i + 1, add);
        if (ZH_TITLES_AFTER_FOREIGN_NAME.has(t.word)) addForeignNameBeforeTitle(toks, i, add);
        const isNr = t.tag === 'nr' || t.tag === 'nrfg' || t.tag === 'nrt';
        const sur = matchZhSurnameMore(t.word, 0);
        if (isNr && t.word.length >= 4 && sur) {
          // A name with a word jieba joined to it (邓小平理论): the name before that word.
          const after = wordEndingOf(t.word, ZH_AFTER_NAME_WORDS);
          const len = t.word.length - (after?.length ?? 0);
          if (after && len > sur.length && len <= sur.length + 2) {
            add(t.start, t.start + len, 0.7, `jieba person name (nr) joined to "${after}"`);
            continue;
          }
        }
        if (isNr && t.word.length >= 2 && t.word.length <= 4 && HAN.test(t.word)) {
          if (sur && t.word.length > sur.length) {
            // A surname that is also an ordinary word, before clinical characters, is a word
            // jieba took for a name (相关检查); a single surname takes at most two given characters.
            const rest = t.word.slice(sur.length);
            if (isWeakSurname(sur) && holdsAnyOf(rest, NOT_IN_NAMES)) continue;
            if (rest.length > 2)
              add(t.start, t.end, 0.45, 'jieba person name (nr) with a long given name');
            else
              add(
                t.start,
                t.end,
                0.7,
                `jieba person name (nr) with surname ${sur.length === 2 ? 'compound' : 'in lexicon'}`,
              );
          } else if (sur && t.word.length === sur.length) {
            // A bare surname tagged nr: join the next short word (欧阳 + 娜娜).
            const n = toks[i + 1];
            if (
              n &&
              HAN.test(n.word) &&
              n.word.length <= 2 &&
              n.tag !== 't' &&
              !NOT_GIVEN.includes(n.word[0]!)
            ) {
              add(t.start, n.end, 0.65, 'surname followed by a short word');
              i++;
            }
          } else if (t.word.length >= 2 && !holdsAnyOf(t.word, NOT_IN_NAMES)) {
            // Without a surname, only transliteration characters make a name likely (克林顿);
            // jieba also tags ordinary words nr (光荣, 弘扬): those need a context word.
            if (isZhTransliteration(t.word))
              add(t.start, t.end, 0.55, 'jieba person name (nr) of transliteration characters');
            else add(t.start, t.end, 0.45, 'jieba person name (nr), no Chinese surname');
          }
          continue;
        }
        if (
          sur &&
          sur.length === t.word.length &&
          (t.tag === 'ns' || t.tag === 'nr' || t.tag === 'x')
        ) {
          const n = toks[i + 1];
          if (
            n &&
            (n.tag === 'nr' || n.tag === 'nrt' || n.tag === 'x') &&
            HAN.test(n.word) &&
            n.word.length <= 2 &&
            !NOT_GIVEN.includes(n.word[0]!)
          ) {
            add(t.start, n.end, 0.65, 'surname followed by a name-like word');
            i++;
          } else if (
            // A frequent surname jieba tags as a name, before a word of given-name characters
            // that jieba read as a place or noun (王 + 松林).
            n &&
            t.tag === 'nr' &&
            !isWeakSurname(sur) &&
            n.word.length === 2 &&
            (n.tag === 'ns' || n.tag === 'n' || n.tag === 'a') &&
            isLikelyGivenName(n.word)
          ) {
            add(t.start, n.end, 0.6, 'surname tagged as a name before given-name characters');
            i++;
          }
          continue;
        }
        if (
          t.tag === 'x' &&
          sur &&
          t.word.length >= 2 &&
          t.word.length <= 3 &&
          isAllHan(t.word) &&
          (!isWeakSurname(sur) || isLikelyGivenName(t.word.slice(sur.length)))
        ) {
          // jieba's unknown words (found by its HMM) that open with a frequent surname and go
          // on with given-name characters are mostly names (张某某说).
          if (!isWeakSurname(sur) && isLikelyGivenName(t.word.slice(sur.length)))
            add(t.start, t.end, 0.5, 'unknown word: a surname and given-name characters');
          else add(t.start, t.end, 0.4, 'unknown word starting with a surname');
        }
      }
      addEnumeratedNames(toks, out, add);
      return out;
    },
  };
}

/** Words that end an organisation name (医院, 大学, 公司...), a regex alternation. */
export const ORG_SUFFIX =
  '社区卫生服务中心|卫生服务中心|妇幼保健院|保健院|中心医院|人民医院|中医院|医院|卫生院|卫生室|诊所|医疗中心|体检中心|疾控中心|疾病预防控制中心|血站|大学|学院|中学|小学|幼儿园|学校|公司|集团|银行|研究所|研究院|事务所|委员会|卫健委|卫生健康委员会|卫生局|派出所|法院|检察院|药房|药店|门诊部|养老院|福利院|工厂|厂|出版社|报社|通讯社|杂志社|电视台|电台';
/** An organisation name: up to 14 characters and an ORG_SUFFIX word, maybe a branch. */
export const ORG_RE = new RegExp(
  `[\\u4e00-\\u9fffA-Za-z0-9（）()]{2,14}?(?:${ORG_SUFFIX})(?:[\\u4e00-\\u9fff]{1,6}?(?:分院|院区|分公司|支行|分行))?`,
  'g',
);
/** ORG_RE's organisation word starts 2 to 14 characters after the match start. */
const ORG_SCAN = anchoredScan(ORG_RE, new RegExp(ORG_SUFFIX, 'g'), 2, 14);

/** Chinese organisations (hospitals, employers, schools). */
export function createZhOrganizationRecognizer(opts: { pos?: boolean } = {}): Recognizer {
  const usePos = opts.pos ?? true;
  return {
    name: 'zh-organization',
    types: [EntityType.Organization],
    langs: ['zh'],
    context: ['单位', '工作单位', '就诊', '转入', '转诊', '学校', '就读'],
    recognize(input: RecognizeInput): Finding[] {
      const { text } = input;
      const toks = usePos ? zhTokensOf(input) : [];
      const out: Finding[] = [];
      for (const m of ORG_SCAN(text)) {
        let start = m.index;
        const end = m.index + m[0].length;
        start = usePos
          ? Math.max(snapStart(toks, start, end), snapOrgStart(toks, start, end))
          : trimLeadingZh(text, start, end);
        if (end - start < 3) continue;
        out.push({
          start,
          end,
          type: EntityType.Organization,
          score: 0.75,
          recognizer: 'zh-organization',
          why: 'name ending in an organisation word',
        });
      }
      for (const t of toks) {
        if (t.tag === 'nt' && t.word.length >= 2 && !t.word.endsWith('关系'))
          out.push({
            start: t.start,
            end: t.end,
            type: EntityType.Organization,
            score: 0.6,
            recognizer: 'zh-organization',
            why: 'jieba organisation name (nt)',
          });
      }
      return out;
    },
  };
}

const LEAD_WORDS =
  /^(?:现住址|家庭住址|户籍地址|工作单位|住址|地址|现住|家住|居住|住在|住于|位于|来自|就诊于|就诊|转入|转至|转自|患者|病人|家属|在|于|到|去|从|至|是|为|往|的|住|经|由|自)+/;

function trimLeadingZh(text: string, start: number, end: number): number {
  const m = LEAD_WORDS.exec(text.slice(start, end));
  return m ? start + m[0].length : start;
}

const ADDR_CH = `[^\\s\\d，。；：、,.;:！？!?（）()“”"'《》【】的了在是与及住从到去至往为患者家现位址省市区县镇乡路街道巷弄号楼室栋幢村]`;
/** The address pattern (exported for the test that checks zhAddressMatches against a plain scan). */
export const ADDR_RE = new RegExp(
  `(?=[\\u4e00-\\u9fff\\d])(?:${ADDR_CH}{2,7}?(?:省|自治区|特别行政区))?` +
    `(?:${ADDR_CH}{1,7}?(?:市|自治州|地区|盟))?` +
    `(?:${ADDR_CH}{1,7}?(?:区|县|旗))?` +
    `(?:${ADDR_CH}{1,8}?(?:镇|乡|街道))?` +
    `(?:${ADDR_CH}{1,8}?(?:村|社区|小区|花园|公寓|大厦|家园|新村|苑))?` +
    `(?:[${'\\u4e00-\\u9fff'}A-Za-z0-9]{1,10}?(?:大道|大街|路|街|巷|弄|胡同|道)(?:[东西南北中]段|[一二三四五六七八九十]段)?)?` +
    `(?:[\\d一二三四五六七八九十百零〇]+(?:-\\d+)*(?:号院|号楼|号|弄|栋|幢|座|单元|层|楼|室|户)(?:[\\dA-Za-z一二三四五六七八九十]+(?:-\\d+)*(?:号楼|号|栋|幢|座|单元|层|楼|室|户))*)?`,
  'g',
);
const ADDR_PART =
  /省|自治区|特别行政区|市|自治州|地区|盟|区|县|旗|镇|乡|街道|村|社区|小区|花园|公寓|大厦|家园|新村|苑|大道|大街|路|街|巷|弄|胡同|道|号|栋|幢|单元|室/g;

/** Last characters of the place words that end ADDR_RE's named parts (省 ... 苑, 路 ... 胡同). */
const ADDR_LAST_RE = /[省区市州盟县旗镇乡道村园寓厦苑路街巷弄同]/g;
/** Where ADDR_RE's house-number part can open: numerals before a house-number word. */
const ADDR_NUMBER_RE = /[\d一二三四五六七八九十百零〇]+(?:-\d+)*[号弄栋幢座单层楼室户]/g;
/**
 * Farthest a named part's last character can lie from where ADDR_RE starts: a filler of at most
 * 10 characters and a place word of at most 5 (特别行政区).
 */
const ADDR_REACH = 16;
/** Characters that neither filler of ADDR_RE takes (white space and punctuation). */
const ADDR_BREAK = new Set(
  [...' \t\r\n\f\v\u00a0\u3000，。；：、,.;:！？!?（）()“”"\'《》【】'].map((c) => c.charCodeAt(0)),
);

/**
 * The first position at or after `from` where ADDR_RE can match something non-empty: a match
 * opens with a named part (filler and a place word, whose last character is within ADDR_REACH
 * and with no white space or punctuation before it) or with the numerals of a house number.
 * Elsewhere it matches only the empty string, which the scan skips anyway; skipping those
 * positions unseen keeps every finding and saves trying the long pattern at each character.
 */
function nextAddressStart(text: string, from: number, memo: { last: number; num: number }): number {
  if (memo.last < from) {
    ADDR_LAST_RE.lastIndex = from;
    memo.last = ADDR_LAST_RE.exec(text)?.index ?? Infinity;
  }
  if (memo.num < from) {
    ADDR_NUMBER_RE.lastIndex = from;
    memo.num = ADDR_NUMBER_RE.exec(text)?.index ?? Infinity;
  }
  let named = memo.last;
  if (named !== Infinity) {
    const lo = Math.max(from, named - ADDR_REACH);
    while (named > lo && !ADDR_BREAK.has(text.charCodeAt(named - 1))) named--;
  }
  return Math.min(memo.num, named);
}

/**
 * The non-empty matches of ADDR_RE over `text`, as `exec` in a loop finds them, trying the
 * pattern only where nextAddressStart allows (zh-entities.test.ts compares with a plain scan).
 */
export function* zhAddressMatches(text: string): Generator<RegExpExecArray> {
  const memo = { last: -1, num: -1 };
  let at = nextAddressStart(text, 0, memo);
  while (at < text.length) {
    ADDR_RE.lastIndex = at;
    const m = ADDR_RE.exec(text);
    if (m === null) return;
    at = nextAddressStart(text, m.index + Math.max(1, m[0].length), memo);
    if (m[0].length > 0) yield m;
  }
}

/** Chinese addresses: province, city, district, town, road, number. */
export function createZhAddressRecognizer(opts: { pos?: boolean } = {}): Recognizer {
  const usePos = opts.pos ?? true;
  return {
    name: 'zh-address',
    types: [EntityType.Address],
    langs: ['zh'],
    context: ['住址', '地址', '家住', '现住', '户籍', '居住', '籍贯'],
    recognize(input: RecognizeInput): Finding[] {
      const { text } = input;
      const out: Finding[] = [];
      for (const m of zhAddressMatches(text)) {
        const parts = m[0].match(ADDR_PART)?.length ?? 0;
        const hasNumber = /[\d一二三四五六七八九十]+(?:号|栋|幢|室|单元)/.test(m[0]);
        if (parts < 2 && !(parts >= 1 && hasNumber)) continue;
        let start = m.index;
        const end = m.index + m[0].length;
        start = trimLeadingZh(text, start, end);
        if (usePos) start = Math.max(start, snapStart(zhTokensOf(input), start, end));
        if (end - start < 4) continue;
        const score = hasNumber ? 0.85 : parts >= 3 ? 0.75 : 0.6;
        out.push({
          start,
          end,
          type: EntityType.Address,
          score,
          recognizer: 'zh-address',
          why: `${parts} address parts${hasNumber ? ' and a house number' : ''}`,
        });
      }
      return out;
    },
  };
}

/** Words jieba tags as places that name no place: 两国, 各国, 外国, 贵国, 本国, 我国. */
const GENERIC_COUNTRY = /^[两各外贵本我该全诸异他友邻大小强]国$/;
/** One-character country abbreviations that open a pair (中美, 中俄, 美日) or a side (美方). */
const COUNTRY_FIRST = new Set('中美俄日英法德韩朝印越泰澳');
/** Second characters of such a pair or side. */
const COUNTRY_SECOND = new Set('美俄日英法德韩朝印越泰澳中方');
/** A verb of travel or stay and a country abbreviation, as one word (访美, 来华, 驻美). */
const TO_COUNTRY = /^[驻访赴抵旅来对在离][美华俄日英法德韩朝印越泰澳]$/;

/** A country-abbreviation place from `start` to `end`. */
function pushCountry(out: Finding[], start: number, end: number, why: string): void {
  out.push({ start, end, type: EntityType.Location, score: 0.55, recognizer: 'zh-location', why });
}

/**
 * Country abbreviations (中美, 中/美, 美方 at a word start; the 美 of 访美): places that jieba
 * does not tag ns. Two one-character words or the first two characters of a word.
 */
function addCountryAbbreviations(
  text: string,
  toks: readonly ZhToken[],
  i: number,
  out: Finding[],
): boolean {
  const t = toks[i]!;
  if (t.word.length === 2 && TO_COUNTRY.test(t.word)) {
    pushCountry(
      out,
      t.start + 1,
      t.end,
      'country abbreviation after a verb of travel or stay (访美, 来华)',
    );
    return true;
  }
  if (t.tag === 'ns' && t.word.length > 2) return false;
  if (!COUNTRY_FIRST.has(t.word[0]!) || !COUNTRY_SECOND.has(text[t.start + 1] ?? '')) return false;
  const n = toks[i + 1];
  if (t.word.length >= 2 || (t.word.length === 1 && n !== undefined && n.word.length === 1)) {
    pushCountry(
      out,
      t.start,
      t.start + 2,
      'two country abbreviations (中美, 中俄) or a country side (美方)',
    );
    return true;
  }
  return false;
}

/**
 * Words of a list with 、 next to a place (某某山、华盛顿、费城): a name-tagged or unknown word
 * right across a 、 from a place is a place too (jieba often tags foreign cities as names).
 */
function addListedPlaces(toks: readonly ZhToken[], out: Finding[]): void {
  const isPlace = (t: ZhToken | undefined): boolean =>
    t !== undefined && t.tag === 'ns' && t.word.length >= 2 && !GENERIC_COUNTRY.test(t.word);
  for (let i = 1; i + 1 < toks.length; i++) {
    if (toks[i]!.word !== '、') continue;
    for (const [cand, across] of [
      [toks[i - 1]!, toks[i + 1]],
      [toks[i + 1]!, toks[i - 1]],
    ] as const) {
      if (!isNameLikeTag(cand.tag) || cand.word.length < 2 || !isAllHan(cand.word)) continue;
      const sur = matchZhSurnameMore(cand.word, 0);
      if (sur && !isWeakSurname(sur) && cand.word.length === 3) continue; // a Chinese name's shape
      if (isPlace(across))
        out.push({
          start: cand.start,
          end: cand.end,
          type: EntityType.Location,
          score: 0.75,
          recognizer: 'zh-location',
          why: 'name-like word listed with 、 next to a place',
        });
    }
  }
}

/** Chinese place names tagged by jieba (ns), adjacent ones joined. */
export function createZhLocationRecognizer(): Recognizer {
  return {
    name: 'zh-location',
    types: [EntityType.Location],
    langs: ['zh'],
    context: ['籍贯', '出生地', '来自', '住', '户籍'],
    recognize(input: RecognizeInput): Finding[] {
      const toks = zhTokensOf(input);
      const out: Finding[] = [];
      const { text } = input;
      addListedPlaces(toks, out);
      for (let i = 0; i < toks.length; i++) {
        const t = toks[i]!;
        if (addCountryAbbreviations(text, toks, i, out)) continue;
        if (t.tag !== 'ns' || !HAN.test(t.word) || GENERIC_COUNTRY.test(t.word)) continue;
        let j = i;
        while (
          j + 1 < toks.length &&
          toks[j + 1]!.tag === 'ns' &&
          !GENERIC_COUNTRY.test(toks[j + 1]!.word)
        )
          j++;
        const start = t.start;
        const end = toks[j]!.end;
        if (end - start >= 2)
          out.push({
            start,
            end,
            type: EntityType.Location,
            score: 0.5,
            recognizer: 'zh-location',
            why: 'jieba place name (ns)',
          });
        i = j;
      }
      return out;
    },
  };
}
