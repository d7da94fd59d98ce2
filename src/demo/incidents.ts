/**
 * Planted incidents: the misuse described in MISSION.md, acted out in the access stream by
 * particular staff members and API clients. Their events look like any other event; the only
 * record of what they are is the label list, which the caller writes to a separate file.
 */
import { shiftsOn } from './build-hospital.ts';
import { EventFactory, FIELDS } from './events.ts';
import type { Model, ShiftRef } from './model.ts';
import type { DemoRandom } from './random.ts';
import { DAY, HOUR, MINUTE, localIso, localWeekday } from './time.ts';
import type { DemoAccessEvent, DemoField, DemoIncidentKind, DemoRole } from './types.ts';
import { DemoIncidentKind as K, DemoRole as R } from './types.ts';

const year = 365.25 * DAY;

class Planner {
  readonly ev: EventFactory;
  readonly used = new Set<number>();
  readonly staffIndex = new Map<string, number>();
  readonly patientIndex = new Map<string, number>();
  private incident = 0;
  private seq = 0;
  private current: DemoAccessEvent[] = [];

  constructor(
    readonly model: Model,
    readonly rng: DemoRandom,
  ) {
    this.ev = new EventFactory(model);
    model.staff.forEach((s, i) => this.staffIndex.set(s.id, i));
    model.patients.forEach((p, i) => this.patientIndex.set(p.id, i));
  }

  get w0(): number {
    return this.model.params.w0;
  }
  get days(): number {
    return this.model.params.days;
  }

  /** True when the staff member has any recorded link to the patient's care. */
  related(staff: number, patient: number): boolean {
    const m = this.model;
    const sid = m.staff[staff]!.id;
    const dept = m.staff[staff]!.departmentId;
    for (const e of m.encountersByPatient[patient] ?? []) {
      const enc = m.encounters[e]!;
      if (enc.departmentId === dept) return true;
      if (enc.participants.some((x) => x.staffId === sid)) return true;
      const f = m.encounterFacts[e]!;
      for (const o of f.orders) {
        const sr = m.serviceRequests[o]!;
        if (sr.fulfilledBy === sid || sr.requesterId === sid || sr.performer.id === dept)
          return true;
      }
      for (const s of f.studies)
        if (m.imagingStudies[s]!.performerId === sid || m.imagingStudies[s]!.interpreterId === sid)
          return true;
      for (const md of f.meds) if (m.medications[md]!.dispensedBy === sid) return true;
    }
    for (const st of m.researchStudies)
      if (st.researcherIds.includes(sid) && st.patientIds.includes(m.patients[patient]!.id))
        return true;
    return false;
  }

  /** Active staff of a role (optionally in a department), not yet used by another incident. */
  candidates(role: DemoRole | null, filter: (i: number) => boolean = () => true): number[] {
    const m = this.model;
    return m.staff
      .map((_, i) => i)
      .filter(
        (i) =>
          !this.used.has(i) &&
          (role === null || m.staffMeta[i]!.role === role) &&
          m.staffMeta[i]!.availableUntil === Infinity &&
          !m.staffMeta[i]!.onLeave &&
          filter(i),
      );
  }

  /** A day-time shift of the staff member in the window, preferring days in [from, to]. */
  shift(
    staff: number,
    from = 0,
    to = this.days - 1,
    kinds: ShiftRef['kind'][] = ['day', 'office', 'evening'],
  ): ShiftRef {
    const order = [...Array(this.days).keys()].sort((a, b) => {
      const da = a >= from && a <= to ? 0 : Math.min(Math.abs(a - from), Math.abs(a - to));
      const db = b >= from && b <= to ? 0 : Math.min(Math.abs(b - from), Math.abs(b - to));
      return da - db || a - b;
    });
    for (const d of order) {
      const s = shiftsOn(this.model, staff, d).find(
        (x) => kinds.includes(x.kind) && x.start >= this.w0 + d * DAY,
      );
      if (s) return s;
    }
    const d = Math.max(0, Math.min(this.days - 1, from));
    return {
      staff,
      start: this.w0 + d * DAY + 9 * HOUR,
      end: this.w0 + d * DAY + 17 * HOUR,
      kind: 'office',
    };
  }

  /** A time inside a shift. */
  during(s: ShiftRef, minFromStart = 20): number {
    const span = Math.max(1, (s.end - s.start) / MINUTE - minFromStart - 20);
    return s.start + (minFromStart + this.rng.int(span)) * MINUTE + this.rng.int(60) * 1000;
  }

