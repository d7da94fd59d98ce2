/**
 * Encryption keys (密钥管理): the keyring's key-encryption keys with their ages, this tenant's
 * cipher suite and blind-index algorithm, its patients' data keys by state, what a rotation has
 * left to re-wrap and how many patients' keys were destroyed. Read-only: rotation and shredding
 * are `custos keys …` commands run by an administrator on the server.
 */
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Badge, Paper, SimpleGrid, Stack, Table, Title } from '@mantine/core';
import { api } from '../api.ts';
import { ErrorBox, Loading } from '../components/states.tsx';
import { Field } from '../components/field.tsx';

interface Kek {
  id: string;
  version: number;
  createdAt: string;
  active: boolean;
}

/** GET /api/admin/keys */
interface KeyStatus {
  keyring: { id: string; kind: string; activeKek: Kek; keks: Kek[] };
  tenant: {
    suite: string;
    indexAlgorithm: string;
    dataKeys: Record<string, number>;
    byKek: Record<string, number>;
  } | null;
  pendingRewrap: number;
  destructions: number;
}

/** A key-encryption key older than this is due for rotation (the security check's default). */
const KEK_MAX_AGE_DAYS = 365;
const ageDays = (iso: string) => Math.floor((Date.now() - Date.parse(iso)) / 86_400_000);

/** The key status view. */
export function KeysPage() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['admin', 'keys'],
    queryFn: () => api<KeyStatus>('GET', '/api/admin/keys'),
  });
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorBox error={q.error} onRetry={() => void q.refetch()} />;
  const s = q.data;
  return (
    <Stack>
      <Paper withBorder p="md">
        <SimpleGrid cols={4} data-testid="key-summary">
          <Field label={t('keys.keyring')} value={`${s.keyring.kind} ${s.keyring.id}`} />
          <Field label={t('keys.suite')} value={s.tenant?.suite ?? '—'} />
          <Field label={t('keys.index')} value={s.tenant?.indexAlgorithm ?? '—'} />
          <Field
            label={t('keys.dataKeys')}
            value={
              Object.entries(s.tenant?.dataKeys ?? {})
                .map(([state, n]) => `${t(`keys.states.${state}`, state)} ${n}`)
                .join(', ') || '—'
            }
          />
          <Field
            label={t('keys.pendingRewrap')}
            value={<Badge color={s.pendingRewrap ? 'yellow' : 'green'}>{s.pendingRewrap}</Badge>}
          />
          <Field label={t('keys.destructions')} value={s.destructions} />
        </SimpleGrid>
      </Paper>
      <Title order={4}>{t('keys.keks')}</Title>
      <Paper withBorder>
        <Table data-testid="keks">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('keys.kek')}</Table.Th>
              <Table.Th>{t('keys.created')}</Table.Th>
              <Table.Th>{t('keys.age')}</Table.Th>
              <Table.Th>{t('keys.wrapped')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {s.keyring.keks.map((k) => {
              const age = ageDays(k.createdAt);
              return (
                <Table.Tr key={k.id}>
                  <Table.Td>
                    {k.id} (v{k.version})
                  </Table.Td>
                  <Table.Td>{new Date(k.createdAt).toLocaleString()}</Table.Td>
                  <Table.Td>{t('keys.days', { n: age })}</Table.Td>
                  <Table.Td>{s.tenant?.byKek[k.id] ?? 0}</Table.Td>
                  <Table.Td>
                    {k.active && <Badge color="green">{t('keys.active')}</Badge>}{' '}
                    {k.active && age > KEK_MAX_AGE_DAYS && (
                      <Badge color="yellow">{t('keys.rotateDue')}</Badge>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}
