/**
 * The care graph: encounters with participants, care teams, appointments, orders (imaging,
 * laboratory, third-party laboratory, referrals), diagnoses, lab results, medications, imaging
 * studies, notes and maternity episodes. Staff are taken from the shift roster, so every
 * clinician recorded on a fact was on duty when it happened.
 */
import {
  DEPARTMENTS,
  DIAGNOSES,
  type Diagnosis,
  IMAGING,
  LAB_BY_DEPARTMENT,
  LAB_PANELS,
  MEDICATIONS,
} from './catalog.ts';
import { onDuty } from './build-hospital.ts';
import type { PlannedEpisode } from './build-patients.ts';
import { type Model, deptRoleKey, wardKey } from './model.ts';
import { writeNote } from './notes.ts';
import { type DemoRandom, makeWeights } from './random.ts';
import { DAY, HOUR, MINUTE, localDate, localIso, localWeekday, startOfLocalDay } from './time.ts';
import type {
  DemoEncounter,
  DemoEncounterClass,
  DemoNote,
  DemoParticipant,
  DemoRole,
  DemoSensitiveCategory,
} from './types.ts';
import { DemoRole as R } from './types.ts';

const year = 365.25 * DAY;

/** Diagnosis codes that make a record restricted (confidentiality R). */
const RESTRICTING = new Set(['O04.9', 'N97.9', 'Z30.0', 'A53.9']);

interface VisitOptions {
  history: boolean;
  episode?: number;
  gestationalWeeks?: number;
  partOf?: number;
  appointment?: boolean;
  delivery?: PlannedEpisode;
  /** Imaging procedure to order regardless of chance. */
  imaging?: string;
  lab?: string;
  los?: number;
  ward?: number;
  newborn?: boolean;
}

class CareBuilder {
  readonly spanFirst: number[] = [];
  readonly spanLast: number[] = [];
  private readonly t: string;
  private readonly wardsOfDept = new Map<number, number[]>();
  private readonly history: Map<number, number[]>;

  constructor(
    private readonly model: Model,
    private readonly rng: DemoRandom,
  ) {
    this.t = model.params.tenant;
    model.wardDept.forEach((d, w) => {
      const l = this.wardsOfDept.get(d) ?? [];
      l.push(w);
      this.wardsOfDept.set(d, l);
    });
    this.history = model.followUps;
  }

  dept(code: string): number {
    return this.model.deptByCode.get(code)!;
  }

  inWindow(at: number): boolean {
    return at >= this.model.params.w0 && at < this.model.params.w1;
  }

  /** Someone of the role on duty at `at` in the roster group, or -1. */
  onDuty(key: string, at: number, role: DemoRole): number {
    if (!this.inWindow(at)) return -1;
    const list = onDuty(this.model, key, at).filter((s) => this.model.staffMeta[s]!.role === role);
    return list.length ? this.rng.pick(list) : -1;
  }

  /** Anyone of the role in the department who worked there at `at`. */
  anyone(dept: number, role: DemoRole, at: number): number {
    const list = this.model.staffByDeptRole.get(deptRoleKey(dept, role)) ?? [];
    const ok = list.filter(
      (s) => this.model.staffMeta[s]!.availableUntil > at && !this.model.staffMeta[s]!.onLeave,
    );
    if (ok.length) return this.rng.pick(ok);
    return list.length ? this.rng.pick(list) : -1;
  }

  staffFor(dept: number, role: DemoRole, at: number, ward = -1): number {
    const key = ward >= 0 ? wardKey(ward) : deptRoleKey(dept, role);
    const s = this.onDuty(key, at, role);
    return s >= 0 ? s : this.anyone(dept, role, at);
  }

  touch(enc: number, at: number): void {
    if (at < (this.spanFirst[enc] as number)) this.spanFirst[enc] = at;
    if (at > (this.spanLast[enc] as number)) this.spanLast[enc] = at;
  }

  id(prefix: string, n: number): string {
    return `${prefix}-${String(n + 1).padStart(7, '0')}`;
  }