  /** Working days (Mon–Fri) of the window, or all days if there are none. */
  weekdays(): number[] {
    const d = [...Array(this.days).keys()].filter((x) => {
      const w = localWeekday(this.w0 + x * DAY);
      return w !== 0 && w !== 6;
    });
    return d.length ? d : [...Array(this.days).keys()];
  }

  clampToWindow(at: number): number {
    return Math.max(this.w0, Math.min(this.model.params.w1 - 1000, at));
  }

  push(
    at: number,
    actor: { staff: number; workstation: number; ip?: string } | { client: number },
    patient: number,
    action: DemoAccessEvent['action'],
    resourceType: DemoAccessEvent['resourceType'],
    resourceId: string,
    fields: readonly DemoField[],
    purpose: DemoAccessEvent['purpose'],
    channel: DemoAccessEvent['channel'],
    extra?: Partial<DemoAccessEvent>,
  ): DemoAccessEvent {
    const e = this.ev.event(
      this.clampToWindow(at),
      actor,
      patient,
      action,
      resourceType,
      resourceId,
      fields,
      purpose,
      channel,
      extra,
    );
    e.id = `ae-${this.model.ids.scramble(0xf0000000 + this.incident, this.seq++)}`;
    this.current.push(e);
    return e;
  }

  /** Staff read with their own workstation. */
  read(
    at: number,
    staff: number,
    patient: number,
    fields: readonly DemoField[],
    resourceType: DemoAccessEvent['resourceType'] = 'Patient',
    resourceId?: string,
    extra?: Partial<DemoAccessEvent>,
  ): DemoAccessEvent {
    return this.push(
      at,
      { staff, workstation: this.ev.workstationFor(staff, this.rng) },
      patient,
      'read',
      resourceType,
      resourceId ?? this.model.patients[patient]!.id,
      fields,
      'TREAT',
      'emr',
      extra,
    );
  }

  finish(
    kind: DemoIncidentKind,
    actor: { staff: number } | { client: number },
    description: string,
  ): void {
    const m = this.model;
    const events = this.current;
    this.current = [];
    this.seq = 0;
    if (events.length === 0) return;
    const idx = this.incident++;
    events.sort((a, b) => a.at - b.at);
    for (const e of events) {
      const d = Math.floor((e.at - this.w0) / DAY);
      m.incidentEventsByDay[d]!.push(e);
    }
    const patients = [...new Set(events.map((e) => e.patientId).filter((x): x is string => !!x))];
    m.incidents.push({
      id: `inc-${String(idx + 1).padStart(3, '0')}`,
      kind,
      ...('staff' in actor
        ? { staffId: m.staff[actor.staff]!.id }
        : { clientId: m.apiClients[actor.client]!.id }),
      patientIds: patients,
      eventIds: events.map((e) => e.id),
      from: localIso(events[0]!.at),
      to: localIso(events[events.length - 1]!.at),
      description,
    });
    if ('staff' in actor) this.used.add(actor.staff);
  }

  pickStaff(list: number[]): number {
    return list.length ? this.rng.pick(list) : -1;
  }

  deptOf(code: string): string {
    return this.model.departments[this.model.deptByCode.get(code)!]!.id;
  }
}

/** Plans every kind of incident and stores their events and labels in the model. */
export function plantIncidents(model: Model): void {
  const rng = model.rng.fork('incidents');
  for (let d = 0; d < model.params.days; d++) model.incidentEventsByDay.push([]);
  const pl = new Planner(model, rng);
  const steps: [string, (pl: Planner) => void][] = [
    [K.MaternityHarvesting, maternityHarvesting],
    [K.PhotographedRecord, photographedRecord],
    [K.VipSnooping, vipSnooping],
    [K.CoworkerLookup, coworkerLookup],
    [K.FamilyLookup, (p) => relationLookup(p, 'family')],
    [K.NeighbourLookup, (p) => relationLookup(p, 'neighbour')],
    [K.SelfLookup, selfLookup],
    [K.NoRelationshipBrowsing, noRelationshipBrowsing],
    [K.RadiologyBrowsing, radiologyBrowsing],
    [K.VendorBulkExport, vendorBulkExport],
    [K.ThirdPartyOverCollection, thirdPartyOverCollection],
    [K.ThirdPartyRateAbuse, thirdPartyRateAbuse],
    [K.DepartedAccountUse, departedAccountUse],
    [K.DormantAccountUse, dormantAccountUse],
    [K.OffHoursForeignIp, offHoursForeignIp],
    [K.VolumeSpike, volumeSpike],
    [K.RepeatedBreakGlass, repeatedBreakGlass],
    [K.DeceasedRecordAccess, deceasedRecordAccess],
  ];
  steps.forEach(([, step], i) => {
    model.progress?.({ phase: 'incidents', done: i, total: steps.length });
    step(pl);
  });
  for (const list of model.incidentEventsByDay) list.sort((a, b) => a.at - b.at);
}

