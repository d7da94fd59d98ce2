/**
 * The hospital itself: tenant, departments, wards, networks, workstations, third parties and
 * their API clients, staff (without HR addresses, which come with the patients' households) and
 * shift rosters.
 */
import { DEPARTMENTS, TITLES } from './catalog.ts';
import { type Model, type ShiftRef, deptRoleKey, wardKey } from './model.ts';
import {
  LOCAL_REGIONS,
  OTHER_REGIONS,
  makeAddress,
  makeResidentId,
  pickGivenName,
  pickSurname,
} from './people.ts';
import type { DemoRandom } from './random.ts';
import { DAY, HOUR, MINUTE, localDate, localIso, localWeekday } from './time.ts';
import type { DemoApiClient, DemoRole, DemoSex, DemoStaff, DemoWorkstation } from './types.ts';
import { DemoRole as R } from './types.ts';

/** Builds tenant, departments, wards, networks, workstations, organisations and API clients. */
export function buildStructure(model: Model): void {
  const { params } = model;
  const t = params.tenant;
  const hospitalRegion = LOCAL_REGIONS[2]!;
  model.tenant = {
    id: t,
    name: '杭州仁和示范医院',
    nameEn: 'Renhe Demo Hospital, Hangzhou',
    address: {
      province: hospitalRegion.province,
      city: hospitalRegion.city,
      district: hospitalRegion.district,
      street: '文三路',
      number: '88号',
      text: '浙江省杭州市西湖区文三路88号',
      regionCode: hospitalRegion.code,
    },
    timezone: 'Asia/Shanghai',
    networks: [],
    ipGeo: [
      { cidr: '198.51.100.0/24', country: 'CN' },
      { cidr: '192.0.2.0/24', country: 'CN' },
      { cidr: '203.0.113.0/24', country: 'NL' },
    ],
  };
  // Departments and wards.
  DEPARTMENTS.forEach((spec, i) => {
    const id = `dept-${spec.code.toLowerCase()}`;
    model.deptByCode.set(spec.code, i);
    model.departments.push({
      id,
      tenantId: t,
      code: spec.code,
      name: spec.name,
      nameEn: spec.nameEn,
      kind: spec.kind,
      partOf: t,
    });
    model.wsByDept.push([]);
    const n = spec.wards(params.staff);
    for (let w = 0; w < n; w++) {
      const cn = '一二三四'[w] ?? String(w + 1);
      model.wardDept.push(i);
      model.wsByWard.push([]);
      model.wards.push({
        id: `ward-${spec.code.toLowerCase()}-${w + 1}`,
        tenantId: t,
        departmentId: id,
        name:
          spec.code === 'EMD'
            ? '急诊留观室'
            : n === 1
              ? `${spec.name}病区`
              : `${spec.name}${cn}病区`,
        nameEn: spec.code === 'EMD' ? 'Emergency observation' : `${spec.nameEn} ward ${w + 1}`,
        beds: spec.code === 'EMD' ? 20 : 40,
      });
    }
    model.tenant.networks.push({
      cidr: `10.20.${i + 1}.0/24`,
      zone: spec.kind === 'administrative' ? 'administrative' : 'clinical',
      description: `${spec.nameEn} workstations`,
      departmentId: id,
    });
  });
  model.tenant.networks.push(
    { cidr: '10.99.0.0/20', zone: 'staff-vpn', description: 'Staff remote access VPN' },
    {
      cidr: '10.98.0.0/24',
      zone: 'vendor-vpn',
      description: 'Equipment vendors remote maintenance VPN',
    },
    { cidr: '10.10.0.0/24', zone: 'server', description: 'Data centre' },
  );
  // Third parties.
  model.organizations.push(
    {
      id: 'org-jinzhun-lab',
      tenantId: t,
      name: '金准医学检验实验室',
      nameEn: 'Jinzhun Medical Laboratory',
      kind: 'laboratory',
    },
    {
      id: 'org-yingshi-pacs',
      tenantId: t,
      name: '影视达医疗影像系统有限公司',
      nameEn: 'Yingshida PACS Systems',
      kind: 'vendor',
    },
    {
      id: 'org-jiuyi-app',
      tenantId: t,
      name: '就医通科技有限公司',
      nameEn: 'Jiuyitong Check-in App',
      kind: 'app',
    },
    {
      id: 'org-regional-platform',
      tenantId: t,
      name: '杭州市全民健康信息平台',
      nameEn: 'Hangzhou Regional Health Information Platform',
      kind: 'platform',
    },
  );
  const from = localDate(params.w0 - 365 * DAY);
  const to = localDate(params.w1 + 365 * DAY);
  const client = (
    id: string,
    org: string,
    name: string,
    cidr: string,
    ip: string,
    contract: Omit<DemoApiClient['contract'], 'validFrom' | 'validTo' | 'networks'>,
  ): DemoApiClient => ({
    id,
    tenantId: t,
    organizationId: org,
    name,
    ip,
    contract: { ...contract, validFrom: from, validTo: to, networks: [cidr] },
  });
  model.apiClients.push(
    client(
      'client-jinzhun-lab',
      'org-jinzhun-lab',
      'Jinzhun lab order gateway',
      '198.51.100.32/28',
      '198.51.100.37',
      {
        purpose: 'TREAT',
        fields: ['name', 'sex', 'birthDate', 'mrn', 'orders', 'labs'],
        patientScope: 'order-to-organization',
        maxCallsPerDay: 0,
      },
    ),
    client(
      'client-jiuyi-checkin',
      'org-jiuyi-app',
      'Jiuyitong check-in',
      '198.51.100.64/28',
      '198.51.100.70',
      {
        purpose: 'HOPERAT',
        fields: ['name', 'mrn', 'appointments'],
        patientScope: 'appointment-today',
        maxCallsPerDay: 0,
      },
    ),
    client(
      'client-regional-platform',
      'org-regional-platform',
      'Regional platform discharge summaries',
      '198.51.100.128/28',
      '198.51.100.131',
      {
        purpose: 'TREAT',
        fields: ['name', 'nationalId', 'sex', 'birthDate', 'diagnoses', 'notes', 'medications'],
        patientScope: 'discharged-inpatients',
        maxCallsPerDay: 0,
      },
    ),
  );
  for (const c of model.apiClients) {
    const org = model.organizations.find((o) => o.id === c.organizationId)!;
    model.tenant.networks.push({
      cidr: c.contract.networks[0]!,
      zone: 'partner',
      description: `${org.nameEn} API`,
      organizationId: org.id,
    });
  }
}