  /** Creates an encounter with its facts; returns its index. */
  visit(
    pIdx: number,
    cls: DemoEncounterClass,
    deptCode: string,
    dx: Diagnosis,
    start: number,
    o: VisitOptions,
  ): number {
    const { model, rng } = this;
    const p = model.patients[pIdx]!;
    const dept = this.dept(deptCode);
    const ed = this.dept('EMD');
    let end: number;
    if (cls === 'AMB') end = start + rng.between(8, 30) * MINUTE;
    else if (cls === 'EMER') end = start + rng.between(60, 360) * MINUTE;
    else {
      const los =
        o.los ??
        (deptCode === 'PSY'
          ? rng.between(10, 28)
          : deptCode === 'OBS'
            ? rng.between(2, 5)
            : rng.between(2, 11));
      end = startOfLocalDay(start + los * DAY) + rng.between(9 * 60, 12 * 60) * MINUTE;
    }
    const open = !o.history && end >= model.params.w1;
    const wards = this.wardsOfDept.get(dept) ?? [];
    const ward = cls === 'IMP' ? (o.ward ?? (wards.length ? rng.pick(wards) : -1)) : -1;
    const role: DemoRole = R.Physician;
    const attending =
      cls === 'EMER'
        ? this.staffFor(ed, role, start)
        : cls === 'AMB'
          ? this.staffFor(dept, role, start)
          : this.anyone(dept, role, start);
    const encIdx = model.encounters.length;
    const participants: DemoParticipant[] = [
      {
        staffId: model.staff[attending]!.id,
        type: 'ATND',
        start: localIso(start),
        ...(open ? {} : { end: localIso(end) }),
      },
    ];
    const reg = this.dept('REG');
    const bil = this.dept('BIL');
    const checkIn = start - rng.between(2, 15) * MINUTE;
    const clerk = this.staffFor(reg, R.RegistrationClerk, checkIn);
    participants.push({
      staffId: model.staff[clerk]!.id,
      type: 'ADM',
      start: localIso(checkIn),
      end: localIso(checkIn + rng.between(1, 3) * MINUTE),
    });
    const enc: DemoEncounter = {
      id: this.id('enc', encIdx),
      tenantId: this.t,
      patientId: p.id,
      class: cls,
      status: open ? 'in-progress' : 'finished',
      departmentId: cls === 'EMER' ? model.departments[ed]!.id : model.departments[dept]!.id,
      ...(ward >= 0 ? { wardId: model.wards[ward]!.id } : {}),
      start: localIso(start),
      ...(open ? {} : { end: localIso(end) }),
      participants,
      reasonCode: dx.code,
      ...(o.partOf !== undefined ? { partOf: model.encounters[o.partOf]!.id } : {}),
      ...(o.episode !== undefined
        ? {
            episodeId:
              model.maternity[o.episode]?.id ?? `mat-${String(o.episode + 1).padStart(6, '0')}`,
          }
        : {}),
    };
    model.encounters.push(enc);
    model.encounterFacts.push({ orders: [], meds: [], studies: [], notes: [], labs: [] });
    (model.encountersByPatient[pIdx] ??= []).push(encIdx);
    this.spanFirst.push(checkIn);
    this.spanLast.push(open ? model.params.w1 - 1 : end);
    const facts = model.encounterFacts[encIdx]!;
    if (o.history && cls !== 'EMER') {
      const l = this.history.get(attending) ?? [];
      l.push(pIdx);
      this.history.set(attending, l);
    }

    // Nurses.
    let nurse = -1;
    if (cls === 'EMER')
      nurse = this.staffFor(ed, R.Nurse, start, this.wardsOfDept.get(ed)?.[0] ?? -1);
    else if (cls === 'AMB' && rng.chance(0.35)) nurse = this.staffFor(dept, R.Nurse, start);
    if (nurse >= 0)
      participants.push({
        staffId: model.staff[nurse]!.id,
        type: 'PART',
        start: localIso(start),
        end: localIso(start + rng.between(5, 30) * MINUTE),
      });
    let resident = -1;
    if (cls === 'IMP') {
      resident = this.anyone(dept, R.Physician, start);
      if (resident === attending) resident = -1;
      const team: {
        staffId: string;
        role: 'attending' | 'resident' | 'primary-nurse' | 'consultant';
      }[] = [{ staffId: model.staff[attending]!.id, role: 'attending' }];
      if (resident >= 0) {
        team.push({ staffId: model.staff[resident]!.id, role: 'resident' });
        participants.push({
          staffId: model.staff[resident]!.id,
          type: 'ATND',
          start: localIso(start),
          ...(open ? {} : { end: localIso(end) }),
        });
      }
      const wardNurses =
        ward >= 0
          ? (model.staffByDeptRole.get(deptRoleKey(dept, R.Nurse)) ?? []).filter(
              (s) =>
                model.staffMeta[s]!.ward === ward && model.staffMeta[s]!.availableUntil > start,
            )
          : [];
      for (const n of rng.sample(wardNurses, 3)) {
        team.push({ staffId: model.staff[n]!.id, role: 'primary-nurse' });
        participants.push({
          staffId: model.staff[n]!.id,
          type: 'PART',
          start: localIso(start),
          ...(open ? {} : { end: localIso(end) }),
        });
      }
      const ctIdx = model.careTeams.length;
      model.careTeams.push({
        id: this.id('ct', ctIdx),
        tenantId: this.t,
        patientId: p.id,
        encounterId: enc.id,
        departmentId: enc.departmentId,
        start: enc.start,
        ...(open ? {} : { end: enc.end! }),
        members: team,
      });
      enc.careTeamId = model.careTeams[ctIdx]!.id;
      if (!open)
        participants.push({
          staffId: model.staff[attending]!.id,
          type: 'DIS',
          start: localIso(end - 30 * MINUTE),
          end: localIso(end),
        });
    }
    if (!open) {
      const billAt = end + (cls === 'IMP' ? rng.between(30, 150) : rng.between(5, 40)) * MINUTE;
      if (o.history || billAt < model.params.w1) {
        const b = this.staffFor(bil, R.BillingClerk, billAt);
        participants.push({
          staffId: model.staff[b]!.id,
          type: 'BILL',
          start: localIso(billAt),
          end: localIso(billAt + rng.between(2, 6) * MINUTE),
        });
        this.touch(encIdx, billAt);
      }
    }

    // Appointment.
    if (cls === 'AMB' && (o.appointment ?? rng.chance(0.65))) {
      const aIdx = model.appointments.length;
      const via = rng.weighted(VIA);
      model.appointments.push({
        id: this.id('apt', aIdx),
        tenantId: this.t,
        patientId: p.id,
        departmentId: enc.departmentId,
        practitionerId: model.staff[attending]!.id,
        start: enc.start,
        end: localIso(start + 15 * MINUTE),
        status: 'fulfilled',
        bookedVia: via,
        encounterId: enc.id,
      });
      enc.appointmentId = model.appointments[aIdx]!.id;
      if (via === 'app') this.touch(encIdx, start - 90 * MINUTE);
    }

    // Diagnosis.
    model.conditions.push({
      id: this.id('cond', model.conditions.length),
      tenantId: this.t,
      patientId: p.id,
      encounterId: enc.id,
      code: dx.code,
      display: dx.zh,
      displayEn: dx.en,
      ...(dx.sensitive ? { sensitiveCategory: dx.sensitive } : {}),
      recordedDate: localDate(start),
      recorderId: model.staff[attending]!.id,
    });

    // Notes.
    const author = model.staff[attending]!;
    const note = (
      type: DemoNote['type'],
      at: number,
      authorIdx: number,
      other = -1,
      extra: Partial<Parameters<typeof writeNote>[0]> = {},
    ) => {
      const { text, phi } = writeNote({
        rng,
        type,
        patient: p,
        at,
        dx,
        author: model.staff[authorIdx]!.name,
        ...(other >= 0 ? { other: model.staff[other]!.name } : {}),
        ...extra,
      });
      const nIdx = model.notes.length;
      model.notes.push({
        id: this.id('note', nIdx),
        tenantId: this.t,
        patientId: p.id,
        encounterId: enc.id,
        authorId: model.staff[authorIdx]!.id,
        type,
        date: localIso(at),
        language: p.script,
        text,
        phi,
      });
      facts.notes.push(nIdx);
    };
    const ep = o.episode !== undefined ? this.episodes[o.episode] : undefined;
    if (cls === 'AMB') {
      if (ep)
        note('prenatal', start + 5 * MINUTE, attending, -1, {
          lmpMs: ep.lmpMs,
          dueMs: ep.lmpMs + 280 * DAY,
          gestationalWeeks: o.gestationalWeeks ?? 0,
        });
      else note('outpatient', start + 5 * MINUTE, attending);
    } else if (cls === 'EMER') note('emergency', start + 10 * MINUTE, attending, nurse);
    else {
      note(
        'admission',
        start + rng.between(30, 180) * MINUTE,
        resident >= 0 ? resident : attending,
        attending,
      );
      if (o.delivery) {
        const d = o.delivery;
        const nb = model.patients[d.newborn];
        note('delivery', d.deliveryMs, attending, nurse >= 0 ? nurse : -1, {
          delivery: {
            method: this.deliveryMethod.get(d)!,
            sex: nb?.sex ?? 'female',
            weight: this.birthWeight.get(d) ?? 3300,
          },
        });
      }
      if (!o.history) {
        for (
          let at = startOfLocalDay(start) + DAY + 9 * HOUR;
          at < Math.min(end, model.params.w1);
          at += rng.between(1, 3) * DAY
        ) {
          note(
            'progress',
            at + rng.int(120) * MINUTE,
            resident >= 0 ? resident : attending,
            attending,
          );
        }
      }
      if (!open) note('discharge', end - rng.between(20, 120) * MINUTE, attending);
    }
    void author;

    // Orders: laboratory.
    const labList = LAB_BY_DEPARTMENT[ep ? 'OBS' : deptCode] ?? LAB_BY_DEPARTMENT.MED!;
    const labCount = o.lab
      ? 1
      : cls === 'IMP'
        ? rng.between(1, 3)
        : rng.chance(cls === 'EMER' ? 0.7 : 0.35)
          ? 1
          : 0;
    for (let k = 0; k < labCount; k++) {
      const panelCode = o.lab && k === 0 ? o.lab : rng.pick(labList);
      const panel = LAB_PANELS[panelCode]!;
      const authored =
        cls === 'IMP'
          ? start + rng.between(30, 120) * MINUTE + k * rng.between(1, 2) * DAY
          : start + rng.between(5, 15) * MINUTE;
      if (!o.history && authored >= model.params.w1) continue;
      this.labOrder(
        encIdx,
        pIdx,
        attending,
        panelCode,
        panel.external === true,
        authored,
        o.history,
      );
    }
    // Imaging.
    const imaging = o.imaging ?? dx.imaging;
    if (
      imaging &&
      (o.imaging !== undefined || rng.chance(cls === 'AMB' ? 0.45 : cls === 'EMER' ? 0.7 : 0.8))
    ) {
      const authored = start + rng.between(5, cls === 'IMP' ? 600 : 20) * MINUTE;
      if (o.history || authored < model.params.w1)
        this.imagingOrder(encIdx, pIdx, attending, imaging, authored, cls === 'EMER', o.history);
    }
    // Medications.
    const meds = MEDICATIONS[ep ? 'OBS' : deptCode] ?? MEDICATIONS.MED!;
    const medCount =
      cls === 'IMP'
        ? rng.between(1, 3)
        : rng.chance(cls === 'EMER' ? 0.5 : 0.6)
          ? rng.between(1, 2)
          : 0;
    for (const med of rng.sample(meds, medCount)) {
      const authored = start + rng.between(10, cls === 'IMP' ? 240 : 25) * MINUTE;
      if (!o.history && authored >= model.params.w1) continue;
      const dispAt = authored + rng.between(10, 45) * MINUTE;
      const ph =
        o.history || dispAt < model.params.w1
          ? this.staffFor(this.dept('PHA'), R.Pharmacist, dispAt)
          : -1;
      const mIdx = model.medications.length;
      model.medications.push({
        id: this.id('med', mIdx),
        tenantId: this.t,
        patientId: p.id,
        encounterId: enc.id,
        code: med.code,
        display: med.zh,
        displayEn: med.en,
        dosage: med.dosage,
        requesterId: model.staff[attending]!.id,
        authoredOn: localIso(authored),
        ...(ph >= 0 ? { dispensedBy: model.staff[ph]!.id, dispensedAt: localIso(dispAt) } : {}),
      });
      facts.meds.push(mIdx);
      if (ph >= 0) this.touch(encIdx, dispAt);
    }
    // Referral to another department.
    if (cls === 'AMB' && !ep && rng.chance(0.04)) {
      const targets = DEPARTMENTS.filter(
        (d) =>
          d.kind === 'clinical' &&
          d.code !== deptCode &&
          d.code !== 'EMD' &&
          d.code !== 'NEO' &&
          d.code !== 'OBS',
      );
      const target = this.dept(rng.pick(targets).code);
      const day = startOfLocalDay(start) + rng.between(1, 3) * DAY;
      const at = day + rng.between(9 * 60, 16 * 60) * MINUTE;
      const by = o.history
        ? this.anyone(target, R.Physician, at)
        : this.onDuty(deptRoleKey(target, R.Physician), at, R.Physician);
      const sIdx = model.serviceRequests.length;
      model.serviceRequests.push({
        id: this.id('sr', sIdx),
        tenantId: this.t,
        patientId: p.id,
        encounterId: enc.id,
        category: 'referral',
        code: '3457005',
        display: `转诊至${model.departments[target]!.name}`,
        displayEn: `Referral to ${model.departments[target]!.nameEn}`,
        requesterId: model.staff[attending]!.id,
        authoredOn: localIso(start + 10 * MINUTE),
        status: by >= 0 ? 'completed' : 'active',
        performer: { type: 'department', id: model.departments[target]!.id },
        ...(by >= 0 ? { fulfilledBy: model.staff[by]!.id, fulfilledAt: localIso(at) } : {}),
      });
      facts.orders.push(sIdx);
      if (by >= 0) this.touch(encIdx, at);
    }
    // The regional platform collects discharge summaries the night after discharge.
    if (cls === 'IMP' && !open) this.touch(encIdx, startOfLocalDay(end) + DAY + 2 * HOUR);
    return encIdx;
  }

