/**
 * Client API throughput: `GET /api/clients/patients/:id` with contract enforcement (bearer token
 * verification, revocation lookup, contract in force, network, scope, rate limit, daily quota in
 * the database, patient scope through the care graph, field narrowing) against the same read
 * through the same disclosure path without the contract layer, in the same run, on an in-process
 * server on 127.0.0.1 under autocannon with 100 concurrent connections.
 * Run: `npm run bench -- api [--duration 10] [--connections 100] [--patients 200] [--timeout 60]`
 * (PostgreSQL: `CUSTOS_TEST_BACKEND=postgres`).
 */
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/api/index.ts';
import { createAccessDiscloser, type Contract } from '../src/governance/index.ts';
import { createStaffSealer, createTestRuntime } from '../src/runtime/index.ts';
import { writeResources, type FhirResource } from '../src/vault/index.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const DURATION = arg('duration', 10);
const CONNECTIONS = arg('connections', 100);
const PATIENTS = arg('patients', 200);
/** Seconds before a request counts as timed out (the server queues under 100 connections). */
const TIMEOUT = arg('timeout', 60);

function hospital(n: number): FhirResource[] {
  const out: FhirResource[] = [
    { resourceType: 'Organization', id: 'lab-acme', active: true, name: 'ACME Lab' },
  ];
  for (let i = 0; i < n; i++) {
    const id = `pt-${String(i).padStart(5, '0')}`;
    out.push(
      {
        resourceType: 'Patient',
        id,
        identifier: [{ system: 'urn:custos:mrn', value: `MRN${100000 + i}` }],
        name: [{ text: `患者${i}` }],
        gender: i % 2 ? 'female' : 'male',
        birthDate: '1980-01-01',
        telecom: [{ system: 'phone', value: `138${String(i).padStart(8, '0')}` }],
      },
      {
        resourceType: 'ServiceRequest',
        id: `${id}-sr`,
        status: 'active',
        intent: 'order',
        code: { text: '血常规' },
        subject: { reference: `Patient/${id}` },
        performer: [{ reference: 'Organization/lab-acme' }],
        authoredOn: new Date().toISOString().slice(0, 10),
      },
      {
        resourceType: 'Observation',
        id: `${id}-hb`,
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'laboratory',
              },
            ],
          },
        ],
        code: { coding: [{ system: 'http://loinc.org', code: '718-7' }], text: 'Hemoglobin' },
        subject: { reference: `Patient/${id}` },
        basedOn: [{ reference: `ServiceRequest/${id}-sr` }],
        effectiveDateTime: new Date().toISOString(),
        valueQuantity: { value: 120 + (i % 30), unit: 'g/L' },
      },
    );
  }
  return out;
}

async function run(
  url: string,
  headers: Record<string, string>,
  paths: string[],
  duration: number,
) {
  // Connections walk the list of patients in turn. The load generator shares the process (and the
  // event loop) with the server: the benchmark asks for an in-process server.
  let k = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    headers,
    timeout: TIMEOUT,
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[k++ % paths.length]! }) }],
  });
}

async function main(): Promise<void> {
  const rt = await createTestRuntime();
  const tenant = rt.config.tenant;
  const t0 = performance.now();
  await writeResources(rt.vault, tenant, hospital(PATIENTS));
  const [officerId] = await rt.identity.createStaff(
    tenant,
    [{ username: 'officer', staffNumber: 'S1', name: 'Officer', roles: ['privacy-officer'] }],
    { id: null },
  );
  const officer = (await rt.identity.getStaff(tenant, officerId!))!;
  const gov = rt.governance;
  const contract: Contract = await gov.createContract(tenant, officer, {
    party: { name: 'ACME Lab', kind: 'lab', organizationId: 'lab-acme' },
    purpose: 'treatment',
    legalBasis: 'contract',
    actsAs: 'lab-technician',
    resourceTypes: ['Patient', 'Observation', 'ServiceRequest'],
    fields: [
      'demographics.name',
      'demographics.sex',
      'demographics.birthDate',
      'demographics.mrn',
      'order',
      'observation.lab',
    ],
    patientScope: 'ordered',
    dailyLimit: 10_000_000,
    ratePerMinute: 1_000_000,
    validFrom: new Date(Date.now() - 86_400_000).toISOString(),
    validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    networks: ['127.0.0.0/8'],
    deidentify: false,
    watermark: true,
    responsible: {
      hospital: [{ name: 'Officer', role: 'privacy officer' }],
      party: [{ name: 'Lab DPO', role: 'dpo' }],
    },
  });
  const { client, secret } = await gov.registerClient(tenant, officer, {
    contractId: contract.id,
    name: 'LIS',
  });
  // The same disclosure path, same client principal, without the contract layer (the baseline).
  const bare = createAccessDiscloser({
    db: rt.store.db,
    vault: rt.vault,
    ledger: rt.ledger,
    identity: rt.identity,
    policy: () => rt.policy,
    now: () => rt.now(),
    watermarkKey: rt.watermarkKey,
    sealer: createStaffSealer(rt.store.db, rt.keyring),
  });
  const app: FastifyInstance = await buildApp(rt, {
    plugins: [
      async (a) => {
        a.get<{ Params: { id: string } }>(
          '/bench/baseline/patients/:id',
          { config: { rateLimit: false } },
          async (req) => {
            const d = await bare.readRecord(
              {
                tenant,
                principal: { client: { clientId: client.id, contract } },
                purpose: contract.purpose,
                address: req.ip,
                context: {},
              },
              req.params.id,
              [...contract.fields],
            );
            return { resourceType: 'Patient', id: d.patientId, record: d.record, fields: d.fields };
          },
        );
      },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const tok = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const token = ((await tok.json()) as { access_token: string }).access_token;
  const ids = Array.from({ length: PATIENTS }, (_, i) => `pt-${String(i).padStart(5, '0')}`);
  const enforcedPaths = ids.map((id) => `/api/clients/patients/${id}`);
  const barePaths = ids.map((id) => `/bench/baseline/patients/${id}`);
  // Check both answer the same record before measuring.
  const one = await fetch(`${base}${enforcedPaths[0]}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const two = await fetch(`${base}${barePaths[0]}`);
  if (one.status !== 200 || two.status !== 200)
    throw new Error(`warm-up failed: ${one.status} ${two.status}`);
  console.log(
    `setup: ${PATIENTS} patients in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${CONNECTIONS} connections, ${DURATION} s per phase`,
  );
  const auth = { authorization: `Bearer ${token}` };
  // The token lives 300 s; phases are short enough to stay inside it.
  await run(base, auth, enforcedPaths, 2);
  await run(base, {}, barePaths, 2);
  const enforced = await run(base, auth, enforcedPaths, DURATION);
  const baseline = await run(base, {}, barePaths, DURATION);
  const row = (name: string, r: autocannon.Result) =>
    `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r['2xx']} | ${r.non2xx} | ${r.errors + r.timeouts} |`;
  console.log(
    '\n| endpoint | req/s | p50 ms | p99 ms | 2xx | non-2xx | errors |\n|---|---|---|---|---|---|---|',
  );
  console.log(row('with contract enforcement', enforced));
  console.log(row('same read, no contract layer', baseline));
  console.log(
    `\nratio enforced/baseline: ${(enforced.requests.average / baseline.requests.average).toFixed(2)} (throughput), ` +
      `${(enforced.latency.p50 / Math.max(baseline.latency.p50, 1)).toFixed(2)} (p50 latency)`,
  );
  await app.close();
  await rt.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
