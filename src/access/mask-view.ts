/**
 * The mask step over a record view: `maskRecord` applies a profile by field path, and list
 * fields (emergency contacts, appointments, diagnoses …) are masked element by element under the
 * same path, so that a rule such as `contact.emergencyContact.name` reaches every contact.
 */
import {
  maskRecord,
  type MaskableRecord,
  type MaskingProfile,
  type Redactor,
} from '../masking/index.ts';
import type { RecordView } from './record-view.ts';

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function nest(path: string[], value: unknown): MaskableRecord {
  let out: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i]!]: out };
  return out as MaskableRecord;
}

function dig(rec: unknown, path: string[]): unknown {
  let cur: unknown = rec;
  for (const k of path) {
    if (!isPlain(cur) || !(k in cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** True when a list of objects sits somewhere inside `v` (those need element-wise masking). */
function hasObjectList(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(isPlain);
  if (isPlain(v)) return Object.values(v).some(hasObjectList);
  return false;
}

function maskAt(
  path: string[],
  value: unknown,
  profile: MaskingProfile,
  redactor: Redactor | undefined,
): unknown {
  const opts = redactor ? { redactor } : {};
  if (Array.isArray(value) && value.some(isPlain)) {
    const out: unknown[] = [];
    for (const el of value) {
      const masked = dig(maskRecord(nest(path, el), profile, opts), path);
      if (masked !== undefined) out.push(masked);
    }
    return out.length > 0 ? out : undefined;
  }
  if (isPlain(value) && hasObjectList(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const m = maskAt([...path, k], v, profile, redactor);
      if (m !== undefined) out[k] = m;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return dig(maskRecord(nest(path, value), profile, opts), path);
}

/** Mask a record view with `profile`; hidden fields disappear, empty sections too. */
export function maskView(
  view: RecordView,
  profile: MaskingProfile,
  redactor?: Redactor,
): MaskableRecord {
  const out: MaskableRecord = {};
  for (const [k, v] of Object.entries(view)) {
    const m = maskAt([k], v, profile, redactor);
    if (m !== undefined) out[k] = m;
  }
  return out;
}
