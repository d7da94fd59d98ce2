/** The tenant's departments (read-only here; they arrive with the hospital's directory). */
import { useTranslation } from 'react-i18next';
import { Table } from '@mantine/core';
import { useDepartments } from '../components/departments.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';

/** The departments page. */
export function DepartmentsPage() {
  const { t } = useTranslation();
  const deps = useDepartments();
  if (deps.isPending) return <Loading />;
  if (deps.isError) return <ErrorBox error={deps.error} onRetry={() => void deps.refetch()} />;
  if (deps.data.length === 0) return <Empty>{t('departments.empty')}</Empty>;
  return (
    <Table striped verticalSpacing="xs" aria-label={t('departments.title')}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('departments.id')}</Table.Th>
          <Table.Th>{t('departments.kind')}</Table.Th>
          <Table.Th>{t('departments.nameZh')}</Table.Th>
          <Table.Th>{t('departments.nameEn')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {deps.data.map((d) => (
          <Table.Tr key={d.id}>
            <Table.Td>{d.id}</Table.Td>
            <Table.Td>{d.kind}</Table.Td>
            <Table.Td lang="zh-CN">{d.nameZh}</Table.Td>
            <Table.Td lang="en">{d.nameEn}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
