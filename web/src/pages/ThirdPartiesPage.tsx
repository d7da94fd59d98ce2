/**
 * Third parties and dual control (第三方管理): exports above the threshold waiting for a second
 * approver, vendor engineers' maintenance-window requests, the contracts that bind third parties
 * with their API clients (revocable here), and the security check (default passwords, dormant
 * accounts, keys and secrets due for rotation, contracts without an end). Every decision is the
 * governance routes' work and is ledgered there.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { api } from '../api.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { when } from '../components/format.ts';
import { useSubmission } from '../components/forms.ts';
import { hasRole, useMe } from '../session.tsx';

/** An export waiting for its second approver (GET /api/governance/exports/pending). */
interface PendingExport {
  id: string;
  requestedBy: string;
  purpose: string;
  reference?: string;
  recipient: { name: string; organization?: string };
  kind: 'records' | 'images';
  patientCount: number;
  itemCount: number;
  deidentify: boolean;
  createdAt: string;
}

/** A vendor maintenance window (GET /api/governance/windows). */
interface MaintenanceWindow {
  id: string;
  staffId: string;
  systems: string[];
  startsAt: string;
  endsAt: string;
  reason: string;
  requestedBy: string;
  status: 'requested' | 'approved' | 'rejected' | 'cancelled';
}

/** A contract (GET /api/governance/contracts). */
interface Contract {
  id: string;
  version: number;
  status: 'active' | 'terminated';
  party: { name: string; kind: string };
  purpose: string;
  fields: string[];
  dailyLimit: number;
  deidentify: boolean;
  validFrom: string;
  validUntil: string | null;
}

/** An API client (GET /api/governance/clients). */
interface ApiClient {
  id: string;
  contractId: string;
  name: string;
  authMethod: string;
  status: 'active' | 'revoked';
  lastUsedAt: string | null;
}

/** GET /api/governance/security-check */
interface SecurityReport {
  checkedAt: string;
  passed: boolean;
  counts: Record<string, number>;
  findings: {
    severity: 'critical' | 'warning' | 'info';
    code: string;
    subject: string;
    message: string;
  }[];
}

const SEVERITY_COLOR = { critical: 'red', warning: 'yellow', info: 'gray' } as const;

/** A decision that needs a written reason (approve/reject an export, revoke a client). */
interface Decision {
  title: string;
  confirm: string;
  color: string;
  path: string;
  invalidate: string;
}