  labOrder(
    encIdx: number,
    pIdx: number,
    requester: number,
    panelCode: string,
    external: boolean,
    authored: number,
    history: boolean,
  ): void {
    const { model, rng } = this;
    const p = model.patients[pIdx]!;
    const enc = model.encounters[encIdx]!;
    const panel = LAB_PANELS[panelCode]!;
    const lab = this.dept('LAB');
    const fulfilledAt = authored + rng.between(20, 90) * MINUTE;
    const tech = external
      ? -1
      : history || fulfilledAt < model.params.w1
        ? this.staffFor(lab, R.LabTechnician, fulfilledAt)
        : -1;
    const sIdx = model.serviceRequests.length;
    model.serviceRequests.push({
      id: this.id('sr', sIdx),
      tenantId: this.t,
      patientId: p.id,
      encounterId: enc.id,
      category: 'laboratory',
      code: panel.code,
      display: panel.zh,
      displayEn: panel.en,
      requesterId: model.staff[requester]!.id,
      authoredOn: localIso(authored),
      status: tech >= 0 || external ? 'completed' : 'active',
      performer: external
        ? { type: 'organization', id: 'org-jinzhun-lab' }
        : { type: 'department', id: model.departments[lab]!.id },
      ...(tech >= 0
        ? { fulfilledBy: model.staff[tech]!.id, fulfilledAt: localIso(fulfilledAt) }
        : {}),
    });
    model.encounterFacts[encIdx]!.orders.push(sIdx);
    if (external) this.touch(encIdx, authored + 5 * HOUR);
    if (tech < 0 && !external) return;
    this.touch(encIdx, fulfilledAt);
    const resultAt = external
      ? authored + rng.between(2, 6) * DAY
      : fulfilledAt + rng.between(40, 180) * MINUTE;
    if (!history && resultAt >= model.params.w1) return;
    for (const test of panel.tests) {
      const abnormal = rng.chance(0.2);
      const span = test.high - test.low;
      const v = abnormal
        ? rng.chance(0.5)
          ? test.high + span * (0.1 + rng.next() * 0.6)
          : Math.max(0, test.low - span * (0.05 + rng.next() * 0.3))
        : test.low + span * rng.next();
      const oIdx = model.observations.length;
      model.observations.push({
        id: this.id('obs', oIdx),
        tenantId: this.t,
        patientId: p.id,
        encounterId: enc.id,
        basedOn: model.serviceRequests[sIdx]!.id,
        code: test.code,
        display: test.zh,
        displayEn: test.en,
        value: Number(v.toFixed(test.decimals)),
        unit: test.unit,
        referenceRange: `${test.low}-${test.high}`,
        interpretation: v > test.high ? 'H' : v < test.low ? 'L' : 'N',
        effective: localIso(resultAt),
        ...(tech >= 0 ? { performerId: model.staff[tech]!.id } : {}),
      });
      model.encounterFacts[encIdx]!.labs.push(oIdx);
    }
    if (tech >= 0) this.touch(encIdx, resultAt);
  }