function maternityHarvesting(pl: Planner): void {
  const { model, rng } = pl;
  const obs = pl.deptOf('OBS');
  const head = pl.pickStaff(
    pl.candidates(R.HeadNurse, (i) => model.staff[i]!.departmentId === obs),
  );
  if (head < 0) return;
  const sid = model.staff[head]!.id;
  const days = pl.weekdays();
  const sessions = rng
    .sample(days.slice(Math.floor(days.length / 3)), Math.min(4, days.length))
    .sort((a, b) => a - b);
  if (sessions.length === 0) sessions.push(0);
  // Mothers (and newborns) she never cared for: not in her care and not on her ward.
  const ward = model.staffMeta[head]!.ward;
  const wardId = ward >= 0 ? model.wards[ward]!.id : '';
  const targets: number[] = [];
  for (const m of model.maternity) {
    const p = pl.patientIndex.get(m.motherId)!;
    const encs = model.encountersByPatient[p] ?? [];
    if (
      encs.some(
        (e) =>
          model.encounters[e]!.wardId === wardId ||
          model.encounters[e]!.participants.some((x) => x.staffId === sid),
      )
    )
      continue;
    targets.push(p);
    if (m.delivery && rng.chance(0.3)) targets.push(pl.patientIndex.get(m.delivery.newbornId)!);
  }
  const chosen = rng
    .sample(targets, Math.min(45, targets.length))
    .sort((a, b) => (model.patients[a]!.mrn < model.patients[b]!.mrn ? -1 : 1));
  const per = Math.ceil(chosen.length / sessions.length);
  sessions.forEach((d, k) => {
    const batch = chosen.slice(k * per, (k + 1) * per);
    const ws = model.staffMeta[head]!.workstations[0] ?? -1;
    // Most after her office hours, a few squeezed into a quiet afternoon.
    let at =
      pl.w0 +
      d * DAY +
      (k % 2 === 0
        ? 18 * HOUR + rng.between(5, 50) * MINUTE
        : 15 * HOUR + rng.between(0, 60) * MINUTE);
    for (const p of batch) {
      const newborn = model.patientMeta[p]!.newborn;
      pl.push(
        at,
        { staff: head, workstation: ws },
        p,
        'read',
        'Patient',
        model.patients[p]!.id,
        newborn ? FIELDS.newbornContact : FIELDS.maternityContact,
        'TREAT',
        'emr',
      );
      at += rng.between(20, 95) * 1000;
    }
    const last = batch[batch.length - 1];
    if (last !== undefined)
      pl.push(
        at + 30_000,
        { staff: head, workstation: ws },
        last,
        'print',
        'Patient',
        model.patients[last]!.id,
        FIELDS.maternityContact,
        'TREAT',
        'emr',
      );
  });
  pl.finish(
    K.MaternityHarvesting,
    { staff: head },
    'Obstetrics head nurse opened the contact details and delivery data of many mothers (and some newborns) she never cared for, in MRN order, mostly after her shift.',
  );
}

function vipsByArrival(pl: Planner): { p: number; at: number; enc: string }[] {
  const { model } = pl;
  const out: { p: number; at: number; enc: string }[] = [];
  model.patients.forEach((p, i) => {
    if (p.confidentiality !== 'V') return;
    const e = (model.encountersByPatient[i] ?? [])
      .map((x) => model.encounters[x]!)
      .find((x) => x.class === 'EMER' && Date.parse(x.start) >= pl.w0);
    if (e) out.push({ p: i, at: Date.parse(e.start), enc: e.id });
  });
  return out;
}

