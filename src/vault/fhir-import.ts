/**
 * FHIR R4 import: transaction and collection Bundles (all-or-nothing), batch Bundles (per entry),
 * bulk NDJSON (per line, written in batches) and files or folders of them. Every problem comes
 * back as an OperationOutcome issue naming the entry or line; references to resources that were
 * not imported are kept and reported as warnings, never fatal.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { CustosError, ErrorCode, isCustosError } from '../errors/index.ts';
import {
  FHIR_ID,
  IMPORT_ORDER,
  collectReferences,
  isSupportedResourceType,
  parseReference,
  validateResource,
  type FhirResource,
  type ResourceIssue,
} from './fhir-model.ts';
import { refsFilter } from './sql-util.ts';
import { writeResources, type WriteResult } from './records.ts';
import { blindIndexOf, indexKeyOf, type Vault } from './vault.ts';

/** FHIR OperationOutcome.issue (no personal data in diagnostics). */
export interface OutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  diagnostics: string;
  expression?: string[];
}

/** FHIR OperationOutcome. */
export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OutcomeIssue[];
}

/** What an import did. */
export interface FhirImportReport {
  /** True when nothing was rejected. */
  ok: boolean;
  /** Status for the HTTP answer: 200 done, 400 malformed request, 422 invalid content, 409 conflict. */
  httpStatus: number;
  /** Resources written, by type. */
  imported: Record<string, number>;
  total: number;
  created: number;
  updated: number;
  /** Entries or lines rejected. */
  rejected: number;
  /** References kept as written whose target is not in the vault. */
  unresolved: { resource: string; reference: string }[];
  /** Files of a folder that were not imported (not FHIR NDJSON/Bundles). */
  skippedFiles: string[];
  outcome: OperationOutcome;
  /** transaction-response / batch-response Bundle for Bundle imports that were written. */
  response?: Record<string, unknown>;
}

/** Options of the import functions. */
export interface FhirImportOptions {
  /** Called as work progresses (`done`/`total` in entries, lines or bytes; see each function). */
  onProgress?: (p: { done: number; total?: number; file?: string }) => void;
  /** Resources per write batch for NDJSON (default 500). */
  batchSize?: number;
  /** Most issues kept in the outcome (default 1000); a summary issue says how many were left out. */
  maxIssues?: number;
}

class Report {
  imported: Record<string, number> = {};
  created = 0;
  updated = 0;
  rejected = 0;
  unresolved: { resource: string; reference: string }[] = [];
  skippedFiles: string[] = [];
  issues: OutcomeIssue[] = [];
  dropped = 0;
  constructor(private readonly maxIssues: number) {}

  issue(i: OutcomeIssue): void {
    if (this.issues.length < this.maxIssues) this.issues.push(i);
    else this.dropped++;
  }

  fromResourceIssues(list: ResourceIssue[]): void {
    for (const i of list)
      this.issue({
        severity: i.severity,
        code: i.code,
        diagnostics: i.diagnostics,
        expression: [i.expression],
      });
  }

  addWrite(w: WriteResult, types: string[]): void {
    for (const t of types) this.imported[t] = (this.imported[t] ?? 0) + 1;
    this.created += w.created;
    this.updated += w.updated;
  }

  finish(httpStatus: number, response?: Record<string, unknown>): FhirImportReport {
    const issues = [...this.issues];
    if (this.dropped > 0)
      issues.push({
        severity: 'information',
        code: 'informational',
        diagnostics: `${this.dropped} more issues not listed`,
      });
    if (issues.length === 0)
      issues.push({
        severity: 'information',
        code: 'informational',
        diagnostics: 'all resources imported',
      });
    const total = Object.values(this.imported).reduce((a, b) => a + b, 0);
    return {
      ok: this.rejected === 0 && httpStatus < 300,
      httpStatus,
      imported: this.imported,
      total,
      created: this.created,
      updated: this.updated,
      rejected: this.rejected,
      unresolved: this.unresolved,
      skippedFiles: this.skippedFiles,
      outcome: { resourceType: 'OperationOutcome', issue: issues },
      ...(response ? { response } : {}),
    };
  }
}

