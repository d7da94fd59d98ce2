/**
 * Workstations: where records may be shown. Administrators edit the list and save it whole
 * (PUT /api/admin/workstations); privacy officers read it.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { api, ApiError, type Workstation } from '../api.ts';
import { hasRole, useMe } from '../session.tsx';
import { useDepartmentName, useDepartments } from '../components/departments.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { useSubmission } from '../components/forms.ts';

/** The workstations page. */
export function WorkstationsPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const canEdit = hasRole(useMe().data, ['administrator']);
  const departments = useDepartments();
  const depName = useDepartmentName();
  const list = useQuery({
    queryKey: ['workstations'],
    queryFn: async () =>
      (await api<{ items: Workstation[] }>('GET', '/api/admin/workstations')).items,
  });
  const [rows, setRows] = useState<Workstation[] | null>(null);
  const [saved, setSaved] = useState(false);
  const sub = useSubmission([]);
  useEffect(() => {
    if (list.data) setRows(list.data);
  }, [list.data]);

  if (list.isPending || (list.data && !rows)) return <Loading />;
  if (list.isError) return <ErrorBox error={list.error} onRetry={() => void list.refetch()} />;
  const items = rows ?? [];
  const update = (i: number, patch: Partial<Workstation>) => {
    setSaved(false);
    setRows(items.map((w, j) => (j === i ? { ...w, ...patch } : w)));
  };
  // The service names the failing item as items.<n>.<field>; show it on that cell.
  const cellError = (i: number, field: keyof Workstation) =>
    sub.error instanceof ApiError && sub.error.field === `items.${i}.${field}`
      ? sub.error.detail
      : undefined;
  const depOptions = (departments.data ?? []).map((d) => ({ value: d.id, label: depName(d.id) }));

  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('workstations.intro')}
      </Text>
      {!canEdit && <Alert color="gray">{t('workstations.readOnly')}</Alert>}
      {saved && (
        <Alert color="green" role="status">
          {t('workstations.saved')}
        </Alert>
      )}
      {sub.error != null &&
        !(sub.error instanceof ApiError && sub.error.field?.startsWith('items.')) && (
          <ErrorBox error={sub.error} />
        )}
      {items.length === 0 ? (
        <Empty>{t('workstations.empty')}</Empty>
      ) : (
        <Table verticalSpacing="xs" aria-label={t('workstations.title')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('workstations.id')}</Table.Th>
              <Table.Th>{t('workstations.label')}</Table.Th>
              <Table.Th>{t('workstations.location')}</Table.Th>
              <Table.Th>{t('workstations.department')}</Table.Th>
              <Table.Th>{t('workstations.network')}</Table.Th>
              <Table.Th>{t('workstations.active')}</Table.Th>
              {canEdit && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((w, i) =>
              canEdit ? (
                <Table.Tr key={i}>
                  <Table.Td>
                    <TextInput
                      aria-label={t('workstations.id')}
                      value={w.id}
                      onChange={(e) => update(i, { id: e.currentTarget.value })}
                      error={cellError(i, 'id')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={t('workstations.label')}
                      value={w.label}
                      onChange={(e) => update(i, { label: e.currentTarget.value })}
                      error={cellError(i, 'label')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={t('workstations.location')}
                      value={w.location}
                      onChange={(e) => update(i, { location: e.currentTarget.value })}
                      error={cellError(i, 'location')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={t('workstations.department')}
                      data={depOptions}
                      value={w.departmentId}
                      onChange={(v) => update(i, { departmentId: v })}
                      clearable
                      error={cellError(i, 'departmentId')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={t('workstations.network')}
                      value={w.network}
                      placeholder="10.1.2.0/24"
                      onChange={(e) => update(i, { network: e.currentTarget.value })}
                      error={cellError(i, 'network')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Checkbox
                      aria-label={t('workstations.active')}
                      checked={w.active}
                      onChange={(e) => update(i, { active: e.currentTarget.checked })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Button
                      variant="subtle"
                      color="red"
                      size="xs"
                      onClick={() => {
                        setSaved(false);
                        setRows(items.filter((_, j) => j !== i));
                      }}
                    >
                      {t('workstations.remove')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ) : (
                <Table.Tr key={w.id}>
                  <Table.Td>{w.id}</Table.Td>
                  <Table.Td>{w.label}</Table.Td>
                  <Table.Td>{w.location}</Table.Td>
                  <Table.Td>{depName(w.departmentId)}</Table.Td>
                  <Table.Td>{w.network || t('common.none')}</Table.Td>
                  <Table.Td>{w.active ? '✓' : '—'}</Table.Td>
                </Table.Tr>
              ),
            )}
          </Table.Tbody>
        </Table>
      )}
      {canEdit && (
        <Group justify="space-between">
          <Button
            variant="default"
            onClick={() => {
              setSaved(false);
              setRows([
                ...items,
                { id: '', label: '', location: '', departmentId: null, network: '', active: true },
              ]);
            }}
          >
            {t('workstations.add')}
          </Button>
          <Button
            loading={sub.busy}
            onClick={() =>
              void sub.run(async () => {
                await api('PUT', '/api/admin/workstations', { items });
                await qc.invalidateQueries({ queryKey: ['workstations'] });
                setSaved(true);
              })
            }
          >
            {t('workstations.save')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
