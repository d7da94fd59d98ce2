/**
 * Time helpers in the hospital's local time (Asia/Shanghai, UTC+8, no daylight saving). Pure
 * arithmetic on epoch milliseconds, so the output never depends on the machine's time zone.
 */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
const OFFSET = 8 * HOUR;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Epoch ms of local midnight starting the local day that contains `ms`. */
export function startOfLocalDay(ms: number): number {
  return Math.floor((ms + OFFSET) / DAY) * DAY - OFFSET;
}

/** Local date `YYYY-MM-DD` of an instant. */
export function localDate(ms: number): string {
  const d = new Date(ms + OFFSET);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

let cachedDay = Number.NaN;
let cachedPrefix = '';

/** ISO 8601 in local time with offset, second precision: `2025-06-01T08:30:05+08:00`. */
export function localIso(ms: number): string {
  const local = ms + OFFSET;
  const day = Math.floor(local / DAY);
  if (day !== cachedDay) {
    const d = new Date(day * DAY);
    cachedPrefix = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T`;
    cachedDay = day;
  }
  const sec = Math.floor((local - day * DAY) / 1000);
  return `${cachedPrefix}${pad2(Math.floor(sec / 3600))}:${pad2(Math.floor(sec / 60) % 60)}:${pad2(sec % 60)}+08:00`;
}

/** Chinese date `2025年6月1日`. */
export function chineseDate(ms: number): string {
  const d = new Date(ms + OFFSET);
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

/** Local hour of day (0–23) of an instant. */
export function localHour(ms: number): number {
  return Math.floor(((ms + OFFSET) % DAY) / HOUR);
}

/** Day of week of an instant in local time: 0 Sunday … 6 Saturday. */
export function localWeekday(ms: number): number {
  return new Date(ms + OFFSET).getUTCDay();
}

/** Epoch ms of local midnight of a `YYYY-MM-DD` date. */
export function parseLocalDate(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) - OFFSET;
}

/** Whole years between a birth date and an instant. */
export function ageAt(birthDate: string, ms: number): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const d = new Date(ms + OFFSET);
  let age = d.getUTCFullYear() - by;
  if (d.getUTCMonth() + 1 < bm || (d.getUTCMonth() + 1 === bm && d.getUTCDate() < bd)) age--;
  return age;
}
