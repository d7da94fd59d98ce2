/** Display formats shared by the console's views. */

/** A service timestamp in the user's locale, or a dash when there is none. */
export const when = (s: string | null | undefined): string =>
  s ? new Date(s).toLocaleString() : '—';
