/**
 * Alerts and the case workbench (告警与事件工单) for privacy officers: run the monitor over a
 * window of the ledger, the new alerts, the cases by status, and one case with its alerts, the
 * evidence timeline, the staff member's privacy record, assignment, notes and resolution with a
 * disposition (and a sanction). Everything goes through the monitor routes.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Badge,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import {
  api,
  CASE_STATUSES,
  DISPOSITIONS,
  qs,
  SANCTIONS,
  type CaseDetail,
  type Evidence,
  type MonitorAlert,
  type MonitorCase,
  type MonitorRunStats,
  type PrivacyRecord,
} from '../api.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { Field } from '../components/field.tsx';
import { navigate } from '../router.tsx';

/** datetime-local value of a date (local time). */
function local(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Evidence sentences in the console's language. */
function useEvidenceText() {
  const { i18n } = useTranslation();
  return (e: Evidence) => (i18n.language.startsWith('zh') ? e.zh : e.en);
}

const scoreColor = (s: number) => (s >= 0.8 ? 'red.8' : s >= 0.5 ? 'orange.8' : 'yellow.8');

/** The alerts and cases view. */
export function CasesPage() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <Stack>
      <RunPanel />
      <AlertsPanel onOpenCase={setSelected} />
      <CasesPanel selected={selected} onSelect={setSelected} />
      {selected && <CaseView id={selected} onClose={() => setSelected(null)} />}
    </Stack>
  );
}

