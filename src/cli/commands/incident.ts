import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import {
  ContainmentKind,
  IncidentRole,
  type IncidentActor,
  type ScopeProgress,
  type ScopeQuery,
  type ScopeResult,
} from '../../incident/index.ts';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { createLogger, runCommand } from '../run.ts';

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

async function withRuntime(body: (rt: Runtime) => Promise<number | void>): Promise<void> {
  await runCommand(async (config) => {
    const rt = await createRuntime(config, {
      log: createLogger({ logLevel: 'error' }),
      headIntervalMs: 0,
    });
    try {
      return await body(rt);
    } finally {
      await rt.close();
    }
  });
}

/** The staff member acting (`--as`): the ledger names them on every action. */
async function actorOf(rt: Runtime, as: string | undefined): Promise<IncidentActor> {
  if (!as)
    throw new CustosError(
      ErrorCode.InputInvalid,
      'give --as <staff id> of the privacy officer acting',
      {
        field: 'as',
      },
    );
  const s = await rt.identity.getStaff(rt.config.tenant, as);
  if (!s || !s.roles.some((r) => r === 'privacy-officer' || r === 'administrator'))
    throw new CustosError(
      ErrorCode.Forbidden,
      '--as must be an active privacy officer or administrator',
    );
  return { id: s.id, address: null };
}