interface RolePlan {
  role: DemoRole;
  dept: string;
  count: number;
}

/** How many people of each role work in each department, for `total` staff. */
function planStaff(total: number): RolePlan[] {
  const plan: RolePlan[] = [];
  const fixed = (role: DemoRole, dept: string, share: number, min: number) =>
    plan.push({ role, dept, count: Math.max(min, Math.round(total * share)) });
  fixed(R.RadiologyTechnician, 'RAD', 0.03, 3);
  fixed(R.Physician, 'RAD', 0.015, 2);
  fixed(R.LabTechnician, 'LAB', 0.035, 3);
  fixed(R.Pharmacist, 'PHA', 0.03, 3);
  fixed(R.RegistrationClerk, 'REG', 0.035, 4);
  fixed(R.BillingClerk, 'BIL', 0.03, 4);
  fixed(R.Administrator, 'ITC', 0.008, 2);
  fixed(R.VendorEngineer, 'ITC', 0.004, 2);
  fixed(R.PrivacyOfficer, 'PRV', 0.002, 2);
  fixed(R.Researcher, 'RES', 0.006, 2);
  const clinical = DEPARTMENTS.filter((d) => d.clinicalWeight > 0);
  const headNurses = clinical.reduce((n, d) => n + d.wards(total), 0);
  const used = plan.reduce((n, p) => n + p.count, 0) + headNurses;
  const rest = Math.max(clinical.length * 5, total - used);
  const weightSum = clinical.reduce((n, d) => n + d.clinicalWeight, 0);
  let assigned = 0;
  clinical.forEach((d, i) => {
    const n =
      i === clinical.length - 1
        ? rest - assigned
        : Math.max(5, Math.round((rest * d.clinicalWeight) / weightSum));
    assigned += n;
    const physicians = Math.max(2, Math.round(n * 0.4));
    plan.push({ role: R.Physician, dept: d.code, count: physicians });
    plan.push({ role: R.Nurse, dept: d.code, count: Math.max(3, n - physicians) });
    plan.push({ role: R.HeadNurse, dept: d.code, count: d.wards(total) });
  });
  return plan;
}

