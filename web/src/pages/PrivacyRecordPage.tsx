/**
 * A staff member's privacy record (医务人员隐私保护信用档案) for privacy officers: the education and sanctions
 * recorded when cases about them were resolved, with the case, the note and the escalation, from
 * GET /api/monitor/staff/:id/privacy-record.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Badge, Button, Code, Group, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { api, type PrivacyRecord } from '../api.ts';
import { useDepartmentName } from '../components/departments.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';

/** The privacy record view. */
export function PrivacyRecordPage() {
  const { t } = useTranslation();
  const depName = useDepartmentName();
  const [draft, setDraft] = useState('');
  const [staffId, setStaffId] = useState('');
  const q = useQuery({
    queryKey: ['monitor', 'privacy-record', staffId],
    queryFn: () =>
      api<PrivacyRecord>('GET', `/api/monitor/staff/${encodeURIComponent(staffId)}/privacy-record`),
    enabled: staffId !== '',
    retry: false,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setStaffId(draft.trim());
  };
  return (
    <Stack>
      <Paper withBorder p="md" component="form" onSubmit={submit}>
        <Group align="end">
          <TextInput
            name="staffId"
            label={t('privacyRecord.staffId')}
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
          />
          <Button type="submit" disabled={!draft.trim()}>
            {t('privacyRecord.show')}
          </Button>
        </Group>
      </Paper>
      {staffId === '' ? null : q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <Paper withBorder p="md" data-testid="privacy-record-page">
          <Group mb="sm" gap="xs">
            <Text fw={700}>{q.data.staffId}</Text>
            {q.data.departmentId && <Badge variant="light">{depName(q.data.departmentId)}</Badge>}
            {q.data.roles.map((r) => (
              <Badge key={r} variant="outline" tt="none">
                {t(`roles.${r}`, r)}
              </Badge>
            ))}
            <Badge color={q.data.status === 'active' ? 'green' : 'gray'} variant="light">
              {t(`status.${q.data.status}`, q.data.status)}
            </Badge>
          </Group>
          {q.data.entries.length === 0 ? (
            <Empty>{t('privacyRecord.empty')}</Empty>
          ) : (
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('privacyRecord.cols.when')}</Table.Th>
                  <Table.Th>{t('privacyRecord.cols.kind')}</Table.Th>
                  <Table.Th>{t('privacyRecord.cols.note')}</Table.Th>
                  <Table.Th>{t('privacyRecord.cols.escalated')}</Table.Th>
                  <Table.Th>{t('privacyRecord.cols.by')}</Table.Th>
                  <Table.Th>{t('privacyRecord.cols.case')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {q.data.entries.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{new Date(r.recordedAt).toLocaleString()}</Table.Td>
                    <Table.Td>
                      <Badge
                        color={r.kind === 'sanction' ? 'red' : 'blue'}
                        variant="light"
                        tt="none"
                      >
                        {t(`cases.dispositions.${r.kind}`)}
                      </Badge>
                      {r.sanction && (
                        <Text size="sm">{t(`cases.sanctions.${r.sanction}`, r.sanction)}</Text>
                      )}
                    </Table.Td>
                    <Table.Td>{r.note}</Table.Td>
                    <Table.Td>{r.escalatedTo ?? '—'}</Table.Td>
                    <Table.Td>{r.recordedBy}</Table.Td>
                    <Table.Td>
                      <Code>{r.caseId}</Code>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Paper>
      )}
    </Stack>
  );
}
