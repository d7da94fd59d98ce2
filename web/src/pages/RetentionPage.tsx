/**
 * Retention and destruction (保存期限与销毁): the retention rules per category with their legal
 * basis, the records past their period (held ones marked), destruction of the chosen records by
 * crypto-shredding with the signed destruction certificate it produces, and legal holds that stop
 * destruction (placed and released with a reason). Every step is the compliance routes' work and
 * is ledgered there.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Modal,
  NumberInput,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { api } from '../api.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { useSubmission } from '../components/forms.ts';

interface Rule {
  category: string;
  years: number;
  basis: string;
}
interface Due {
  patientId: string;
  lastActivity: string;
  dueAt: string;
  rule: string;
  held: boolean;
}
interface Hold {
  id: string;
  patientId: string | null;
  reason: string;
  incidentId: string | null;
  placedBy: string;
  placedAt: string;
  releasedAt: string | null;
}
interface Destruction {
  certificate: { id: string; digest: string; keyId: string } | null;
  destroyed: string[];
  skippedHeld: string[];
}

const day = (s: string) => new Date(s).toLocaleDateString();

/** The retention view. */
export function RetentionPage() {
  return (
    <Stack>
      <Rules />
      <DueRecords />
      <Holds />
    </Stack>
  );
}

function Rules() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['retention', 'rules'],
    queryFn: () => api<{ items: Rule[] }>('GET', '/api/compliance/retention/rules'),
  });
  const [category, setCategory] = useState('');
  const [years, setYears] = useState<number | string>(30);
  const [basis, setBasis] = useState('');
  const sub = useSubmission(['category', 'years', 'basis']);
  return (
    <Paper withBorder p="md">
      <Title order={4} mb="xs">
        {t('retention.rules.title')}
      </Title>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <Table mb="sm" data-testid="retention-rules">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('retention.rules.category')}</Table.Th>
              <Table.Th>{t('retention.rules.years')}</Table.Th>
              <Table.Th>{t('retention.rules.basis')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.items.map((r) => (
              <Table.Tr key={r.category}>
                <Table.Td>{r.category}</Table.Td>
                <Table.Td>{r.years}</Table.Td>
                <Table.Td>{r.basis}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            await api('PUT', '/api/compliance/retention/rules', {
              category: category.trim(),
              years: Number(years),
              basis: basis.trim(),
            });
            setCategory('');
            setBasis('');
            await qc.invalidateQueries({ queryKey: ['retention'] });
          });
        }}
      >
        <Group align="end">
          <TextInput
            name="category"
            label={t('retention.rules.category')}
            description={t('retention.rules.categoryHint')}
            value={category}
            onChange={(e) => setCategory(e.currentTarget.value)}
            error={sub.fieldError('category')}
          />
          <NumberInput
            name="years"
            label={t('retention.rules.years')}
            min={1}
            max={100}
            w={100}
            value={years}
            onChange={setYears}
            error={sub.fieldError('years')}
          />
          <TextInput
            name="basis"
            label={t('retention.rules.basis')}
            style={{ flex: 1 }}
            value={basis}
            onChange={(e) => setBasis(e.currentTarget.value)}
            error={sub.fieldError('basis')}
          />
          <Button type="submit" loading={sub.busy} disabled={!category.trim() || !basis.trim()}>
            {t('retention.rules.save')}
          </Button>
        </Group>
        {!!sub.formError && <ErrorBox error={sub.formError} />}
      </form>
    </Paper>
  );
}

