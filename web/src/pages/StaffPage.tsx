/**
 * Staff administration: filter and page through staff, create a staff member, suspend /
 * reinstate / record a departure with a reason, end all sessions. Every change is recorded in
 * the audit ledger by the service.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Menu,
  Modal,
  MultiSelect,
  PasswordInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import {
  api,
  ROLES,
  STATUSES,
  type EmploymentStatus,
  type Role,
  type Staff,
  type StaffPage as Page,
} from '../api.ts';
import { hasRole, useMe } from '../session.tsx';
import { useDepartmentName, useDepartments } from '../components/departments.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { useSubmission } from '../components/forms.ts';

const PAGE_SIZE = 25;

const STATUS_COLOR: Record<EmploymentStatus, string> = {
  active: 'green',
  suspended: 'orange',
  departed: 'gray',
};

type Action =
  { kind: 'status'; staff: Staff; status: EmploymentStatus } | { kind: 'revoke'; staff: Staff };

/** The staff page. */
export function StaffPage() {
  const { t } = useTranslation();
  const me = useMe().data;
  const isAdmin = hasRole(me, ['administrator']);
  const departments = useDepartments();
  const depName = useDepartmentName();
  const [department, setDepartment] = useState<string | null>(null);
  const [role, setRole] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  // Cursor paging: the cursors of the pages visited so far ("" = first page).
  const [cursors, setCursors] = useState<string[]>(['']);
  const after = cursors[cursors.length - 1]!;
  const [action, setAction] = useState<Action | null>(null);
  const [creating, setCreating] = useState(false);
  // A notice is kept as a function so it follows a language switch.
  const [notice, setNotice] = useState<(() => string) | null>(null);

  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (department) params.set('department', department);
  if (role) params.set('role', role);
  if (status) params.set('status', status);
  if (after) params.set('after', after);
  const list = useQuery({
    queryKey: ['staff', params.toString()],
    queryFn: () => api<Page>('GET', `/api/admin/staff?${params}`),
    placeholderData: keepPreviousData,
  });

  const resetPaging = () => setCursors(['']);
  const roleOptions = ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }));
  const statusOptions = STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }));
  const depOptions = (departments.data ?? []).map((d) => ({ value: d.id, label: depName(d.id) }));

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Group align="flex-end">
          <Select
            label={t('staff.filterDepartment')}
            placeholder={t('common.all')}
            data={depOptions}
            value={department}
            onChange={(v) => {
              setDepartment(v);
              resetPaging();
            }}
            clearable
            searchable
            w={200}
          />
          <Select
            label={t('staff.filterRole')}
            placeholder={t('common.all')}
            data={roleOptions}
            value={role}
            onChange={(v) => {
              setRole(v);
              resetPaging();
            }}
            clearable
            w={200}
          />
          <Select
            label={t('staff.filterStatus')}
            placeholder={t('common.all')}
            data={statusOptions}
            value={status}
            onChange={(v) => {
              setStatus(v);
              resetPaging();
            }}
            clearable
            w={160}
          />
        </Group>
        {isAdmin && <Button onClick={() => setCreating(true)}>{t('staff.new')}</Button>}
      </Group>

      {notice && (
        <Alert color="green" withCloseButton onClose={() => setNotice(null)} role="status">
          {notice()}
        </Alert>
      )}

      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorBox error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{t('staff.empty')}</Empty>
      ) : (
        <Table striped highlightOnHover verticalSpacing="xs" aria-label={t('staff.title')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('staff.name')}</Table.Th>
              <Table.Th>{t('staff.username')}</Table.Th>
              <Table.Th>{t('staff.staffNumber')}</Table.Th>
              <Table.Th>{t('staff.roles')}</Table.Th>
              <Table.Th>{t('staff.department')}</Table.Th>
              <Table.Th>{t('staff.status')}</Table.Th>
              <Table.Th>{t('staff.mfa')}</Table.Th>
              <Table.Th>
                <span className="visually-hidden">{t('staff.actions')}</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{s.name}</Table.Td>
                <Table.Td>{s.username}</Table.Td>
                <Table.Td>{s.staffNumber}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {s.roles.map((r) => (
                      <Badge key={r} variant="light" size="sm">
                        {t(`roles.${r}`)}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>{depName(s.departmentId)}</Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLOR[s.status]} variant="dot">
                    {t(`status.${s.status}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={s.mfaRequired && !s.mfaEnrolled ? 'orange' : undefined}>
                    {s.mfaEnrolled
                      ? t('staff.mfaEnrolled')
                      : s.mfaRequired
                        ? t('staff.mfaPending')
                        : t('staff.mfaNotRequired')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Menu position="bottom-end" withinPortal>
                    <Menu.Target>
                      <ActionIcon
                        variant="subtle"
                        aria-label={t('staff.actionsOf', { name: s.name })}
                        disabled={s.id === me?.staff.id}
                      >
                        ⋯
                      </ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      {s.status !== 'suspended' && s.status !== 'departed' && (
                        <Menu.Item
                          onClick={() =>
                            setAction({ kind: 'status', staff: s, status: 'suspended' })
                          }
                        >
                          {t('staff.suspend')}
                        </Menu.Item>
                      )}
                      {s.status !== 'active' && (
                        <Menu.Item
                          onClick={() => setAction({ kind: 'status', staff: s, status: 'active' })}
                        >
                          {t('staff.reinstate')}
                        </Menu.Item>
                      )}
                      {s.status !== 'departed' && (
                        <Menu.Item
                          color="red"
                          onClick={() =>
                            setAction({ kind: 'status', staff: s, status: 'departed' })
                          }
                        >
                          {t('staff.depart')}
                        </Menu.Item>
                      )}
                      <Menu.Divider />
                      <Menu.Item onClick={() => setAction({ kind: 'revoke', staff: s })}>
                        {t('staff.revoke')}
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}

      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('staff.page', { n: cursors.length })}
        </Text>
        <Group>
          <Button variant="default" size="xs" disabled={cursors.length === 1} onClick={resetPaging}>
            {t('common.previous')}
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={!list.data?.next}
            onClick={() => list.data?.next && setCursors([...cursors, list.data.next])}
          >
            {t('common.next')}
          </Button>
        </Group>
      </Group>

      {action && (
        <ActionModal
          action={action}
          onClose={() => setAction(null)}
          onDone={(text) => {
            setAction(null);
            setNotice(() => text);
          }}
        />
      )}
      {creating && (
        <CreateStaffModal
          onClose={() => setCreating(false)}
          onDone={(s) => {
            setCreating(false);
            setNotice(() => () => i18next.t('staff.created', { name: s.name }));
          }}
        />
      )}
    </Stack>
  );
}

function ActionModal({
  action,
  onClose,
  onDone,
}: {
  action: Action;
  onClose: () => void;
  onDone: (text: () => string) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const sub = useSubmission(['reason']);
  const name = action.staff.name;
  const title =
    action.kind === 'revoke'
      ? t('staff.confirmRevoke', { name })
      : action.status === 'suspended'
        ? t('staff.confirmSuspend', { name })
        : action.status === 'active'
          ? t('staff.confirmReinstate', { name })
          : t('staff.confirmDepart', { name });
  return (
    <Modal opened onClose={onClose} title={title} centered>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            if (action.kind === 'revoke') {
              const r = await api<{ revoked: number }>(
                'POST',
                `/api/admin/staff/${encodeURIComponent(action.staff.id)}/revoke-sessions`,
                { reason },
              );
              onDone(() => i18next.t('staff.revoked', { count: r.revoked }));
            } else {
              const s = await api<Staff>(
                'POST',
                `/api/admin/staff/${encodeURIComponent(action.staff.id)}/status`,
                { status: action.status, reason },
              );
              await qc.invalidateQueries({ queryKey: ['staff'] });
              onDone(() =>
                i18next.t('staff.statusChanged', {
                  name: s.name,
                  status: i18next.t(`status.${s.status}`),
                }),
              );
            }
          });
        }}
      >
        <Stack>
          {sub.formError != null && <ErrorBox error={sub.formError} />}
          <Textarea
            label={t('staff.reason')}
            description={t('staff.reasonHint')}
            name="reason"
            withAsterisk
            autosize
            minRows={2}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={sub.fieldError('reason')}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              loading={sub.busy}
              color={action.kind === 'status' && action.status === 'departed' ? 'red' : undefined}
            >
              {action.kind === 'revoke'
                ? t('staff.revoke')
                : action.status === 'suspended'
                  ? t('staff.suspend')
                  : action.status === 'active'
                    ? t('staff.reinstate')
                    : t('staff.depart')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const CREATE_FIELDS = ['username', 'staffNumber', 'name', 'roles', 'departmentId', 'password'];

function CreateStaffModal({
  onClose,
  onDone,
}: {
  onClose: () => void;
  onDone: (s: Staff) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const departments = useDepartments();
  const depName = useDepartmentName();
  const [form, setForm] = useState({
    username: '',
    staffNumber: '',
    name: '',
    roles: [] as Role[],
    departmentId: null as string | null,
    password: '',
  });
  const sub = useSubmission(CREATE_FIELDS);
  const set = <K extends keyof typeof form>(k: K, v: (typeof form)[K]) =>
    setForm({ ...form, [k]: v });

  return (
    <Modal opened onClose={onClose} title={t('staff.new')} centered size="lg">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            const { departmentId, ...rest } = form;
            const s = await api<Staff>('POST', '/api/admin/staff', {
              ...rest,
              ...(departmentId ? { departmentId } : {}),
            });
            await qc.invalidateQueries({ queryKey: ['staff'] });
            onDone(s);
          });
        }}
      >
        <Stack>
          {sub.formError != null && <ErrorBox error={sub.formError} />}
          <Group grow align="flex-start">
            <TextInput
              label={t('staff.name')}
              name="name"
              withAsterisk
              value={form.name}
              onChange={(e) => set('name', e.currentTarget.value)}
              error={sub.fieldError('name')}
              data-autofocus
            />
            <TextInput
              label={t('staff.staffNumber')}
              name="staffNumber"
              withAsterisk
              value={form.staffNumber}
              onChange={(e) => set('staffNumber', e.currentTarget.value)}
              error={sub.fieldError('staffNumber')}
            />
          </Group>
          <TextInput
            label={t('staff.username')}
            name="username"
            autoComplete="off"
            withAsterisk
            value={form.username}
            onChange={(e) => set('username', e.currentTarget.value)}
            error={sub.fieldError('username')}
          />
          <MultiSelect
            label={t('staff.roles')}
            name="roles"
            withAsterisk
            data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            value={form.roles}
            onChange={(v) => set('roles', v as Role[])}
            error={sub.fieldError('roles')}
            searchable
          />
          <Select
            label={t('staff.department')}
            name="departmentId"
            placeholder={t('staff.noDepartment')}
            data={(departments.data ?? []).map((d) => ({ value: d.id, label: depName(d.id) }))}
            value={form.departmentId}
            onChange={(v) => set('departmentId', v)}
            error={sub.fieldError('departmentId')}
            clearable
            searchable
          />
          <PasswordInput
            label={t('staff.password')}
            description={t('staff.passwordHint')}
            name="password"
            autoComplete="new-password"
            withAsterisk
            value={form.password}
            onChange={(e) => set('password', e.currentTarget.value)}
            error={sub.fieldError('password')}
            aria-invalid={sub.fieldError('password') ? true : undefined}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={sub.busy}>
              {t('staff.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