/** The page: approvals, contracts and clients, security check. */
export function ThirdPartiesPage() {
  const { t } = useTranslation();
  const [deciding, setDeciding] = useState<Decision | null>(null);
  return (
    <>
      <Tabs defaultValue="approvals" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="approvals">{t('thirdParties.tabs.approvals')}</Tabs.Tab>
          <Tabs.Tab value="contracts">{t('thirdParties.tabs.contracts')}</Tabs.Tab>
          <Tabs.Tab value="check">{t('thirdParties.tabs.check')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="approvals">
          <Stack>
            <PendingExports onDecide={setDeciding} />
            <Windows />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="contracts">
          <ContractsAndClients onDecide={setDeciding} />
        </Tabs.Panel>
        <Tabs.Panel value="check">
          <SecurityCheck />
        </Tabs.Panel>
      </Tabs>
      {deciding && <ReasonDialog decision={deciding} onClose={() => setDeciding(null)} />}
    </>
  );
}

function PendingExports({ onDecide }: { onDecide: (d: Decision) => void }) {
  const { t } = useTranslation();
  // The second approver is a privacy officer (administrators see the queue but do not decide).
  const approver = hasRole(useMe().data, ['privacy-officer']);
  const q = useQuery({
    queryKey: ['governance', 'exports'],
    queryFn: () => api<{ items: PendingExport[] }>('GET', '/api/governance/exports/pending'),
  });
  const decide = (e: PendingExport, outcome: 'approve' | 'reject') =>
    onDecide({
      title: t(`thirdParties.exports.${outcome}Title`, {
        id: e.id,
        who: e.requestedBy,
        n: e.itemCount,
      }),
      confirm: t(`thirdParties.exports.${outcome}`),
      color: outcome === 'approve' ? 'green' : 'red',
      path: `/api/governance/exports/${encodeURIComponent(e.id)}/${outcome}`,
      invalidate: 'exports',
    });
  return (
    <Paper withBorder p="md">
      <Title order={4} mb="xs">
        {t('thirdParties.exports.title')}
      </Title>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty>{t('thirdParties.exports.empty')}</Empty>
      ) : (
        <Table striped data-testid="pending-exports">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('thirdParties.exports.requested')}</Table.Th>
              <Table.Th>{t('thirdParties.exports.by')}</Table.Th>
              <Table.Th>{t('thirdParties.exports.recipient')}</Table.Th>
              <Table.Th>{t('thirdParties.exports.purpose')}</Table.Th>
              <Table.Th>{t('thirdParties.exports.items')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.items.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{when(e.createdAt)}</Table.Td>
                <Table.Td>{e.requestedBy}</Table.Td>
                <Table.Td>
                  {e.recipient.name}
                  {e.recipient.organization && (
                    <Text size="xs" c="dimmed">
                      {e.recipient.organization}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {t(`records.purposes.${e.purpose}`, e.purpose)}
                  {e.reference && (
                    <Text size="xs" c="dimmed">
                      {e.reference}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {t(`thirdParties.exports.kinds.${e.kind}`, {
                    n: e.itemCount,
                    patients: e.patientCount,
                  })}
                  {e.deidentify && (
                    <Badge ml="xs" variant="light">
                      {t('thirdParties.exports.deidentified')}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  {approver && (
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" color="green" onClick={() => decide(e, 'approve')}>
                        {t('thirdParties.exports.approve')}
                      </Button>
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        onClick={() => decide(e, 'reject')}
                      >
                        {t('thirdParties.exports.reject')}
                      </Button>
                    </Group>
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

function Windows() {
  const { t } = useTranslation();
  const approver = hasRole(useMe().data, ['privacy-officer']);
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['governance', 'windows'],
    queryFn: () => api<{ items: MaintenanceWindow[] }>('GET', '/api/governance/windows'),
  });
  const decide = useMutation({
    mutationFn: ({ id, outcome }: { id: string; outcome: 'approved' | 'rejected' }) =>
      api<unknown>('POST', `/api/governance/windows/${encodeURIComponent(id)}/decision`, {
        outcome,
      }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['governance', 'windows'] }),
  });
  return (
    <Paper withBorder p="md">
      <Title order={4} mb="xs">
        {t('thirdParties.windows.title')}
      </Title>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty>{t('thirdParties.windows.empty')}</Empty>
      ) : (
        <Table striped data-testid="windows">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('thirdParties.windows.engineer')}</Table.Th>
              <Table.Th>{t('thirdParties.windows.when')}</Table.Th>
              <Table.Th>{t('thirdParties.windows.systems')}</Table.Th>
              <Table.Th>{t('thirdParties.windows.reason')}</Table.Th>
              <Table.Th>{t('thirdParties.windows.status')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.items.map((w) => (
              <Table.Tr key={w.id}>
                <Table.Td>{w.staffId}</Table.Td>
                <Table.Td>
                  {when(w.startsAt)} – {when(w.endsAt)}
                </Table.Td>
                <Table.Td>{w.systems.join(', ')}</Table.Td>
                <Table.Td>{w.reason}</Table.Td>
                <Table.Td>{t(`thirdParties.windows.statuses.${w.status}`, w.status)}</Table.Td>
                <Table.Td>
                  {w.status === 'requested' && approver && (
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        color="green"
                        loading={decide.isPending}
                        onClick={() => decide.mutate({ id: w.id, outcome: 'approved' })}
                      >
                        {t('thirdParties.windows.approve')}
                      </Button>
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        loading={decide.isPending}
                        onClick={() => decide.mutate({ id: w.id, outcome: 'rejected' })}
                      >
                        {t('thirdParties.windows.reject')}
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {decide.isError && <ErrorBox error={decide.error} />}
    </Paper>
  );
}

function ContractsAndClients({ onDecide }: { onDecide: (d: Decision) => void }) {
  const { t } = useTranslation();
  const contracts = useQuery({
    queryKey: ['governance', 'contracts'],
    queryFn: () => api<{ items: Contract[] }>('GET', '/api/governance/contracts'),
  });
  const clients = useQuery({
    queryKey: ['governance', 'clients'],
    queryFn: () => api<{ items: ApiClient[] }>('GET', '/api/governance/clients'),
  });
  if (contracts.isPending || clients.isPending) return <Loading />;
  if (contracts.isError) return <ErrorBox error={contracts.error} />;
  if (clients.isError) return <ErrorBox error={clients.error} />;
  if (contracts.data.items.length === 0) return <Empty>{t('thirdParties.contracts.empty')}</Empty>;
  const byContract = new Map<string, ApiClient[]>();
  for (const cl of clients.data.items)
    byContract.set(cl.contractId, [...(byContract.get(cl.contractId) ?? []), cl]);
  return (
    <Stack>
      {contracts.data.items.map((c) => (
        <Paper withBorder p="md" key={c.id} data-testid="contract">
          <Group justify="space-between" mb="xs">
            <Title order={4}>
              {c.party.name}{' '}
              <Text span size="sm" c="dimmed">
                {t(`thirdParties.contracts.kinds.${c.party.kind}`, c.party.kind)} · {c.id} v
                {c.version}
              </Text>
            </Title>
            <Badge color={c.status === 'active' ? 'green' : 'gray'}>
              {t(`thirdParties.contracts.statuses.${c.status}`)}
            </Badge>
          </Group>
          <Text size="sm">
            {t('thirdParties.contracts.terms', {
              purpose: t(`records.purposes.${c.purpose}`, c.purpose),
              limit: c.dailyLimit,
              from: when(c.validFrom),
              until: c.validUntil ? when(c.validUntil) : t('thirdParties.contracts.noEnd'),
            })}
            {c.deidentify && ` · ${t('thirdParties.exports.deidentified')}`}
          </Text>
          <Text size="sm" c="dimmed" mb="xs">
            {t('thirdParties.contracts.fields')}: {c.fields.join(', ')}
          </Text>
          <Table>
            <Table.Tbody>
              {(byContract.get(c.id) ?? []).map((cl) => (
                <Table.Tr key={cl.id}>
                  <Table.Td>{cl.name}</Table.Td>
                  <Table.Td>{cl.id}</Table.Td>
                  <Table.Td>{cl.authMethod}</Table.Td>
                  <Table.Td>
                    {t('thirdParties.clients.lastUsed')}: {when(cl.lastUsedAt)}
                  </Table.Td>
                  <Table.Td>
                    {cl.status === 'active' ? (
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        onClick={() =>
                          onDecide({
                            title: t('thirdParties.clients.revokeTitle', { name: cl.name }),
                            confirm: t('thirdParties.clients.revoke'),
                            color: 'red',
                            path: `/api/governance/clients/${encodeURIComponent(cl.id)}/revoke`,
                            invalidate: 'clients',
                          })
                        }
                      >
                        {t('thirdParties.clients.revoke')}
                      </Button>
                    ) : (
                      <Badge color="gray">{t('thirdParties.clients.revoked')}</Badge>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      ))}
    </Stack>
  );
}

function SecurityCheck() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['governance', 'security-check'],
    queryFn: () => api<SecurityReport>('GET', '/api/governance/security-check'),
    enabled: false,
  });
  return (
    <Stack>
      <Group>
        <Button loading={q.isFetching} onClick={() => void q.refetch()}>
          {t('thirdParties.check.run')}
        </Button>
        {q.data && (
          <Badge size="lg" color={q.data.passed ? 'green' : 'red'} data-testid="check-verdict">
            {t(q.data.passed ? 'thirdParties.check.passed' : 'thirdParties.check.failed', {
              critical: q.data.counts.critical ?? 0,
              warning: q.data.counts.warning ?? 0,
            })}
          </Badge>
        )}
      </Group>
      {q.isError && <ErrorBox error={q.error} />}
      {q.data &&
        (q.data.findings.length === 0 ? (
          <Empty>{t('thirdParties.check.none')}</Empty>
        ) : (
          <Paper withBorder>
            <Table striped data-testid="check-findings">
              <Table.Tbody>
                {q.data.findings.map((f, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>
                      <Badge color={SEVERITY_COLOR[f.severity]}>
                        {t(`thirdParties.check.severities.${f.severity}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{f.code}</Table.Td>
                    <Table.Td>{f.subject}</Table.Td>
                    <Table.Td>{f.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        ))}
    </Stack>
  );
}

/** Asks for the written reason a decision is recorded with, then posts it. */
function ReasonDialog({ decision, onClose }: { decision: Decision; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const sub = useSubmission(['reason']);
  return (
    <Modal opened onClose={onClose} title={decision.title}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            await api('POST', decision.path, { reason: reason.trim() });
            await qc.invalidateQueries({ queryKey: ['governance', decision.invalidate] });
            onClose();
          });
        }}
      >
        <Stack>
          <Textarea
            name="reason"
            required
            label={t('thirdParties.reason')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={sub.fieldError('reason')}
          />
          {!!sub.formError && <ErrorBox error={sub.formError} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              color={decision.color}
              loading={sub.busy}
              disabled={!reason.trim()}
            >
              {decision.confirm}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