/** An OperationOutcome with one error, for callers that fail before importing. */
export function operationOutcome(
  code: string,
  diagnostics: string,
  expression?: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'error', code, diagnostics, ...(expression ? { expression: [expression] } : {}) },
    ],
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

interface PreparedEntry {
  index: number;
  resource: FhirResource & { id: string };
  method: 'POST' | 'PUT' | 'NONE';
  /** Existing id when a conditional create matched. */
  existing?: string;
}

/**
 * Imports a FHIR Bundle (parsed JSON): `transaction` and `collection` are all-or-nothing (one
 * database transaction; any invalid entry rejects the whole Bundle with nothing written);
 * `batch` writes the valid entries and reports the others. This is what `POST /fhir/R4` calls:
 * answer `report.httpStatus` with `report.response ?? report.outcome`.
 */
export async function importFhirBundle(
  vault: Vault,
  tenant: string,
  bundle: unknown,
  options: FhirImportOptions = {},
): Promise<FhirImportReport> {
  const rep = new Report(options.maxIssues ?? 1000);
  if (!isObj(bundle) || bundle.resourceType !== 'Bundle') {
    rep.rejected++;
    rep.issue({
      severity: 'error',
      code: 'structure',
      diagnostics: 'expected a FHIR Bundle (resourceType "Bundle")',
      expression: ['Bundle'],
    });
    return rep.finish(400);
  }
  const type = bundle.type;
  if (type !== 'transaction' && type !== 'collection' && type !== 'batch') {
    rep.rejected++;
    rep.issue({
      severity: 'error',
      code: 'not-supported',
      diagnostics: 'Bundle.type must be transaction, batch or collection',
      expression: ['Bundle.type'],
    });
    return rep.finish(400);
  }
  const entries = bundle.entry === undefined ? [] : bundle.entry;
  if (!Array.isArray(entries)) {
    rep.rejected++;
    rep.issue({
      severity: 'error',
      code: 'structure',
      diagnostics: 'Bundle.entry must be an array',
      expression: ['Bundle.entry'],
    });
    return rep.finish(400);
  }
  const indexKey = await indexKeyOf(vault, tenant);
  const fullUrls = new Map<string, string>();
  const prepared: PreparedEntry[] = [];
  const bad = new Set<number>();
  const seen = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    const at = `Bundle.entry[${i}]`;
    const e = entries[i] as unknown;
    const fail = (code: string, diagnostics: string, expression = at) => {
      bad.add(i);
      rep.issue({ severity: 'error', code, diagnostics, expression: [expression] });
    };
    if (!isObj(e) || !isObj(e.resource)) {
      fail('required', 'entry has no resource', `${at}.resource`);
      continue;
    }
    const issues = validateResource(e.resource, `${at}.resource`);
    if (issues.some((x) => x.severity === 'error')) {
      bad.add(i);
      rep.fromResourceIssues(issues);
      continue;
    }
    const r = e.resource as FhirResource;
    let method: PreparedEntry['method'] = 'NONE';
    let id = typeof r.id === 'string' ? r.id : undefined;
    let existing: string | undefined;
    if (type !== 'collection') {
      const req = e.request;
      if (!isObj(req) || typeof req.method !== 'string') {
        fail(
          'required',
          'entry.request.method is required in a transaction or batch',
          `${at}.request`,
        );
        continue;
      }
      if (req.method === 'PUT') {
        const m =
          typeof req.url === 'string'
            ? /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(req.url)
            : null;
        if (!m || m[1] !== r.resourceType || (id !== undefined && id !== m[2])) {
          fail('value', 'PUT url must be <type>/<id> matching the resource', `${at}.request.url`);
          continue;
        }
        id = m[2]!;
        method = 'PUT';
      } else if (req.method === 'POST') {
        method = 'POST';
        if (typeof req.ifNoneExist === 'string') {
          const m = /^identifier=(.+)$/.exec(req.ifNoneExist);
          if (!m) {
            fail(
              'not-supported',
              'only ifNoneExist=identifier=system|value is supported',
              `${at}.request.ifNoneExist`,
            );
            continue;
          }
          const q = decodeURIComponent(m[1]!);
          const hash = blindIndexOf(indexKey, 'identifier', q.includes('|') ? q : `|${q}`);
          if (hash) {
            const hit = await vault.db
              .selectFrom('vault_blind_index')
              .select('resource_id')
              .where('tenant_id', '=', tenant)
              .where('kind', '=', 'identifier')
              .where('hash', '=', hash)
              .where('resource_type', '=', r.resourceType)
              .executeTakeFirst();
            existing = hit?.resource_id;
          }
        }
      } else {
        fail(
          'not-supported',
          `request method ${String(req.method).slice(0, 10)} is not supported (POST, PUT)`,
          `${at}.request.method`,
        );
        continue;
      }
    }
    if (existing) id = existing;
    if (id === undefined || !FHIR_ID.test(id)) id = randomUUID();
    const key = `${r.resourceType}/${id}`;
    if (seen.has(key) && !existing) {
      fail('duplicate', `${key} appears twice in the Bundle`);
      continue;
    }
    seen.add(key);
    if (typeof e.fullUrl === 'string') fullUrls.set(e.fullUrl, key);
    r.id = id;
    prepared.push({
      index: i,
      resource: r as FhirResource & { id: string },
      method,
      ...(existing ? { existing } : {}),
    });
  }
  const atomic = type !== 'batch';
  if (bad.size > 0 && atomic) {
    rep.rejected = entries.length;
    rep.issue({
      severity: 'error',
      code: 'processing',
      diagnostics: `Bundle rejected: ${bad.size} invalid entr${bad.size === 1 ? 'y' : 'ies'}; nothing was written`,
    });
    return rep.finish(type === 'transaction' ? 400 : 422);
  }
  rep.rejected = bad.size;
  // Point references at fullUrls (urn:uuid:…, absolute URLs) to the stored ids.
  for (const p of prepared) {
    for (const ref of collectReferences(p.resource, p.resource.resourceType)) {
      const target = typeof ref.reference === 'string' ? fullUrls.get(ref.reference) : undefined;
      if (target) ref.holder.reference = target;
    }
  }
  const toWrite = prepared.filter((p) => !p.existing);
  const entryOf = new Map(
    prepared.map((p) => [`${p.resource.resourceType}/${p.resource.id}`, p.index]),
  );
  let written: WriteResult;
  try {
    written = await writeResources(
      vault,
      tenant,
      toWrite.map((p) => p.resource),
      { mutate: true },
    );
  } catch (e) {
    if (!isCustosError(e)) throw e;
    rep.rejected = entries.length;
    rep.issue({
      severity: 'error',
      code: e.code === ErrorCode.Conflict ? 'conflict' : 'processing',
      diagnostics: `Bundle rejected, nothing was written: ${e.message}`,
    });
    return rep.finish(e.code === ErrorCode.Conflict ? 409 : 422);
  }
  rep.addWrite(
    written,
    toWrite.map((p) => p.resource.resourceType),
  );
  for (const u of written.unresolved) {
    rep.unresolved.push({ resource: u.resource, reference: u.reference });
    const idx = entryOf.get(u.resource);
    rep.issue({
      severity: 'warning',
      code: 'not-found',
      diagnostics: `reference ${referenceLabel(u.reference)} not found in the vault; kept as written`,
      expression: [idx === undefined ? u.resource : `Bundle.entry[${idx}].resource`],
    });
  }
  const byRef = new Map(written.results.map((r) => [r.ref, r]));
  const responseEntries = entries.map((_, i) => {
    if (bad.has(i)) return { response: { status: '400 Bad Request' } };
    const p = prepared.find((x) => x.index === i)!;
    const ref = `${p.resource.resourceType}/${p.resource.id}`;
    const w = byRef.get(ref);
    return {
      response: {
        status: p.existing ? '200 OK' : w?.created ? '201 Created' : '200 OK',
        location: `${ref}/_history/${w?.versionId ?? 1}`,
      },
    };
  });
  const response =
    type === 'collection'
      ? undefined
      : {
          resourceType: 'Bundle',
          type: type === 'transaction' ? 'transaction-response' : 'batch-response',
          entry: responseEntries,
        };
  return rep.finish(200, response);
}