  imagingOrder(
    encIdx: number,
    pIdx: number,
    requester: number,
    code: string,
    authored: number,
    urgent: boolean,
    history: boolean,
  ): void {
    const { model, rng } = this;
    const proc = IMAGING[code]!;
    const p = model.patients[pIdx]!;
    const enc = model.encounters[encIdx]!;
    const rad = this.dept('RAD');
    const started = authored + rng.between(urgent ? 10 : 20, urgent ? 40 : 150) * MINUTE;
    const inside = history || started < model.params.w1;
    const tech = inside ? this.staffFor(rad, R.RadiologyTechnician, started) : -1;
    const readAt = started + rng.between(30, 240) * MINUTE;
    const radiologist =
      history || readAt < model.params.w1 ? this.staffFor(rad, R.Physician, readAt) : -1;
    const sIdx = model.serviceRequests.length;
    model.serviceRequests.push({
      id: this.id('sr', sIdx),
      tenantId: this.t,
      patientId: p.id,
      encounterId: enc.id,
      category: 'imaging',
      code: proc.code,
      display: proc.zh,
      displayEn: proc.en,
      requesterId: model.staff[requester]!.id,
      authoredOn: localIso(authored),
      status: tech >= 0 ? 'completed' : 'active',
      performer: { type: 'department', id: model.departments[rad]!.id },
      ...(tech >= 0 ? { fulfilledBy: model.staff[tech]!.id, fulfilledAt: localIso(started) } : {}),
    });
    model.encounterFacts[encIdx]!.orders.push(sIdx);
    if (tech < 0) return;
    const iIdx = model.imagingStudies.length;
    const hex = `${rng.uint32().toString(16).padStart(8, '0')}${rng.uint32().toString(16).padStart(8, '0')}${rng.uint32().toString(16).padStart(8, '0')}${rng.uint32().toString(16).padStart(8, '0')}`;
    model.imagingStudies.push({
      id: this.id('img', iIdx),
      tenantId: this.t,
      patientId: p.id,
      encounterId: enc.id,
      basedOn: model.serviceRequests[sIdx]!.id,
      uid: `2.25.${BigInt(`0x${hex}`).toString()}`,
      modality: proc.modality,
      description: proc.zh,
      descriptionEn: proc.en,
      started: localIso(started),
      series: rng.between(proc.series[0], proc.series[1]),
      instances: rng.between(proc.instances[0], proc.instances[1]),
      performerId: model.staff[tech]!.id,
      ...(radiologist >= 0
        ? { interpreterId: model.staff[radiologist]!.id, reportedAt: localIso(readAt) }
        : {}),
    });
    model.encounterFacts[encIdx]!.studies.push(iIdx);
    this.touch(encIdx, started);
    if (radiologist >= 0) this.touch(encIdx, readAt);
  }