function photographedRecord(pl: Planner): void {
  const { model, rng } = pl;
  const vip = vipsByArrival(pl)[0];
  if (!vip) return;
  const emd = pl.deptOf('EMD');
  const day = Math.floor((vip.at - pl.w0) / DAY);
  const cands = pl.candidates(null, (i) => {
    const age = (model.params.w1 - model.staffMeta[i]!.birthMs) / year;
    const role = model.staffMeta[i]!.role;
    return (
      age >= 33 &&
      age < 40 &&
      model.staff[i]!.departmentId !== emd &&
      (role === R.Nurse || role === R.BillingClerk || role === R.RegistrationClerk) &&
      !pl.related(i, vip.p)
    );
  });
  const s = pl.pickStaff(
    cands.length
      ? cands
      : pl.candidates(
          R.Nurse,
          (i) => model.staff[i]!.departmentId !== emd && !pl.related(i, vip.p),
        ),
  );
  if (s < 0) return;
  const shift = pl.shift(s, day, day + 1);
  pl.read(
    Math.max(pl.during(shift), vip.at + 30 * MINUTE),
    s,
    vip.p,
    FIELDS.emergency,
    'Encounter',
    vip.enc,
  );
  void rng;
  pl.finish(
    K.PhotographedRecord,
    { staff: s },
    'A single view of a celebrity’s emergency record by an employee outside the care team (the view a phone photo was taken of).',
  );
}

function vipSnooping(pl: Planner): void {
  const { model, rng } = pl;
  const vips = vipsByArrival(pl);
  const vip = vips[1] ?? vips[0];
  if (!vip) return;
  const day = Math.floor((vip.at - pl.w0) / DAY);
  let found = 0;
  for (const [role, dept] of [
    [R.Nurse, 'MED'],
    [R.Physician, 'SUR'],
    [R.Physician, 'MED'],
    [R.Nurse, 'SUR'],
    [R.Nurse, 'PED'],
  ] as const) {
    if (found >= 2) break;
    const d = pl.deptOf(dept);
    const s = pl.pickStaff(
      pl.candidates(role, (i) => model.staff[i]!.departmentId === d && !pl.related(i, vip.p)),
    );
    if (s < 0) continue;
    found++;
    const shift = pl.shift(s, day, day + 2);
    let at = Math.max(pl.during(shift), vip.at + 20 * MINUTE);
    const n = rng.between(2, 4);
    for (let k = 0; k < n; k++) {
      pl.read(
        at,
        s,
        vip.p,
        k === 0 ? FIELDS.summary : k === 1 ? FIELDS.chart : FIELDS.emergency,
        k === 0 ? 'Encounter' : 'Patient',
        k === 0 ? vip.enc : undefined,
      );
      at += rng.between(1, 25) * MINUTE;
    }
    pl.finish(
      K.VipSnooping,
      { staff: s },
      `A ${role} with no part in the care of a VIP patient opened the VIP’s record ${n} times after the VIP’s emergency visit.`,
    );
  }
}

function coworkerLookup(pl: Planner): void {
  const { model, rng } = pl;
  const staffPatients = model.staffMeta
    .map((m, i) => (m.patient >= 0 ? i : -1))
    .filter((i) => i >= 0);
  let done = 0;
  for (const b of rng.shuffle(staffPatients.slice())) {
    if (done >= 2) break;
    const p = model.staffMeta[b]!.patient;
    const dept = model.staff[b]!.departmentId;
    const same = pl.candidates(
      null,
      (i) =>
        i !== b &&
        model.staff[i]!.departmentId === dept &&
        !pl.related(i, p) &&
        model.staffMeta[i]!.patient < 0,
    );
    const a = pl.pickStaff(same);
    if (a < 0) continue;
    const shift = pl.shift(a, rng.int(pl.days));
    let at = pl.during(shift);
    const n = rng.between(1, 3);
    for (let k = 0; k < n; k++) {
      pl.read(at, a, p, k === 0 ? FIELDS.summary : FIELDS.chart);
      at += rng.between(1, 8) * MINUTE;
    }
    pl.finish(
      K.CoworkerLookup,
      { staff: a },
      'A staff member opened the medical record of a colleague from the same department without any part in the colleague’s care.',
    );
    done++;
  }
}