/** Shows the shape of a reference without identifier values (they may be personal data). */
function referenceLabel(ref: string): string {
  const p = parseReference(ref);
  if (p?.kind === 'literal') return `${p.type}/${p.id}`;
  if (p?.kind === 'identifier') return `${p.type}?identifier=…`;
  return 'external reference';
}

/**
 * Imports bulk NDJSON (one resource per line). Invalid lines are reported by line number and
 * skipped; valid ones are written in batches (each batch one transaction). Progress counts lines.
 */
export async function importFhirNdjson(
  vault: Vault,
  tenant: string,
  lines: AsyncIterable<string> | Iterable<string>,
  options: FhirImportOptions & { source?: string } = {},
): Promise<FhirImportReport> {
  const rep = new Report(options.maxIssues ?? 1000);
  await ndjsonInto(vault, tenant, lines, options, rep);
  await recheckUnresolved(vault, tenant, rep);
  return rep.finish(rep.rejected > 0 && rep.created + rep.updated === 0 ? 422 : 200);
}

async function ndjsonInto(
  vault: Vault,
  tenant: string,
  lines: AsyncIterable<string> | Iterable<string>,
  options: FhirImportOptions & { source?: string; onBytes?: (n: number) => void },
  rep: Report,
): Promise<void> {
  const src = options.source ?? 'ndjson';
  const batchSize = options.batchSize ?? 500;
  let batch: { line: number; resource: FhirResource & { id: string } }[] = [];
  let lineNo = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    try {
      const w = await writeResources(
        vault,
        tenant,
        items.map((x) => x.resource),
        { mutate: true },
      );
      rep.addWrite(
        w,
        items.map((x) => x.resource.resourceType),
      );
      for (const u of w.unresolved)
        rep.unresolved.push({ resource: u.resource, reference: u.reference });
    } catch (e) {
      if (!isCustosError(e)) throw e;
      rep.rejected += items.length;
      rep.issue({
        severity: 'error',
        code: 'processing',
        diagnostics: `lines ${items[0]!.line}-${items[items.length - 1]!.line} not written: ${e.message}`,
        expression: [`${src}:${items[0]!.line}`],
      });
    }
    options.onProgress?.({ done: lineNo, file: src });
  };
  const seen = new Set<string>();
  for await (const raw of lines) {
    lineNo++;
    options.onBytes?.(Buffer.byteLength(raw) + 1);
    const text = raw.trim();
    if (text.length === 0) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      rep.rejected++;
      rep.issue({
        severity: 'error',
        code: 'structure',
        diagnostics: 'line is not valid JSON',
        expression: [`${src}:${lineNo}`],
      });
      continue;
    }
    const issues = validateResource(parsed, `${src}:${lineNo}`);
    if (issues.some((i) => i.severity === 'error')) {
      rep.rejected++;
      rep.fromResourceIssues(issues);
      continue;
    }
    const r = parsed as FhirResource;
    if (typeof r.id !== 'string') r.id = randomUUID();
    const key = `${r.resourceType}/${r.id}`;
    if (seen.has(key) || batch.some((b) => `${b.resource.resourceType}/${b.resource.id}` === key)) {
      // A later line replaces an earlier one: write what we have first.
      await flush();
    }
    seen.add(key);
    batch.push({ line: lineNo, resource: r as FhirResource & { id: string } });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
}

