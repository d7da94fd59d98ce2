import '@mantine/core/styles.css';
import './console.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider, createTheme } from '@mantine/core';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import './i18n.ts';
import { ApiError } from './api.ts';
import { App } from './App.tsx';

const theme = createTheme({
  primaryColor: 'blue',
  fontFamily:
    '-apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", Roboto, sans-serif',
  defaultRadius: 'sm',
});

const queries: QueryClient = new QueryClient({
  // A session that ended elsewhere (expired, revoked by an administrator, account suspended)
  // sends the console back to the sign-in page.
  queryCache: new QueryCache({
    onError: (err, query) => {
      if (
        err instanceof ApiError &&
        err.code === 'CUSTOS_UNAUTHENTICATED' &&
        query.queryKey[0] !== 'me'
      )
        queries.setQueryData(['me'], null);
    },
  }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // Retrying a refusal or a bad request cannot succeed; retry only network trouble and 5xx.
      retry: (count, err) =>
        count < 2 && (!(err instanceof ApiError) || err.status === 0 || err.status >= 500),
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <QueryClientProvider client={queries}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