const FEMALE_SHARE: Partial<Record<DemoRole, number>> = {
  nurse: 0.93,
  'head-nurse': 0.97,
  physician: 0.48,
  'vendor-engineer': 0.15,
  administrator: 0.3,
};

/** Builds the staff (core data; HR addresses come later) and their workstations. */
export function buildStaff(model: Model): void {
  const { params } = model;
  const rng = model.rng.fork('staff');
  const t = params.tenant;
  const plan = planStaff(params.staff);
  // Trim or extend the largest group so the total is exact.
  const total = plan.reduce((n, p) => n + p.count, 0);
  const largest = plan.filter((p) => p.role === R.Nurse).sort((a, b) => b.count - a.count)[0]!;
  largest.count += params.staff - total;
  const usedIds = new Set<string>();
  let n = 0;
  for (const p of plan) {
    const dept = model.deptByCode.get(p.dept)!;
    const wards = model.wardDept.map((d, i) => (d === dept ? i : -1)).filter((i) => i >= 0);
    for (let k = 0; k < p.count; k++) {
      const idx = n++;
      const sex: DemoSex = rng.chance(FEMALE_SHARE[p.role] ?? 0.5) ? 'female' : 'male';
      const age = p.role === R.HeadNurse ? rng.between(34, 55) : rng.between(23, 58);
      const birthMs = params.w1 - age * 365.25 * DAY - rng.int(365) * DAY;
      const birthDate = localDate(birthMs);
      const family = pickSurname(rng);
      const given = pickGivenName(rng, sex);
      const region = rng.chance(0.6) ? rng.pick(LOCAL_REGIONS) : rng.pick(OTHER_REGIONS);
      let nationalId = makeResidentId(rng, region.code, birthDate, sex);
      while (usedIds.has(nationalId)) nationalId = makeResidentId(rng, region.code, birthDate, sex);
      usedIds.add(nationalId);
      const ward =
        p.role === R.HeadNurse
          ? wards[k % wards.length]!
          : p.role === R.Nurse && wards.length > 0
            ? wards[k % wards.length]!
            : -1;
      const hiredMs = Math.max(
        birthMs + 22 * 365 * DAY,
        params.w0 - rng.between(60, 25 * 365) * DAY,
      );
      const staffNumber = String(200001 + idx);
      const s: DemoStaff = {
        id: `stf-${String(idx + 1).padStart(5, '0')}`,
        tenantId: t,
        staffNumber,
        username: `u${staffNumber}`,
        name: family + given,
        family,
        given,
        sex,
        birthDate,
        nationalId,
        role: p.role,
        title: rng.pick(TITLES[p.role]!),
        departmentId: model.departments[dept]!.id,
        ...(ward >= 0 ? { wardId: model.wards[ward]!.id } : {}),
        ...(p.role === R.VendorEngineer ? { organizationId: 'org-yingshi-pacs' } : {}),
        employment: { status: 'active', hiredOn: localDate(hiredMs) },
        hr: {
          homeAddress: makeAddress(rng, rng.pick(LOCAL_REGIONS)),
          phone: '',
          emergencyContacts: [],
        },
        account: {
          createdAt: localIso(hiredMs + 9 * HOUR),
          lastLoginAt: localIso(params.w0 - rng.int(3 * 24 * 60) * MINUTE - 1),
          disabled: false,
        },
      };
      model.staff.push(s);
      model.staffMeta.push({
        dept,
        ward,
        role: p.role,
        birthMs,
        workstations: [],
        availableUntil: Infinity,
        onLeave: false,
        patient: -1,
      });
      const key = deptRoleKey(dept, p.role);
      const list = model.staffByDeptRole.get(key) ?? [];
      list.push(idx);
      model.staffByDeptRole.set(key, list);
    }
  }
  assignEmployment(model, rng);
  buildWorkstations(model, rng);
}

