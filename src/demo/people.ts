/**
 * Synthetic personal data in the real formats: Chinese names with a realistic surname frequency
 * (including compound surnames), English names, GB 11643 resident ID numbers, mainland mobile
 * numbers with carrier prefixes, and addresses down to street, number and room.
 */
import type { DemoAddress, DemoSex } from './types.ts';
import { type DemoRandom, makeWeights } from './random.ts';

// Surname shares in per mille, close to the 2020 census ranking. Compound surnames are
// over-represented (about 1% together instead of well under 0.1%) so that every demo contains
// enough of them to exercise name detection.
const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 71.2],
  ['李', 70.0],
  ['张', 67.4],
  ['刘', 51.0],
  ['陈', 46.1],
  ['杨', 32.2],
  ['黄', 24.5],
  ['赵', 21.9],
  ['吴', 20.5],
  ['周', 19.1],
  ['徐', 15.3],
  ['孙', 15.2],
  ['马', 12.9],
  ['朱', 12.7],
  ['胡', 12.6],
  ['郭', 11.8],
  ['何', 11.4],
  ['高', 10.7],
  ['林', 10.7],
  ['罗', 9.9],
  ['郑', 9.6],
  ['梁', 9.3],
  ['谢', 8.0],
  ['宋', 7.7],
  ['唐', 7.5],
  ['许', 7.1],
  ['韩', 6.9],
  ['冯', 6.6],
  ['邓', 6.6],
  ['曹', 6.4],
  ['彭', 6.1],
  ['曾', 6.0],
  ['肖', 5.7],
  ['田', 5.6],
  ['董', 5.5],
  ['袁', 5.3],
  ['潘', 5.2],
  ['于', 5.1],
  ['蒋', 5.0],
  ['蔡', 4.9],
  ['余', 4.8],
  ['杜', 4.7],
  ['叶', 4.6],
  ['程', 4.5],
  ['苏', 4.4],
  ['魏', 4.3],
  ['吕', 4.2],
  ['丁', 4.2],
  ['任', 4.1],
  ['沈', 4.0],
  ['姚', 3.9],
  ['卢', 3.8],
  ['姜', 3.7],
  ['崔', 3.6],
  ['钟', 3.5],
  ['谭', 3.5],
  ['陆', 3.4],
  ['汪', 3.3],
  ['范', 3.2],
  ['金', 3.2],
  ['石', 3.1],
  ['廖', 3.0],
  ['贾', 3.0],
  ['夏', 2.9],
  ['韦', 2.8],
  ['付', 2.8],
  ['方', 2.7],
  ['白', 2.7],
  ['邹', 2.6],
  ['孟', 2.6],
  ['熊', 2.5],
  ['秦', 2.5],
  ['邱', 2.4],
  ['江', 2.4],
  ['尹', 2.3],
  ['薛', 2.3],
  ['闫', 2.2],
  ['段', 2.2],
  ['雷', 2.2],
  ['侯', 2.1],
  ['龙', 2.1],
  ['史', 2.0],
  ['陶', 1.9],
  ['黎', 1.9],
  ['贺', 1.9],
  ['顾', 1.8],
  ['毛', 1.8],
  ['郝', 1.8],
  ['龚', 1.7],
  ['邵', 1.7],
  ['万', 1.6],
  ['钱', 1.6],
  ['严', 1.6],
  ['覃', 1.5],
  ['武', 1.5],
  ['戴', 1.5],
  ['莫', 1.4],
  ['孔', 1.4],
  ['向', 1.4],
  ['汤', 1.3],
  ['欧阳', 2.0],
  ['司马', 1.0],
  ['诸葛', 0.8],
  ['上官', 0.8],
  ['东方', 0.6],
  ['皇甫', 0.6],
  ['尉迟', 0.4],
  ['公孙', 0.4],
  ['慕容', 0.4],
  ['令狐', 0.4],
  ['司徒', 0.8],
  ['夏侯', 0.4],
  ['端木', 0.4],
  ['长孙', 0.3],
  ['宇文', 0.3],
];

/** Compound (two-character) surnames the generator uses. */
export const COMPOUND_SURNAMES: readonly string[] = SURNAMES.map(([s]) => s).filter(
  (s) => s.length === 2,
);

const SURNAME_TABLE = makeWeights(
  SURNAMES.map(([s]) => s),
  SURNAMES.map(([, w]) => w),
);

