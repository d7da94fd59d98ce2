/** Sign in with user name, password and the authenticator's one-time code. */
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { api, ApiError } from '../api.ts';
import { PublicFrame } from '../components/frame.tsx';
import { navigate } from '../router.tsx';
import { useSignIn } from '../session.tsx';
import { ErrorBox } from '../components/states.tsx';
import { useSubmission } from '../components/forms.ts';

const FIELDS = ['username', 'password', 'totp'] as const;

/** The sign-in page. */
export function LoginPage() {
  const { t } = useTranslation();
  const setup = useQuery({
    queryKey: ['setup-status'],
    queryFn: () => api<{ open: boolean }>('GET', '/api/setup/status'),
  });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const totpRef = useRef<HTMLInputElement>(null);
  const sub = useSubmission(FIELDS);
  const signIn = useSignIn();
  const mfaMissing = sub.error instanceof ApiError && sub.error.code === 'CUSTOS_MFA_REQUIRED';

  return (
    <PublicFrame>
      <Paper withBorder p="xl" radius="md">
        <Title order={2} mb="md">
          {t('login.title')}
        </Title>
        {setup.data?.open && (
          <Alert color="blue" mb="md">
            {t('login.setupOpen')}
          </Alert>
        )}
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void sub.run(async () => {
              try {
                await signIn({ username, password, ...(totp ? { totp } : {}) });
              } catch (err) {
                if (err instanceof ApiError && err.code === 'CUSTOS_MFA_REQUIRED')
                  totpRef.current?.focus();
                setTotp('');
                throw err;
              }
              if (window.location.pathname === '/login') navigate('/', { replace: true });
            });
          }}
        >
          <Stack>
            {sub.formError != null && !mfaMissing && <ErrorBox error={sub.formError} />}
            <TextInput
              label={t('login.username')}
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
              error={sub.fieldError('username')}
              autoFocus
            />
            <PasswordInput
              label={t('login.password')}
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={sub.fieldError('password')}
              aria-invalid={sub.fieldError('password') ? true : undefined}
            />
            <TextInput
              ref={totpRef}
              label={t('login.totp')}
              name="totp"
              description={t('login.totpHint')}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={totp}
              onChange={(e) => setTotp(e.currentTarget.value.replace(/\D/g, ''))}
              error={mfaMissing ? t('login.mfaNeeded') : sub.fieldError('totp')}
            />
            <Button type="submit" loading={sub.busy}>
              {t('login.submit')}
            </Button>
          </Stack>
        </form>
      </Paper>
    </PublicFrame>
  );
}
