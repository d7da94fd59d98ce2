/**
 * Breach response (泄露事件处置): the privacy officer opens an incident (by hand or from a monitor
 * case), scopes the accesses the suspect made, contains them (suspend the account, end its
 * sessions, revoke an API client, expire exports), generates the PIPL Art. 57 patient notices and
 * the regulator report, and moves the incident through open → contained → notified → closed.
 * Every step is the incident routes' work and is ledgered there.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import { api, qs } from '../api.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { when } from '../components/format.ts';
import { useSubmission } from '../components/forms.ts';
import { Field } from '../components/field.tsx';
import { navigate, useSearch } from '../router.tsx';

const STATUSES = ['open', 'contained', 'notified', 'closed'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const CONTAINMENTS = [
  'suspend-account',
  'revoke-sessions',
  'revoke-client',
  'expire-exports',
] as const;
type Status = (typeof STATUSES)[number];

/** An incident as the service lists it. */
export interface Incident {
  id: string;
  title: string;
  status: Status;
  severity: (typeof SEVERITIES)[number];
  source: { type: string; ref: string | null };
  suspect: { type: 'staff' | 'client'; id: string } | null;
  window: { from: string; to: string } | null;
  openedBy: string;
  openedAt: string;
  closedAt: string | null;
}

/** GET /api/incidents/:id */
interface IncidentDetail {
  incident: Incident;
  timeline: { seq: number; at: string; by: string; type: string; body: Record<string, unknown> }[];
  actions: { id: string; kind: string; target: string; status: string; at: string; by: string }[];
  scope: {
    id: string;
    at: string;
    summary: {
      matched: number;
      scanned: number;
      workstations: string[];
      totals: {
        patients: number;
        byGrade: Record<string, number>;
        bySensitive: Record<string, number>;
        contact: number;
      };
    };
  } | null;
  notifications: { generated: number; delivered: number; patientsNotified: number };
}

const SEVERITY_COLOR = { low: 'gray', medium: 'yellow', high: 'orange', critical: 'red' };