const GIVEN_MALE = [
  ...'伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩俊凯健文博志建国海峰林东晨宁旭昊睿泽轩毅诚彬亮杰锋振德成龙',
];
const GIVEN_FEMALE = [
  ...'芳娜敏静丽艳娟霞秀玲英婷雪慧莹倩琳颖洁欣怡佳萱涵梦雨思琪晓燕红梅兰云璐瑶妍悦嘉蕾薇楠',
];
const GIVEN_ANY = [...'子一天心安宇晓春秋海嘉小文明晨雅'];

/** A random Chinese surname following the frequency table. */
export function pickSurname(rng: DemoRandom): string {
  return rng.weighted(SURNAME_TABLE);
}

/** A random Chinese given name (one or two characters) for the sex. */
export function pickGivenName(rng: DemoRandom, sex: DemoSex): string {
  const pool = sex === 'male' ? GIVEN_MALE : GIVEN_FEMALE;
  if (rng.chance(0.3)) return rng.pick(pool);
  const first = rng.chance(0.25) ? rng.pick(GIVEN_ANY) : rng.pick(pool);
  return first + rng.pick(pool);
}

const EN_MALE = [
  'James',
  'John',
  'Robert',
  'Michael',
  'David',
  'William',
  'Richard',
  'Thomas',
  'Daniel',
  'Matthew',
  'Andrew',
  'Peter',
  'Oliver',
  'Henry',
  'Samuel',
  'George',
];
const EN_FEMALE = [
  'Mary',
  'Patricia',
  'Jennifer',
  'Linda',
  'Elizabeth',
  'Susan',
  'Jessica',
  'Sarah',
  'Emily',
  'Emma',
  'Olivia',
  'Sophie',
  'Grace',
  'Hannah',
  'Laura',
  'Anna',
];
const EN_FAMILY = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Miller',
  'Davis',
  'Wilson',
  'Anderson',
  'Taylor',
  'Thomas',
  'Moore',
  'Martin',
  'Jackson',
  'White',
  'Harris',
  'Clark',
  'Lewis',
  'Walker',
  'Young',
  'OConnor',
  'Campbell',
  'Murphy',
  'Kelly',
];

/** A random English given name and family name. */
export function pickEnglishName(rng: DemoRandom, sex: DemoSex): { given: string; family: string } {
  const given = rng.pick(sex === 'male' ? EN_MALE : EN_FEMALE);
  const family = rng.pick(EN_FAMILY);
  return { given, family: family === 'OConnor' ? "O'Connor" : family };
}

/** English-speaking nationalities with ISO 3166 numeric codes (for permanent resident IDs). */
export const ENGLISH_NATIONALITIES: readonly { code: string; numeric: string }[] = [
  { code: 'US', numeric: '840' },
  { code: 'GB', numeric: '826' },
  { code: 'CA', numeric: '124' },
  { code: 'AU', numeric: '036' },
  { code: 'NZ', numeric: '554' },
  { code: 'IE', numeric: '372' },
];

// ---------------------------------------------------------------------------------------------
// GB 11643 resident identity numbers

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number. */
export function computeIdCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (ID_WEIGHTS[i] as number);
  return ID_CHECK[sum % 11] as string;
}

function isValidDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= dim;
}

/**
 * Checks an 18-character resident ID (or residence permit / 2023 foreign permanent resident ID):
 * digits, a real birth date not in the future, and the MOD 11-2 check character.
 * Returns the birth date and sex it encodes, or null when invalid.
 */
export function parseResidentId(
  id: string,
  nowMs = Date.now(),
): { birthDate: string; sex: DemoSex } | null {
  if (!/^\d{17}[\dX]$/.test(id)) return null;
  if (computeIdCheckDigit(id.slice(0, 17)) !== id[17]) return null;
  // The birth date sits at the same place in all three formats (after a six-digit prefix).
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  if (y < 1900 || !isValidDate(y, m, d)) return null;
  if (Date.UTC(y, m - 1, d) > nowMs) return null;
  const seqLast = Number(id[16]);
  return {
    birthDate: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
    sex: seqLast % 2 === 1 ? 'male' : 'female',
  };
}

/**
 * Makes an 18-character ID number: a six-digit prefix (region code, or `9` + province + country
 * for foreign permanent residents), birth date, a sequence whose last digit is odd for men and even
 * for women, and the check character.
 */