function scopeBar(): { onProgress: (p: ScopeProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      format:
        'scanning the ledger [{bar}] {percentage}% of the window | {scanned} entries, {matched} matched',
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  bar.start(100, 0, { scanned: 0, matched: 0 });
  return {
    onProgress: (p) =>
      bar.update(Math.round(p.fraction * 100), { scanned: p.scanned, matched: p.matched }),
    stop: () => bar.stop(),
  };
}

interface ScopeOpts {
  staff?: string;
  client?: string;
  workstation?: string;
  cidr?: string;
  token?: string;
  export?: string;
  from?: string;
  to?: string;
  category?: string[];
  json?: boolean;
}

function scopeQueryOf(o: ScopeOpts): Partial<ScopeQuery> {
  return {
    ...(o.staff ? { staffId: o.staff } : {}),
    ...(o.client ? { clientId: o.client } : {}),
    ...(o.workstation ? { workstation: o.workstation } : {}),
    ...(o.cidr ? { cidr: o.cidr } : {}),
    ...(o.token ? { watermarkToken: o.token } : {}),
    ...(o.export ? { exportId: o.export } : {}),
    ...(o.from ? { from: o.from } : {}),
    ...(o.to ? { to: o.to } : {}),
    ...(o.category?.length ? { categories: o.category } : {}),
  };
}

function printScope(
  r: Pick<ScopeResult, 'patients' | 'totals' | 'matched'> & { scanned?: number },
): void {
  out(`${r.totals.patients} patient(s), ${r.matched} access(es)`);
  out(
    `grades: ${
      Object.entries(r.totals.byGrade)
        .map(([g, n]) => `${g}: ${n}`)
        .join(', ') || '-'
    }`,
  );
  out(
    `categories: ${
      Object.entries(r.totals.byCategory)
        .map(([c, n]) => `${c}: ${n}`)
        .join(', ') || '-'
    }`,
  );
  if (Object.keys(r.totals.bySensitive).length)
    out(
      `sensitive: ${Object.entries(r.totals.bySensitive)
        .map(([c, n]) => `${c}: ${n}`)
        .join(', ')}`,
    );
  out(`contact details viewed: ${r.totals.contact}`);
  for (const p of r.patients.slice(0, 50))
    out(
      `  ${p.patientId}  ${p.accesses}x  ${new Date(p.first).toISOString()} .. ${new Date(p.last).toISOString()}  grade ${p.grade}  ${p.kinds.join(',')}`,
    );
  if (r.patients.length > 50) out(`  … ${r.patients.length - 50} more (use --json)`);
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function scopeOptions(c: Command, required: boolean): Command {
  c.option('--staff <id>', 'a staff account')
    .option('--client <id>', 'a third-party API client')
    .option('--workstation <id>', 'a workstation')
    .option('--cidr <range>', 'a network range, e.g. 10.20.1.0/24')
    .option('--token <token>', 'a watermark token from a leaked copy')
    .option('--export <id>', 'an export package id');
  if (required)
    c.requiredOption('--from <time>', 'window start (ISO 8601)').requiredOption(
      '--to <time>',
      'window end (ISO 8601, exclusive)',
    );
  else
    c.option('--from <time>', 'window start (default: the incident’s)').option(
      '--to <time>',
      'window end (default: the incident’s)',
    );
  return c
    .option(
      '--category <name>',
      'only accesses touching this ledger category (repeatable)',
      collect,
    )
    .option('--json', 'print JSON');
}

/**
 * `custos incident …`: scope accesses from the ledger (with progress), open an incident, scope
 * it, contain, generate notices and the regulator report, and show its timeline.
 */
export function incidentCommand(): Command {
  const cmd = new Command('incident').description(
    'breach response: scope from the ledger, incidents, containment, notices (PIPL Art. 57)',
  );

  scopeOptions(
    cmd
      .command('scope')
      .description(
        'patients, records and fields an account, client, workstation, range, token or export touched',
      ),
    true,
  ).action((o: ScopeOpts) =>
    withRuntime(async (rt) => {
      const bar = o.json ? { onProgress: () => {}, stop: () => {} } : scopeBar();
      let r: ScopeResult;
      try {
        r = await rt.incident.scope(
          rt.config.tenant,
          scopeQueryOf(o) as ScopeQuery,
          bar.onProgress,
        );
      } finally {
        bar.stop();
      }
      await rt.ledger.appendEntry(rt.config.tenant, {
        kind: 'admin',
        actor: { type: 'system', id: 'cli' },
        action: 'incident.scope.query',
        channel: 'cli',
        details: { patients: r.patients.length, entries: r.matched },
      });
      if (o.json) out(JSON.stringify(r, null, 2));
      else {
        printScope(r);
        out(`scanned ${r.scanned} entries in ${r.tookMs.toFixed(0)} ms (${r.plan} index)`);
      }
    }),
  );

  cmd
    .command('open')
    .description('open an incident')
    .requiredOption('--as <staff>', 'the privacy officer acting (incident lead)')
    .requiredOption('--title <text>', 'short title (no personal data)')
    .option('--case <id>', 'from a monitor case')
    .option('--token <token>', 'from a leak-trace result (watermark token)')
    .option('--staff <id>', 'suspected account')
    .option('--client <id>', 'suspected API client')
    .option('--from <time>', 'window start')
    .option('--to <time>', 'window end')
    .addOption(new Option('--severity <level>').choices(['low', 'medium', 'high', 'critical']))
    .action(
      (o: {
        as: string;
        title: string;
        case?: string;
        token?: string;
        staff?: string;
        client?: string;
        from?: string;
        to?: string;
        severity?: 'low' | 'medium' | 'high' | 'critical';
      }) =>
        withRuntime(async (rt) => {
          const actor = await actorOf(rt, o.as);
          const d = await rt.incident.openIncident(rt.config.tenant, actor, {
            title: o.title,
            source: o.case
              ? { type: 'case', caseId: o.case }
              : o.token
                ? { type: 'trace', watermarkToken: o.token }
                : { type: 'manual' },
            ...(o.staff ? { suspect: { type: 'staff' as const, id: o.staff } } : {}),
            ...(o.client ? { suspect: { type: 'client' as const, id: o.client } } : {}),
            ...(o.from && o.to ? { window: { from: o.from, to: o.to } } : {}),
            ...(o.severity ? { severity: o.severity } : {}),
          });
          out(d.incident.id);
        }),
    );

  scopeOptions(
    cmd
      .command('scope-incident <id>')
      .description(
        'scope an incident (default: its suspect and window) and store the affected patients',
      )
      .requiredOption('--as <staff>', 'the privacy officer acting'),
    false,
  ).action((id: string, o: ScopeOpts & { as: string }) =>
    withRuntime(async (rt) => {
      const actor = await actorOf(rt, o.as);
      const bar = o.json ? { onProgress: () => {}, stop: () => {} } : scopeBar();
      try {
        const s = await rt.incident.scopeIncident(
          rt.config.tenant,
          actor,
          id,
          scopeQueryOf(o),
          bar.onProgress,
        );
        bar.stop();
        if (o.json) out(JSON.stringify(s, null, 2));
        else
          printScope({
            patients: s.patients,
            totals: s.summary.totals,
            matched: s.summary.matched,
          });
      } finally {
        bar.stop();
      }
    }),
  );

  cmd
    .command('contain <id>')
    .description('one containment action, recorded on the incident and in the ledger')
    .requiredOption('--as <staff>', 'the privacy officer acting')
    .addOption(
      new Option('--action <kind>').choices(Object.values(ContainmentKind)).makeOptionMandatory(),
    )
    .option('--target <id>', 'staff, client or export (default: the suspect)')
    .option('--reason <text>', 'why (no personal data)')
    .action(
      (id: string, o: { as: string; action: ContainmentKind; target?: string; reason?: string }) =>
        withRuntime(async (rt) => {
          const actor = await actorOf(rt, o.as);
          const a = await rt.incident.contain(rt.config.tenant, actor, id, {
            kind: o.action,
            ...(o.target ? { target: o.target } : {}),
            ...(o.reason ? { reason: o.reason } : {}),
          });
          out(`${a.kind} ${a.target}: ${a.status}`);
        }),
    );

  cmd
    .command('member <id>')
    .description('add a response-team member')
    .requiredOption('--as <staff>', 'the privacy officer acting')
    .requiredOption('--staff <id>', 'the member')
    .addOption(
      new Option('--role <role>').choices(Object.values(IncidentRole)).makeOptionMandatory(),
    )
    .action((id: string, o: { as: string; staff: string; role: IncidentRole }) =>
      withRuntime(async (rt) => {
        await rt.incident.addMember(rt.config.tenant, await actorOf(rt, o.as), id, o.staff, o.role);
        out('added');
      }),
    );

  cmd
    .command('notices <id>')
    .description(
      'generate patient notices (zh and en) for every affected patient; --pdf writes one PDF',
    )
    .requiredOption('--as <staff>', 'the privacy officer acting')
    .option('--out <file>', 'write the notices as JSON to this file (mode 0600)')
    .option('--pdf <patient>', 'write this patient’s notice as PDF to --out')
    .action((id: string, o: { as: string; out?: string; pdf?: string }) =>
      withRuntime(async (rt) => {
        const actor = await actorOf(rt, o.as);
        if (o.pdf) {
          if (!o.out)
            throw new CustosError(ErrorCode.InputInvalid, '--pdf needs --out', { field: 'out' });
          writeFileSync(
            o.out,
            await rt.incident.renderPatientNoticePdf(rt.config.tenant, actor, id, o.pdf),
            { mode: 0o600 },
          );
          out(`wrote ${o.out}`);
          return;
        }
        const notices = await rt.incident.generatePatientNotices(rt.config.tenant, actor, id);
        // Notices carry names: only to a file the operator chose, never to the terminal by default.
        if (o.out) writeFileSync(o.out, JSON.stringify(notices, null, 2), { mode: 0o600 });
        out(`${notices.length} notice(s) generated${o.out ? `, written to ${o.out}` : ''}`);
      }),
    );

  cmd
    .command('report <id>')
    .description('the regulator report (PIPL Art. 57) in Chinese and English; --out writes a PDF')
    .requiredOption('--as <staff>', 'the privacy officer acting')
    .option('--out <file>', 'write the PDF here')
    .action((id: string, o: { as: string; out?: string }) =>
      withRuntime(async (rt) => {
        const r = await rt.incident.regulatorReport(rt.config.tenant, await actorOf(rt, o.as), id, {
          pdf: !!o.out,
        });
        if (o.out && r.pdf) {
          writeFileSync(o.out, r.pdf, { mode: 0o600 });
          out(`wrote ${o.out} (sha256 ${r.sha256})`);
        } else out(`${r.zh}\n\n${r.en}`);
      }),
    );

  cmd
    .command('show <id>')
    .description('an incident: team, timeline, actions, scope and notifications')
    .option('--json', 'print JSON')
    .action((id: string, o: { json?: boolean }) =>
      withRuntime(async (rt) => {
        const d = await rt.incident.getIncident(rt.config.tenant, id);
        if (o.json) return out(JSON.stringify(d, null, 2));
        const i = d.incident;
        out(`${i.id}  ${i.status}  ${i.severity}  ${i.title}`);
        out(
          `source: ${i.source.type}${i.source.ref ? ` ${i.source.ref}` : ''}; suspect: ${i.suspect ? `${i.suspect.type} ${i.suspect.id}` : '-'}`,
        );
        out(`team: ${d.members.map((m) => `${m.role} ${m.staffId}`).join(', ')}`);
        out(
          `scope: ${d.scope ? `${d.scope.summary.totals.patients} patient(s)` : 'not yet'}; notices: ${d.notifications.generated} generated, ${d.notifications.patientsNotified} patient(s) notified`,
        );
        for (const e of d.timeline) out(`  #${e.seq} ${e.at.toISOString()} ${e.by} ${e.type}`);
      }),
    );

  return cmd;
}