function relationLookup(pl: Planner, relation: 'family' | 'neighbour'): void {
  const { model, rng } = pl;
  const rels = rng.shuffle(model.staffRelations.filter((r) => r.relation === relation).slice());
  let done = 0;
  const want = relation === 'family' ? 2 : 1;
  for (const r of rels) {
    if (done >= want) break;
    const s = pl.staffIndex.get(r.staffId)!;
    const p = pl.patientIndex.get(r.patientId)!;
    if (
      pl.used.has(s) ||
      model.staffMeta[s]!.availableUntil !== Infinity ||
      model.staffMeta[s]!.onLeave ||
      pl.related(s, p)
    )
      continue;
    if (model.patientMeta[p]!.staff >= 0 || model.patients[p]!.confidentiality === 'V') continue;
    const shift = pl.shift(s, rng.int(pl.days));
    let at = pl.during(shift);
    const n = relation === 'family' ? rng.between(2, 3) : rng.between(1, 2);
    for (let k = 0; k < n; k++) {
      pl.read(at, s, p, k === 0 ? FIELDS.summary : k === 1 ? FIELDS.chart : FIELDS.contact);
      at += rng.between(1, 10) * MINUTE;
    }
    pl.finish(
      relation === 'family' ? K.FamilyLookup : K.NeighbourLookup,
      { staff: s },
      relation === 'family'
        ? 'A staff member opened the record of a family member (same surname and home address as in HR data) without a care relationship.'
        : 'A staff member opened the record of a neighbour (same building as the home address in HR data) without a care relationship.',
    );
    done++;
  }
}

function selfLookup(pl: Planner): void {
  const { model, rng } = pl;
  let done = 0;
  for (const s of rng.shuffle(
    model.staffMeta.map((m, i) => (m.patient >= 0 ? i : -1)).filter((i) => i >= 0),
  )) {
    if (done >= 2) break;
    if (
      pl.used.has(s) ||
      model.staffMeta[s]!.availableUntil !== Infinity ||
      model.staffMeta[s]!.onLeave
    )
      continue;
    const p = model.staffMeta[s]!.patient;
    if (pl.related(s, p)) continue;
    const shift = pl.shift(s, rng.int(pl.days));
    const at = pl.during(shift);
    pl.read(at, s, p, FIELDS.chart);
    if (rng.chance(0.5)) pl.read(at + rng.between(1, 5) * MINUTE, s, p, FIELDS.labResults);
    pl.finish(
      K.SelfLookup,
      { staff: s },
      'A staff member opened their own medical record through the clinical system instead of the patient portal.',
    );
    done++;
  }
}

function restrictedPatients(pl: Planner, staff: number, n: number): number[] {
  const { model, rng } = pl;
  const list = model.patients
    .map((p, i) =>
      p.confidentiality === 'R' &&
      !model.patientMeta[i]!.newborn &&
      model.patientMeta[i]!.deceasedMs === Infinity
        ? i
        : -1,
    )
    .filter((i) => i >= 0);
  return rng
    .sample(list, n * 3)
    .filter((p) => !pl.related(staff, p))
    .slice(0, n);
}

function noRelationshipBrowsing(pl: Planner): void {
  const { model, rng } = pl;
  const onc = pl.deptOf('ONC');
  const s = pl.pickStaff(pl.candidates(R.Nurse, (i) => model.staff[i]!.departmentId === onc));
  if (s < 0) return;
  const targets = restrictedPatients(pl, s, rng.between(6, 10));
  const start = rng.int(Math.max(1, pl.days - 3));
  targets.forEach((p, k) => {
    const shift = pl.shift(s, start + (k % 3), start + (k % 3));
    pl.read(pl.during(shift), s, p, k % 2 === 0 ? FIELDS.chart : FIELDS.summary);
  });
  pl.finish(
    K.NoRelationshipBrowsing,
    { staff: s },
    'A nurse browsed the records of patients with psychiatric, HIV or reproductive diagnoses with whom she had no care relationship.',
  );
}