export function makeResidentId(
  rng: DemoRandom,
  prefix: string,
  birthDate: string,
  sex: DemoSex,
): string {
  const seq = rng.digits(2) + String(rng.int(5) * 2 + (sex === 'male' ? 1 : 0));
  const first17 = prefix + birthDate.replaceAll('-', '') + seq;
  return first17 + computeIdCheckDigit(first17);
}

// ---------------------------------------------------------------------------------------------
// Mobile numbers

/** Mainland mobile prefixes by carrier (China Mobile, China Unicom, China Telecom, China Broadnet). */
export const MOBILE_PREFIXES: readonly string[] = [
  // China Mobile
  '134',
  '135',
  '136',
  '137',
  '138',
  '139',
  '147',
  '150',
  '151',
  '152',
  '157',
  '158',
  '159',
  '172',
  '178',
  '182',
  '183',
  '184',
  '187',
  '188',
  '195',
  '197',
  '198',
  // China Unicom
  '130',
  '131',
  '132',
  '145',
  '155',
  '156',
  '166',
  '175',
  '176',
  '185',
  '186',
  '196',
  // China Telecom
  '133',
  '149',
  '153',
  '173',
  '177',
  '180',
  '181',
  '189',
  '190',
  '191',
  '193',
  '199',
  // China Broadnet
  '192',
];

/** Pattern of a mainland mobile number with one of {@link MOBILE_PREFIXES}. */
export const MOBILE_PATTERN = new RegExp(`^(?:${MOBILE_PREFIXES.join('|')})\\d{8}$`);

/** A random mobile number. */
export function makeMobile(rng: DemoRandom): string {
  return rng.pick(MOBILE_PREFIXES) + rng.digits(8);
}

// ---------------------------------------------------------------------------------------------
// Regions and addresses

/** A county-level region (GB/T 2260) with street names for addresses. */
export interface Region {
  code: string;
  province: string;
  city: string;
  district: string;
  streets: readonly string[];
}

/** Districts of Hangzhou, where the demo hospital and most of its patients are. */
export const LOCAL_REGIONS: readonly Region[] = [
  {
    code: '330102',
    province: '浙江省',
    city: '杭州市',
    district: '上城区',
    streets: ['解放路', '延安路', '清泰街', '望江路', '秋涛路', '庆春路', '凤起东路'],
  },
  {
    code: '330105',
    province: '浙江省',
    city: '杭州市',
    district: '拱墅区',
    streets: ['湖墅南路', '莫干山路', '体育场路', '上塘路', '中山北路', '大关路'],
  },
  {
    code: '330106',
    province: '浙江省',
    city: '杭州市',
    district: '西湖区',
    streets: ['文三路', '文二路', '天目山路', '古墩路', '教工路', '学院路', '保俶路'],
  },
  {
    code: '330108',
    province: '浙江省',
    city: '杭州市',
    district: '滨江区',
    streets: ['江南大道', '滨盛路', '长河路', '江陵路', '西兴路', '泰安路'],
  },
  {
    code: '330109',
    province: '浙江省',
    city: '杭州市',
    district: '萧山区',
    streets: ['人民路', '市心路', '金城路', '育才路', '通惠路'],
  },
  {
    code: '330110',
    province: '浙江省',
    city: '杭州市',
    district: '余杭区',
    streets: ['文一西路', '五常大道', '良睦路', '余杭塘路', '龙舟路'],
  },
  {
    code: '330113',
    province: '浙江省',
    city: '杭州市',
    district: '临平区',
    streets: ['迎宾路', '星光街', '南苑街', '藕花洲大街'],
  },
  {
    code: '330114',
    province: '浙江省',
    city: '杭州市',
    district: '钱塘区',
    streets: ['学林街', '文泽路', '和达路', '下沙路'],
  },
  {
    code: '330111',
    province: '浙江省',
    city: '杭州市',
    district: '富阳区',
    streets: ['富春街', '江滨西大道', '金桥北路'],
  },
  {
    code: '330112',
    province: '浙江省',
    city: '杭州市',
    district: '临安区',
    streets: ['钱王街', '衣锦街', '万马路'],
  },
];

const OTHER_STREETS = [
  '人民路',
  '解放路',
  '中山路',
  '建设路',
  '和平路',
  '新华路',
  '胜利路',
  '朝阳路',
  '长江路',
  '黄河路',
  '文化路',
  '青年路',
];