function RunPanel() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [from, setFrom] = useState(() => local(new Date(Date.now() - 86_400_000)));
  const [to, setTo] = useState(() => local(new Date(Date.now() + 60_000)));
  const run = useMutation({
    mutationFn: () =>
      api<MonitorRunStats>('POST', '/api/monitor/run', {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['monitor'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit}>
      <Title order={4} mb="sm">
        {t('cases.run.title')}
      </Title>
      <Group align="end">
        <TextInput
          type="datetime-local"
          name="from"
          label={t('cases.run.from')}
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
        />
        <TextInput
          type="datetime-local"
          name="to"
          label={t('cases.run.to')}
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
        />
        <Button type="submit" loading={run.isPending}>
          {t('cases.run.submit')}
        </Button>
      </Group>
      {run.isError && <ErrorBox error={run.error} />}
      {run.data && (
        <Text size="sm" mt="sm" data-testid="monitor-run">
          {t('cases.run.result', {
            events: run.data.events,
            accesses: run.data.accesses,
            share: Math.round(run.data.explained.share * 100),
            alerts: run.data.newAlerts,
            cases: run.data.cases,
          })}
        </Text>
      )}
    </Paper>
  );
}

function AlertsPanel({ onOpenCase }: { onOpenCase: (id: string) => void }) {
  const { t } = useTranslation();
  const ev = useEvidenceText();
  const q = useQuery({
    queryKey: ['monitor', 'alerts'],
    queryFn: () => api<{ alerts: MonitorAlert[] }>('GET', '/api/monitor/alerts?limit=100'),
  });
  return (
    <Paper withBorder p="md">
      <Title order={4} mb="sm">
        {t('cases.alerts.title')}
      </Title>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.alerts.length === 0 ? (
        <Empty>{t('cases.alerts.empty')}</Empty>
      ) : (
        <Table striped data-testid="alerts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('cases.cols.actor')}</Table.Th>
              <Table.Th>{t('cases.cols.kinds')}</Table.Th>
              <Table.Th>{t('cases.cols.score')}</Table.Th>
              <Table.Th>{t('cases.cols.patients')}</Table.Th>
              <Table.Th>{t('cases.cols.when')}</Table.Th>
              <Table.Th>{t('cases.cols.evidence')}</Table.Th>
              <Table.Th>{t('cases.cols.case')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.alerts.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{a.actorId}</Table.Td>
                <Table.Td>
                  <Kinds kinds={a.kinds} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={700} c={scoreColor(a.score)}>
                    {a.score.toFixed(2)}
                  </Text>
                </Table.Td>
                <Table.Td>{a.patientIds.length}</Table.Td>
                <Table.Td>{new Date(a.start).toLocaleString()}</Table.Td>
                <Table.Td>
                  <Text size="sm">{a.evidence[0] ? ev(a.evidence[0]) : '—'}</Text>
                </Table.Td>
                <Table.Td>
                  {a.caseId ? (
                    <Button size="compact-xs" variant="light" onClick={() => onOpenCase(a.caseId!)}>
                      {t('cases.open')}
                    </Button>
                  ) : (
                    '—'
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

function Kinds({ kinds }: { kinds: readonly string[] }) {
  const { t } = useTranslation();
  return (
    <Group gap={4}>
      {kinds.map((k) => (
        <Badge key={k} variant="outline" tt="none" size="sm">
          {t(`cases.kinds.${k}`, k)}
        </Badge>
      ))}
    </Group>
  );
}

function CasesPanel({
  selected,
  onSelect,
}: {
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<string>('open');
  const q = useQuery({
    queryKey: ['monitor', 'cases', status],
    queryFn: () =>
      api<{ cases: MonitorCase[] }>(
        'GET',
        `/api/monitor/cases${qs({ status: status === 'all' ? undefined : status, limit: 200 })}`,
      ),
  });
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="sm">
        <Title order={4}>{t('cases.list.title')}</Title>
        <SegmentedControl
          size="xs"
          value={status}
          onChange={setStatus}
          aria-label={t('cases.cols.status')}
          data={[
            ...CASE_STATUSES.map((s) => ({ value: s, label: t(`cases.statuses.${s}`) })),
            { value: 'all', label: t('common.all') },
          ]}
        />
      </Group>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.cases.length === 0 ? (
        <Empty>{t('cases.list.empty')}</Empty>
      ) : (
        <Table striped highlightOnHover data-testid="cases">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('cases.cols.actor')}</Table.Th>
              <Table.Th>{t('cases.cols.kinds')}</Table.Th>
              <Table.Th>{t('cases.cols.score')}</Table.Th>
              <Table.Th>{t('cases.cols.status')}</Table.Th>
              <Table.Th>{t('cases.cols.assignee')}</Table.Th>
              <Table.Th>{t('cases.cols.opened')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.cases.map((c) => (
              <Table.Tr
                key={c.id}
                bg={c.id === selected ? 'var(--mantine-color-blue-light)' : undefined}
              >
                <Table.Td>{c.actorId}</Table.Td>
                <Table.Td>
                  <Kinds kinds={c.kinds} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={700} c={scoreColor(c.score)}>
                    {c.score.toFixed(2)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {t(`cases.statuses.${c.status}`)}
                  {c.disposition && (
                    <Text size="xs" c="dimmed">
                      {t(`cases.dispositions.${c.disposition}`)}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{c.assignee ?? '—'}</Table.Td>
                <Table.Td>{new Date(c.openedAt).toLocaleString()}</Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="light" onClick={() => onSelect(c.id)}>
                    {t('cases.open')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

function CaseView({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const ev = useEvidenceText();
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['monitor', 'case', id],
    queryFn: () => api<CaseDetail>('GET', `/api/monitor/cases/${encodeURIComponent(id)}`),
  });
  const actorId = q.data?.case.actorId;
  const record = useQuery({
    queryKey: ['monitor', 'privacy-record', actorId],
    queryFn: () =>
      api<PrivacyRecord>(
        'GET',
        `/api/monitor/staff/${encodeURIComponent(actorId!)}/privacy-record`,
      ),
    enabled: !!actorId && q.data?.case.actorKind === 'staff',
    retry: false,
  });
  const done = () => void qc.invalidateQueries({ queryKey: ['monitor'] });
  // Bring a newly opened case into view (the lists above it can be long).
  const box = useRef<HTMLDivElement>(null);
  const loaded = q.isSuccess;
  useEffect(() => {
    if (loaded) box.current?.scrollIntoView({ block: 'start' });
  }, [id, loaded]);
  const post = (path: string, body: unknown) =>
    api<unknown>('POST', `/api/monitor/cases/${encodeURIComponent(id)}/${path}`, body);
  const [assignee, setAssignee] = useState('');
  const [note, setNote] = useState('');
  const [disposition, setDisposition] = useState<string | null>(null);
  const [sanction, setSanction] = useState<string | null>(null);
  const [resolveNote, setResolveNote] = useState('');
  const assign = useMutation({
    mutationFn: (who: string | undefined) => post('assign', who ? { assignee: who } : {}),
    onSuccess: () => {
      setAssignee('');
      done();
    },
  });
  const addNote = useMutation({
    mutationFn: () => post('notes', { text: note.trim() }),
    onSuccess: () => {
      setNote('');
      done();
    },
  });
  const resolve = useMutation({
    mutationFn: () =>
      post('resolve', {
        disposition,
        note: resolveNote.trim(),
        ...(disposition === 'sanction' && sanction ? { sanction } : {}),
      }),
    onSuccess: () => {
      setResolveNote('');
      done();
    },
  });

  // A case that turns out to be a leak becomes a breach incident (scope, contain, notify).
  const escalate = useMutation({
    mutationFn: (title: string) =>
      api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title,
        source: { type: 'case', caseId: id },
      }),
    onSuccess: (made) => navigate(`/officer/incidents${qs({ id: made.incident.id })}`),
  });

  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorBox error={q.error} onRetry={() => void q.refetch()} />;
  const { case: c, timeline } = q.data;
  const resolved = c.status === 'resolved';
  const canResolve =
    !!disposition && resolveNote.trim().length > 0 && (disposition !== 'sanction' || !!sanction);

  return (
    <Paper withBorder p="md" data-testid="case" ref={box}>
      <Group justify="space-between" mb="sm">
        <Title order={3}>{t('cases.detail.title', { actor: c.actorId })}</Title>
        <Group gap="xs">
          <Button
            color="red"
            variant="light"
            size="xs"
            loading={escalate.isPending}
            onClick={() => escalate.mutate(t('cases.detail.title', { actor: c.actorId }))}
          >
            {t('incidents.fromCase')}
          </Button>
          <Button variant="default" size="xs" onClick={onClose}>
            {t('common.close')}
          </Button>
        </Group>
      </Group>
      {escalate.isError && <ErrorBox error={escalate.error} />}
      <SimpleGrid cols={4} mb="md">
        <Field label={t('cases.cols.status')} value={t(`cases.statuses.${c.status}`)} />
        <Field label={t('cases.cols.score')} value={c.score.toFixed(2)} />
        <Field label={t('cases.cols.assignee')} value={c.assignee ?? '—'} />
        <Field
          label={t('cases.cols.window')}
          value={`${new Date(c.start).toLocaleString()} – ${new Date(c.end).toLocaleString()}`}
        />
        <Field
          label={t('cases.cols.patients')}
          value={
            c.patientIds.length === 0
              ? '—'
              : c.patientIds.length <= 8
                ? c.patientIds.join(', ')
                : t('cases.detail.patientsMore', {
                    list: c.patientIds.slice(0, 8).join(', '),
                    n: c.patientIds.length - 8,
                  })
          }
        />
        <Field label={t('cases.cols.kinds')} value={<Kinds kinds={c.kinds} />} />
        {c.disposition && (
          <Field
            label={t('cases.cols.disposition')}
            value={t(`cases.dispositions.${c.disposition}`)}
          />
        )}
      </SimpleGrid>

      <Title order={4} mb="xs">
        {t('cases.detail.timeline')}
      </Title>
      <Timeline bulletSize={14} lineWidth={2} mb="md" data-testid="case-timeline">
        {timeline.map((e) => (
          <Timeline.Item key={e.seq} title={t(`cases.entries.${e.type}`, e.type)}>
            <Text size="xs" c="dimmed">
              {new Date(e.at).toLocaleString()} · {e.by}
            </Text>
            <EntryBody type={e.type} body={e.body} ev={ev} />
          </Timeline.Item>
        ))}
      </Timeline>

      {record.data && (
        <>
          <Title order={4} mb="xs">
            {t('cases.detail.record', { staff: record.data.staffId })}
          </Title>
          {record.data.entries.length === 0 ? (
            <Text size="sm" c="dimmed" mb="md">
              {t('cases.detail.recordEmpty')}
            </Text>
          ) : (
            <Table mb="md" data-testid="privacy-record">
              <Table.Tbody>
                {record.data.entries.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{new Date(r.recordedAt).toLocaleString()}</Table.Td>
                    <Table.Td>
                      {t(`cases.dispositions.${r.kind}`)}
                      {r.sanction && ` · ${t(`cases.sanctions.${r.sanction}`, r.sanction)}`}
                    </Table.Td>
                    <Table.Td>{r.note}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </>
      )}

      {!resolved && (
        <Stack gap="md">
          <Group align="end">
            <Button
              variant="light"
              onClick={() => assign.mutate(undefined)}
              loading={assign.isPending}
            >
              {t('cases.detail.assignMe')}
            </Button>
            <TextInput
              name="assignee"
              label={t('cases.detail.assignee')}
              value={assignee}
              onChange={(e) => setAssignee(e.currentTarget.value)}
            />
            <Button
              variant="default"
              disabled={!assignee.trim()}
              onClick={() => assign.mutate(assignee.trim())}
            >
              {t('cases.detail.assign')}
            </Button>
          </Group>
          {assign.isError && <ErrorBox error={assign.error} />}
          <Group align="end">
            <Textarea
              name="note"
              label={t('cases.detail.note')}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
              autosize
              minRows={2}
              style={{ flex: 1 }}
            />
            <Button
              variant="default"
              disabled={!note.trim()}
              loading={addNote.isPending}
              onClick={() => addNote.mutate()}
            >
              {t('cases.detail.addNote')}
            </Button>
          </Group>
          {addNote.isError && <ErrorBox error={addNote.error} />}
          <Paper withBorder p="sm">
            <Title order={5} mb="xs">
              {t('cases.detail.resolve')}
            </Title>
            <Group align="start" grow>
              <Select
                label={t('cases.cols.disposition')}
                name="disposition"
                data={DISPOSITIONS.map((d) => ({ value: d, label: t(`cases.dispositions.${d}`) }))}
                value={disposition}
                onChange={setDisposition}
              />
              {disposition === 'sanction' && (
                <Select
                  label={t('cases.detail.sanction')}
                  name="sanction"
                  data={SANCTIONS.map((s) => ({ value: s, label: t(`cases.sanctions.${s}`) }))}
                  value={sanction}
                  onChange={setSanction}
                />
              )}
            </Group>
            <Textarea
              mt="xs"
              name="resolveNote"
              label={t('cases.detail.resolveNote')}
              value={resolveNote}
              onChange={(e) => setResolveNote(e.currentTarget.value)}
              autosize
              minRows={2}
            />
            <Group mt="sm">
              <Button
                color="green"
                disabled={!canResolve}
                loading={resolve.isPending}
                onClick={() => resolve.mutate()}
              >
                {t('cases.detail.resolveSubmit')}
              </Button>
            </Group>
            {resolve.isError && <ErrorBox error={resolve.error} />}
          </Paper>
        </Stack>
      )}
    </Paper>
  );
}

function EntryBody({
  type,
  body,
  ev,
}: {
  type: string;
  body: Record<string, unknown>;
  ev: (e: Evidence) => string;
}) {
  const { t } = useTranslation();
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  switch (type) {
    case 'evidence': {
      const list = Array.isArray(body.evidence) ? (body.evidence as Evidence[]) : [];
      const kinds = Array.isArray(body.kinds) ? (body.kinds as string[]) : [];
      return (
        <Stack gap={2}>
          <Kinds kinds={kinds} />
          {list.map((e, i) => (
            <Text size="sm" key={i}>
              {ev(e)}
            </Text>
          ))}
        </Stack>
      );
    }
    case 'assigned':
      return <Text size="sm">{t('cases.entryText.assigned', { who: str('assignee') })}</Text>;
    case 'note':
      return <Text size="sm">{str('text')}</Text>;
    case 'resolved':
      return (
        <Text size="sm">
          {t(`cases.dispositions.${str('disposition')}`, str('disposition'))}: {str('note')}
        </Text>
      );
    case 'sanction':
      return <Text size="sm">{t(`cases.sanctions.${str('sanction')}`, str('sanction'))}</Text>;
    case 'escalated':
      return <Text size="sm">{t('cases.entryText.escalated', { to: str('to') })}</Text>;
    case 'opened':
      return <Text size="sm">{t('cases.entryText.opened', { n: Number(body.alerts ?? 0) })}</Text>;
    default:
      return null;
  }
}