/** The incident list with the selected incident below it (`?id=` selects one). */
export function IncidentsPage() {
  const { t } = useTranslation();
  const search = useSearch();
  const selected = new URLSearchParams(search).get('id');
  const [status, setStatus] = useState<Status | 'all'>('all');
  const [opening, setOpening] = useState(false);
  const q = useQuery({
    queryKey: ['incidents', status],
    queryFn: () =>
      api<{ items: Incident[] }>(
        'GET',
        `/api/incidents${qs({ status: status === 'all' ? undefined : status, limit: 200 })}`,
      ),
  });
  return (
    <Stack>
      <Group justify="space-between">
        <SegmentedControl
          aria-label={t('incidents.status')}
          value={status}
          onChange={(v) => setStatus(v as typeof status)}
          data={[
            { value: 'all', label: t('common.all') },
            ...STATUSES.map((s) => ({ value: s, label: t(`incidents.statuses.${s}`) })),
          ]}
        />
        <Button onClick={() => setOpening(true)}>{t('incidents.open')}</Button>
      </Group>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty>{t('incidents.empty')}</Empty>
      ) : (
        <Paper withBorder>
          <Table striped highlightOnHover data-testid="incidents">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('incidents.cols.opened')}</Table.Th>
                <Table.Th>{t('incidents.cols.title')}</Table.Th>
                <Table.Th>{t('incidents.cols.severity')}</Table.Th>
                <Table.Th>{t('incidents.cols.suspect')}</Table.Th>
                <Table.Th>{t('incidents.cols.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.items.map((i) => (
                <Table.Tr
                  key={i.id}
                  style={{ cursor: 'pointer' }}
                  aria-selected={i.id === selected}
                  onClick={() => navigate(`/officer/incidents${qs({ id: i.id })}`)}
                >
                  <Table.Td>{when(i.openedAt)}</Table.Td>
                  <Table.Td>
                    <Anchor
                      href={`/officer/incidents${qs({ id: i.id })}`}
                      onClick={(e) => e.preventDefault()}
                    >
                      {i.title}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={SEVERITY_COLOR[i.severity]}>
                      {t(`incidents.severities.${i.severity}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{i.suspect ? `${i.suspect.id}` : '—'}</Table.Td>
                  <Table.Td>{t(`incidents.statuses.${i.status}`)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {selected && <IncidentView key={selected} id={selected} />}
      {opening && <OpenDialog onClose={() => setOpening(false)} />}
    </Stack>
  );
}

/** Opens an incident by hand: title, severity, the suspected account and the time window. */
function OpenDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const sub = useSubmission(['title', 'severity', 'suspect', 'from', 'to']);
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<string>('high');
  const [suspect, setSuspect] = useState('');
  const [suspectType, setSuspectType] = useState<'staff' | 'client'>('staff');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return (
    <Modal opened onClose={onClose} title={t('incidents.open')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            const made = await api<IncidentDetail>('POST', '/api/incidents', {
              title: title.trim(),
              severity,
              ...(suspect.trim() ? { suspect: { type: suspectType, id: suspect.trim() } } : {}),
              ...(from && to
                ? { window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() } }
                : {}),
            });
            await qc.invalidateQueries({ queryKey: ['incidents'] });
            onClose();
            navigate(`/officer/incidents${qs({ id: made.incident.id })}`);
          });
        }}
      >
        <Stack>
          <TextInput
            name="title"
            required
            label={t('incidents.cols.title')}
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            error={sub.fieldError('title')}
          />
          <Select
            name="severity"
            label={t('incidents.cols.severity')}
            data={SEVERITIES.map((s) => ({ value: s, label: t(`incidents.severities.${s}`) }))}
            value={severity}
            onChange={(v) => setSeverity(v ?? 'high')}
            allowDeselect={false}
          />
          <Group grow align="end">
            <SegmentedControl
              aria-label={t('incidents.suspectType')}
              value={suspectType}
              onChange={(v) => setSuspectType(v as 'staff' | 'client')}
              data={[
                { value: 'staff', label: t('incidents.suspectTypes.staff') },
                { value: 'client', label: t('incidents.suspectTypes.client') },
              ]}
            />
            <TextInput
              name="suspect"
              label={t('incidents.cols.suspect')}
              value={suspect}
              onChange={(e) => setSuspect(e.currentTarget.value)}
              error={sub.fieldError('suspect')}
            />
          </Group>
          <Group grow>
            <TextInput
              type="datetime-local"
              name="from"
              label={t('incidents.from')}
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              error={sub.fieldError('from')}
            />
            <TextInput
              type="datetime-local"
              name="to"
              label={t('incidents.to')}
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              error={sub.fieldError('to')}
            />
          </Group>
          {!!sub.formError && <ErrorBox error={sub.formError} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={sub.busy} disabled={!title.trim()}>
              {t('incidents.open')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** One incident: facts, scope, containment, notices, status and its timeline. */
function IncidentView({ id }: { id: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const path = `/api/incidents/${encodeURIComponent(id)}`;
  const q = useQuery({
    queryKey: ['incidents', 'detail', id],
    queryFn: () => api<IncidentDetail>('GET', path),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['incidents'] });
  const act = useMutation({
    mutationFn: ({ to, kind }: { to: 'scope' | 'contain'; kind?: string }) =>
      api<unknown>(
        'POST',
        `${path}/${to}`,
        kind === undefined
          ? {}
          : {
              kind,
              // Exports are expired per staff member; the rest act on the incident's suspect.
              ...(kind === 'expire-exports' && q.data?.incident.suspect
                ? { target: q.data.incident.suspect.id }
                : {}),
            },
      ),
    onSuccess: refresh,
  });
  const generate = useMutation({
    mutationFn: () => api<{ notices: unknown[] }>('POST', `${path}/notices`, {}),
    onSuccess: (r) => {
      setNotices(r.notices.length);
      refresh();
    },
  });
  const setStatus = useMutation({
    mutationFn: (status: Status) => api<unknown>('PATCH', path, { status }),
    onSuccess: refresh,
  });
  const [notices, setNotices] = useState<number | null>(null);

  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorBox error={q.error} onRetry={() => void q.refetch()} />;
  const { incident: inc, scope, actions, timeline, notifications } = q.data;
  const closed = inc.status === 'closed';
  const error = act.error ?? setStatus.error ?? generate.error;
  const totals = scope?.summary.totals;
  return (
    <Paper withBorder p="md" data-testid="incident">
      <Group justify="space-between" mb="sm">
        <Title order={3}>{inc.title}</Title>
        <Button variant="default" size="xs" onClick={() => navigate('/officer/incidents')}>
          {t('common.close')}
        </Button>
      </Group>
      <SimpleGrid cols={4} mb="md">
        <Field label={t('incidents.cols.status')} value={t(`incidents.statuses.${inc.status}`)} />
        <Field
          label={t('incidents.cols.severity')}
          value={t(`incidents.severities.${inc.severity}`)}
        />
        <Field
          label={t('incidents.cols.suspect')}
          value={
            inc.suspect
              ? `${t(`incidents.suspectTypes.${inc.suspect.type}`)} ${inc.suspect.id}`
              : '—'
          }
        />
        <Field
          label={t('incidents.window')}
          value={inc.window ? `${when(inc.window.from)} – ${when(inc.window.to)}` : '—'}
        />
        <Field
          label={t('incidents.source')}
          value={`${t(`incidents.sources.${inc.source.type}`, inc.source.type)}${inc.source.ref ? ` ${inc.source.ref}` : ''}`}
        />
        <Field
          label={t('incidents.cols.opened')}
          value={`${when(inc.openedAt)} · ${inc.openedBy}`}
        />
      </SimpleGrid>

      <Title order={4} mb="xs">
        {t('incidents.scope.title')}
      </Title>
      {totals ? (
        <SimpleGrid cols={4} mb="sm" data-testid="incident-scope">
          <Field label={t('incidents.scope.entries')} value={scope.summary.matched} />
          <Field label={t('incidents.scope.patients')} value={totals.patients} />
          <Field label={t('incidents.scope.contact')} value={totals.contact} />
          <Field
            label={t('incidents.scope.sensitive')}
            value={
              Object.entries(totals.bySensitive)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ') || '—'
            }
          />
          <Field
            label={t('incidents.scope.grades')}
            value={
              Object.entries(totals.byGrade)
                .map(([g, n]) => `${t('incidents.scope.grade', { grade: g })} ${n}`)
                .join(', ') || '—'
            }
          />
          <Field
            label={t('incidents.scope.workstations')}
            value={scope.summary.workstations.join(', ') || '—'}
          />
          <Field label={t('incidents.scope.at')} value={when(scope.at)} />
        </SimpleGrid>
      ) : (
        <Text size="sm" c="dimmed" mb="sm">
          {t('incidents.scope.none')}
        </Text>
      )}
      {!closed && (
        <Button
          variant="light"
          mb="md"
          loading={act.isPending && act.variables?.to === 'scope'}
          onClick={() => act.mutate({ to: 'scope' })}
        >
          {t('incidents.scope.run')}
        </Button>
      )}

      <Title order={4} mb="xs">
        {t('incidents.contain.title')}
      </Title>
      {actions.length > 0 && (
        <Table mb="sm" data-testid="incident-actions">
          <Table.Tbody>
            {actions.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{when(a.at)}</Table.Td>
                <Table.Td>{t(`incidents.contain.kinds.${a.kind}`, a.kind)}</Table.Td>
                <Table.Td>{a.target}</Table.Td>
                <Table.Td>
                  <Badge color={a.status === 'done' ? 'green' : 'yellow'}>
                    {t(`incidents.contain.statuses.${a.status}`, a.status)}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {!closed && (
        <Group mb="md">
          {CONTAINMENTS.filter((k) =>
            k === 'revoke-client'
              ? inc.suspect?.type === 'client'
              : k === 'expire-exports' || inc.suspect?.type === 'staff',
          ).map((kind) => (
            <Button
              key={kind}
              color="red"
              variant="light"
              loading={act.isPending && act.variables?.kind === kind}
              onClick={() => act.mutate({ to: 'contain', kind })}
            >
              {t(`incidents.contain.kinds.${kind}`)}
            </Button>
          ))}
        </Group>
      )}

      <Title order={4} mb="xs">
        {t('incidents.notices.title')}
      </Title>
      <Text size="sm" mb="xs" data-testid="incident-notices">
        {t('incidents.notices.summary', notifications)}
        {notices !== null && ` · ${t('incidents.notices.made', { n: notices })}`}
      </Text>
      <Group mb="md">
        {!closed && (
          <Button
            variant="light"
            disabled={!totals}
            loading={generate.isPending}
            onClick={() => generate.mutate()}
          >
            {t('incidents.notices.generate')}
          </Button>
        )}
        <Anchor href={`${path}/report/pdf`} download data-testid="incident-report">
          {t('incidents.notices.report')}
        </Anchor>
      </Group>

      {!closed && (
        <Group mb="md">
          <Text size="sm">{t('incidents.move')}</Text>
          {STATUSES.slice(STATUSES.indexOf(inc.status) + 1).map((s) => (
            <Button
              key={s}
              size="xs"
              variant="default"
              loading={setStatus.isPending && setStatus.variables === s}
              onClick={() => setStatus.mutate(s)}
            >
              {t(`incidents.statuses.${s}`)}
            </Button>
          ))}
        </Group>
      )}
      {!!error && <ErrorBox error={error} />}

      <Title order={4} mb="xs">
        {t('incidents.timeline')}
      </Title>
      <Timeline bulletSize={14} lineWidth={2} data-testid="incident-timeline">
        {timeline.map((e) => (
          <Timeline.Item key={e.seq} title={t(`incidents.events.${e.type}`, e.type)}>
            <Text size="xs" c="dimmed">
              {when(e.at)} · {e.by}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </Paper>
  );
}