/** Regions elsewhere (birthplaces of ID numbers, and addresses of patients from out of town). */
export const OTHER_REGIONS: readonly Region[] = [
  ['330203', '浙江省', '宁波市', '海曙区'],
  ['330302', '浙江省', '温州市', '鹿城区'],
  ['330402', '浙江省', '嘉兴市', '南湖区'],
  ['330502', '浙江省', '湖州市', '吴兴区'],
  ['330602', '浙江省', '绍兴市', '越城区'],
  ['330702', '浙江省', '金华市', '婺城区'],
  ['331002', '浙江省', '台州市', '椒江区'],
  ['330802', '浙江省', '衢州市', '柯城区'],
  ['110101', '北京市', '北京市', '东城区'],
  ['110108', '北京市', '北京市', '海淀区'],
  ['310104', '上海市', '上海市', '徐汇区'],
  ['310115', '上海市', '上海市', '浦东新区'],
  ['320102', '江苏省', '南京市', '玄武区'],
  ['320506', '江苏省', '苏州市', '吴中区'],
  ['340102', '安徽省', '合肥市', '瑶海区'],
  ['341202', '安徽省', '阜阳市', '颍州区'],
  ['360102', '江西省', '南昌市', '东湖区'],
  ['361102', '江西省', '上饶市', '信州区'],
  ['350102', '福建省', '福州市', '鼓楼区'],
  ['370102', '山东省', '济南市', '历下区'],
  ['410105', '河南省', '郑州市', '金水区'],
  ['411302', '河南省', '南阳市', '宛城区'],
  ['420106', '湖北省', '武汉市', '武昌区'],
  ['430102', '湖南省', '长沙市', '芙蓉区'],
  ['440106', '广东省', '广州市', '天河区'],
  ['440304', '广东省', '深圳市', '福田区'],
  ['500103', '重庆市', '重庆市', '渝中区'],
  ['510104', '四川省', '成都市', '锦江区'],
  ['520102', '贵州省', '贵阳市', '南明区'],
  ['610113', '陕西省', '西安市', '雁塔区'],
].map(([code, province, city, district]) => ({
  code: code as string,
  province: province as string,
  city: city as string,
  district: district as string,
  streets: OTHER_STREETS,
}));

const COMMUNITY_A = [...'金银翠绿阳光锦绣春江文华和平幸福嘉丽星海东方'];
const COMMUNITY_B = ['花园', '家园', '新村', '公寓', '苑', '小区', '雅苑', '名邸', '府'];

/** A random address in the region; apartments get community, building, unit and room. */
export function makeAddress(rng: DemoRandom, region: Region): DemoAddress {
  const street = rng.pick(region.streets);
  const number = `${rng.between(1, 399)}号`;
  const base = `${region.province === region.city ? '' : region.province}${region.city}${region.district}${street}${number}`;
  if (rng.chance(0.15)) {
    return {
      province: region.province,
      city: region.city,
      district: region.district,
      street,
      number,
      text: base,
      regionCode: region.code,
    };
  }
  const community = rng.pick(COMMUNITY_A) + rng.pick(COMMUNITY_A) + rng.pick(COMMUNITY_B);
  const building = `${rng.between(1, 30)}幢`;
  const unit = `${rng.between(1, 4)}单元`;
  const room = `${rng.between(1, 28)}0${rng.between(1, 4)}室`;
  return withRoom(
    {
      province: region.province,
      city: region.city,
      district: region.district,
      street,
      number,
      community,
      building,
      unit,
      room,
      text: '',
      regionCode: region.code,
    },
    room,
  );
}

/** The same building with another room (a neighbour's address). */
export function makeNeighbourAddress(rng: DemoRandom, address: DemoAddress): DemoAddress {
  if (!address.building) {
    const number = `${Number.parseInt(address.number, 10) + rng.between(1, 3) * 2}号`;
    return { ...address, number, text: address.text.replace(address.number, number) };
  }
  let room = address.room as string;
  while (room === address.room) room = `${rng.between(1, 28)}0${rng.between(1, 4)}室`;
  return withRoom(address, room);
}

function withRoom(a: DemoAddress, room: string): DemoAddress {
  const head = `${a.province === a.city ? '' : a.province}${a.city}${a.district}${a.street}${a.number}`;
  return {
    ...a,
    room,
    text: `${head}${a.community ?? ''}${a.building ?? ''}${a.unit ?? ''}${room}`,
  };
}
