import type { Evidence } from './types.ts';

type Params = Record<string, string | number>;

/**
 * Evidence sentences in English and Chinese (terms from the project glossary). Parameters are
 * ids, counts, dates and addresses of workstations; never names or contact details.
 */
const templates = {
  'vip.no-relationship': [
    'Opened the record of VIP patient {patient} with no care relationship',
    '在无诊疗关系的情况下调阅重点保护患者（名人/VIP）{patient} 的病历',
  ],
  'restricted.no-relationship': [
    'Opened the restricted record of patient {patient} with no care relationship',
    '在无诊疗关系的情况下调阅受限病历（患者 {patient}）',
  ],
  'coworker.lookup': [
    'Opened the record of colleague {coworker} (patient {patient}) with no care relationship',
    '在无诊疗关系的情况下调阅同事 {coworker}（患者 {patient}）的病历',
  ],
  'family.match': [
    'Patient {patient} shares {what} with the user’s HR record, and there is no care relationship',
    '患者 {patient} 与该员工人事档案中的{whatZh}相同，且无诊疗关系',
  ],
  'self.lookup': [
    'Opened own record (patient {patient}) through the staff account',
    '使用工作账号调阅本人病历（患者 {patient}）',
  ],
  'no-relationship.day': [
    '{count} patients’ records opened on {date} without any care relationship',
    '{date} 在无诊疗关系的情况下调阅 {count} 名患者的病历',
  ],
  'spike.own': [
    '{count} distinct patients on {date}, {factor}× the user’s usual {baseline} per day',
    '{date} 调阅 {count} 名不同患者，为本人日常水平（每日 {baseline} 名）的 {factor} 倍',
  ],
  'spike.peer': [
    'Peer group ({role}, {department}) opened a median of {median} patients that day',
    '同岗位同科室人员（{role}，{department}）当日中位数为 {median} 名',
  ],
  'harvest.contact': [
    '{count} patients’ contact details read without a personal care relationship within {days} days',
    '{days} 天内在无本人诊疗关系的情况下读取 {count} 名患者的联系方式',
  ],
  'harvest.maternity': [
    '{count} of the records were maternity or newborn records',
    '其中 {count} 份为孕产妇或新生儿病历',
  ],
  'harvest.sequential': [
    '{count} records opened one after another in medical-record-number order',
    '按病历号顺序连续调阅 {count} 份病历',
  ],
  'harvest.unexplained': [
    '{count} of the patients had no care relationship at all',
    '其中 {count} 名患者与该员工无任何诊疗关系',
  ],
  'bulk.export': [
    'Exported records of {count} patients within {hours} h',
    '{hours} 小时内导出 {count} 名患者的病历',
  ],
  'bulk.images': [
    'Downloaded {count} images within {hours} h',
    '{hours} 小时内下载 {count} 幅影像',
  ],
  'offhours.access': [
    '{count} accesses outside the user’s shifts and working hours on {date}',
    '{date} 在排班及工作时间以外访问 {count} 次',
  ],
  'network.foreign': [
    'Access from a network address outside the country ({ip})',
    '来自境外网络地址的访问（{ip}）',
  ],
  'network.unknown': [
    'Access from a network address outside the hospital networks ({ip})',
    '来自院外未登记网络地址的访问（{ip}）',
  ],
  'workstation.unusual': [
    'Access from workstation {workstation} of department {department}, not one the user works from',
    '从 {department} 科室的终端 {workstation} 访问，非该员工常用终端',
  ],
  'workstation.unknown': [
    'Access from unregistered workstation {workstation}',
    '从未登记的终端 {workstation} 访问',
  ],
  'account.departed': [
    'Account used {days} day(s) after the staff member departed',
    '该员工离职 {days} 天后账号仍被使用',
  ],
  'account.suspended': ['Account used while suspended', '账号在停用期间被使用'],
  'account.dormant': [
    'Account used after {days} day(s) without any activity',
    '账号在 {days} 天无任何活动后被使用',
  ],
  'account.unknown': [
    'Account {actor} is not in the staff directory',
    '账号 {actor} 不在员工名录中',
  ],
  'client.rate': [
    'Client made {count} calls within 24 h; its contract allows {limit}',
    '第三方客户端 24 小时内调用 {count} 次，超出协议上限 {limit} 次',
  ],
  'client.categories': [
    'Client read data outside its contract: {categories}',
    '第三方客户端读取了协议范围以外的数据：{categories}',
  ],
  'client.patients': [
    '{count} patients read by the client had no order sent to it',
    '第三方客户端读取的 {count} 名患者并无发往该机构的医嘱',
  ],
  'client.expired': ['Client used after its contract expired', '第三方客户端在协议到期后仍在调用'],
  'client.unknown': [
    'Client {actor} has no registered contract',
    '第三方客户端 {actor} 没有登记的数据处理协议',
  ],
  'breakglass.repeat': [
    '{count} break-the-glass accesses within {days} days',
    '{days} 天内紧急访问（破窗）{count} 次',
  ],
  'deceased.no-relationship': [
    'Opened the record of deceased patient {patient} with no care relationship',
    '在无诊疗关系的情况下调阅已故患者 {patient} 的病历',
  ],
  'support.unexplained': ['The access had no care relationship', '该次访问无诊疗关系'],
} as const satisfies Record<string, readonly [string, string]>;

/** Evidence codes the monitor can produce. */
export type EvidenceCode = keyof typeof templates;

function fill(t: string, p: Params): string {
  return t.replace(/\{(\w+)\}/g, (_, k: string) => (k in p ? String(p[k]) : `{${k}}`));
}

/** Renders one evidence sentence in both languages. */
export function say(code: EvidenceCode, params: Params = {}): Evidence {
  const [en, zh] = templates[code];
  return { code, en: fill(en, params), zh: fill(zh, params) };
}

/** Local date as YYYY-MM-DD for an epoch-ms time and UTC offset in minutes. */
export function formatDate(time: number, utcOffsetMinutes: number): string {
  return new Date(time + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}
