/**
 * Adapter from Custos's own access ledger to monitor events, so the monitor can follow the ledger
 * stream (`streamEntries`) as it does imported audit logs.
 */
import type { LedgerEntry } from '../ledger/index.ts';
import { AccessAction, ActorKind, DataCategory, type AccessEvent } from './types.ts';

const CONTACT_FIELDS = new Set(['phone', 'address', 'contacts', 'emergencyContact', 'telecom']);
const MATERNITY_FIELDS = new Set(['gestationalWeeks', 'dueDate', 'deliveryDate', 'deliveryMethod']);
const SENSITIVE = /psych|mental|reproduct|hiv|substance|sexual|abortion|genetic/i;

function category(c: string): DataCategory {
  if (/contact/i.test(c)) return DataCategory.Contact;
  if (/demograph|identifier/i.test(c)) return DataCategory.Demographics;
  if (/imag/i.test(c)) return DataCategory.Imaging;
  if (/matern|obstet|pregnan/i.test(c)) return DataCategory.Maternity;
  if (/result|lab/i.test(c)) return DataCategory.Results;
  if (/note|document/i.test(c)) return DataCategory.Notes;
  if (/billing|financ|insur/i.test(c)) return DataCategory.Billing;
  if (SENSITIVE.test(c)) return DataCategory.Sensitive;
  return DataCategory.Clinical;
}

/**
 * Maps one ledger entry to an access event; undefined for entries that are not accesses to
 * patient data by staff or clients (logins, admin actions, patients reading their own record).
 */
export function ledgerEntryToAccess(e: LedgerEntry): AccessEvent | undefined {
  let action: AccessAction;
  switch (e.kind) {
    case 'disclosure.read':
    case 'disclosure.api':
    case 'denial':
    case 'break-glass':
    case 'imported':
      action = AccessAction.Read;
      break;
    case 'disclosure.search':
      action = AccessAction.Search;
      break;
    case 'disclosure.print':
      action = AccessAction.Print;
      break;
    case 'disclosure.export':
      action = AccessAction.Export;
      break;
    case 'login':
    case 'login-failed':
    case 'mfa-change':
    case 'admin':
      return undefined;
  }
  if (e.actorType !== 'staff' && e.actorType !== 'client') return undefined;
  if (e.patientId === null && action !== AccessAction.Search && action !== AccessAction.Export)
    return undefined;
  const categories = new Set<DataCategory>(e.categories.map(category));
  for (const f of e.fields) {
    if (CONTACT_FIELDS.has(f)) categories.add(DataCategory.Contact);
    if (MATERNITY_FIELDS.has(f)) categories.add(DataCategory.Maternity);
  }
  const out: AccessEvent = {
    id: `${e.tenant}:${e.seq}`,
    time: e.occurredAt.getTime(),
    actorId: e.actorId,
    actorKind: e.actorType === 'client' ? ActorKind.Client : ActorKind.Staff,
    action,
    fields: e.fields,
  };
  if (categories.size > 0) out.categories = [...categories];
  if (e.patientId !== null) out.patientId = e.patientId;
  if (e.purpose !== null) out.purpose = e.purpose;
  if (e.decision !== null) out.decision = e.decision;
  if (e.kind === 'break-glass') out.breakGlass = true;
  if (e.workstation !== null) out.workstation = e.workstation;
  if (e.networkAddress !== null) out.ip = e.networkAddress;
  if (e.channel !== null) out.channel = e.channel;
  if (e.details !== null) {
    try {
      const d = JSON.parse(e.details) as { instances?: unknown; patientIds?: unknown };
      if (typeof d.instances === 'number' && d.instances >= 0) out.instances = d.instances;
      if (Array.isArray(d.patientIds) && d.patientIds.every((p) => typeof p === 'string'))
        out.patientIds = d.patientIds as string[];
    } catch {
      // Details are canonical JSON written by the ledger; unreadable ones are ignored.
    }
  }
  return out;
}
