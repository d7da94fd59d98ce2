/** The one-time creation of the first administrator, from the link printed at start-up. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { api } from '../api.ts';
import { PublicFrame } from '../components/frame.tsx';
import { navigate, useSearch } from '../router.tsx';
import { useSignIn } from '../session.tsx';
import { ErrorBox, Loading } from '../components/states.tsx';
import { useSubmission } from '../components/forms.ts';

const FIELDS = ['username', 'name', 'password'] as const;

/** The setup page. */
export function SetupPage() {
  const { t } = useTranslation();
  const search = useSearch();
  // Keep the token in memory and take it out of the address bar and history right away.
  const [token] = useState(() => new URLSearchParams(search).get('token') ?? '');
  const status = useQuery({
    queryKey: ['setup-status'],
    queryFn: () => api<{ open: boolean }>('GET', '/api/setup/status'),
  });
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const sub = useSubmission(FIELDS);
  const signIn = useSignIn();

  if (token && search) window.history.replaceState(null, '', '/setup');

  let body;
  if (status.isPending) body = <Loading />;
  else if (status.isError)
    body = <ErrorBox error={status.error} onRetry={() => void status.refetch()} />;
  else if (!status.data.open)
    body = (
      <Stack>
        <Alert color="blue">{t('setup.closed')}</Alert>
        <Button variant="light" onClick={() => navigate('/')}>
          {t('setup.toLogin')}
        </Button>
      </Stack>
    );
  else if (!token) body = <Alert color="yellow">{t('setup.noToken')}</Alert>;
  else
    body = (
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            await api('POST', '/api/setup', { token, username, name, password });
            await signIn({ username, password });
            navigate('/', { replace: true });
          });
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            {t('setup.intro')}
          </Text>
          {sub.formError != null && <ErrorBox error={sub.formError} />}
          <TextInput
            label={t('setup.username')}
            name="username"
            autoComplete="username"
            withAsterisk
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
            error={sub.fieldError('username')}
            data-autofocus
          />
          <TextInput
            label={t('setup.name')}
            name="name"
            autoComplete="name"
            withAsterisk
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={sub.fieldError('name')}
          />
          <PasswordInput
            label={t('setup.password')}
            name="password"
            autoComplete="new-password"
            description={t('setup.passwordHint')}
            withAsterisk
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={sub.fieldError('password')}
            aria-invalid={sub.fieldError('password') ? true : undefined}
          />
          <Button type="submit" loading={sub.busy}>
            {t('setup.submit')}
          </Button>
        </Stack>
      </form>
    );

  return (
    <PublicFrame>
      <Paper withBorder p="xl" radius="md">
        <Title order={2} mb="md">
          {t('setup.title')}
        </Title>
        {body}
      </Paper>
    </PublicFrame>
  );
}