function assignEmployment(model: Model, rng: DemoRandom): void {
  const { params } = model;
  const span = params.w1 - params.w0;
  const clinicalRoles: DemoRole[] = [R.Physician, R.Nurse];
  // Departed staff: mostly before the window; some leave during it. One in five accounts was
  // never disabled (the risk the departed-account detector exists for).
  const departed = Math.max(3, Math.round(params.staff * 0.025));
  const suspended = Math.max(1, Math.round(params.staff * 0.005));
  const onLeave = Math.max(2, Math.round(params.staff * 0.015));
  const candidates = rng.shuffle(
    model.staff.map((_, i) => i).filter((i) => clinicalRoles.includes(model.staffMeta[i]!.role)),
  );
  let c = 0;
  for (let k = 0; k < departed && c < candidates.length; k++) {
    const i = candidates[c++]!;
    const s = model.staff[i]!;
    const inWindow = k % 4 === 3;
    const at = inWindow
      ? params.w0 + Math.floor(span * (0.2 + 0.6 * rng.next()))
      : params.w0 - rng.between(20, 200) * DAY;
    s.employment = { ...s.employment, status: 'departed', departedOn: localDate(at) };
    s.account.disabled = k % 5 !== 0;
    if (!inWindow) s.account.lastLoginAt = localIso(at - rng.between(1, 20) * HOUR);
    model.staffMeta[i]!.availableUntil = at;
  }
  for (let k = 0; k < suspended && c < candidates.length; k++) {
    const i = candidates[c++]!;
    const s = model.staff[i]!;
    const at = params.w0 - rng.between(5, 60) * DAY;
    s.employment = { ...s.employment, status: 'suspended', suspendedOn: localDate(at) };
    s.account.disabled = true;
    s.account.lastLoginAt = localIso(at - rng.between(1, 20) * HOUR);
    model.staffMeta[i]!.availableUntil = at;
  }
  for (let k = 0; k < onLeave && c < candidates.length; k++) {
    const i = candidates[c++]!;
    const s = model.staff[i]!;
    const fromMs = params.w0 - rng.between(120, 300) * DAY;
    const kind = s.sex === 'female' && k % 2 === 0 ? 'maternity' : 'study';
    s.leave = {
      from: localDate(fromMs),
      to: localDate(params.w1 + rng.between(30, 200) * DAY),
      kind,
    };
    s.account.lastLoginAt = localIso(fromMs - rng.between(10, 40) * HOUR);
    model.staffMeta[i]!.onLeave = true;
  }
}

function addWs(
  model: Model,
  dept: number,
  ward: number,
  kind: DemoWorkstation['kind'],
  location: string,
  name: string,
): number {
  const d = model.departments[dept]!;
  const list = model.wsByDept[dept]!;
  const idx = model.workstations.length;
  const host = 10 + list.length;
  model.workstations.push({
    id: `ws-${d.code.toLowerCase()}-${String(list.length + 1).padStart(3, '0')}`,
    tenantId: model.params.tenant,
    name,
    kind,
    departmentId: d.id,
    ...(ward >= 0 ? { wardId: model.wards[ward]!.id } : {}),
    location,
    ip: `10.20.${dept + 1}.${host}`,
    cidr: `10.20.${dept + 1}.0/24`,
  });
  list.push(idx);
  if (ward >= 0) model.wsByWard[ward]!.push(idx);
  return idx;
}