function radiologyBrowsing(pl: Planner): void {
  const { model, rng } = pl;
  const s = pl.pickStaff(pl.candidates(R.RadiologyTechnician));
  if (s < 0) return;
  const sid = model.staff[s]!.id;
  // Old studies of other technicians, big CT/MR cases first: nothing orders them today.
  const old = model.imagingStudies
    .map((st, i) => ({ st, i }))
    .filter(
      ({ st }) =>
        Date.parse(st.started) < pl.w0 - 30 * DAY &&
        st.performerId !== sid &&
        st.interpreterId !== sid,
    );
  const pick = rng.sample(old, Math.min(28, old.length));
  if (pick.length === 0) return;
  const day0 = rng.int(Math.max(1, pl.days - 2));
  pick.forEach(({ st }, k) => {
    const p = pl.patientIndex.get(st.patientId)!;
    const shift = pl.shift(s, day0 + (k % 2), day0 + (k % 2), ['day', 'evening', 'night']);
    const at = k % 4 === 3 ? shift.end + rng.between(5, 40) * MINUTE : pl.during(shift);
    const ws = model.staffMeta[s]!.workstations[0] ?? -1;
    pl.push(
      at,
      { staff: s, workstation: ws },
      p,
      'read',
      'ImagingStudy',
      st.id,
      FIELDS.imagingView,
      'TREAT',
      'pacs',
    );
    if (k % 5 === 0)
      pl.push(
        at + rng.between(20, 120) * 1000,
        { staff: s, workstation: ws },
        p,
        'image-download',
        'ImagingStudy',
        st.id,
        FIELDS.imagingView,
        'TREAT',
        'pacs',
        { instances: 1 },
      );
  });
  pl.finish(
    K.RadiologyBrowsing,
    { staff: s },
    'A radiology technician opened (and saved single images of) old studies that nobody had ordered or assigned to him.',
  );
}

function vendorBulkExport(pl: Planner): void {
  const { model, rng } = pl;
  const s = pl.pickStaff(pl.candidates(R.VendorEngineer));
  if (s < 0) return;
  const studies = model.imagingStudies
    .map((st, i) => ({ st, i }))
    .sort((a, b) =>
      a.st.started < b.st.started ? -1 : a.st.started > b.st.started ? 1 : a.i - b.i,
    );
  const take = studies.slice(0, Math.min(400, studies.length));
  const nights = Math.min(2, pl.days);
  const firstNight = rng.int(Math.max(1, pl.days - 1));
  const per = Math.ceil(take.length / nights);
  const ip = `10.98.0.${rng.between(20, 60)}`;
  for (let n = 0; n < nights; n++) {
    const d = Math.min(pl.days - 1, firstNight + n);
    let at = pl.w0 + d * DAY + HOUR + rng.between(20, 50) * MINUTE;
    for (const { st } of take.slice(n * per, (n + 1) * per)) {
      const p = pl.patientIndex.get(st.patientId)!;
      pl.push(
        at,
        { staff: s, workstation: -1, ip },
        p,
        'export',
        'ImagingStudy',
        st.id,
        FIELDS.imagingView,
        'HSYSADMIN',
        'pacs',
        { instances: st.instances },
      );
      at += rng.between(8, 35) * 1000;
    }
  }
  pl.finish(
    K.VendorBulkExport,
    { staff: s },
    'A PACS vendor engineer exported years of imaging studies in bulk at night over the vendor VPN.',
  );
}

function thirdPartyOverCollection(pl: Planner): void {
  const { model, rng } = pl;
  const client = model.apiClients.findIndex((c) => c.id === 'client-jiuyi-checkin');
  const targets: { p: number; at: number; apt: string }[] = [];
  for (const a of model.appointments) {
    const at = Date.parse(a.start);
    if (at < pl.w0 || at >= model.params.w1) continue;
    const p = pl.patientIndex.get(a.patientId)!;
    if (
      model.patientMeta[p]!.episode < 0 ||
      model.maternity[model.patientMeta[p]!.episode]!.status !== 'prenatal'
    )
      continue;
    targets.push({ p, at, apt: a.id });
  }
  const chosen = rng.sample(targets, 32);
  if (chosen.length < 32) {
    const have = new Set(chosen.map((c) => c.p));
    for (const m of rng.sample(model.maternity, 64)) {
      if (chosen.length >= 32) break;
      const p = pl.patientIndex.get(m.motherId)!;
      if (have.has(p)) continue;
      have.add(p);
      chosen.push({ p, at: pl.w0 + rng.int(pl.days) * DAY + rng.between(9, 17) * HOUR, apt: m.id });
    }
  }
  for (const c of chosen)
    pl.push(
      c.at - rng.between(30, 120) * MINUTE,
      { client },
      c.p,
      'read',
      'Appointment',
      c.apt,
      FIELDS.appOverCollection,
      'HOPERAT',
      'api',
    );
  pl.finish(
    K.ThirdPartyOverCollection,
    { client },
    'The check-in app’s client pulled pregnant patients’ gestational weeks and due dates, fields outside its contract (name, MRN, appointments).',
  );
}

