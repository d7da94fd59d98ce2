/**
 * The privacy officer's break-the-glass review queue: every emergency access with its declared
 * reason, to approve or flag (with a note, recorded in the ledger).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
} from '@mantine/core';
import { api, qs, type Grant } from '../api.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { when } from '../components/format.ts';
import { useSubmission } from '../components/forms.ts';

const STATUSES = ['pending', 'approved', 'flagged'] as const;

/** The review queue. */
export function ReviewsPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('pending');
  const [acting, setActing] = useState<{ grant: Grant; outcome: 'approved' | 'flagged' } | null>(
    null,
  );
  const q = useQuery({
    queryKey: ['break-glass-reviews', status],
    queryFn: () =>
      api<{ items: Grant[] }>(
        'GET',
        `/api/access/break-glass/reviews${qs({ status, limit: 200 })}`,
      ),
  });
  return (
    <Stack>
      <SegmentedControl
        w="fit-content"
        aria-label={t('reviews.status')}
        value={status}
        onChange={(v) => setStatus(v as typeof status)}
        data={STATUSES.map((s) => ({ value: s, label: t(`reviews.statuses.${s}`) }))}
      />
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty>{t('reviews.empty')}</Empty>
      ) : (
        <Paper withBorder>
          <Table striped data-testid="reviews">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('reviews.grantedAt')}</Table.Th>
                <Table.Th>{t('reviews.staff')}</Table.Th>
                <Table.Th>{t('reviews.patient')}</Table.Th>
                <Table.Th>{t('reviews.reason')}</Table.Th>
                <Table.Th>{t('reviews.outcome')}</Table.Th>
                <Table.Th>{t('staff.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.items.map((g) => (
                <Table.Tr key={g.grantId}>
                  <Table.Td>{when(g.grantedAt)}</Table.Td>
                  <Table.Td>{g.staffId}</Table.Td>
                  <Table.Td>{g.patientId}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">
                      {t(`records.reasons.${g.reasonCode}`, g.reasonCode)}
                    </Badge>
                    <Text size="sm">{g.reasonText}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge
                      color={
                        g.review === 'flagged'
                          ? 'red'
                          : g.review === 'approved'
                            ? 'green'
                            : 'yellow'
                      }
                    >
                      {t(`reviews.statuses.${g.review}`, g.review)}
                    </Badge>
                    {g.reviewNote && <Text size="xs">{g.reviewNote}</Text>}
                  </Table.Td>
                  <Table.Td>
                    {g.review === 'pending' && (
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          color="green"
                          onClick={() => setActing({ grant: g, outcome: 'approved' })}
                        >
                          {t('reviews.approve')}
                        </Button>
                        <Button
                          size="xs"
                          color="red"
                          variant="light"
                          onClick={() => setActing({ grant: g, outcome: 'flagged' })}
                        >
                          {t('reviews.flag')}
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {acting && <ReviewDialog {...acting} onClose={() => setActing(null)} />}
    </Stack>
  );
}

function ReviewDialog({
  grant,
  outcome,
  onClose,
}: {
  grant: Grant;
  outcome: 'approved' | 'flagged';
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [note, setNote] = useState('');
  const sub = useSubmission(['note']);
  return (
    <Modal
      opened
      onClose={onClose}
      title={t(outcome === 'approved' ? 'reviews.confirmApprove' : 'reviews.confirmFlag', {
        staff: grant.staffId,
        patient: grant.patientId,
      })}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            await api(
              'POST',
              `/api/access/break-glass/${encodeURIComponent(grant.grantId)}/review`,
              {
                outcome,
                ...(note.trim() ? { note: note.trim() } : {}),
              },
            );
            await qc.invalidateQueries({ queryKey: ['break-glass-reviews'] });
            onClose();
          });
        }}
      >
        <Stack>
          <Text size="sm">{grant.reasonText}</Text>
          <Textarea
            name="note"
            label={t('reviews.note')}
            description={t('staff.reasonHint')}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={sub.fieldError('note')}
          />
          {!!sub.formError && <ErrorBox error={sub.formError} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              loading={sub.busy}
              color={outcome === 'approved' ? 'green' : 'red'}
            >
              {t(outcome === 'approved' ? 'reviews.approve' : 'reviews.flag')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