function DueRecords() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['retention', 'due'],
    queryFn: () => api<{ items: Due[] }>('GET', '/api/compliance/retention/due?limit=1000'),
  });
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const destroy = useMutation({
    mutationFn: () =>
      api<Destruction>('POST', '/api/compliance/retention/destroy', {
        patientIds: [...chosen],
      }),
    onSuccess: () => {
      setChosen(new Set());
      setConfirming(false);
      void qc.invalidateQueries({ queryKey: ['retention'] });
    },
  });
  const toggle = (id: string) =>
    setChosen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  return (
    <Paper withBorder p="md">
      <Title order={4} mb="xs">
        {t('retention.due.title')}
      </Title>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty>{t('retention.due.empty')}</Empty>
      ) : (
        <>
          <Table striped data-testid="retention-due">
            <Table.Thead>
              <Table.Tr>
                <Table.Th />
                <Table.Th>{t('retention.due.patient')}</Table.Th>
                <Table.Th>{t('retention.due.lastActivity')}</Table.Th>
                <Table.Th>{t('retention.due.dueAt')}</Table.Th>
                <Table.Th>{t('retention.due.rule')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.items.map((d) => (
                <Table.Tr key={d.patientId}>
                  <Table.Td>
                    {d.held ? (
                      <Badge color="orange">{t('retention.due.held')}</Badge>
                    ) : (
                      <Checkbox
                        aria-label={t('retention.due.choose', { id: d.patientId })}
                        checked={chosen.has(d.patientId)}
                        onChange={() => toggle(d.patientId)}
                      />
                    )}
                  </Table.Td>
                  <Table.Td>{d.patientId}</Table.Td>
                  <Table.Td>{day(d.lastActivity)}</Table.Td>
                  <Table.Td>{day(d.dueAt)}</Table.Td>
                  <Table.Td>{d.rule}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Button
            mt="sm"
            color="red"
            disabled={chosen.size === 0}
            onClick={() => setConfirming(true)}
          >
            {t('retention.due.destroy', { n: chosen.size })}
          </Button>
        </>
      )}
      {destroy.data && (
        <Paper withBorder p="sm" mt="sm" data-testid="destruction-certificate">
          <Text size="sm">
            {t('retention.due.destroyed', { n: destroy.data.destroyed.length })}
          </Text>
          {destroy.data.certificate && (
            <Text size="sm">
              {t('retention.due.certificate')}: <Code>{destroy.data.certificate.id}</Code> SHA-256{' '}
              <Code>{destroy.data.certificate.digest}</Code>
            </Text>
          )}
        </Paper>
      )}
      {confirming && (
        <Modal
          opened
          onClose={() => setConfirming(false)}
          title={t('retention.due.confirmTitle', { n: chosen.size })}
        >
          <Stack>
            <Text size="sm">{t('retention.due.confirmBody')}</Text>
            {destroy.isError && <ErrorBox error={destroy.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </Button>
              <Button color="red" loading={destroy.isPending} onClick={() => destroy.mutate()}>
                {t('retention.due.destroy', { n: chosen.size })}
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Paper>
  );
}

function Holds() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['retention', 'holds'],
    queryFn: () => api<{ items: Hold[] }>('GET', '/api/compliance/holds'),
  });
  const [patientId, setPatientId] = useState('');
  const [reason, setReason] = useState('');
  const sub = useSubmission(['patientId', 'reason']);
  const release = useMutation({
    mutationFn: (id: string) =>
      api<unknown>('DELETE', `/api/compliance/holds/${encodeURIComponent(id)}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['retention'] }),
  });
  const active = q.data?.items.filter((h) => !h.releasedAt) ?? [];
  return (
    <Paper withBorder p="md">
      <Title order={4} mb="xs">
        {t('retention.holds.title')}
      </Title>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : active.length === 0 ? (
        <Empty>{t('retention.holds.empty')}</Empty>
      ) : (
        <Table mb="sm" data-testid="legal-holds">
          <Table.Tbody>
            {active.map((h) => (
              <Table.Tr key={h.id}>
                <Table.Td>{h.patientId ?? t('retention.holds.everyone')}</Table.Td>
                <Table.Td>{h.reason}</Table.Td>
                <Table.Td>
                  {day(h.placedAt)} · {h.placedBy}
                </Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="default"
                    loading={release.isPending && release.variables === h.id}
                    onClick={() => release.mutate(h.id)}
                  >
                    {t('retention.holds.release')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {release.isError && <ErrorBox error={release.error} />}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            await api('POST', '/api/compliance/holds', {
              ...(patientId.trim() ? { patientId: patientId.trim() } : {}),
              reason: reason.trim(),
            });
            setPatientId('');
            setReason('');
            await qc.invalidateQueries({ queryKey: ['retention'] });
          });
        }}
      >
        <Group align="end">
          <TextInput
            name="patientId"
            label={t('retention.holds.patient')}
            description={t('retention.holds.patientHint')}
            value={patientId}
            onChange={(e) => setPatientId(e.currentTarget.value)}
            error={sub.fieldError('patientId')}
          />
          <TextInput
            name="reason"
            label={t('retention.holds.reason')}
            style={{ flex: 1 }}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={sub.fieldError('reason')}
          />
          <Button type="submit" loading={sub.busy} disabled={!reason.trim()}>
            {t('retention.holds.place')}
          </Button>
        </Group>
        {!!sub.formError && <ErrorBox error={sub.formError} />}
      </form>
    </Paper>
  );
}