function thirdPartyRateAbuse(pl: Planner): void {
  const { model, rng } = pl;
  const client = model.apiClients.findIndex((c) => c.id === 'client-jinzhun-lab');
  const limit = model.apiClients[client]!.contract.maxCallsPerDay;
  const d = rng.pick(pl.weekdays());
  const n = limit * 3;
  const ordered = new Set(
    model.serviceRequests
      .filter((s) => s.performer.type === 'organization')
      .map((s) => s.patientId),
  );
  const pool = model.patients
    .map((p, i) => (ordered.has(p.id) || model.patientMeta[i]!.newborn ? -1 : i))
    .filter((i) => i >= 0);
  let at = pl.w0 + d * DAY + 9 * HOUR;
  const step = Math.max(5_000, Math.floor((8 * HOUR) / n));
  for (let k = 0; k < n; k++) {
    const p = rng.pick(pool);
    pl.push(
      at,
      { client },
      p,
      'read',
      'Patient',
      model.patients[p]!.id,
      FIELDS.labOverCollection,
      'TREAT',
      'api',
    );
    at += rng.between(Math.floor(step / 2), step);
  }
  pl.finish(
    K.ThirdPartyRateAbuse,
    { client },
    `The external laboratory’s client made three times its daily call limit (${limit}) in one day, reading patients with no order sent to it.`,
  );
}

function randomAdults(pl: Planner, staff: number, n: number): number[] {
  const { model, rng } = pl;
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < n * 20; tries++) {
    const p = rng.int(model.patients.length);
    if (
      model.patientMeta[p]!.newborn ||
      model.patientMeta[p]!.deceasedMs !== Infinity ||
      out.includes(p)
    )
      continue;
    if (staff >= 0 && pl.related(staff, p)) continue;
    out.push(p);
  }
  return out;
}

function departedAccountUse(pl: Planner): void {
  const { model, rng } = pl;
  const departed = model.staff
    .map((s, i) =>
      s.employment.status === 'departed' &&
      !s.account.disabled &&
      model.staffMeta[i]!.availableUntil < pl.w0 + DAY * (pl.days - 1)
        ? i
        : -1,
    )
    .filter((i) => i >= 0);
  const s = departed[0] ?? -1;
  if (s < 0) return;
  const after = Math.max(0, Math.ceil((model.staffMeta[s]!.availableUntil - pl.w0) / DAY));
  const d = Math.min(pl.days - 1, after + rng.int(Math.max(1, pl.days - after)));
  const pool = model.wsByDept[model.staffMeta[s]!.dept]!;
  const ws = pool.length ? rng.pick(pool) : -1;
  let at = pl.w0 + d * DAY + rng.between(19 * 60, 21 * 60) * MINUTE;
  for (const p of randomAdults(pl, s, rng.between(8, 15))) {
    pl.push(
      at,
      { staff: s, workstation: ws },
      p,
      'read',
      'Patient',
      model.patients[p]!.id,
      FIELDS.contact,
      'TREAT',
      'emr',
    );
    at += rng.between(30, 240) * 1000;
  }
  pl.finish(
    K.DepartedAccountUse,
    { staff: s },
    'The account of a staff member who had left (and was never disabled) was used to read patients’ contact details.',
  );
}

function dormantAccountUse(pl: Planner): void {
  const { model, rng } = pl;
  const s = model.staffMeta.findIndex((m, i) => m.onLeave && !pl.used.has(i));
  if (s < 0) return;
  const d = rng.pick(pl.weekdays());
  const pool = model.wsByDept[model.staffMeta[s]!.dept]!;
  const ws = pool.length ? rng.pick(pool) : -1;
  let at = pl.w0 + d * DAY + rng.between(13 * 60, 15 * 60) * MINUTE;
  for (const p of randomAdults(pl, s, rng.between(10, 15))) {
    pl.push(
      at,
      { staff: s, workstation: ws },
      p,
      'read',
      'Patient',
      model.patients[p]!.id,
      rng.chance(0.5) ? FIELDS.summary : FIELDS.contact,
      'TREAT',
      'emr',
    );
    at += rng.between(30, 300) * 1000;
  }
  pl.finish(
    K.DormantAccountUse,
    { staff: s },
    'An account unused for months (its owner on long leave) suddenly read a series of patient records.',
  );
}