function buildWorkstations(model: Model, rng: DemoRandom): void {
  DEPARTMENTS.forEach((spec, dept) => {
    const members = model.staffMeta.map((m, i) => (m.dept === dept ? i : -1)).filter((i) => i >= 0);
    const physicians = members.filter((i) => model.staffMeta[i]!.role === R.Physician);
    const floor = rng.between(2, 9);
    if (spec.kind === 'clinical') {
      const offices = Math.min(40, Math.max(2, Math.ceil(physicians.length / 3)));
      const offWs: number[] = [];
      for (let k = 0; k < offices; k++)
        offWs.push(
          addWs(
            model,
            dept,
            -1,
            'doctor-office',
            `${spec.building}${floor}层 ${spec.name}医生办公室`,
            `${spec.name}医生工作站${k + 1}`,
          ),
        );
      physicians.forEach((i, k) => model.staffMeta[i]!.workstations.push(offWs[k % offWs.length]!));
      model.wardDept.forEach((d, ward) => {
        if (d !== dept) return;
        const nurses = members.filter((i) => model.staffMeta[i]!.ward === ward);
        const count = Math.min(30, Math.max(2, Math.ceil(nurses.length / 6)));
        const wsl: number[] = [];
        for (let k = 0; k < count; k++)
          wsl.push(
            addWs(
              model,
              dept,
              ward,
              'nurse-station',
              `${spec.building}${floor + 1 + (ward % 3)}层 ${model.wards[ward]!.name}护士站`,
              `${model.wards[ward]!.name}护士站${k + 1}`,
            ),
          );
        nurses.forEach((i, k) => model.staffMeta[i]!.workstations.push(wsl[k % wsl.length]!));
      });
      // Nurses without a ward (none today) and physicians also use the ward stations.
      return;
    }
    const kind: DemoWorkstation['kind'] =
      spec.code === 'RAD'
        ? 'reading-room'
        : spec.code === 'LAB'
          ? 'lab-bench'
          : spec.code === 'REG' || spec.code === 'BIL' || spec.code === 'PHA'
            ? 'counter'
            : 'office';
    const count = Math.min(60, Math.max(2, Math.ceil(members.length / 2)));
    const wsl: number[] = [];
    const room =
      kind === 'counter'
        ? `${spec.name}${'窗口'}`
        : kind === 'reading-room'
          ? '阅片室'
          : kind === 'lab-bench'
            ? '检验工作台'
            : `${spec.name}办公室`;
    for (let k = 0; k < count; k++)
      wsl.push(
        addWs(model, dept, -1, kind, `${spec.building}${(k % 3) + 1}层 ${room}`, `${room}${k + 1}`),
      );
    members.forEach((i, k) => model.staffMeta[i]!.workstations.push(wsl[k % wsl.length]!));
  });
}

const NURSE_CYCLE = ['day', 'day', 'evening', 'evening', 'night', 'night', 'off', 'off'] as const;

