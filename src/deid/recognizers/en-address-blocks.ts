/**
 * Address blocks: a street line found by the address recognizer is often followed by the rest of
 * a postal address, one field per line or after commas — unit, town, region code, country, postal
 * code — and preceded by a house or building number. These helpers widen a street finding over
 * those fields by their shape alone (no place lexicon), so that the town and the postal code of
 * an address are redacted with it.
 */

/** Separator between two fields: spaces, commas, line breaks, quoting marks ("> ", "| "). */
const SEP = /[ \t\r\n,]*(?:(?:[>|]|\?{3})[ \t]*)?/y;
/** Unit field: "Apt. 12", "Suite 7", "Unit 4B". */
const UNIT = /(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.? ?#?\d{1,5}[A-Za-z]?(?![\p{L}\d])/uy;
/**
 * Postal code field: 3 to 6 digits, "4000-123", "752 36", "1011 AB", "SW1A 1AA"; it must end the
 * line, the text or the field, or go on with the sentence ("... 40213 for this card").
 */
const POSTAL =
  /(?:\d{4}-\d{3}|\d{3} \d{2}|\d{4} [A-Z]{2}|\d{3,6}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})(?=[ \t]*(?:\r?\n|$|[,;.?!)])| [a-z])/y;
/** Region code field: two or three capital letters ("SK", "QC", "VIC") ending the field. */
const REGION = /[A-Z]{2,3}(?=[ \t]*(?:\r?\n|$|[,>|]| \d))/y;
/** A region by its number ("Lindholm, 13"): kept only before a postal code. */
const REGION_NUMBER = /\d{1,2}(?=[ \t]*(?:\r?\n|,))/y;
/**
 * Town or country field: one to four words, the first capitalised ("Port Elgin", "BERGEN",
 * "Fiji (Viti)", "Villeneuve sur Lot"), ending the line, the text or the field, or followed by
 * a postal code.
 */
const PLACE_WORD = String.raw`(?:\p{L}[\p{L}'’-]*(?:\.(?= \p{L}))?|\(\p{L}+\))`;
const PLACE = new RegExp(
  String.raw`\p{Lu}[\p{L}'’-]*(?:\.(?= \p{L}))?(?: ${PLACE_WORD}){0,3}(?=[ \t]*(?:\r?\n|$|[,>|?]|\.(?:\s|$)| \d))`,
  'uy',
);
/** A lower-case field of one or two short words ("porto, ab"): kept only before a postal code. */
const LOWER = /\p{Ll}[\p{Ll}'’-]*(?: \p{Ll}[\p{Ll}'’-]*)?(?=[ \t]*(?:\r?\n|,| \d))/uy;

const LOWER_REGION = /\p{Ll}{2}(?= \d)/uy;

/** Fields of a block after its street line. */
const MAX_FIELDS = 6;

function stickyAt(re: RegExp, text: string, i: number): number {
  re.lastIndex = i;
  return re.test(text) ? re.lastIndex : -1;
}

/** How far an address block reaches past its street line. */
export interface BlockEnd {
  end: number;
  /** A unit, region or postal-code field was taken: the block is surely a postal address. */
  strong: boolean;
}

/**
 * End of the address block that starts with a street finding ending at `end`: the end of the last
 * unit, region or postal-code field after it, of a town after a comma on the same line, or of
 * town and country lines that a unit, region or postal code follows (a town line alone could be
 * the next sentence of a note).
 */
export function extendAddressForward(text: string, end: number): BlockEnd {
  let last = end;
  let strong = false;
  let i = end;
  let pendingLower = false;
  for (let n = 0; n < MAX_FIELDS && i < text.length; n++) {
    const s = stickyAt(SEP, text, i);
    if (s < 0) break;
    // Fields are separated by something: a comma, a line break, a quoting mark or a space
    // (a space only before a postal code or a region code after a town).
    if (s === i) break;
    const gap = text.slice(i, s);
    // More than one blank line ends the block.
    if (/\n[^\n]*\n[^\n]*\n/.test(gap)) break;
    const spaceOnly = !/[,\n>|?]/.test(gap);
    let e: number;
    if ((e = stickyAt(POSTAL, text, s)) > 0) {
      last = e;
      strong = true;
      // A postal code closes the block.
      break;
    }
    if (pendingLower) {
      // "porto, ab 4000-123": a lower-case region code may stand between town and postal code.
      if ((e = stickyAt(LOWER_REGION, text, s)) > 0) {
        i = e;
        continue;
      }
      break;
    }
    if ((e = stickyAt(UNIT, text, s)) > 0 || (e = stickyAt(REGION, text, s)) > 0) {
      last = e;
      strong = true;
      i = e;
      continue;
    }
    if (spaceOnly) break;
    if ((e = stickyAt(PLACE, text, s)) > 0) {
      // A town after a comma on the line of the block counts at once; on a line of its own,
      // only when a unit, region or postal code comes after it.
      if (!gap.includes('\n') && (n === 0 || last === i)) last = e;
      i = e;
      continue;
    }
    if ((e = stickyAt(LOWER, text, s)) > 0 || (e = stickyAt(REGION_NUMBER, text, s)) > 0) {
      // Tentative: only a postal code after it makes it part of the block.
      i = e;
      pendingLower = true;
      continue;
    }
    break;
  }
  return { end: last, strong };
}

/** Start of a house or building number written before a street finding at `start`: "88 41 Birch Lane". */
export function extendAddressBackward(text: string, start: number): number {
  if (text.charCodeAt(start - 1) !== 32) return start;
  const j = start - 1;
  let k = j;
  while (k > 0 && isDigit(text.charCodeAt(k - 1))) k--;
  if (k === j || j - k > 6) return start;
  const before = k > 0 ? text[k - 1]! : '\n';
  // The number must stand alone: after a line start, a space, ">" or ":" (not "12/3 4 ...").
  if (!/[\s>:]/.test(before)) return start;
  return k;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