/** Drops "unresolved" references whose targets arrived later in the same import. */
async function recheckUnresolved(vault: Vault, tenant: string, rep: Report): Promise<void> {
  if (rep.unresolved.length === 0) return;
  const literal = new Map<string, [string, string]>();
  for (const u of rep.unresolved) {
    const p = parseReference(u.reference);
    if (p?.kind === 'literal') literal.set(`${p.type}/${p.id}`, [p.type, p.id]);
  }
  const found = new Set<string>();
  const keys = [...literal.values()];
  for (let i = 0; i < keys.length; i += 1000) {
    const part = keys.slice(i, i + 1000);
    const rows = await vault.db
      .selectFrom('vault_resource')
      .select(['resource_type', 'id'])
      .where('tenant_id', '=', tenant)
      .where(refsFilter('resource_type', 'id', part))
      .execute();
    for (const r of rows) found.add(`${r.resource_type}/${r.id}`);
  }
  rep.unresolved = rep.unresolved.filter((u) => !found.has(u.reference));
  const counts = new Map<string, number>();
  for (const u of rep.unresolved) {
    const label = referenceLabel(u.reference);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  for (const [label, n] of counts) {
    rep.issue({
      severity: 'warning',
      code: 'not-found',
      diagnostics: `${n} reference(s) to ${label} not found in the vault; kept as written`,
    });
  }
}

function importRank(file: string): [number, string] {
  const type = basename(file).split('.')[0]!;
  const i = IMPORT_ORDER.indexOf(type);
  const ref = /^(hospital|practitioner|organization|location)/i.test(basename(file));
  return [i >= 0 ? i : ref ? -1 : IMPORT_ORDER.length, basename(file)];
}

/**
 * Imports a file or a folder: `*.ndjson` / `*.jsonl` as bulk NDJSON (in a folder only files named
 * after a resource type, as bulk export writes them, e.g. `Patient.000.ndjson`), `*.json` as a
 * Bundle. Folder contents are imported in reference order (organisations, practitioners,
 * patients, encounters, …). Progress counts bytes of all files.
 */
export async function importFhirPath(
  vault: Vault,
  tenant: string,
  path: string,
  options: FhirImportOptions = {},
): Promise<FhirImportReport> {
  const rep = new Report(options.maxIssues ?? 1000);
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CustosError(ErrorCode.NotFound, `no such file or folder: ${path}`);
  }
  let files: string[];
  if (st.isDirectory()) {
    files = [];
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (!statSync(full).isFile()) continue;
      const ext = extname(name).toLowerCase();
      const type = name.split('.')[0]!;
      if ((ext === '.ndjson' || ext === '.jsonl') && /^[A-Z][A-Za-z]+$/.test(type)) {
        if (isSupportedResourceType(type)) files.push(full);
        else {
          rep.skippedFiles.push(name);
          rep.issue({
            severity: 'warning',
            code: 'not-supported',
            diagnostics: `${name}: resource type ${type} is not stored by the vault`,
            expression: [name],
          });
        }
      } else if (ext === '.json') files.push(full);
      else rep.skippedFiles.push(name);
    }
    files.sort((a, b) => {
      const [ra, na] = importRank(a);
      const [rb, nb] = importRank(b);
      return ra - rb || na.localeCompare(nb);
    });
  } else files = [path];
  const total = files.reduce((a, f) => a + statSync(f).size, 0);
  let done = 0;
  const progress = (file: string) => options.onProgress?.({ done, total, file: basename(file) });
  for (const file of files) {
    const ext = extname(file).toLowerCase();
    if (ext === '.json') {
      let bundle: unknown;
      try {
        bundle = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        rep.rejected++;
        rep.issue({
          severity: 'error',
          code: 'structure',
          diagnostics: `${basename(file)} is not valid JSON`,
          expression: [basename(file)],
        });
        done += statSync(file).size;
        progress(file);
        continue;
      }
      const sub = await importFhirBundle(vault, tenant, bundle, {
        maxIssues: options.maxIssues ?? 1000,
      });
      rep.rejected += sub.rejected;
      rep.created += sub.created;
      rep.updated += sub.updated;
      for (const [t, n] of Object.entries(sub.imported))
        rep.imported[t] = (rep.imported[t] ?? 0) + n;
      rep.unresolved.push(...sub.unresolved);
      for (const i of sub.outcome.issue) {
        if (i.severity === 'information' || (i.severity === 'warning' && i.code === 'not-found'))
          continue;
        rep.issue({ ...i, diagnostics: `${basename(file)}: ${i.diagnostics}` });
      }
      done += statSync(file).size;
      progress(file);
    } else {
      const rl = createInterface({
        input: createReadStream(file, { encoding: 'utf8' }),
        crlfDelay: Infinity,
      });
      await ndjsonInto(
        vault,
        tenant,
        rl,
        {
          ...options,
          source: basename(file),
          onProgress: () => progress(file),
          onBytes: (n) => {
            done += n;
          },
        },
        rep,
      );
      progress(file);
    }
  }
  await recheckUnresolved(vault, tenant, rep);
  return rep.finish(rep.rejected > 0 && rep.created + rep.updated === 0 ? 422 : 200);
}