/** Builds the shift rosters of the activity window and the per-day roster index. */
export function buildRosters(model: Model): void {
  const { params } = model;
  const rng = model.rng.fork('roster');
  const offsets = model.staff.map(() => rng.int(8));
  for (let d = 0; d < params.days; d++) model.roster.push(new Map());
  const add = (staff: number, start: number, end: number, kind: ShiftRef['kind']) => {
    const meta = model.staffMeta[staff]!;
    if (meta.onLeave || start >= meta.availableUntil) return;
    const s = model.staff[staff]!;
    model.shifts.push({
      staffId: s.id,
      date: localDate(start),
      kind,
      start: localIso(start),
      end: localIso(end),
      departmentId: s.departmentId,
      ...(s.wardId ? { wardId: s.wardId } : {}),
    });
    const ref: ShiftRef = { staff, start, end, kind };
    const key = meta.ward >= 0 ? wardKey(meta.ward) : deptRoleKey(meta.dept, meta.role);
    const first = Math.max(0, Math.floor((start - params.w0) / DAY));
    const last = Math.min(params.days - 1, Math.floor((end - 1 - params.w0) / DAY));
    for (let d = first; d <= last; d++) {
      const m = model.roster[d]!;
      const list = m.get(key) ?? [];
      list.push(ref);
      m.set(key, list);
      if (meta.ward >= 0) {
        // Ward staff also answer for their department (covering colleagues).
        const dk = deptRoleKey(meta.dept, meta.role);
        const l2 = m.get(dk) ?? [];
        l2.push(ref);
        m.set(dk, l2);
      }
    }
  };
  const emd = model.deptByCode.get('EMD')!;
  for (let d = 0; d < params.days; d++) {
    const day0 = params.w0 + d * DAY;
    const wd = localWeekday(day0);
    const weekend = wd === 0 || wd === 6;
    // On-call physicians per clinical department (one in ~7 nights each).
    const onCallByDept = new Map<number, number[]>();
    model.staff.forEach((s, i) => {
      const meta = model.staffMeta[i]!;
      const spec = DEPARTMENTS[meta.dept]!;
      switch (meta.role) {
        case R.Nurse:
        case R.RadiologyTechnician:
        case R.LabTechnician:
        case R.Pharmacist: {
          const k = NURSE_CYCLE[(d + offsets[i]!) % 8]!;
          if (k === 'day') add(i, day0 + 8 * HOUR, day0 + 16 * HOUR, 'day');
          else if (k === 'evening') add(i, day0 + 16 * HOUR, day0 + 24 * HOUR, 'evening');
          else if (k === 'night') add(i, day0, day0 + 8 * HOUR, 'night');
          break;
        }
        case R.Physician: {
          if (meta.dept === emd) {
            const k = NURSE_CYCLE[(d + offsets[i]!) % 8]!;
            if (k === 'day') add(i, day0 + 8 * HOUR, day0 + 16 * HOUR, 'day');
            else if (k === 'evening') add(i, day0 + 16 * HOUR, day0 + 24 * HOUR, 'evening');
            else if (k === 'night') add(i, day0, day0 + 8 * HOUR, 'night');
            break;
          }
          if (!weekend) add(i, day0 + 8 * HOUR, day0 + 17 * HOUR + 30 * MINUTE, 'office');
          if (spec.kind === 'clinical' || spec.code === 'RAD') {
            const l = onCallByDept.get(meta.dept) ?? [];
            l.push(i);
            onCallByDept.set(meta.dept, l);
          }
          break;
        }
        case R.RegistrationClerk:
        case R.BillingClerk: {
          if (i % 3 === 0) {
            const k = NURSE_CYCLE[(d + offsets[i]!) % 8]!;
            if (k === 'day') add(i, day0 + 8 * HOUR, day0 + 16 * HOUR, 'day');
            else if (k === 'evening') add(i, day0 + 16 * HOUR, day0 + 24 * HOUR, 'evening');
            else if (k === 'night') add(i, day0, day0 + 8 * HOUR, 'night');
          } else if (!weekend || (d + i) % 3 === 0) {
            add(i, day0 + 7 * HOUR + 30 * MINUTE, day0 + 17 * HOUR, 'office');
          }
          break;
        }
        case R.HeadNurse:
        case R.Administrator:
        case R.PrivacyOfficer:
        case R.Researcher:
          if (!weekend) add(i, day0 + 8 * HOUR, day0 + 17 * HOUR, 'office');
          break;
        case R.VendorEngineer:
          if (!weekend) add(i, day0 + 9 * HOUR, day0 + 18 * HOUR, 'office');
          break;
      }
      void s;
    });
    for (const [, list] of onCallByDept) {
      const available = list.filter(
        (i) => !model.staffMeta[i]!.onLeave && model.staffMeta[i]!.availableUntil > day0 + DAY,
      );
      if (available.length === 0) continue;
      const perNight = Math.max(1, Math.round(available.length / 12));
      for (let k = 0; k < perNight; k++) {
        const i = available[(d * perNight + k) % available.length]!;
        if (weekend) add(i, day0 + 8 * HOUR, day0 + 17 * HOUR + 30 * MINUTE, 'on-call');
        add(i, day0 + 17 * HOUR + 30 * MINUTE, day0 + DAY + 8 * HOUR, 'on-call');
      }
    }
  }
}

/** Staff on duty in a roster group at an instant, or an empty list. */
export function onDuty(model: Model, key: string, at: number): number[] {
  const d = Math.floor((at - model.params.w0) / DAY);
  const list = model.roster[d]?.get(key);
  if (!list) return [];
  const out: number[] = [];
  for (const s of list) if (s.start <= at && at < s.end) out.push(s.staff);
  return out;
}

/** The shift of a staff member covering an instant, if any. */
export function shiftAt(model: Model, staff: number, at: number): ShiftRef | undefined {
  const meta = model.staffMeta[staff]!;
  const key = meta.ward >= 0 ? wardKey(meta.ward) : deptRoleKey(meta.dept, meta.role);
  const d = Math.floor((at - model.params.w0) / DAY);
  const list = model.roster[d]?.get(key);
  return list?.find((s) => s.staff === staff && s.start <= at && at < s.end);
}

/** The shifts of one staff member on a window day. */
export function shiftsOn(model: Model, staff: number, day: number): ShiftRef[] {
  const meta = model.staffMeta[staff]!;
  const key = meta.ward >= 0 ? wardKey(meta.ward) : deptRoleKey(meta.dept, meta.role);
  return (model.roster[day]?.get(key) ?? []).filter((s) => s.staff === staff);
}
