/** Helpers for forms whose errors come from the service's problem+json answers. */
import { useState } from 'react';
import { ApiError, fieldOf } from '../api.ts';

/**
 * Tracks a submission: `fieldError(name)` is the service's detail when it names that field, and
 * `formError` the error that belongs to no field of this form.
 */
export function useSubmission(fields: readonly string[]) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = fieldOf(error, fields);
  return {
    busy,
    error,
    formError: error && !field ? error : null,
    fieldError: (name: string) =>
      field === name && error instanceof ApiError ? error.detail : undefined,
    clear: () => setError(null),
    run: async (fn: () => Promise<void>) => {
      setBusy(true);
      setError(null);
      try {
        await fn();
      } catch (e) {
        setError(e);
      } finally {
        setBusy(false);
      }
    },
  };
}
