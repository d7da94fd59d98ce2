/**
 * Audit ledger search for privacy officers: filters (patient, staff, department, kind,
 * watermark code, time range) and cursor paging over GET /api/ledger/entries, with the signed
 * tree head the entries are committed to.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import {
  Badge,
  Button,
  Code,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { api, qs, type LedgerEntry } from '../api.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';

const KINDS = [
  'disclosure.read',
  'disclosure.search',
  'disclosure.print',
  'disclosure.export',
  'disclosure.api',
  'denial',
  'break-glass',
  'login',
  'login-failed',
  'mfa-change',
  'admin',
  'imported',
] as const;
const TEXT_FILTERS = ['patientId', 'actorId', 'department', 'watermarkToken'] as const;
const PAGE = 50;

type Filters = Partial<Record<(typeof TEXT_FILTERS)[number] | 'kind' | 'from' | 'to', string>>;

/** Converts a datetime-local value to ISO (the service wants date-time). */
const iso = (v: string | undefined) => (v ? new Date(v).toISOString() : undefined);

/** The ledger search view. */
export function LedgerPage() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filters>({});
  const [filters, setFilters] = useState<Filters>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const q = useQuery({
    queryKey: ['ledger', filters, cursor],
    queryFn: () =>
      api<{ items: LedgerEntry[]; nextCursor: string | null }>(
        'GET',
        `/api/ledger/entries${qs({ ...filters, from: iso(filters.from), to: iso(filters.to), cursor, limit: PAGE })}`,
      ),
  });
  const head = useQuery({
    queryKey: ['ledger-head'],
    queryFn: () =>
      api<{ head: { treeSize: number; rootHash: string; signedAt: string } }>(
        'GET',
        '/api/ledger/head',
      ),
    retry: false,
  });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setCursors([]);
    setFilters(Object.fromEntries(Object.entries(draft).filter(([, v]) => v && v.trim())));
  };
  return (
    <Stack>
      <Paper withBorder p="md" component="form" onSubmit={apply}>
        <SimpleGrid cols={4}>
          {TEXT_FILTERS.map((f) => (
            <TextInput
              key={f}
              name={f}
              label={t(`ledger.filters.${f}`)}
              value={draft[f] ?? ''}
              onChange={(e) => setDraft({ ...draft, [f]: e.currentTarget.value })}
            />
          ))}
          <Select
            label={t('ledger.filters.kind')}
            clearable
            data={KINDS.map((k) => ({ value: k, label: t(`ledger.kinds.${k}`) }))}
            value={draft.kind ?? null}
            onChange={(v) => setDraft({ ...draft, kind: v ?? '' })}
          />
          <TextInput
            type="datetime-local"
            name="from"
            label={t('ledger.filters.from')}
            value={draft.from ?? ''}
            onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
          />
          <TextInput
            type="datetime-local"
            name="to"
            label={t('ledger.filters.to')}
            value={draft.to ?? ''}
            onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Button type="submit">{t('ledger.search')}</Button>
          {head.data && (
            <Text size="xs" c="dimmed" data-testid="ledger-head">
              {t('ledger.head', {
                size: head.data.head.treeSize,
                root: head.data.head.rootHash.slice(0, 16),
                at: new Date(head.data.head.signedAt).toLocaleString(),
              })}
            </Text>
          )}
        </Group>
      </Paper>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty>{t('ledger.empty')}</Empty>
      ) : (
        <Paper withBorder>
          <Table striped data-testid="ledger">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>{t('ledger.cols.time')}</Table.Th>
                <Table.Th>{t('ledger.cols.kind')}</Table.Th>
                <Table.Th>{t('ledger.cols.actor')}</Table.Th>
                <Table.Th>{t('ledger.cols.patient')}</Table.Th>
                <Table.Th>{t('ledger.cols.purpose')}</Table.Th>
                <Table.Th>{t('ledger.cols.decision')}</Table.Th>
                <Table.Th>{t('ledger.cols.where')}</Table.Th>
                <Table.Th>{t('ledger.cols.code')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.items.map((e) => (
                <Table.Tr key={e.seq}>
                  <Table.Td>{e.seq}</Table.Td>
                  <Table.Td>{new Date(e.occurredAt).toLocaleString()}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Badge
                      tt="none"
                      style={{ overflow: 'visible' }}
                      variant="light"
                      color={
                        e.kind === 'denial' ? 'red' : e.kind === 'break-glass' ? 'orange' : 'blue'
                      }
                    >
                      {t(`ledger.kinds.${e.kind}`, e.kind)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {e.actorId}
                    {e.department && (
                      <Text size="xs" c="dimmed">
                        {e.department}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{e.patientId ?? '—'}</Table.Td>
                  <Table.Td>{e.purpose ?? '—'}</Table.Td>
                  <Table.Td>
                    {e.decision ?? '—'}
                    {e.reasons.length > 0 && (
                      <Text size="xs" c="dimmed">
                        {e.reasons.join(', ')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {e.workstation ?? '—'}
                    {e.networkAddress && (
                      <Text size="xs" c="dimmed">
                        {e.networkAddress}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{e.watermarkToken ? <Code>{e.watermarkToken}</Code> : '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <Group>
        <Button
          variant="default"
          size="xs"
          disabled={cursors.length === 0}
          onClick={() => setCursors([])}
        >
          {t('common.previous')}
        </Button>
        <Button
          variant="default"
          size="xs"
          disabled={!q.data?.nextCursor}
          onClick={() => q.data?.nextCursor && setCursors([...cursors, q.data.nextCursor])}
        >
          {t('common.next')}
        </Button>
        <Text size="sm" c="dimmed">
          {t('staff.page', { n: cursors.length + 1 })}
        </Text>
      </Group>
    </Stack>
  );
}