  episodes: PlannedEpisode[] = [];
  readonly deliveryMethod = new Map<PlannedEpisode, 'vaginal' | 'cesarean' | 'assisted'>();
  readonly birthWeight = new Map<PlannedEpisode, number>();
}

const VIA = makeWeights(['app', 'phone', 'portal', 'counter'] as const, [40, 15, 15, 30]);

/** A weekday clinic time on or after the day of `ms`. */
function clinicTime(rng: DemoRandom, ms: number): number {
  let day = startOfLocalDay(ms);
  while (localWeekday(day) === 0 || localWeekday(day) === 6) day += DAY;
  const morning = rng.chance(0.62);
  return (
    day +
    (morning ? rng.between(8 * 60, 11 * 60 + 30) : rng.between(13 * 60 + 30, 16 * 60 + 45)) * MINUTE
  );
}

const DAY_WEIGHT = [0.35, 1.25, 1.1, 1.0, 1.0, 0.95, 0.5];
const ED_HOUR = makeWeights(
  [...Array(24).keys()],
  [2, 1.5, 1, 1, 1, 1, 1.5, 2.5, 4, 5, 5, 5, 4.5, 4.5, 4.5, 4.5, 5, 5.5, 6, 6, 5.5, 5, 4, 3],
);

/** Builds the whole care graph, the maternity episodes and the research studies. */
export function buildCare(model: Model, planned: PlannedEpisode[]): void {
  const { params } = model;
  const rng = model.rng.fork('care');
  const b = new CareBuilder(model, rng);
  b.episodes = planned;
  const t = params.tenant;
  const span = params.w1 - params.w0;
  const dayTable = makeWeights(
    [...Array(params.days).keys()],
    [...Array(params.days).keys()].map((d) => DAY_WEIGHT[localWeekday(params.w0 + d * DAY)]!),
  );
  const episodeOf = new Map<number, number>();
  planned.forEach((e, i) => episodeOf.set(e.mother, i));

  // Maternity episodes: prenatal visits, delivery, newborn.
  planned.forEach((ep, i) => {
    const mother = model.patients[ep.mother]!;
    model.patientMeta[ep.mother]!.episode = i;
    model.maternity.push({
      id: `mat-${String(i + 1).padStart(6, '0')}`,
      tenantId: t,
      motherId: mother.id,
      lastMenstrualPeriod: localDate(ep.lmpMs),
      dueDate: localDate(ep.lmpMs + 280 * DAY),
      gestationalWeeks: 0,
      prenatalVisits: [],
      status: ep.delivered ? 'delivered' : 'prenatal',
    });
    const m = model.maternity[i]!;
    const stop = Math.min(ep.delivered ? ep.deliveryMs - DAY : params.w1, params.w1);
    let week = 8 + rng.int(3);
    const obsDx = DIAGNOSES.OBS!;
    while (true) {
      const at = clinicTime(rng, ep.lmpMs + week * 7 * DAY);
      if (at >= stop) break;
      const ga = Math.floor((at - ep.lmpMs) / (7 * DAY));
      const dx =
        ga > 24 && rng.chance(0.08)
          ? obsDx[2 + rng.int(2)]!
          : obsDx[mother.birthDate < localDate(ep.lmpMs - 30 * year) ? 1 : 0]!;
      const imaging = ga === 12 || ga === 22 || ga === 32 || ga === 37 ? 'USOB' : undefined;
      const lab = ga >= 12 && ga <= 14 ? 'NIPT' : ga >= 24 && ga <= 26 ? 'OGTT' : undefined;
      const e = b.visit(ep.mother, 'AMB', 'OBS', dx, at, {
        history: at < params.w0,
        episode: i,
        gestationalWeeks: ga,
        appointment: rng.chance(0.85),
        ...(imaging ? { imaging } : {}),
        ...(lab ? { lab } : {}),
      });
      m.prenatalVisits.push({
        encounterId: model.encounters[e]!.id,
        date: localDate(at),
        gestationalWeeks: ga,
      });
      m.gestationalWeeks = ga;
      week += ga < 28 ? 4 : ga < 36 ? 2 : 1;
    }
    if (!ep.delivered) return;
    const method = rng.weighted(METHOD);
    b.deliveryMethod.set(ep, method);
    const weight = Math.round(rng.normal(3300, 420));
    b.birthWeight.set(ep, weight);
    const admit = ep.deliveryMs - rng.between(2, 20) * HOUR;
    const losDays = method === 'cesarean' ? rng.between(3, 5) : rng.between(1, 3);
    const dxCode = method === 'cesarean' ? 'O82' : method === 'assisted' ? 'O81' : 'O80';
    const ddx = DIAGNOSES.DELIVERY!.find((d) => d.code === dxCode)!;
    const history = admit < params.w0 - 12 * DAY;
    const enc = b.visit(ep.mother, 'IMP', 'OBS', ddx, admit, {
      history,
      episode: i,
      delivery: ep,
      los: losDays + 1,
    });
    const nbIdx = ep.newborn;
    const nb = model.patients[nbIdx]!;
    m.delivery = {
      encounterId: model.encounters[enc]!.id,
      date: localDate(ep.deliveryMs),
      method,
      newbornId: nb.id,
      birthWeightGrams: weight,
    };
    const sick = rng.chance(0.15);
    const neoDx = DIAGNOSES.NEO!;
    const nbDx = sick ? neoDx[rng.int(3)]! : neoDx[3]!;
    const nbStart = ep.deliveryMs + rng.between(10, 60) * MINUTE;
    if (sick)
      b.visit(nbIdx, 'IMP', 'NEO', nbDx, nbStart, {
        history: nbStart < params.w0 - 12 * DAY,
        los: rng.between(3, 8),
        newborn: true,
      });
    else {
      const motherWard = model.encounters[enc]!.wardId;
      const ward = model.wards.findIndex((w) => w.id === motherWard);
      b.visit(nbIdx, 'IMP', 'OBS', nbDx, nbStart, {
        history: nbStart < params.w0 - 12 * DAY,
        los: losDays,
        newborn: true,
        ...(ward >= 0 ? { ward } : {}),
      });
    }
  });

  // VIPs: each comes through the emergency department during the window.
  model.patients.forEach((p, i) => {
    if (p.confidentiality !== 'V') return;
    const dx = DIAGNOSES.EMD![rng.int(5)]!;
    const at = params.w0 + Math.floor(span * (0.15 + 0.3 * rng.next()));
    b.visit(i, 'EMER', 'EMD', dx, at, { history: false });
  });

  // Everyone's history and activity in the window.
  const total = model.patients.length;
  for (let i = 0; i < total; i++) {
    if (i % 5000 === 0) model.progress?.({ phase: 'care', done: i, total });
    const meta = model.patientMeta[i]!;
    if (meta.newborn) continue;
    const p = model.patients[i]!;
    const age = (params.w1 - meta.birthMs) / year;
    const primary = DIAGNOSES[meta.primaryDept]![meta.primaryDx] ?? DIAGNOSES.MED![0]!;
    const deptOf = (): [string, Diagnosis] => {
      if (meta.primaryDept !== 'OBS' && rng.chance(0.8)) return [meta.primaryDept, primary];
      const code =
        age < 14
          ? 'PED'
          : rng.pick(['MED', 'MED', 'SUR', 'INF', p.sex === 'female' ? 'GYN' : 'MED']);
      const list = DIAGNOSES[code]!;
      let d = list[rng.int(list.length)]!;
      if (d.sensitive === 'hiv') d = list[3]!;
      return [code, d];
    };
    const registered = Date.parse(p.registeredAt);
    const histFrom = Math.max(registered, params.w0 - 3 * year);
    const histTo = Math.min(params.w0 - DAY, meta.deceasedMs - DAY);
    const nHist = histTo > histFrom ? Math.min(4, rng.poisson(0.8)) : 0;
    for (let k = 0; k < nHist; k++) {
      const at = clinicTime(rng, histFrom + rng.next() * (histTo - histFrom));
      if (at >= params.w0) continue;
      const r = rng.next();
      const [code, dx] = deptOf();
      if (r < 0.08 && code !== 'OBS') b.visit(i, 'IMP', code, dx, at, { history: true });
      else
        b.visit(
          i,
          'AMB',
          code === 'OBS' ? 'GYN' : code,
          code === 'OBS' ? DIAGNOSES.GYN![4]! : dx,
          at,
          { history: true },
        );
    }
    if (meta.deceasedMs < params.w1) continue;
    const lambda =
      1.2 * (params.days / 30) * (age >= 65 ? 1.5 : 1) * (meta.episode >= 0 ? 0.25 : 1);
    const n = Math.min(4, rng.poisson(lambda));
    for (let k = 0; k < n; k++) {
      const r = rng.next();
      const [code, dx] = deptOf();
      if (r < 0.1 || code === 'OBS') {
        const ed = DIAGNOSES.EMD!;
        const edDx = rng.chance(0.6) ? ed[rng.int(ed.length)]! : dx;
        const at =
          params.w0 +
          rng.int(params.days) * DAY +
          rng.weighted(ED_HOUR) * HOUR +
          rng.int(60) * MINUTE;
        const e = b.visit(i, 'EMER', 'EMD', edDx, at, { history: false });
        if (rng.chance(0.2)) {
          const admitAt = at + rng.between(2, 6) * HOUR;
          const target =
            edDx.code.startsWith('S') || edDx.code.startsWith('K')
              ? 'SUR'
              : code === 'OBS' || code === 'EMD'
                ? 'MED'
                : code;
          if (admitAt < params.w1)
            b.visit(i, 'IMP', target, dx, admitAt, { history: false, partOf: e });
        }
      } else if (r < 0.15) {
        const at =
          params.w0 -
          8 * DAY +
          rng.int(params.days + 8) * DAY +
          rng.between(9 * 60, 16 * 60) * MINUTE;
        if (at >= params.w1) continue;
        b.visit(i, 'IMP', code, dx, at, { history: false });
      } else {
        const at = clinicTime(rng, params.w0 + rng.weighted(dayTable) * DAY);
        if (at >= params.w1) continue;
        b.visit(i, 'AMB', code, dx, at, { history: false });
      }
    }
  }

  // Sensitivity of patients from their diagnoses.
  const pIndex = new Map(model.patients.map((p, i) => [p.id, i]));
  for (const c of model.conditions) {
    if (!c.sensitiveCategory) continue;
    const p = model.patients[pIndex.get(c.patientId)!]!;
    if (!p.sensitiveCategories.includes(c.sensitiveCategory))
      p.sensitiveCategories.push(c.sensitiveCategory);
    const restricting =
      c.sensitiveCategory === 'mental-health' ||
      c.sensitiveCategory === 'substance' ||
      c.sensitiveCategory === 'hiv' ||
      RESTRICTING.has(c.code);
    if (restricting && p.confidentiality === 'N') p.confidentiality = 'R';
  }
  for (const p of model.patients) p.sensitiveCategories.sort(compareCategory);

  // Research study on diabetes, approved for the research office.
  const cohort = model.patients
    .map((p, i) =>
      model.patientMeta[i]!.primaryDept === 'MED' &&
      DIAGNOSES.MED![model.patientMeta[i]!.primaryDx]?.code === 'E11.9' &&
      p.confidentiality === 'N'
        ? p.id
        : '',
    )
    .filter(Boolean);
  const researchers = model.staff
    .filter(
      (s, i) =>
        s.role === R.Researcher &&
        model.staffMeta[i]!.availableUntil === Infinity &&
        !model.staffMeta[i]!.onLeave,
    )
    .map((s) => s.id);
  model.researchStudies.push({
    id: 'study-001',
    tenantId: t,
    title: '2型糖尿病患者血糖控制真实世界研究',
    researcherIds: researchers,
    patientIds: cohort.slice(0, 400),
    approvedFrom: localDate(params.w0 - 60 * DAY),
    approvedTo: localDate(params.w1 + 180 * DAY),
  });

  // Activity index: which encounters have something happening on which window day.
  for (let d = 0; d < params.days; d++) model.encountersByDay.push([]);
  for (let e = 0; e < model.encounters.length; e++) {
    const first = Math.max(params.w0, b.spanFirst[e]!);
    const last = Math.min(params.w1 - 1, b.spanLast[e]!);
    if (last < params.w0 || first >= params.w1 || first > last) continue;
    const d0 = Math.floor((first - params.w0) / DAY);
    const d1 = Math.floor((last - params.w0) / DAY);
    for (let d = d0; d <= d1; d++) model.encountersByDay[d]!.push(e);
  }

  // Contract volumes: twice the busiest day of legitimate traffic.
  const perDay = (f: (d: number) => number) =>
    Math.max(...[...Array(params.days).keys()].map(f), 0);
  const appByDay = new Array<number>(params.days).fill(0);
  for (const a of model.appointments) {
    const at = Date.parse(a.start);
    if (a.bookedVia === 'app' && at >= params.w0 && at < params.w1)
      appByDay[Math.floor((at - params.w0) / DAY)]!++;
  }
  const labByDay = new Array<number>(params.days).fill(0);
  for (const s of model.serviceRequests) {
    const at = Date.parse(s.authoredOn);
    if (s.performer.type === 'organization' && at >= params.w0 && at < params.w1)
      labByDay[Math.floor((at - params.w0) / DAY)]!++;
  }
  const [lab, app, platform] = model.apiClients;
  lab!.contract.maxCallsPerDay = Math.max(20, 2 * perDay((d) => labByDay[d]!));
  app!.contract.maxCallsPerDay = Math.max(50, 2 * perDay((d) => appByDay[d]!));
  const disByDay = new Array<number>(params.days).fill(0);
  for (const e of model.encounters) {
    const at = e.class === 'IMP' && e.end ? startOfLocalDay(Date.parse(e.end)) + DAY : -1;
    if (at >= params.w0 && at < params.w1) disByDay[Math.floor((at - params.w0) / DAY)]!++;
  }
  platform!.contract.maxCallsPerDay = Math.max(50, 2 * perDay((d) => disByDay[d]!));
}

const METHOD = makeWeights(['vaginal', 'cesarean', 'assisted'] as const, [60, 36, 4]);
const ORDER: DemoSensitiveCategory[] = ['mental-health', 'substance', 'hiv', 'reproductive'];
function compareCategory(a: DemoSensitiveCategory, b: DemoSensitiveCategory): number {
  return ORDER.indexOf(a) - ORDER.indexOf(b);
}