function offHoursForeignIp(pl: Planner): void {
  const { model, rng } = pl;
  const med = pl.deptOf('MED');
  const s = pl.pickStaff(pl.candidates(R.Physician, (i) => model.staff[i]!.departmentId === med));
  if (s < 0) return;
  // A night the physician is not on call.
  let d = rng.int(pl.days);
  for (let k = 0; k < pl.days; k++) {
    const dd = (d + k) % pl.days;
    if (!shiftsOn(model, s, dd).some((x) => x.kind === 'on-call' || x.kind === 'night')) {
      d = dd;
      break;
    }
  }
  const ip = `203.0.113.${rng.between(10, 250)}`;
  let at = pl.w0 + d * DAY + 2 * HOUR + rng.between(0, 50) * MINUTE;
  const targets = [...restrictedPatients(pl, s, 4), ...randomAdults(pl, s, rng.between(4, 8))];
  for (const p of targets) {
    const patient = model.patients[p]!;
    if (patient.phone) {
      pl.push(
        at,
        { staff: s, workstation: -1, ip },
        -1,
        'search',
        'Patient',
        patient.id,
        FIELDS.phoneSearch,
        'TREAT',
        'emr',
        { searchBy: 'phone', resultPatientIds: [patient.id] },
      );
      at += rng.between(5, 30) * 1000;
    }
    pl.push(
      at,
      { staff: s, workstation: -1, ip },
      p,
      'read',
      'Patient',
      patient.id,
      FIELDS.everything,
      'TREAT',
      'emr',
    );
    at += rng.between(40, 200) * 1000;
  }
  pl.finish(
    K.OffHoursForeignIp,
    { staff: s },
    'A physician’s account, from a foreign address in the middle of the night, looked patients up by phone number and read their whole records.',
  );
}

function volumeSpike(pl: Planner): void {
  const { model, rng } = pl;
  const clerks = pl.candidates(R.BillingClerk, (i) => i % 3 !== 0);
  const s = pl.pickStaff(clerks);
  if (s < 0) return;
  const sid = model.staff[s]!.id;
  let bills = 0;
  for (const e of model.encounters)
    for (const x of e.participants)
      if (x.type === 'BILL' && x.staffId === sid && Date.parse(x.start) >= pl.w0) bills++;
  const baseline = bills / Math.max(1, pl.days);
  const n = Math.max(60, Math.round(baseline * 2 * 6));
  const shift = pl.shift(s, rng.int(pl.days));
  const ws = model.staffMeta[s]!.workstations[0] ?? -1;
  for (const p of randomAdults(pl, s, n)) {
    pl.push(
      pl.during(shift, 10),
      { staff: s, workstation: ws },
      p,
      'read',
      'Patient',
      model.patients[p]!.id,
      FIELDS.billingContact,
      'HPAYMT',
      'his',
    );
  }
  pl.finish(
    K.VolumeSpike,
    { staff: s },
    `A billing clerk read ${n} patients’ billing and contact details in one shift, many times her usual volume and her peers’.`,
  );
}

function repeatedBreakGlass(pl: Planner): void {
  const { model, rng } = pl;
  const sur = pl.deptOf('SUR');
  const s = pl.pickStaff(pl.candidates(R.Physician, (i) => model.staff[i]!.departmentId === sur));
  if (s < 0) return;
  const targets = restrictedPatients(pl, s, 6);
  const start = rng.int(Math.max(1, pl.days - 7));
  targets.forEach((p, k) => {
    const shift = pl.shift(s, start + k, start + k);
    pl.read(pl.during(shift), s, p, FIELDS.chart, 'Patient', undefined, {
      breakGlassReason: rng.pick(['紧急情况', '病情需要', '会诊']),
    });
  });
  pl.finish(
    K.RepeatedBreakGlass,
    { staff: s },
    'A surgeon used break-the-glass again and again on restricted records of patients who were not in any emergency and not in his care.',
  );
}

function deceasedRecordAccess(pl: Planner): void {
  const { model, rng } = pl;
  const dead = model.patientMeta
    .map((m, i) => (m.deceasedMs < pl.w0 ? i : -1))
    .filter((i) => i >= 0);
  const p = dead.length ? rng.pick(dead) : -1;
  if (p < 0) return;
  const s = pl.pickStaff(pl.candidates(R.Nurse, (i) => !pl.related(i, p)));
  if (s < 0) return;
  const shift = pl.shift(s, rng.int(pl.days));
  const at = pl.during(shift);
  pl.read(at, s, p, FIELDS.summary);
  pl.read(at + rng.between(1, 6) * MINUTE, s, p, FIELDS.chart);
  pl.finish(
    K.DeceasedRecordAccess,
    { staff: s },
    'A nurse with no link to the patient opened the record of a deceased patient.',
  );
}
